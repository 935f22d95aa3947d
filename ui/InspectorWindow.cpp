#include "InspectorWindow.h"

#include "InspectorModels.h"
#include "WorkerThread.h"
#include "tensor/DType.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

namespace lens {

/// Bars of a histogram, with its range and counts written below.
class HistogramView : public QWidget {
public:
    explicit HistogramView(QWidget* parent = nullptr)
        : QWidget(parent)
    {
        setMinimumSize(260, 160);
    }

    void setHistogram(const QString& name, const Histogram& histogram)
    {
        m_name = name;
        m_histogram = histogram;
        update();
    }
    const Histogram& histogram() const { return m_histogram; }
    const QString& name() const { return m_name; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        painter.fillRect(rect(), palette().base());
        const QFontMetrics metrics = fontMetrics();
        const int line = metrics.height();
        QRect plot = rect().adjusted(8, line + 8, -8, -(2 * line + 10));
        painter.setPen(palette().text().color());
        if (m_name.isEmpty()) {
            painter.drawText(rect(), Qt::AlignCenter, tr("Select a tensor to see its values' histogram"));
            return;
        }
        painter.drawText(QRect(8, 4, width() - 16, line), Qt::AlignLeft | Qt::AlignVCenter,
                         metrics.elidedText(m_name, Qt::ElideMiddle, width() - 16));
        if (m_histogram.counts.empty() || plot.width() < 10 || plot.height() < 10) {
            painter.drawText(plot, Qt::AlignCenter, tr("No finite values"));
            return;
        }
        std::int64_t highest = 1;
        for (const std::int64_t count : m_histogram.counts)
            highest = std::max(highest, count);
        const int bins = static_cast<int>(m_histogram.counts.size());
        const QColor bar = palette().highlight().color();
        for (int i = 0; i < bins; ++i) {
            const int left = plot.left() + i * plot.width() / bins;
            const int right = plot.left() + (i + 1) * plot.width() / bins;
            const int height = static_cast<int>(
                std::lround(static_cast<double>(m_histogram.counts[static_cast<std::size_t>(i)]) / highest
                            * plot.height()));
            painter.fillRect(QRect(left, plot.bottom() - height + 1, std::max(1, right - left - 1), height),
                             bar);
        }
        painter.drawLine(plot.bottomLeft(), plot.bottomRight());
        const QRect labels(plot.left(), plot.bottom() + 4, plot.width(), line);
        painter.drawText(labels, Qt::AlignLeft, QString::number(m_histogram.edges.front(), 'g', 4));
        painter.drawText(labels, Qt::AlignRight, QString::number(m_histogram.edges.back(), 'g', 4));
        QString counts = tr("%1 finite values, highest bin %2").arg(m_histogram.finite).arg(highest);
        if (m_histogram.nan || m_histogram.inf)
            counts += tr("; %1 NaN, %2 Inf not shown").arg(m_histogram.nan).arg(m_histogram.inf);
        painter.drawText(QRect(plot.left(), labels.bottom() + 2, plot.width(), line), Qt::AlignHCenter,
                         counts);
    }

private:
    QString m_name;
    Histogram m_histogram;
};

namespace {

constexpr int kHistogramBins = 64;

QString keyLabel(const std::string& key)
{
    return key.empty() ? InspectorWindow::tr("(the whole file)") : QString::fromStdString(key);
}

QString describeNode(const StructureNode& node)
{
    switch (node.kind) {
    case StructureNode::Kind::Scalar:
    case StructureNode::Kind::Tensor:
    case StructureNode::Kind::Global:
        return QString::fromStdString(node.value.repr);
    case StructureNode::Kind::Tensors:
        return QString::fromStdString(describeGroup(node.group));
    case StructureNode::Kind::Weights:
        return InspectorWindow::tr("weight set: %1").arg(QString::fromStdString(describeGroup(node.group)));
    case StructureNode::Kind::Optimizer: {
        const OptimizerSummary& o = node.optimizer;
        QString text = o.guess.empty()
            ? InspectorWindow::tr("optimizer state")
            : InspectorWindow::tr("optimizer state (%1)").arg(QString::fromStdString(o.guess));
        return text
            + InspectorWindow::tr(": %n parameter group(s), ", nullptr, static_cast<int>(o.groupCount))
            + InspectorWindow::tr("state for %n parameter(s)", nullptr, static_cast<int>(o.stateEntries));
    }
    default:
        return InspectorWindow::tr("%n item(s)", nullptr, static_cast<int>(node.childCount));
    }
}

void addOptimizerChildren(QTreeWidgetItem* item, const OptimizerSummary& optimizer)
{
    for (std::size_t i = 0; i < optimizer.groups.size(); ++i) {
        const auto& group = optimizer.groups[i];
        auto* groupItem = new QTreeWidgetItem(
            item,
            {InspectorWindow::tr("param group %1").arg(i), QStringLiteral("dict"),
             InspectorWindow::tr("%n parameter(s)", nullptr, static_cast<int>(group.params))});
        for (const auto& [name, value] : group.hyperparameters)
            new QTreeWidgetItem(
                groupItem, {QString::fromStdString(name), QString(), QString::fromStdString(value.repr)});
    }
    for (const auto& kind : optimizer.kinds) {
        QString text = QString::fromStdString(describeGroup(kind.tensors));
        if (kind.scalars)
            text += InspectorWindow::tr("; %1 numbers").arg(kind.scalars);
        if (kind.others)
            text += InspectorWindow::tr("; %1 other values").arg(kind.others);
        new QTreeWidgetItem(item, {QString::fromStdString(kind.name), InspectorWindow::tr("state"), text});
    }
}

void addNode(QTreeWidgetItem* parent, const StructureNode& node)
{
    for (const StructureNode& child : node.children) {
        auto* item = new QTreeWidgetItem(
            parent,
            {QString::fromStdString(child.key), QString::fromStdString(child.type), describeNode(child)});
        item->setData(0, Qt::UserRole, QString::fromStdString(child.path));
        item->setToolTip(2, item->text(2));
        if (child.kind == StructureNode::Kind::Optimizer)
            addOptimizerChildren(item, child.optimizer);
        addNode(item, child);
    }
    const bool container = node.kind == StructureNode::Kind::Dict || node.kind == StructureNode::Kind::List
        || node.kind == StructureNode::Kind::Tuple || node.kind == StructureNode::Kind::Set
        || node.kind == StructureNode::Kind::Object;
    if (container && node.childCount > node.children.size())
        new QTreeWidgetItem(parent,
                            {InspectorWindow::tr("… %n more not shown", nullptr,
                                                 static_cast<int>(node.childCount - node.children.size())),
                             QString(), QString()});
}

} // namespace

InspectorWindow::InspectorWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_work(std::make_unique<WorkerThread<InspectorWorker>>(QStringLiteral("InspectorWorker")))
{
    setWindowTitle(tr("Checkpoint Inspector"));
    setAttribute(Qt::WA_DeleteOnClose, false);
    createWidgets();
    InspectorWorker* worker = m_work->worker();
    connect(worker, &InspectorWorker::opened, this, &InspectorWindow::onOpened);
    connect(worker, &InspectorWorker::tensorsReady, this, &InspectorWindow::onTensors);
    connect(worker, &InspectorWorker::histogramReady, this, &InspectorWindow::onHistogram);
    connect(worker, &InspectorWorker::compared, this, &InspectorWindow::onCompared);
    connect(worker, &InspectorWorker::exported, this, &InspectorWindow::onExported);
    connect(worker, &InspectorWorker::progress, this, &InspectorWindow::onProgress);
    resize(1100, 720);
}

InspectorWindow::~InspectorWindow()
{
    m_work->worker()->cancel();
}

void InspectorWindow::createWidgets()
{
    QToolBar* bar = addToolBar(tr("Inspector"));
    bar->setObjectName(QStringLiteral("inspectorToolBar"));
    QAction* open = bar->addAction(tr("Open…"), this, &InspectorWindow::chooseFileToOpen);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open a checkpoint (%1)").arg(open->shortcut().toString(QKeySequence::NativeText)));
    m_compareAction = bar->addAction(tr("Compare With…"), this, &InspectorWindow::chooseComparison);
    m_exportAction = bar->addAction(tr("Export…"), this, &InspectorWindow::chooseExport);
    m_compareAction->setShortcut(QKeySequence(tr("Ctrl+D")));
    m_compareAction->setToolTip(tr("Compare with another checkpoint or weight set (%1)")
                                    .arg(m_compareAction->shortcut().toString(QKeySequence::NativeText)));
    m_exportAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    m_exportAction->setToolTip(tr("Export the weight set as safetensors or torch.save (%1)")
                                   .arg(m_exportAction->shortcut().toString(QKeySequence::NativeText)));
    m_compareAction->setEnabled(false);
    m_exportAction->setEnabled(false);

    m_summary = new QLabel(tr("Open a checkpoint to see what it holds."), this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setTextFormat(Qt::PlainText);

    m_tabs = new QTabWidget(this);

    m_tree = new QTreeWidget(this);
    m_tree->setHeaderLabels({tr("Key"), tr("Type"), tr("Value")});
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_tree->setColumnWidth(0, 300);
    m_tree->setColumnWidth(1, 180);
    m_tabs->addTab(m_tree, tr("Structure"));

    auto* setsPage = new QWidget(this);
    m_sets = new QTableWidget(0, 5, setsPage);
    m_sets->setHorizontalHeaderLabels(
        {tr("Weight set"), tr("Architecture"), tr("Verdict"), tr("Tensors"), tr("Default")});
    m_sets->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sets->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sets->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sets->horizontalHeader()->setStretchLastSection(true);
    m_sets->verticalHeader()->hide();
    m_showSet = new QPushButton(tr("Show Its Tensors"), setsPage);
    m_useSet = new QPushButton(tr("Use These Weights"), setsPage);
    m_useSet->setToolTip(tr("Load this weight set as the model"));
    auto* setButtons = new QHBoxLayout;
    setButtons->addStretch();
    setButtons->addWidget(m_showSet);
    setButtons->addWidget(m_useSet);
    auto* setsLayout = new QVBoxLayout(setsPage);
    setsLayout->addWidget(m_sets);
    setsLayout->addLayout(setButtons);
    m_tabs->addTab(setsPage, tr("Weight Sets"));
    connect(m_showSet, &QPushButton::clicked, this, [this] { showWeightSet(selectedWeightSet()); });
    connect(m_useSet, &QPushButton::clicked, this,
            [this] { Q_EMIT useWeights(m_path, selectedWeightSet()); });
    connect(m_sets, &QTableWidget::itemDoubleClicked, this, [this] { showWeightSet(selectedWeightSet()); });
    const auto updateSetButtons = [this] {
        const bool any = !m_sets->selectedItems().isEmpty();
        m_showSet->setEnabled(any && !m_busy);
        m_useSet->setEnabled(any);
    };
    connect(m_sets, &QTableWidget::itemSelectionChanged, this, updateSetButtons);
    updateSetButtons();

    auto* tensorsPage = new QWidget(this);
    m_filter = new QLineEdit(tensorsPage);
    m_filter->setPlaceholderText(tr("Filter tensors by name (e.g. layer4 or bn1.running_var)"));
    m_filter->setClearButtonEnabled(true);
    m_tensors = new TensorTableModel(this);
    m_tensorProxy = new QSortFilterProxyModel(this);
    m_tensorProxy->setSourceModel(m_tensors);
    m_tensorProxy->setSortRole(TensorTableModel::SortRole);
    m_tensorProxy->setFilterKeyColumn(TensorTableModel::Name);
    m_tensorProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_tensorView = new QTableView(tensorsPage);
    m_tensorView->setModel(m_tensorProxy);
    m_tensorView->setSortingEnabled(true);
    m_tensorView->sortByColumn(-1, Qt::AscendingOrder);
    m_tensorView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tensorView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tensorView->verticalHeader()->hide();
    m_tensorView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_tensorView->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_tensorView->setColumnWidth(TensorTableModel::Name, 260);
    m_histogram = new HistogramView(tensorsPage);
    auto* split = new QSplitter(Qt::Horizontal, tensorsPage);
    split->addWidget(m_tensorView);
    split->addWidget(m_histogram);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* tensorsLayout = new QVBoxLayout(tensorsPage);
    tensorsLayout->addWidget(m_filter);
    tensorsLayout->addWidget(split, 1);
    m_tabs->addTab(tensorsPage, tr("Tensors"));
    connect(m_filter, &QLineEdit::textChanged, m_tensorProxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_tensorView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &InspectorWindow::onTensorSelected);

    auto* comparisonPage = new QWidget(this);
    m_comparisonLabel
        = new QLabel(tr("Compare With… another checkpoint to see what differs."), comparisonPage);
    m_comparisonLabel->setWordWrap(true);
    m_comparisonLabel->setTextFormat(Qt::PlainText);
    m_comparison = new ComparisonModel(this);
    m_comparisonProxy = new QSortFilterProxyModel(this);
    m_comparisonProxy->setSourceModel(m_comparison);
    m_comparisonProxy->setSortRole(ComparisonModel::SortRole);
    m_comparisonView = new QTableView(comparisonPage);
    m_comparisonView->setModel(m_comparisonProxy);
    m_comparisonView->setSortingEnabled(true);
    m_comparisonView->sortByColumn(-1, Qt::AscendingOrder);
    m_comparisonView->verticalHeader()->hide();
    m_comparisonView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_comparisonView->setColumnWidth(ComparisonModel::Key, 300);
    m_comparisonView->setColumnWidth(ComparisonModel::Status, 160);
    m_comparisonView->horizontalHeader()->setSectionResizeMode(ComparisonModel::Key, QHeaderView::Stretch);
    auto* comparisonLayout = new QVBoxLayout(comparisonPage);
    comparisonLayout->addWidget(m_comparisonLabel);
    comparisonLayout->addWidget(m_comparisonView, 1);
    m_tabs->addTab(comparisonPage, tr("Comparison"));

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_summary);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    m_status = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(240);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->hide();
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_work->worker()->cancel(); });
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
}

void InspectorWindow::chooseFileToOpen()
{
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Inspect a checkpoint"), m_path.isEmpty() ? QString() : QFileInfo(m_path).absolutePath(),
        tr("Checkpoints (*.pth *.pt *.bin *.ckpt *.tar *.safetensors);;All files (*)"));
    if (!file.isEmpty())
        openFile(file);
}

void InspectorWindow::chooseComparison()
{
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Compare with a checkpoint"), QFileInfo(m_path).absolutePath(),
        tr("Checkpoints (*.pth *.pt *.bin *.ckpt *.tar *.safetensors);;All files (*)"));
    if (file.isEmpty())
        return;
    if (QFileInfo(file) != QFileInfo(m_path) || m_overview.weightSets.size() < 2)
        return compareWith(file);
    // The same file: another of its weight sets (model against model_ema).
    QStringList keys;
    for (const auto& set : m_overview.weightSets) {
        if (QString::fromStdString(set.key) != m_weightsKey)
            keys << QString::fromStdString(set.key);
    }
    bool ok = false;
    const QString key = QInputDialog::getItem(this, tr("Compare with a checkpoint"),
                                              tr("Weight set to compare with"), keys, 0, false, &ok);
    if (ok)
        compareWith(file, key);
}

void InspectorWindow::chooseExport()
{
    QString filter;
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Export the weights"), QFileInfo(m_path).absolutePath(),
        tr("safetensors (*.safetensors);;torch.save (*.pth *.pt *.bin)"), &filter);
    if (file.isEmpty())
        return;
    bool ok = false;
    const QStringList types {tr("Keep each tensor's type"), QStringLiteral("float32"),
                             QStringLiteral("float16"), QStringLiteral("bfloat16")};
    const QString type = QInputDialog::getItem(this, tr("Export the weights"), tr("Floating-point type"),
                                               types, 0, false, &ok);
    if (ok)
        exportTo(file, type == types.front() ? QString() : type);
}

void InspectorWindow::openFile(const QString& path)
{
    m_work->worker()->cancel();
    m_path = path;
    m_weightsKey.clear();
    m_overview = {};
    m_tree->clear();
    m_sets->setRowCount(0);
    m_tensors->setTensors({});
    m_comparison->setComparison({});
    m_histogram->setHistogram({}, {});
    m_comparisonLabel->setText(tr("Compare With… another checkpoint to see what differs."));
    m_compareAction->setEnabled(false);
    m_exportAction->setEnabled(false);
    setWindowTitle(tr("%1 – Checkpoint Inspector").arg(QFileInfo(path).fileName()));
    m_summary->setText(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    startWork(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    const quint64 id = ++m_request;
    m_work->post([id, path](InspectorWorker* worker) { worker->open(id, path); });
}

void InspectorWindow::showWeightSet(const QString& key)
{
    if (m_path.isEmpty())
        return;
    m_work->worker()->cancel();
    startWork(tr("Reading the weight set %1…").arg(keyLabel(key.toStdString())));
    const quint64 id = ++m_request;
    m_work->post([id, key = key.toStdString()](InspectorWorker* worker) { worker->readWeights(id, key); });
}

void InspectorWindow::compareWith(const QString& path, const QString& weightsKey)
{
    startWork(tr("Comparing with %1…").arg(QFileInfo(path).fileName()));
    m_tabs->setCurrentIndex(3);
    const quint64 id = m_request;
    m_work->post([id, path, key = weightsKey.toStdString()](InspectorWorker* worker) {
        worker->compare(id, path, key);
    });
}

void InspectorWindow::exportTo(const QString& path, const QString& dtype)
{
    std::optional<DType> type;
    if (!dtype.isEmpty()) {
        auto parsed = exportDtypeFor(dtype.toStdString());
        if (!parsed) {
            endWork(QString::fromStdString(parsed.message()));
            Q_EMIT exportFinished(false);
            return;
        }
        type = *parsed;
    }
    startWork(tr("Exporting to %1…").arg(QFileInfo(path).fileName()));
    const quint64 id = m_request;
    m_work->post([id, path, type](InspectorWorker* worker) { worker->exportTo(id, path, type); });
}

void InspectorWindow::onOpened(const InspectorOverview& answer)
{
    if (answer.id != m_request)
        return;
    if (!answer.error.isEmpty()) {
        m_summary->setText(answer.error);
        endWork(answer.error);
        Q_EMIT fileOpened(false);
        return;
    }
    m_overview = answer.overview;
    fillStructure();
    fillWeightSets();
    QString summary
        = tr("%1 · %2 · %n weight set(s)", nullptr, static_cast<int>(m_overview.weightSets.size()))
              .arg(QFileInfo(m_path).fileName(), QString::fromStdString(m_overview.format));
    m_summary->setToolTip(m_path);
    if (!m_overview.dangers.empty())
        summary += tr("\nLoading this file in Python would run code: %1 (nothing in it is run here).")
                       .arg(QString::fromStdString(describeDangers(m_overview.dangers)));
    if (!m_overview.defaultProblem.empty())
        summary += QLatin1Char('\n') + QString::fromStdString(m_overview.defaultProblem);
    m_summary->setText(summary);
    Q_EMIT fileOpened(true);
    if (m_overview.weightSets.empty()) {
        endWork(tr("The file holds no weight set."));
        m_tabs->setCurrentIndex(0);
        Q_EMIT statisticsFinished(false);
        return;
    }
    // The default weight set, else the first: its statistics follow.
    std::string key = m_overview.weightSets.front().key;
    for (const auto& set : m_overview.weightSets) {
        if (set.isDefault)
            key = set.key;
    }
    const quint64 id = ++m_request;
    startWork(tr("Reading the weight set %1…").arg(keyLabel(key)));
    m_work->post([id, key](InspectorWorker* worker) { worker->readWeights(id, key); });
}

void InspectorWindow::onTensors(const InspectorTensors& answer)
{
    if (answer.id != m_request)
        return;
    if (!answer.error.isEmpty() && !answer.cancelled) {
        endWork(answer.error);
        Q_EMIT statisticsFinished(false);
        return;
    }
    m_weightsKey = QString::fromStdString(answer.weightsKey);
    m_tensors->setTensors(answer.tensors);
    m_tensorView->resizeColumnsToContents();
    m_histogram->setHistogram({}, {});
    for (int row = 0; row < m_sets->rowCount(); ++row) {
        QFont font = m_sets->font();
        font.setBold(m_sets->item(row, 0)->data(Qt::UserRole).toString() == m_weightsKey);
        for (int column = 0; column < m_sets->columnCount(); ++column)
            m_sets->item(row, column)->setFont(font);
    }
    m_compareAction->setEnabled(!answer.cancelled);
    // As everywhere in the app, the tensors of a file that would run code in Python are not used.
    m_exportAction->setEnabled(!answer.cancelled && m_overview.dangers.empty());
    const int flagged = m_tensors->flaggedCount();
    QString text = answer.cancelled
        ? tr("Stopped: statistics of %n tensor(s) computed.", nullptr,
             static_cast<int>(answer.tensors.size()))
        : tr("Weight set %1: %n tensor(s)", nullptr, static_cast<int>(answer.tensors.size()))
              .arg(keyLabel(answer.weightsKey));
    if (flagged)
        text += tr("; %n hold NaN or Inf values (flagged)", nullptr, flagged);
    endWork(text);
    if (m_tabs->currentIndex() != 1)
        m_tabs->setCurrentIndex(2);
    Q_EMIT statisticsFinished(!answer.cancelled);
}

void InspectorWindow::onTensorSelected()
{
    const QModelIndexList rows = m_tensorView->selectionModel()->selectedRows(TensorTableModel::Name);
    if (rows.isEmpty())
        return;
    const QString name = rows.front().data().toString();
    const quint64 id = ++m_histogramRequest;
    m_work->post([id, name](InspectorWorker* worker) { worker->histogram(id, name, kHistogramBins); });
}

void InspectorWindow::onHistogram(const InspectorHistogram& answer)
{
    if (answer.id != m_histogramRequest)
        return;
    m_histogram->setHistogram(answer.name, answer.histogram);
    Q_EMIT histogramShown();
}

void InspectorWindow::onCompared(const InspectorComparison& answer)
{
    if (answer.id != m_request)
        return;
    if (!answer.error.isEmpty()) {
        m_comparisonLabel->setText(answer.error);
        endWork(answer.error);
        Q_EMIT comparisonFinished(false);
        return;
    }
    const Comparison& c = answer.comparison;
    m_comparison->setComparison(c);
    const std::size_t common = c.differences.size() + c.shapeChanges.size();
    m_comparisonLabel->setText(
        tr("%1 (%2) against %3 (%4): %5 tensors in common, of which %6 identical, %7 different and %8 of "
           "another shape; %9 only here, %10 only there.")
            .arg(QFileInfo(QString::fromStdString(c.first)).fileName(), keyLabel(c.firstKey),
                 QFileInfo(QString::fromStdString(c.second)).fileName(), keyLabel(c.secondKey))
            .arg(common)
            .arg(c.identical)
            .arg(c.differences.size() - c.identical)
            .arg(c.shapeChanges.size())
            .arg(c.onlyInFirst.size())
            .arg(c.onlyInSecond.size()));
    endWork(tr("Compared with %1.").arg(QFileInfo(QString::fromStdString(c.second)).fileName()));
    Q_EMIT comparisonFinished(true);
}

void InspectorWindow::onExported(const InspectorExport& answer)
{
    if (answer.id != m_request)
        return;
    if (!answer.error.isEmpty()) {
        endWork(answer.error);
        Q_EMIT exportFinished(false);
        return;
    }
    const ExportResult& r = answer.result;
    QString text
        = tr("Wrote %1 (%2, %n tensor(s))", nullptr, static_cast<int>(r.tensors))
              .arg(QString::fromStdString(r.output), QString::fromStdString(exportFormatName(r.format)));
    text += r.loadsStrictly ? tr("; loads strictly into torchvision.models.%1(num_classes=%2).")
                                  .arg(QString::fromStdString(r.architecture.name))
                                  .arg(r.architecture.numClasses)
                            : QStringLiteral("; ") + QString::fromStdString(r.problem);
    endWork(text);
    Q_EMIT exportFinished(true);
}

void InspectorWindow::onProgress(quint64 id, int done, int total)
{
    if (id != m_request || !m_busy)
        return;
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(done);
}

void InspectorWindow::startWork(const QString& text)
{
    m_busy = true;
    m_status->setText(text);
    m_progress->setRange(0, 0);
    m_progress->show();
    m_cancel->show();
    m_showSet->setEnabled(false);
}

void InspectorWindow::endWork(const QString& text)
{
    m_busy = false;
    m_status->setText(text);
    m_progress->hide();
    m_cancel->hide();
    m_showSet->setEnabled(!m_sets->selectedItems().isEmpty());
}

void InspectorWindow::fillStructure()
{
    m_tree->clear();
    const StructureNode& root = m_overview.structure.root;
    auto* top = new QTreeWidgetItem(
        m_tree, {QFileInfo(m_path).fileName(), QString::fromStdString(root.type), describeNode(root)});
    if (root.kind == StructureNode::Kind::Optimizer)
        addOptimizerChildren(top, root.optimizer);
    addNode(top, root);
    if (m_overview.structure.truncated)
        new QTreeWidgetItem(top, {tr("… the file holds more than is shown"), QString(), QString()});
    m_tree->expandToDepth(1);
}

void InspectorWindow::fillWeightSets()
{
    m_sets->setRowCount(0);
    for (const WeightSetReport& set : m_overview.weightSets) {
        const int row = m_sets->rowCount();
        m_sets->insertRow(row);
        const QString key = QString::fromStdString(set.key);
        QStringList cells {
            keyLabel(set.key),
            set.architectureFound ? QString::fromStdString(set.architecture.name) + QStringLiteral(" (")
                    + QString::number(set.architecture.numClasses) + tr(" classes)")
                                  : tr("not recognised"),
            QString::fromStdString(loadVerdictName(set.verdict)),
            QString::fromStdString(describeGroup(set.group)), set.isDefault ? tr("default") : QString()};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setData(Qt::UserRole, key);
            if (!set.problem.empty())
                item->setToolTip(QString::fromStdString(set.problem));
            m_sets->setItem(row, column, item);
        }
    }
    m_sets->resizeColumnsToContents();
    if (m_sets->rowCount())
        m_sets->selectRow(0);
}

QString InspectorWindow::selectedWeightSet() const
{
    const auto items = m_sets->selectedItems();
    return items.isEmpty() ? QString() : items.front()->data(Qt::UserRole).toString();
}

const Histogram& InspectorWindow::histogram() const
{
    return m_histogram->histogram();
}

QString InspectorWindow::histogramName() const
{
    return m_histogram->name();
}

QString InspectorWindow::comparisonSummary() const
{
    return m_comparisonLabel->text();
}

QString InspectorWindow::statusText() const
{
    return m_status->text();
}

bool InspectorWindow::busy() const
{
    return m_busy;
}

} // namespace lens
