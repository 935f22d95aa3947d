#pragma once

// The window's persistent settings, typed. Stored with QSettings: the user's configuration by default, or
// an INI file given by path (tests use a temporary one so they never touch a user's settings).

#include "model/Precision.h"
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
    /// The number format inference runs in (Model > Fast bf16 Inference); fp32 unless the user chose bf16.
    Precision precision() const;
    void setPrecision(Precision precision);
    /// True when the user chose a preset (saved by setPreset); otherwise the preset follows the weights.
    bool hasPreset() const;
    PreprocessOptions preset() const;
    /// Saves the preset the user chose.
    void setPreset(const PreprocessOptions& options);
    /// Forgets the user's preset, so that it follows the weights again.
    void clearPreset();
    /// The labels file (class names, one a line) used with a checkpoint; empty when none.
    QString labelsFor(const QString& weights) const;
    void setLabelsFor(const QString& weights, const QString& labels);
    /// The Label Folder panel's folders and output file.
    QStringList batchFolders() const;
    void setBatchFolders(const QStringList& folders);
    QString batchOutput() const;
    void setBatchOutput(const QString& path);
    QByteArray geometry() const;
    void setGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

    /// Files and folders the user opened, newest first.
    QStringList recentFiles() const;
    /// Puts path (a file or a folder) first (at most kMaxRecent entries).
    void addRecentFile(const QString& path);
    void clearRecentFiles();
    static constexpr int kMaxRecent = 10;

    void sync();

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace lens
