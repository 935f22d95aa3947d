#include "WeightsPicker.h"

#include "DownloadWorker.h"
#include "MessageBanner.h"
#include "WeightsCatalogModel.h"
#include "WorkerThread.h"
#include "io/Text.h"
#include "weights/HubCache.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace lens {

namespace {

QString megabytes(qint64 bytes)
{
    return QString::number(bytes / 1e6, 'f', 1);
}

QString clock(double seconds)
{
    return QString::fromStdString(formatDuration(seconds));
}

} // namespace

WeightsPicker::WeightsPicker(QWidget* parent)
    : WeightsPicker(weightsCatalog(), parent)
{ }

WeightsPicker::WeightsPicker(std::vector<WeightsInfo> entries, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("weightsPicker"));
    setWindowTitle(tr("Pretrained Weights — ResNet Lens"));

    m_work = std::make_unique<WorkerThread<DownloadWorker>>(QStringLiteral("WeightsDownload"));
    m_worker = m_work->worker();
    connect(m_worker, &DownloadWorker::progress, this, &WeightsPicker::onProgress);
    connect(m_worker, &DownloadWorker::finished, this, &WeightsPicker::onFinished);

    m_model = new WeightsCatalogModel(std::move(entries), this);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_model);
    m_sorted->setSortRole(WeightsCatalogModel::ValueRole);

    m_banner = new MessageBanner(this);
    m_source = new QLabel(this);
    m_source->setWordWrap(true);
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("weightsView"));
    m_view->setModel(m_sorted);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder); // catalog order until the user sorts
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->resizeColumnsToContents();
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &WeightsPicker::updateButtons);
    connect(m_view, &QTableView::doubleClicked, this, [this] {
        if (!use())
            download();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, &WeightsPicker::updateButtons);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progressLabel = new QLabel(this);
    m_cancel = new QPushButton(tr("Cancel Download"), this);
    connect(m_cancel, &QPushButton::clicked, this, &WeightsPicker::cancelDownload);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_progressLabel);
    progressRow->addWidget(m_cancel);

    auto* buttons = new QDialogButtonBox(this);
    m_use = buttons->addButton(tr("Use"), QDialogButtonBox::AcceptRole);
    m_use->setToolTip(tr("Load the selected weights, with the preset they were trained with"));
    m_download = buttons->addButton(tr("Download"), QDialogButtonBox::ActionRole);
    m_download->setToolTip(tr("Download the selected weights into the torch.hub cache"));
    buttons->addButton(QDialogButtonBox::Close);
    connect(m_use, &QPushButton::clicked, this, &WeightsPicker::use);
    connect(m_download, &QPushButton::clicked, this, &WeightsPicker::download);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::hide);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addWidget(m_source);
    layout->addWidget(m_view, 1);
    layout->addLayout(progressRow);
    layout->addWidget(buttons);
    resize(1000, 560);

    updateSource();
    updateButtons();
}

WeightsPicker::~WeightsPicker()
{
    m_worker->cancel(); // the worker thread is joined when m_work goes
}

QThread* WeightsPicker::workerThread() const
{
    return m_work->thread();
}

void WeightsPicker::showEvent(QShowEvent* event)
{
    m_model->refresh();
    updateSource();
    QDialog::showEvent(event);
}

void WeightsPicker::updateSource()
{
    m_source->setText(
        tr("torchvision's ImageNet-1k weights. Cache: %1 (shared with PyTorch). Downloads "
           "from %2.")
            .arg(QString::fromStdString(hubCheckpointsDir()), QString::fromStdString(weightsBaseUrl())));
}

bool WeightsPicker::select(const QString& name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return false;
    const QModelIndex index = m_sorted->mapFromSource(m_model->index(row, 0));
    m_view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index);
    return true;
}

void WeightsPicker::setWeightsInUse(const QString& path)
{
    m_model->setInUse(path);
}

int WeightsPicker::selectedRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : m_sorted->mapToSource(rows.first()).row();
}

void WeightsPicker::updateButtons()
{
    const int row = selectedRow();
    const bool cached = row >= 0 && !m_model->cachedPath(row).isEmpty();
    m_use->setEnabled(cached);
    m_download->setEnabled(row >= 0 && !cached && !downloading());
    m_cancel->setEnabled(downloading());
    m_progress->setVisible(downloading());
    m_cancel->setVisible(downloading());
}

bool WeightsPicker::use()
{
    const int row = selectedRow();
    if (row < 0 || m_model->cachedPath(row).isEmpty())
        return false;
    const WeightsInfo& w = m_model->entry(row);
    Q_EMIT useRequested(m_model->cachedPath(row), QString::fromStdString(w.arch),
                        QString::fromStdString(w.preset), QString::fromStdString(w.name));
    return true;
}

bool WeightsPicker::download()
{
    const int row = selectedRow();
    if (row < 0 || downloading())
        return false;
    if (!m_model->cachedPath(row).isEmpty())
        return false; // nothing to do
    const WeightsInfo weights = m_model->entry(row);
    m_downloading = QString::fromStdString(weights.name);
    m_banner->dismiss();
    m_progress->setRange(0, 0);
    m_progressLabel->setText(tr("Connecting to %1…").arg(QString::fromStdString(weightsUrl(weights))));
    updateButtons();
    m_worker->clearCancel();
    m_work->post([weights](DownloadWorker* worker) { worker->download(weights); });
    return true;
}

void WeightsPicker::cancelDownload()
{
    if (!downloading())
        return;
    m_worker->cancel();
    m_progressLabel->setText(tr("Stopping…"));
}

QString WeightsPicker::progressText() const
{
    return m_progressLabel->text();
}

void WeightsPicker::onProgress(qint64 done, qint64 total, double bytesPerSecond, double etaSeconds)
{
    if (!downloading())
        return;
    if (total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(1000.0 * double(done) / double(total)));
    }
    QString text = total > 0 ? tr("%1: %2 of %3 MB").arg(m_downloading, megabytes(done), megabytes(total))
                             : tr("%1: %2 MB").arg(m_downloading, megabytes(done));
    if (bytesPerSecond > 0)
        text += tr(" · %1 MB/s").arg(bytesPerSecond / 1e6, 0, 'f', 1);
    if (etaSeconds >= 0 && done < total)
        text += tr(" · ETA %1").arg(clock(etaSeconds));
    m_progressLabel->setText(text);
}

void WeightsPicker::onFinished(const QString& name, const QString& path, const QString& error, bool cancelled,
                               double seconds, qint64 bytes)
{
    m_downloading.clear();
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_model->refresh();
    updateButtons();
    if (cancelled) {
        m_progressLabel->setText(tr("Cancelled"));
        m_banner->showMessage(
            MessageBanner::Kind::Info,
            tr("Download of %1 cancelled. Downloading it again resumes where it stopped.").arg(name));
    } else if (!error.isEmpty()) {
        m_progressLabel->clear();
        m_banner->showMessage(MessageBanner::Kind::Error, tr("Could not download %1: %2").arg(name, error));
    } else {
        m_progressLabel->setText(tr("%1: %2 MB in %3 s").arg(name, megabytes(bytes)).arg(seconds, 0, 'f', 1));
        m_banner->showMessage(MessageBanner::Kind::Info,
                              tr("%1 is in the cache (%2). Use loads it.").arg(name, path));
        select(name);
    }
    Q_EMIT downloadFinished(error.isEmpty() && !cancelled);
}

} // namespace lens
