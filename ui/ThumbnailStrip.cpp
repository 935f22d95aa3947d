#include "ThumbnailStrip.h"

#include "ImageConvert.h"
#include "image/ImageDecoder.h"

#include <QFileInfo>
#include <QPainter>
#include <QPixmap>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

namespace lens {

namespace {

constexpr int kThumbSide = 96;

constexpr int kFlaggedRole = Qt::UserRole + 1; ///< bool: the decoder refused the file
constexpr int kReadyRole = Qt::UserRole + 2; ///< bool: the thumbnail or its warning is in place

/// Runs on a pool thread, with the engine's decoder (the pixels the model sees, turned upright as the image
/// view shows them); a large JPEG is decoded at a reduced scale in the DCT domain, so photos stay cheap.
/// The reduced decode reads every byte of the scan as the full one does, so it refuses exactly the files
/// classification refuses (a truncated file among them).
Thumbnail makeThumbnail(const QString& path)
{
    DecodeOptions upright;
    upright.applyExifOrientation = true;
    upright.reduceToShortSide = kThumbSide * 2;
    const auto decoded = decodeImage(path.toStdString(), upright);
    if (!decoded)
        return {{}, QString::fromStdString(decoded.message())};
    const QImage image = toQImage(decoded.value());
    // Very wide or tall images keep at least one row or column.
    QSize size = image.size().scaled(kThumbSide, kThumbSide, Qt::KeepAspectRatio);
    size = size.expandedTo(QSize(1, 1));
    // Centred on a square of its own, so that every cell of the list has the same size and spacing.
    QImage square(kThumbSide, kThumbSide, QImage::Format_ARGB32_Premultiplied);
    square.fill(Qt::transparent);
    QPainter painter(&square);
    painter.drawImage(QPoint((kThumbSide - size.width()) / 2, (kThumbSide - size.height()) / 2),
                      image.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    painter.end();
    return {square, {}};
}

/// Every cell fills its grid cell, which is as wide as the list, so that the thumbnail and its name are
/// centred in the list (the view would otherwise place a cell of the thumbnail's width at the left).
class CellDelegate : public QStyledItemDelegate {
public:
    explicit CellDelegate(QListView* view)
        : QStyledItemDelegate(view)
        , m_view(view)
    { }

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const QSize grid = m_view->gridSize();
        return grid.isValid() ? grid : QStyledItemDelegate::sizeHint(option, index);
    }

private:
    QListView* m_view;
};

} // namespace

ThumbnailStrip::ThumbnailStrip(QWidget* parent)
    : QListView(parent)
{
    setObjectName(QStringLiteral("thumbnails"));
    m_model = new QStandardItemModel(this);
    m_pool = new QThreadPool(this);
    m_pool->setMaxThreadCount(1);
    setModel(m_model);
    setItemDelegate(new CellDelegate(this));
    setViewMode(QListView::IconMode);
    setFlow(QListView::TopToBottom);
    setWrapping(false);
    setMovement(QListView::Static);
    setResizeMode(QListView::Adjust);
    setIconSize(QSize(kThumbSide, kThumbSide));
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSpacing(0);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setTextElideMode(Qt::ElideRight);
    setWordWrap(false);
    updateGrid();
    connect(selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& current) {
        if (current.isValid())
            Q_EMIT currentFileChanged(m_files.value(current.row()));
    });
}

ThumbnailStrip::~ThumbnailStrip()
{
    cancel();
}

void ThumbnailStrip::updateGrid()
{
    // One column as wide as the list, so that the cells are evenly spaced and nothing scrolls sideways.
    const int width = std::max(kThumbSide + 8, viewport()->width() - 2);
    setGridSize(QSize(width, kThumbSide + fontMetrics().height() + 12));
}

void ThumbnailStrip::resizeEvent(QResizeEvent* event)
{
    QListView::resizeEvent(event);
    updateGrid();
}

bool ThumbnailStrip::flagged(const QString& path) const
{
    const QStandardItem* item = m_model->item(int(m_files.indexOf(path)));
    return item && item->data(kFlaggedRole).toBool();
}

bool ThumbnailStrip::thumbnailReady(const QString& path) const
{
    const QStandardItem* item = m_model->item(int(m_files.indexOf(path)));
    return item && item->data(kReadyRole).toBool();
}

void ThumbnailStrip::setFiles(const QStringList& files, const QString& current)
{
    cancel();
    m_files = files;
    {
        QSignalBlocker block(selectionModel());
        m_model->clear();
        for (const QString& file : files) {
            auto* item = new QStandardItem(QFileInfo(file).fileName());
            item->setToolTip(file);
            item->setEditable(false);
            m_model->appendRow(item);
        }
    }
    startThumbnails();
    if (!files.isEmpty())
        selectFile(current.isEmpty() || !files.contains(current) ? files.first() : current);
}

QString ThumbnailStrip::currentFile() const
{
    return m_files.value(currentIndex().row());
}

void ThumbnailStrip::selectFile(const QString& path)
{
    const int row = m_files.indexOf(path);
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row, 0);
    setCurrentIndex(index);
    // Before the first layout the view cannot scroll yet: do it once events are processed.
    QMetaObject::invokeMethod(
        this,
        [this, index = QPersistentModelIndex(index)] {
            if (index.isValid())
                scrollTo(index, QAbstractItemView::PositionAtCenter);
        },
        Qt::QueuedConnection);
}

bool ThumbnailStrip::step(int delta)
{
    if (m_files.isEmpty())
        return false;
    const int n = static_cast<int>(m_files.size());
    const int row = currentIndex().isValid() ? currentIndex().row() : 0;
    selectFile(m_files.value(((row + delta) % n + n) % n));
    return true;
}

bool ThumbnailStrip::busy() const
{
    return m_watcher && m_watcher->isRunning();
}

void ThumbnailStrip::cancel()
{
    if (!m_watcher)
        return;
    // The pool threads finish their current file; the watcher deletes itself once they are done.
    const bool wasRunning = !m_watcher->isFinished();
    m_watcher->disconnect(this);
    m_watcher->cancel();
    if (m_watcher->isFinished())
        m_watcher->deleteLater();
    else
        connect(m_watcher, &QFutureWatcherBase::finished, m_watcher, &QObject::deleteLater);
    m_watcher = nullptr;
    if (wasRunning)
        Q_EMIT progress(0, 0);
}

void ThumbnailStrip::startThumbnails()
{
    if (m_files.isEmpty())
        return;
    m_watcher = new QFutureWatcher<Thumbnail>(this);
    QFutureWatcher<Thumbnail>* watcher = m_watcher;
    const int total = static_cast<int>(m_files.size());
    connect(watcher, &QFutureWatcherBase::resultReadyAt, this, [this, watcher](int i) {
        const Thumbnail thumb = watcher->resultAt(i);
        QStandardItem* item = m_model->item(i);
        if (!item)
            return;
        const bool bad = thumb.image.isNull();
        item->setIcon(bad ? style()->standardIcon(QStyle::SP_MessageBoxWarning)
                          : QIcon(QPixmap::fromImage(thumb.image)));
        item->setToolTip(bad ? m_files.value(i) + QLatin1Char('\n') + thumb.error : m_files.value(i));
        item->setData(bad, kFlaggedRole);
        item->setData(true, kReadyRole);
    });
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this,
            [this, total](int done) { Q_EMIT progress(done, total); });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, total] {
        if (m_watcher == watcher) {
            m_watcher = nullptr;
            watcher->deleteLater();
            Q_EMIT progress(total, total);
        }
    });
    watcher->setFuture(QtConcurrent::mapped(m_pool, m_files, makeThumbnail));
    Q_EMIT progress(0, total);
}

} // namespace lens
