#pragma once

// The window's persistent settings, typed. Stored with QSettings: the user's configuration by default, or
// an INI file given by path (tests use a temporary one so they never touch a user's settings).

#include "preprocess/Preprocess.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <memory>

class QSettings;

namespace lens {

class AppSettings {
public:
    /// iniPath empty = QSettings' default location for this application.
    explicit AppSettings(const QString& iniPath = {});
    ~AppSettings();

    QString lastFolder() const;
    void setLastFolder(const QString& folder);
    bool recursive() const;
    void setRecursive(bool on);
    QString weights() const;
    void setWeights(const QString& path);
    QString arch() const;
    void setArch(const QString& arch);
    QString device() const;
    void setDevice(const QString& device);
    /// False when no preset was saved yet.
    bool hasPreset() const;
    PreprocessOptions preset() const;
    void setPreset(const PreprocessOptions& options);
    /// The Label Folder panel's folders and output file.
    QStringList batchFolders() const;
    void setBatchFolders(const QStringList& folders);
    QString batchOutput() const;
    void setBatchOutput(const QString& path);
    QByteArray geometry() const;
    void setGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

    QStringList recentFiles() const;
    /// Puts path first (at most kMaxRecent entries).
    void addRecentFile(const QString& path);
    void clearRecentFiles();
    static constexpr int kMaxRecent = 10;

    void sync();

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace lens
