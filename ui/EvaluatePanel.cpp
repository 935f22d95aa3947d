#include "EvaluatePanel.h"

#include "EvaluationViews.h"
#include "MessageBanner.h"
#include "ThumbnailStrip.h"
#include "WorkerThread.h"
#include "io/Text.h"
#include "jobs/Evaluation.h"
#include "jobs/EvaluationPlots.h"

#include <QCheckBox>
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
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace lens {

namespace {

QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

bool knownPredictionsFormat(const QString& path)
{
    return BatchWriter::formatFor(path.toStdString()).ok(); // the rule the run itself applies
}

QStandardItem* cell(const QString& shown, const QVariant& sortKey)
{
    auto* item = new QStandardItem(shown);
    item->setData(sortKey, EvaluatePanel::SortRole);
    item->setEditable(false);
    return item;
}

QStandardItem* numberCell(std::size_t n)
{
    auto* item = cell(QString::number(n), qulonglong(n));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QStandardItem* fractionCell(double value)
{
    auto* item = cell(QString::number(value, 'f', 4), value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

bool writeText(const QString& path, const std::string& content, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(content.data(), qint64(content.size())) != qint64(content.size()) || !file.commit()) {
        *error = EvaluatePanel::tr("Could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

EvaluatePanel::EvaluatePanel(QWidget* parent)
    : QWidget(parent, Qt::Window)
{
    setObjectName(QStringLiteral("evaluatePanel"));
    setWindowTitle(tr("Evaluate Folder — ResNet Lens"));

    m_work = std::make_unique<WorkerThread<EvaluateWorker>>(QStringLiteral("EvaluateWorker"));
    m_worker = m_work->worker();
    connect(m_worker, &EvaluateWorker::started, this, &EvaluatePanel::onStarted);
    connect(m_worker, &EvaluateWorker::progress, this, &EvaluatePanel::onProgress);
    connect(m_worker, &EvaluateWorker::finished, this, &EvaluatePanel::onFinished);
    connect(m_worker, &EvaluateWorker::warning, this,
            [this](const QString& message) { m_banner->showMessage(MessageBanner::Kind::Warning, message); });

    m_banner = new MessageBanner(this);

    m_folders = new QListWidget(this);
    m_folders->setAccessibleName(tr("Labelled folders to evaluate"));
    m_folders->setToolTip(tr("Folders in ImageFolder's layout: one subfolder per true class"));
    m_folders->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_folders->setMaximumHeight(72);
    m_addFolder = new QPushButton(tr("Add Folder…"), this);
    m_removeFolder = new QPushButton(tr("Remove"), this);
    m_removeFolder->setAccessibleName(tr("Remove the selected folders"));
    connect(m_addFolder, &QPushButton::clicked, this, &EvaluatePanel::addFolder);
    connect(m_removeFolder, &QPushButton::clicked, this, &EvaluatePanel::removeFolders);
    m_recursive = new QCheckBox(tr("Include subfolders"), this);
    m_recursive->setToolTip(tr("Images below each class folder too, not only directly in it"));
    auto* folderButtons = new QVBoxLayout;
    folderButtons->addWidget(m_addFolder);
    folderButtons->addWidget(m_removeFolder);
    folderButtons->addWidget(m_recursive);
    folderButtons->addStretch(1);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folders, 1);
    folderRow->addLayout(folderButtons);

    m_classMap = new QLineEdit(this);
    m_classMap->setAccessibleName(tr("Class map file"));
    m_classMap->setPlaceholderText(tr("optional: lines folder<TAB>index or folder<TAB>class name"));
    m_classMap->setClearButtonEnabled(true);
    connect(m_classMap, &QLineEdit::textChanged, this, &EvaluatePanel::selectionChanged);
    m_browseClassMap = new QPushButton(tr("Browse…"), this);
    m_browseClassMap->setAccessibleName(tr("Choose the class map file"));
    connect(m_browseClassMap, &QPushButton::clicked, this, &EvaluatePanel::chooseClassMap);
    m_ignoreUnknown = new QCheckBox(tr("Ignore unknown folders"), this);
    m_ignoreUnknown->setToolTip(tr("Leave out folders that map to no class instead of refusing the run"));
    auto* classMapRow = new QHBoxLayout;
    classMapRow->addWidget(m_classMap, 1);
    classMapRow->addWidget(m_browseClassMap);
    classMapRow->addWidget(m_ignoreUnknown);

    m_predictions = new QLineEdit(this);
    m_predictions->setAccessibleName(tr("Predictions file"));
    m_predictions->setPlaceholderText(tr("predictions.csv or predictions.jsonl"));
    connect(m_predictions, &QLineEdit::textChanged, this, &EvaluatePanel::updateResume);
    connect(m_predictions, &QLineEdit::textChanged, this, &EvaluatePanel::selectionChanged);
    m_browsePredictions = new QPushButton(tr("Browse…"), this);
    m_browsePredictions->setAccessibleName(tr("Choose the predictions file"));
    connect(m_browsePredictions, &QPushButton::clicked, this, &EvaluatePanel::choosePredictions);
    m_resume = new QCheckBox(tr("Resume (skip the images already in it)"), this);
    auto* predictionsRow = new QHBoxLayout;
    predictionsRow->addWidget(m_predictions, 1);
    predictionsRow->addWidget(m_browsePredictions);
    predictionsRow->addWidget(m_resume);

    m_modelLabel = new QLabel(this);
    m_modelLabel->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Folders:"), folderRow);
    form->addRow(tr("Class map:"), classMapRow);
    form->addRow(tr("Predictions:"), predictionsRow);
    form->addRow(tr("Model:"), m_modelLabel);

    m_start = new QPushButton(tr("&Start"), this);
    m_start->setDefault(true);
    m_cancel = new QPushButton(tr("&Cancel"), this);
    connect(m_start, &QPushButton::clicked, this, &EvaluatePanel::start);
    connect(m_cancel, &QPushButton::clicked, this, &EvaluatePanel::cancel);
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

    m_mappingLabel = new QLabel(this);
    m_mappingLabel->setObjectName(QStringLiteral("mappingLabel"));
    m_mappingLabel->setWordWrap(true);
    m_mappingLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Results.
    m_tabs = new QTabWidget(this);
    m_tabs->setAccessibleName(tr("Evaluation results"));
    m_tabs->addTab(makeSummaryTab(), tr("Summary"));

    m_classModel = new QStandardItemModel(0, ColumnCount, this);
    m_classModel->setHorizontalHeaderLabels({tr("Class"), tr("Index"), tr("Images"), tr("Correct"),
                                             tr("Recall"), tr("Precision"), tr("F1"),
                                             tr("Most confused with")});
    m_classModel->setSortRole(SortRole);
    m_classTable = new QTableView(this);
    m_classTable->setObjectName(QStringLiteral("classTable"));
    m_classTable->setAccessibleName(tr("Per-class results"));
    m_classTable->setModel(m_classModel);
    m_classTable->setSortingEnabled(true);
    m_classTable->sortByColumn(Index, Qt::AscendingOrder);
    m_classTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_classTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_classTable->verticalHeader()->hide();
    m_classTable->setTabKeyNavigation(false);
    m_classTable->horizontalHeader()->resizeSection(Class, 200);
    m_classTable->horizontalHeader()->setStretchLastSection(true);
    m_tabs->addTab(m_classTable, tr("Classes"));

    m_confusion = new ConfusionMatrixView(this);
    connect(m_confusion, &ConfusionMatrixView::cellActivated, this,
            [this](int row, int column) { showCell(row, column); });
    auto* matrixScroll = new QScrollArea(this);
    matrixScroll->setWidget(m_confusion);
    matrixScroll->setWidgetResizable(true);
    m_cellLabel
        = new QLabel(tr("Click a cell to list its images; click an image to open it in the window."), this);
    m_cellLabel->setObjectName(QStringLiteral("cellLabel"));
    m_cellLabel->setWordWrap(true);
    m_cellStrip = new ThumbnailStrip(this);
    m_cellStrip->setObjectName(QStringLiteral("cellImages"));
    m_cellStrip->setAccessibleName(tr("Images of the chosen cell"));
    const auto open = [this](const QModelIndex& index) {
        const QString path = m_cellStrip->files().value(index.row());
        if (!path.isEmpty())
            Q_EMIT openRequested(path);
    };
    connect(m_cellStrip, &QAbstractItemView::clicked, this, open);
    connect(m_cellStrip, &QAbstractItemView::activated, this, open);
    auto* cellPane = new QWidget(this);
    auto* cellLayout = new QVBoxLayout(cellPane);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->addWidget(m_cellLabel);
    cellLayout->addWidget(m_cellStrip, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(matrixScroll);
    split->addWidget(cellPane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    m_tabs->addTab(split, tr("Confusion &Matrix"));
    // The heat map takes the keyboard when its tab is chosen (arrow keys move between cells).
    connect(m_tabs, &QTabWidget::currentChanged, this, [this, split](int index) {
        if (m_tabs->widget(index) == split)
            m_confusion->setFocus();
    });

    m_reliability = new ReliabilityView(this);
    m_tabs->addTab(m_reliability, tr("Reliability"));

    m_exportReport = new QPushButton(tr("Export &Report…"), this);
    m_exportReport->setToolTip(tr("Save REPORT.json, as resnet-lens-cli evaluate -o writes it"));
    m_exportConfusion = new QPushButton(tr("Export C&onfusion CSV…"), this);
    m_exportPlots = new QPushButton(tr("Export &Plots…"), this);
    m_exportPlots->setToolTip(tr("Save confusion and reliability pictures (SVG and PNG) into a folder"));
    connect(m_exportReport, &QPushButton::clicked, this, [this] { chooseExport(0); });
    connect(m_exportConfusion, &QPushButton::clicked, this, [this] { chooseExport(1); });
    connect(m_exportPlots, &QPushButton::clicked, this, [this] { chooseExport(2); });
    auto* exportRow = new QHBoxLayout;
    exportRow->addStretch(1);
    exportRow->addWidget(m_exportReport);
    exportRow->addWidget(m_exportConfusion);
    exportRow->addWidget(m_exportPlots);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addLayout(form);
    layout->addLayout(runRow);
    layout->addWidget(m_mappingLabel);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(exportRow);
    resize(1040, 760);

    setModel({});
    updateResume();
}

EvaluatePanel::~EvaluatePanel()
{
    m_worker->cancel(); // the worker thread is joined when m_work goes
}

QWidget* EvaluatePanel::makeSummaryTab()
{
    auto* page = new QWidget(this);
    auto* form = new QFormLayout(page);
    const QList<QPair<QString, QString>> fields = {
        {QStringLiteral("images"), tr("Images:")},
        {QStringLiteral("errors"), tr("Errors (not decoded):")},
        {QStringLiteral("top1"), tr("Top-1 accuracy:")},
        {QStringLiteral("top5"), tr("Top-5 accuracy:")},
        {QStringLiteral("mean_class_accuracy"), tr("Mean class accuracy:")},
        {QStringLiteral("ece"), tr("Expected calibration error:")},
        {QStringLiteral("nll"), tr("Mean negative log-likelihood:")},
        {QStringLiteral("mapping"), tr("Classes mapped by:")},
    };
    for (const auto& [field, title] : fields) {
        auto* value = new QLabel(QStringLiteral("—"), page);
        value->setObjectName(QStringLiteral("summary_") + field);
        value->setAccessibleName(QString(title).remove(QLatin1Char(':')));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(title, value);
        m_summary.insert(field, value);
    }
    m_worstLabel = new QLabel(page);
    m_worstLabel->setObjectName(QStringLiteral("worstClasses"));
    m_worstLabel->setWordWrap(true);
    m_worstLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Worst classes:"), m_worstLabel);
    return page;
}

void EvaluatePanel::keyPressEvent(QKeyEvent* event)
{
    // Escape closes the panel, as it would a dialog (a run goes on).
    if (event->key() == Qt::Key_Escape && event->modifiers() == Qt::NoModifier) {
        close();
        return;
    }
    QWidget::keyPressEvent(event);
}

QThread* EvaluatePanel::workerThread() const
{
    return m_work->thread();
}

void EvaluatePanel::setModel(const BatchModel& model)
{
    m_model = model;
    m_modelLabel->setText(model.weights.isEmpty()
                              ? tr("No model loaded: open a checkpoint or download pretrained weights first.")
                              : tr("%1 · %2 · preset %3 · %4 · %5")
                                    .arg(model.name, QFileInfo(model.weights).fileName(), model.presetName,
                                         model.device.toUpper(),
                                         QString::fromStdString(precisionName(model.precision))));
    m_modelLabel->setToolTip(model.weights);
    updateButtons();
}

void EvaluatePanel::setFolders(const QStringList& folders)
{
    m_folders->clear();
    m_folders->addItems(folders);
    if (m_predictions->text().isEmpty() && !folders.isEmpty())
        m_predictions->setText(
            BatchPanel::defaultOutput(folders.first(), QStringLiteral("-predictions.csv")));
    updateButtons();
    Q_EMIT selectionChanged();
}

QStringList EvaluatePanel::folders() const
{
    QStringList out;
    for (int i = 0; i < m_folders->count(); ++i)
        out << m_folders->item(i)->text();
    return out;
}

void EvaluatePanel::setRecursive(bool on)
{
    m_recursive->setChecked(on);
}

void EvaluatePanel::setClassMap(const QString& path)
{
    m_classMap->setText(path);
}

QString EvaluatePanel::classMap() const
{
    return m_classMap->text().trimmed();
}

void EvaluatePanel::setIgnoreUnknown(bool on)
{
    m_ignoreUnknown->setChecked(on);
}

void EvaluatePanel::setPredictions(const QString& path)
{
    m_predictions->setText(path);
}

QString EvaluatePanel::predictions() const
{
    return m_predictions->text().trimmed();
}

void EvaluatePanel::setResume(bool on)
{
    m_resume->setChecked(on);
}

void EvaluatePanel::addFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Add Labelled Folder"), m_startFolder);
    if (folder.isEmpty())
        return;
    m_startFolder = folder;
    QStringList list = folders();
    if (!list.contains(folder))
        setFolders(list << folder);
}

void EvaluatePanel::removeFolders()
{
    qDeleteAll(m_folders->selectedItems());
    updateButtons();
    Q_EMIT selectionChanged();
}

void EvaluatePanel::chooseClassMap()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Class Map"),
                                                      classMap().isEmpty() ? m_startFolder : classMap(),
                                                      tr("Text files (*.txt *.tsv);;All files (*)"));
    if (!path.isEmpty())
        m_classMap->setText(path);
}

void EvaluatePanel::choosePredictions()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Predictions File"), predictions().isEmpty() ? m_startFolder : predictions(),
        tr("CSV (*.csv);;JSON Lines (*.jsonl)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_predictions->setText(path);
}

void EvaluatePanel::chooseExport(int what)
{
    const QString base = QFileInfo(predictions()).dir().path();
    QString path;
    if (what == 0)
        path = QFileDialog::getSaveFileName(this, tr("Export Report"), QDir(base).filePath("report.json"),
                                            tr("JSON (*.json)"));
    else if (what == 1)
        path = QFileDialog::getSaveFileName(this, tr("Export Confusion Matrix"),
                                            QDir(base).filePath("confusion.csv"), tr("CSV (*.csv)"));
    else
        path = QFileDialog::getExistingDirectory(this, tr("Export Plots Into"), base);
    if (path.isEmpty())
        return;
    if (what == 0)
        exportReport(path);
    else if (what == 1)
        exportConfusion(path);
    else
        exportPlots(path);
}

bool EvaluatePanel::refuse(const QString& message)
{
    m_banner->showMessage(MessageBanner::Kind::Error, message);
    return false;
}

bool EvaluatePanel::exportReport(const QString& path)
{
    if (!m_report)
        return refuse(tr("Nothing to export yet: run an evaluation first."));
    QString error;
    if (!writeText(path, reportJson(*m_report), &error))
        return refuse(error);
    m_banner->showMessage(MessageBanner::Kind::Info, tr("Saved the report to %1.").arg(path));
    return true;
}

bool EvaluatePanel::exportConfusion(const QString& path)
{
    if (!m_report)
        return refuse(tr("Nothing to export yet: run an evaluation first."));
    QString error;
    if (!writeText(path, confusionCsv(*m_report), &error))
        return refuse(error);
    m_banner->showMessage(MessageBanner::Kind::Info, tr("Saved the confusion matrix to %1.").arg(path));
    return true;
}

bool EvaluatePanel::exportPlots(const QString& folder)
{
    if (!m_report)
        return refuse(tr("Nothing to export yet: run an evaluation first."));
    if (auto written = writeEvaluationPlots(*m_report, folder.toStdString()); !written)
        return refuse(text(written.message()));
    m_banner->showMessage(MessageBanner::Kind::Info,
                          tr("Saved confusion and reliability pictures (SVG and PNG) into %1.").arg(folder));
    return true;
}

void EvaluatePanel::updateResume()
{
    const bool exists = QFileInfo::exists(predictions());
    if (!exists)
        m_resume->setChecked(false);
    m_resume->setEnabled(exists && !m_running);
    m_resume->setToolTip(exists ? tr("The file exists: resume it, or choose another file.")
                                : tr("Offered when the predictions file exists."));
}

void EvaluatePanel::updateButtons()
{
    m_start->setEnabled(!m_running && !m_model.weights.isEmpty());
    m_cancel->setEnabled(m_running);
    for (QWidget* widget :
         QList<QWidget*> {m_folders, m_addFolder, m_removeFolder, m_recursive, m_classMap, m_browseClassMap,
                          m_ignoreUnknown, m_predictions, m_browsePredictions})
        widget->setEnabled(!m_running);
    const bool results = m_report != nullptr && !m_running;
    for (QPushButton* button : {m_exportReport, m_exportConfusion, m_exportPlots})
        button->setEnabled(results);
    updateResume();
}

bool EvaluatePanel::start()
{
    if (m_running)
        return false;
    if (m_model.weights.isEmpty())
        return refuse(tr("No model loaded: open a checkpoint or download pretrained weights first."));
    if (folders().isEmpty())
        return refuse(tr("Add at least one labelled folder (one subfolder per class)."));
    const QString out = predictions();
    if (out.isEmpty() || !knownPredictionsFormat(out))
        return refuse(tr("Choose a predictions file ending in .csv or .jsonl."));
    const bool resume = m_resume->isChecked();
    if (QFileInfo::exists(out) && !resume)
        return refuse(tr("%1 already exists. Tick Resume to finish it, or choose another file.").arg(out));
    if (!classMap().isEmpty() && !QFileInfo(classMap()).isFile())
        return refuse(tr("The class map file %1 does not exist.").arg(classMap()));

    EvaluateRequest request;
    request.batch.roots = folders();
    request.batch.recursive = m_recursive->isChecked();
    request.batch.output = out;
    request.batch.resume = resume;
    request.batch.weights = m_model.weights;
    request.batch.weightsKey = m_model.weightsKey;
    request.batch.labels = m_model.labels;
    request.batch.arch = m_model.arch;
    request.batch.device = m_model.device;
    request.batch.precision = m_model.precision;
    request.batch.preprocess = m_model.preprocess;
    request.batch.presetName = m_model.presetName;
    request.classMap = classMap();
    request.ignoreUnknown = m_ignoreUnknown->isChecked();

    m_banner->dismiss();
    m_running = true;
    updateButtons();
    m_mappingLabel->clear();
    m_progress->setRange(0, 0); // busy until the folders are mapped and the model is ready
    m_progressLabel->setText(tr("Mapping the class folders and loading the model…"));
    m_worker->clearCancel();
    m_work->post([request](EvaluateWorker* worker) { worker->run(request); });
    return true;
}

void EvaluatePanel::cancel()
{
    if (!m_running)
        return;
    m_worker->cancel();
    m_progressLabel->setText(tr("Stopping…"));
}

QString EvaluatePanel::progressText() const
{
    return m_progressLabel->text();
}

QString EvaluatePanel::mappingText() const
{
    return m_mappingLabel->text();
}

QString EvaluatePanel::summaryText(const QString& field) const
{
    const QLabel* label = m_summary.value(field);
    return label ? label->text() : QString();
}

void EvaluatePanel::onStarted(const BatchStatus& status, const QString& model, const QString& mapping)
{
    m_mappingLabel->setText(tr("Mapping: %1 (model %2)").arg(mapping, model));
    m_progress->setRange(0, std::max(1, status.total));
    m_progress->setValue(0);
    onProgress(status);
}

void EvaluatePanel::onProgress(const BatchStatus& status)
{
    m_progress->setValue(status.done);
    if (m_running || status.done >= status.total)
        m_progressLabel->setText(progressLine(status));
}

void EvaluatePanel::onFinished(const EvaluateSummary& summary)
{
    m_running = false;
    const BatchStatus& s = summary.run.status;
    if (!summary.run.ok) {
        updateButtons();
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
        m_progressLabel->setText(s.total > 0 ? tr("Stopped at %1 of %2 files").arg(s.done).arg(s.total)
                                             : tr("Not started"));
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("The evaluation failed: %1").arg(summary.run.error));
        Q_EMIT runFinished(summary);
        return;
    }
    showReport(summary.report, summary.mapping);
    updateButtons();
    if (summary.run.cancelled) {
        m_progressLabel->setText(tr("Cancelled at %1 of %2 files").arg(s.done).arg(s.total));
        m_resume->setChecked(true);
        m_banner->showMessage(MessageBanner::Kind::Info,
                              tr("Cancelled: the results cover the %1 images done. %2 keeps every row; "
                                 "Start again with Resume ticked to finish it.")
                                  .arg(s.skipped + s.done)
                                  .arg(summary.run.output));
    } else {
        onProgress(s);
        QString done = tr("Evaluated %1 images in %2: top-1 %3.")
                           .arg(summary.report->images)
                           .arg(text(formatDuration(s.seconds)))
                           .arg(percentText(summary.report->top1.value));
        if (!summary.ignored.isEmpty())
            done += QLatin1Char(' ') + tr("Left out: %1.").arg(summary.ignored.join(QStringLiteral(", ")));
        if (summary.report->errors > 0)
            m_banner->showMessage(MessageBanner::Kind::Warning,
                                  done + QLatin1Char(' ')
                                      + tr("%n file(s) could not be read; the summary lists them.", nullptr,
                                           int(summary.report->errors)));
        else
            m_banner->showMessage(MessageBanner::Kind::Info, done);
    }
    Q_EMIT runFinished(summary);
}

QString EvaluatePanel::percentText(double value)
{
    return QStringLiteral("%1%").arg(value * 100, 0, 'f', 2);
}

QString EvaluatePanel::percentText(double value, double low, double high)
{
    return tr("%1 (95% CI %2–%3%)")
        .arg(percentText(value))
        .arg(low * 100, 0, 'f', 2)
        .arg(high * 100, 0, 'f', 2);
}

void EvaluatePanel::showReport(std::shared_ptr<const EvaluationReport> report, const QString& mapping)
{
    m_report = std::move(report);
    const EvaluationReport& r = *m_report;
    m_summary["images"]->setText(QString::number(r.images));
    m_summary["errors"]->setText(QString::number(r.errors));
    QStringList failed;
    for (const FailedImage& image : r.failed)
        failed << QStringLiteral("%1: %2").arg(text(image.path), text(image.error));
    m_summary["errors"]->setToolTip(failed.join(QLatin1Char('\n')));
    m_summary["top1"]->setText(percentText(r.top1.value, r.top1.low, r.top1.high));
    m_summary["top5"]->setText(percentText(r.top5.value, r.top5.low, r.top5.high));
    m_summary["mean_class_accuracy"]->setText(percentText(r.meanClassAccuracy));
    m_summary["ece"]->setText(QString::number(r.ece, 'f', 4));
    m_summary["nll"]->setText(QString::number(r.nll, 'f', 4));
    m_summary["mapping"]->setText(text(r.mappingRule));
    m_summary["mapping"]->setToolTip(mapping);
    QStringList worst;
    for (const ClassResult* c : worstClasses(r, 10))
        worst << tr("%1: %2 of %3 (%4)%5")
                     .arg(text(c->name))
                     .arg(c->correct)
                     .arg(c->images)
                     .arg(percentText(c->recall))
                     .arg(c->confusedWith >= 0 ? tr(", mostly taken for %1 (%2)")
                                                     .arg(text(c->confusedWithName))
                                                     .arg(c->confusedCount)
                                               : QString());
    QStringList failedShown = failed.mid(0, 20);
    m_worstLabel->setText(worst.join(QLatin1Char('\n'))
                          + (failed.isEmpty() ? QString()
                                              : QStringLiteral("\n\n") + tr("Not decoded:")
                                     + QLatin1Char('\n') + failedShown.join(QLatin1Char('\n'))));

    m_classModel->removeRows(0, m_classModel->rowCount());
    for (const ClassResult& c : r.classes) {
        QList<QStandardItem*> row(ColumnCount);
        row[Class] = cell(text(c.name), text(c.name).toLower());
        row[Class]->setToolTip(tr("Folder %1").arg(text(c.folder)));
        row[Index] = numberCell(std::size_t(c.index));
        row[Images] = numberCell(c.images);
        row[Correct] = numberCell(c.correct);
        row[Recall] = fractionCell(c.recall);
        row[Precision] = fractionCell(c.precision);
        row[F1] = fractionCell(c.f1);
        row[ConfusedWith] = c.confusedWith >= 0
            ? cell(tr("%1 (%2)").arg(text(c.confusedWithName)).arg(c.confusedCount),
                   qulonglong(c.confusedCount))
            : cell(QString(), qulonglong(0));
        m_classModel->appendRow(row);
    }
    m_classTable->sortByColumn(m_classTable->horizontalHeader()->sortIndicatorSection(),
                               m_classTable->horizontalHeader()->sortIndicatorOrder());

    m_confusion->setReport(m_report);
    m_reliability->setReport(m_report);
    m_cellStrip->setFiles({});
    m_cellLabel->setText(tr("Click a cell to list its images; click an image to open it in the window."));
}

void EvaluatePanel::showCell(int row, int column)
{
    if (!m_report || row < 0 || column < 0 || std::size_t(row) >= m_report->classes.size()
        || std::size_t(column) >= m_report->predictedClasses.size())
        return;
    m_confusion->setCurrentCell(row, column);
    const ClassResult& truth = m_report->classes[std::size_t(row)];
    const int predicted = m_report->predictedClasses[std::size_t(column)];
    QStringList files;
    for (const std::string& path : cellImages(*m_report, truth.index, predicted))
        files << text(path);
    m_cellLabel->setText(tr("%n image(s) of %1 predicted as %2", nullptr, int(files.size()))
                             .arg(text(truth.name), text(m_report->predictedNames[std::size_t(column)])));
    m_cellStrip->setFiles(files);
}

QStringList EvaluatePanel::cellFiles() const
{
    return m_cellStrip->files();
}

} // namespace lens
