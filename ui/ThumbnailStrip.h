#pragma once

// A strip of thumbnails for the opened files, made off the GUI thread (QtConcurrent::mapped, watched by a
// QFutureWatcher: each thumbnail appears as it is ready). Arrow keys move through it; selecting one
// emits currentFileChanged. A thumbnail is decoded by the classifier's own decoder with the same verdict:
// a file the model cannot read shows a warning icon, with the reason as its tooltip.

#include <QFutureWatcher>
#include <QImage>
#include <QListView>

class QStandardItemModel;
class QThreadPool;

namespace lens {

/// One file's thumbnail, or why it has none.
struct Thumbnail {
    QImage image;
    QString error; ///< the decoder's message when the file cannot be read
};

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
    /// True when the file's thumbnail is made and the decoder refused the file.
    bool flagged(const QString& path) const;
    /// True when the file's thumbnail (or its warning) is in place.
    bool thumbnailReady(const QString& path) const;

Q_SIGNALS:
    void currentFileChanged(const QString& path);
    /// Thumbnailing progress: done of total; done == total when finished or cancelled.
    void progress(int done, int total);

private:
    void startThumbnails();
    void resizeEvent(QResizeEvent* event) override;
    void updateGrid();

    QStandardItemModel* m_model = nullptr;
    QStringList m_files;
    QFutureWatcher<Thumbnail>* m_watcher = nullptr;
    QThreadPool* m_pool = nullptr;
};

} // namespace lens
