#include "BatchPanel.h"

#include "BatchResultModel.h"
#include "ImageFiles.h"
#include "MessageBanner.h"
#include "WorkerThread.h"
#include "batch/BatchWriter.h"
#include "io/Text.h"
#include "model/ResultFormat.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace lens {

namespace {

QString clock(double seconds)
{
    return QString::fromStdString(formatDuration(seconds));
}

bool knownOutputFormat(const QString& path)
{
    return BatchWriter::formatFor(path.toStdString()).ok(); // the rule the run itself applies
}

} // namespace

BatchPanel::BatchPanel(QWidget* parent)
    : QWidget(parent, Qt::Window)
{
    setObjectName(QStringLiteral("batchPanel"));
    setWindowTitle(tr("Label Folder — ResNet Lens"));

    m_work = std::make_unique<WorkerThread<BatchWorker>>(QStringLiteral("BatchWorker"));
    m_worker = m_work->worker();
    connect(m_worker, &BatchWorker::started, this, &BatchPanel::onStarted);
    connect(m_worker, &BatchWorker::progress, this, &BatchPanel::onProgress);
    connect(m_worker, &BatchWorker::finished, this, &BatchPanel::onFinished);
    connect(m_worker, &BatchWorker::rowsReady, this, [this](const QList<BatchResultRow>& rows) {
        m_results->append(rows);
        Q_EMIT rowsAdded(int(rows.size()));
    });

    m_results = new BatchResultModel(this);
    m_filter = new BatchFilterModel(this);
    m_filter->setSourceModel(m_results);

    m_banner = new MessageBanner(this);

    m_folders = new QListWidget(this);
    m_folders->setAccessibleName(tr("Folders to label"));
    m_folders->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_folders->setMaximumHeight(90);
    m_addFolder = new QPushButton(tr("Add Folder…"), this);
    m_removeFolder = new QPushButton(tr("Remove"), this);
    m_removeFolder->setAccessibleName(tr("Remove the selected folders"));
    connect(m_addFolder, &QPushButton::clicked, this, &BatchPanel::addFolder);
    connect(m_removeFolder, &QPushButton::clicked, this, &BatchPanel::removeFolders);
    m_recursive = new QCheckBox(tr("Include subfolders"), this);
    auto* folderButtons = new QVBoxLayout;
    folderButtons->addWidget(m_addFolder);
    folderButtons->addWidget(m_removeFolder);
    folderButtons->addWidget(m_recursive);
    folderButtons->addStretch(1);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folders, 1);
    folderRow->addLayout(folderButtons);

    m_output = new QLineEdit(this);
    m_output->setAccessibleName(tr("Output file"));
    m_output->setPlaceholderText(tr("labels.csv or labels.jsonl"));
    connect(m_output, &QLineEdit::textChanged, this, &BatchPanel::updateResume);
    connect(m_output, &QLineEdit::textChanged, this, &BatchPanel::selectionChanged);
    m_browse = new QPushButton(tr("Browse…"), this);
    m_browse->setAccessibleName(tr("Choose the output file"));
    connect(m_browse, &QPushButton::clicked, this, &BatchPanel::chooseOutput);
    m_resume = new QCheckBox(tr("Resume (skip the files already in it)"), this);
    auto* outputRow = new QHBoxLayout;
    outputRow->addWidget(m_output, 1);
    outputRow->addWidget(m_browse);
    outputRow->addWidget(m_resume);

    m_modelLabel = new QLabel(this);
    m_modelLabel->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Folders:"), folderRow);
    form->addRow(tr("Output:"), outputRow);
    form->addRow(tr("Model:"), m_modelLabel);

    m_start = new QPushButton(tr("&Start"), this);
    m_start->setDefault(true);
    m_cancel = new QPushButton(tr("&Cancel"), this);
    connect(m_start, &QPushButton::clicked, this, &BatchPanel::start);
    connect(m_cancel, &QPushButton::clicked, this, &BatchPanel::cancel);
    m_progress = new QProgressBar(this);
    m_progress->setAccessibleName(tr("Progress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progressLabel = new QLabel(this);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_start);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_progress, 1);
    runRow->addWidget(m_progressLabel);

    m_labelFilter = new QLineEdit(this);
    m_labelFilter->setPlaceholderText(tr("Filter by label…"));
    m_labelFilter->setClearButtonEnabled(true);
    m_labelFilter->setAccessibleName(tr("Filter by label"));
    connect(m_labelFilter, &QLineEdit::textChanged, m_filter, &BatchFilterModel::setLabelFilter);
    m_statusFilter = new QComboBox(this);
    m_statusFilter->setAccessibleName(tr("Filter by status"));
    m_statusFilter->addItem(tr("All files"), int(BatchFilterModel::StatusFilter::All));
    m_statusFilter->addItem(tr("Labelled"), int(BatchFilterModel::StatusFilter::Ok));
    m_statusFilter->addItem(tr("Errors only"), int(BatchFilterModel::StatusFilter::Errors));
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setStatusFilter(
            static_cast<BatchFilterModel::StatusFilter>(m_statusFilter->currentData().toInt()));
    });
    m_export = new QPushButton(tr("Export…"), this);
    m_export->setToolTip(tr("Save the rows shown (filters applied) as the run wrote them"));
    connect(m_export, &QPushButton::clicked, this, &BatchPanel::chooseExport);
    m_rowsLabel = new QLabel(this);
    m_rowsLabel->setObjectName(QStringLiteral("rowsLabel"));
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_labelFilter, 1);
    filterRow->addWidget(m_statusFilter);
    filterRow->addWidget(m_rowsLabel);
    filterRow->addWidget(m_export);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &BatchPanel::updateRowsText);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &BatchPanel::updateRowsText);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &BatchPanel::updateRowsText);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("batchResults"));
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // completion order until the user sorts
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setTabKeyNavigation(false);
    m_table->setAccessibleName(tr("Results"));
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex index = m_table->indexAt(pos);
        if (!index.isValid())
            return;
        std::unique_ptr<QMenu> menu(makeRowMenu(index));
        menu->exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        if (index.isValid())
            Q_EMIT openRequested(pathAt(index));
    });
    QHeaderView* header = m_table->horizontalHeader();
    header->resizeSection(BatchResultModel::Path, 240);
    header->resizeSection(BatchResultModel::Status, 60);
    header->resizeSection(BatchResultModel::Label, 180);
    header->resizeSection(BatchResultModel::Probability, 90);
    header->setStretchLastSection(true); // the error's reason gets the room left

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addLayout(form);
    layout->addLayout(runRow);
    layout->addLayout(filterRow);
    layout->addWidget(m_table, 1);
    resize(960, 640);

    setModel({});
    updateResume();
    updateRowsText();
}

void BatchPanel::keyPressEvent(QKeyEvent* event)
{
    // Escape closes the panel, as it would a dialog (a run goes on).
    if (event->key() == Qt::Key_Escape && event->modifiers() == Qt::NoModifier) {
        close();
        return;
    }
    QWidget::keyPressEvent(event);
}

QString BatchPanel::defaultOutput(const QString& folder)
{
    QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (documents.isEmpty())
        documents = QDir::homePath();
    QString name = QFileInfo(QDir::cleanPath(folder)).fileName();
    if (name.isEmpty())
        name = QStringLiteral("resnet-lens");
    return QDir(documents).filePath(name + QStringLiteral("-labels.csv"));
}

void BatchPanel::updateRowsText()
{
    m_rowsLabel->setText(tr("%1 of %2 rows").arg(m_filter->rowCount()).arg(m_results->rowCount()));
}

QString BatchPanel::rowsText() const
{
    return m_rowsLabel->text();
}

QList<QWidget*> BatchPanel::selectionWidgets() const
{
    return {m_folders, m_addFolder, m_removeFolder, m_recursive, m_output, m_browse};
}

QString BatchPanel::pathAt(const QModelIndex& index) const
{
    return m_filter->index(index.row(), BatchResultModel::Path).data(BatchResultModel::ValueRole).toString();
}

QString BatchPanel::selectedJson() const
{
    QStringList lines;
    for (const QModelIndex& index : m_table->selectionModel()->selectedRows()) {
        const int row = m_filter->mapToSource(index).row();
        const BatchResultRow& item = m_results->rows().at(std::size_t(row));
        lines << QString::fromStdString(
            item.error.isEmpty() ? classificationJson(item.path.toStdString(), item.top, true)
                                 : errorJson(item.path.toStdString(), item.error.toStdString(), true));
    }
    return lines.join(QLatin1Char('\n'));
}

QMenu* BatchPanel::makeRowMenu(const QModelIndex& index)
{
    const QString path = pathAt(index);
    auto* menu = new QMenu(this);
    menu->addAction(tr("&Open Image"), this, [this, path] { Q_EMIT openRequested(path); });
    menu->addAction(tr("Open Containing &Folder"), this, [path] { openContainingFolder(path); });
    menu->addSeparator();
    menu->addAction(tr("Copy &Path"), this, [path] { QGuiApplication::clipboard()->setText(path); });
    menu->addAction(tr("Copy as &JSON"), this,
                    [this] { QGuiApplication::clipboard()->setText(selectedJson()); });
    return menu;
}

BatchPanel::~BatchPanel()
{
    m_worker->cancel(); // the worker thread is joined when m_work goes
}

QThread* BatchPanel::workerThread() const
{
    return m_work->thread();
}

void BatchPanel::setModel(const BatchModel& model)
{
    m_model = model;
    m_modelLabel->setText(model.weights.isEmpty()
                              ? tr("No model loaded: open a checkpoint or download pretrained weights first.")
                              : tr("%1 · %2 · preset %3 · %4")
                                    .arg(model.name, QFileInfo(model.weights).fileName(), model.presetName,
                                         model.device.toUpper()));
    m_modelLabel->setToolTip(model.weights);
    updateButtons();
}

void BatchPanel::setFolders(const QStringList& folders)
{
    m_folders->clear();
    m_folders->addItems(folders);
    if (m_output->text().isEmpty() && !folders.isEmpty())
        m_output->setText(defaultOutput(folders.first()));
    updateButtons();
    Q_EMIT selectionChanged();
}

QStringList BatchPanel::folders() const
{
    QStringList out;
    for (int i = 0; i < m_folders->count(); ++i)
        out << m_folders->item(i)->text();
    return out;
}

void BatchPanel::setRecursive(bool on)
{
    m_recursive->setChecked(on);
}

void BatchPanel::setOutput(const QString& path)
{
    m_output->setText(path);
}

QString BatchPanel::output() const
{
    return m_output->text().trimmed();
}

void BatchPanel::setResume(bool on)
{
    m_resume->setChecked(on);
}

void BatchPanel::addFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Add Folder"), m_startFolder);
    if (folder.isEmpty())
        return;
    m_startFolder = folder;
    QStringList list = folders();
    if (!list.contains(folder))
        setFolders(list << folder);
}

void BatchPanel::removeFolders()
{
    qDeleteAll(m_folders->selectedItems());
    updateButtons();
    Q_EMIT selectionChanged();
}

void BatchPanel::chooseOutput()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Batch Output"), output().isEmpty() ? m_startFolder : output(),
        tr("CSV (*.csv);;JSON Lines (*.jsonl)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_output->setText(path);
}

void BatchPanel::chooseExport()
{
    const bool jsonl = m_lastOutput.endsWith(QLatin1String(".jsonl"), Qt::CaseInsensitive)
        || m_lastOutput.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    const QString start
        = QFileInfo(m_lastOutput.isEmpty() ? defaultOutput(m_startFolder) : m_lastOutput)
              .dir()
              .filePath(jsonl ? QStringLiteral("export.jsonl") : QStringLiteral("export.csv"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Results"), start,
                                                      jsonl ? tr("JSON Lines (*.jsonl);;CSV (*.csv)")
                                                            : tr("CSV (*.csv);;JSON Lines (*.jsonl)"));
    if (!path.isEmpty())
        exportTo(path);
}

bool BatchPanel::exportTo(const QString& path)
{
    if (!knownOutputFormat(path)) {
        m_banner->showMessage(MessageBanner::Kind::Error, tr("Export to a file ending in .csv or .jsonl."));
        return false;
    }
    const QString error = exportRows(*m_filter, path, m_run);
    if (!error.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Error, error);
        return false;
    }
    m_banner->showMessage(MessageBanner::Kind::Info,
                          tr("Exported %n row(s) to %1.", nullptr, m_filter->rowCount()).arg(path));
    return true;
}

void BatchPanel::updateResume()
{
    const bool exists = QFileInfo::exists(output());
    if (!exists)
        m_resume->setChecked(false);
    m_resume->setEnabled(exists && !m_running);
    m_resume->setToolTip(exists ? tr("The file exists: resume it, or choose another file.")
                                : tr("Offered when the output file exists."));
}

void BatchPanel::updateButtons()
{
    m_start->setEnabled(!m_running && !m_model.weights.isEmpty());
    m_cancel->setEnabled(m_running);
    for (QWidget* widget : selectionWidgets())
        widget->setEnabled(!m_running);
    updateResume();
}

bool BatchPanel::start()
{
    if (m_running)
        return false;
    const auto refuse = [this](const QString& message) {
        m_banner->showMessage(MessageBanner::Kind::Error, message);
        return false;
    };
    if (m_model.weights.isEmpty())
        return refuse(tr("No model loaded: open a checkpoint or download pretrained weights first."));
    if (folders().isEmpty())
        return refuse(tr("Add at least one folder to label."));
    const QString out = output();
    if (out.isEmpty() || !knownOutputFormat(out))
        return refuse(tr("Choose an output file ending in .csv or .jsonl."));
    const bool resume = m_resume->isChecked();
    if (QFileInfo::exists(out) && !resume)
        return refuse(tr("%1 already exists. Tick Resume to finish it, or choose another file.").arg(out));

    if (!resume || out != m_lastOutput)
        m_results->clear();
    m_lastOutput = out;

    BatchRequest request;
    request.roots = folders();
    request.recursive = m_recursive->isChecked();
    request.output = out;
    request.resume = resume;
    request.weights = m_model.weights;
    request.weightsKey = m_model.weightsKey;
    request.labels = m_model.labels;
    request.arch = m_model.arch;
    request.device = m_model.device;
    request.precision = m_model.precision;
    request.preprocess = m_model.preprocess;
    request.presetName = m_model.presetName;
    m_run = RunInfo {m_model.name.toStdString(),
                     m_model.weights.toStdString(),
                     m_model.presetName.toStdString(),
                     m_model.device.toStdString(),
                     request.topk,
                     precisionName(m_model.precision)};

    m_banner->dismiss();
    m_running = true;
    updateButtons();
    m_progress->setRange(0, 0); // busy until the file list and the model are ready
    m_progressLabel->setText(tr("Listing files and loading the model…"));
    m_worker->clearCancel();
    m_work->post([request](BatchWorker* worker) { worker->run(request); });
    return true;
}

void BatchPanel::cancel()
{
    if (!m_running)
        return;
    m_worker->cancel();
    m_progressLabel->setText(tr("Stopping…"));
}

QString BatchPanel::progressText() const
{
    return m_progressLabel->text();
}

void BatchPanel::onStarted(const BatchStatus& status, const QString& model)
{
    m_run.model = model.toStdString();
    m_progress->setRange(0, std::max(1, status.total));
    m_progress->setValue(0);
    onProgress(status);
}

void BatchPanel::onProgress(const BatchStatus& status)
{
    m_progress->setValue(status.done);
    const double rate = status.seconds > 0 ? status.done / status.seconds : 0;
    QString text = tr("%1 of %2 files").arg(status.done).arg(status.total);
    if (status.done > 0)
        text += tr(" · %1 img/s").arg(rate, 0, 'f', 1);
    if (status.failed > 0)
        text += tr(" · %n error(s)", nullptr, status.failed);
    if (status.done < status.total && rate > 0)
        text += tr(" · ETA %1").arg(clock((status.total - status.done) / rate));
    if (status.skipped > 0)
        text += tr(" · %1 done before").arg(status.skipped);
    if (m_running || status.done >= status.total)
        m_progressLabel->setText(text);
}

void BatchPanel::onFinished(const BatchSummary& summary)
{
    m_running = false;
    updateButtons();
    const BatchStatus& s = summary.status;
    if (!summary.ok) {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
        m_progressLabel->setText(s.total > 0 ? tr("Stopped at %1 of %2 files").arg(s.done).arg(s.total)
                                             : tr("Not started"));
        m_banner->showMessage(MessageBanner::Kind::Error, tr("The batch run failed: %1").arg(summary.error));
    } else if (summary.cancelled) {
        m_progressLabel->setText(tr("Cancelled at %1 of %2 files").arg(s.done).arg(s.total));
        m_resume->setChecked(true);
        m_banner->showMessage(MessageBanner::Kind::Info,
                              tr("Cancelled. %1 keeps every row written (%2 files); Start again with "
                                 "Resume ticked to finish it.")
                                  .arg(summary.output)
                                  .arg(s.skipped + s.done));
    } else {
        onProgress(s);
        const double rate = s.seconds > 0 ? s.done / s.seconds : 0;
        const QString done = tr("Labelled %1 files in %2 (%3 img/s) into %4.")
                                 .arg(s.done - s.failed)
                                 .arg(clock(s.seconds))
                                 .arg(rate, 0, 'f', 1)
                                 .arg(summary.output);
        if (s.failed > 0)
            m_banner->showMessage(
                MessageBanner::Kind::Warning,
                done + QLatin1Char(' ')
                    + tr("%n file(s) could not be read: choose \"Errors only\" to list them.", nullptr,
                         s.failed));
        else
            m_banner->showMessage(MessageBanner::Kind::Info, done);
    }
    Q_EMIT runFinished(summary);
}

} // namespace lens
