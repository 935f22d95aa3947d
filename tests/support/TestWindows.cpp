#include "support/TestWindows.h"

#include <QAction>
#include <QElapsedTimer>
#include <QMenu>
#include <QSignalSpy>

namespace lens::test {

QAction* menuAction(QMenu* menu, const QString& text)
{
    for (QAction* action : menu->actions())
        if (action->text().remove(QLatin1Char('&')) == text)
            return action;
    return nullptr;
}

std::unique_ptr<MainWindow> WindowFactory::make(const QString& weights, const QString& preset,
                                                const QString& settingsFile)
{
    MainWindowOptions options;
    options.settingsFile = settingsFile.isEmpty()
        ? m_dir.filePath(QStringLiteral("settings%1.ini").arg(++m_windows))
        : settingsFile;
    options.weights = weights;
    options.preset = preset;
    auto window = std::make_unique<MainWindow>(options);
    if (!weights.isEmpty()) {
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        if (!loaded.wait(m_modelTimeout))
            qWarning("model did not load in time");
    }
    window->show();
    return window;
}

bool waitForResult(MainWindow& window, const QString& source, bool classified, quint64 after, int timeout)
{
    QSignalSpy shown(&window, &MainWindow::resultShown);
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeout) {
        const ClassifyResult& last = window.lastResult();
        if (last.id > after && last.source == source && last.classified == classified
            && !window.modelLoading())
            return true;
        shown.wait(int(timeout - clock.elapsed()));
    }
    return false;
}

bool openAndWait(MainWindow& window, const QString& path, bool classified, int timeout)
{
    const quint64 after = window.lastResult().id;
    window.openPaths({path});
    return waitForResult(window, path, classified, after, timeout);
}

} // namespace lens::test
