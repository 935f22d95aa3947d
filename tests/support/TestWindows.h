#pragma once

// The desktop window as the GUI suites drive it: windows with settings files of their own, and waiting
// until a result is on screen. GUI thread only, like the window itself.

#include "MainWindow.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>
#include <memory>

class QAction;
class QMenu;

namespace lens::test {

/// The menu's action whose text, without its mnemonic, is text; null when there is none.
QAction* menuAction(QMenu* menu, const QString& text);

/// Receives what the app asks the desktop to open, while installed for a scheme with
/// QDesktopServices::setUrlHandler(scheme, &catcher, "open").
class UrlCatcher : public QObject {
    Q_OBJECT

public:
    QList<QUrl> urls;

public Q_SLOTS:
    void open(const QUrl& url) { urls << url; }
};

/// How long a GUI suite waits for a model to load or an image to be classified, in ms.
constexpr int kWindowTimeout = 120000;

/// Makes the windows of one suite, each with its own settings file in a temporary folder, so that no
/// window sees what another saved.
class WindowFactory {
public:
    explicit WindowFactory(int modelTimeout = kWindowTimeout)
        : m_modelTimeout(modelTimeout)
    { }

    bool isValid() const { return m_dir.isValid(); }

    /// A shown window on `settingsFile` (a fresh one when empty) with the preset given; loads `weights`
    /// (when given) and waits for the model, warning when it does not load in time.
    std::unique_ptr<MainWindow> make(const QString& weights = {},
                                     const QString& preset = QStringLiteral("v1"),
                                     const QString& settingsFile = {});

private:
    QTemporaryDir m_dir;
    int m_windows = 0;
    int m_modelTimeout;
};

/// Waits for a result newer than request `after` for `source`, with or without predictions, shown while no
/// model is loading. False when none came within `timeout` ms.
bool waitForResult(MainWindow& window, const QString& source, bool classified, quint64 after,
                   int timeout = kWindowTimeout);

/// Opens a file and waits until its result is on screen (see waitForResult()).
bool openAndWait(MainWindow& window, const QString& path, bool classified = true,
                 int timeout = kWindowTimeout);

} // namespace lens::test
