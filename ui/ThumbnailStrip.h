#pragma once

// A strip of thumbnails for the opened files, made off the GUI thread (QtConcurrent::mapped, watched by a
// QFutureWatcher: each thumbnail appears as it is ready). Arrow keys move through it; selecting one
// emits currentFileChanged.

#include <QFutureWatcher>
#include <QImage>
#include <QListView>

class QStandardItemModel;
class QThreadPool;

namespace lens {

class ThumbnailStrip : public QListView {
    Q_OBJECT

public:
    explicit ThumbnailStrip(QWidget* parent = nullptr);
    ~ThumbnailStrip() override;

    /// Replaces the files (cancelling thumbnails still being made) and selects `current` (or the first).
    void setFiles(const QStringList& files, const QString& current = {});
    QStringList files() const { return m_files; }
    QString currentFile() const;
    void selectFile(const QString& path);
    /// Moves the selection by delta (wrapping); returns false with no files.
    bool step(int delta);
    /// Stops making thumbnails.
    void cancel();
    bool busy() const;

Q_SIGNALS:
    void currentFileChanged(const QString& path);
    /// Thumbnailing progress: done of total; done == total when finished or cancelled.
    void progress(int done, int total);

private:
    void startThumbnails();

    QStandardItemModel* m_model = nullptr;
    QStringList m_files;
    QFutureWatcher<QImage>* m_watcher = nullptr;
    QThreadPool* m_pool = nullptr;
};

} // namespace lens
