#include "MainWindow.h"

#include "AppSettings.h"
#include "BatchPanel.h"
#include "BusyIndicator.h"
#include "CheckpointReportView.h"
#include "DeviceSelector.h"
#include "Icons.h"
#include "ImageFiles.h"
#include "ImageView.h"
#include "InspectorWindow.h"
#include "LensVersion.h"
#include "LoadCheckpointDialog.h"
#include "MessageBanner.h"
#include "ModelSession.h"
#include "PredictionModel.h"
#include "PreprocessPanel.h"
#include "PresetEditor.h"
#include "ProbabilityDelegate.h"
#include "ThumbnailStrip.h"
#include "WeightsPicker.h"
#include "inference/RuntimeCheck.h"
#include "model/ResultFormat.h"
#include "preprocess/CamOverlay.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <opencv2/core/version.hpp>

namespace lens {

namespace {

/// Files to show for the paths given: one file = its folder's images; folders = their images.
QStringList collectImages(const QStringList& paths, bool recursive)
{
    if (paths.size() == 1 && QFileInfo(paths.first()).isFile()) {
        QStringList siblings = listImages(QFileInfo(paths.first()).absolutePath(), false);
        const QString file = QFileInfo(paths.first()).absoluteFilePath();
        if (!siblings.contains(file))
            siblings.prepend(file);
        return siblings;
    }
    QStringList out;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir())
            out << listImages(info.absoluteFilePath(), recursive);
        else
            out << info.absoluteFilePath();
    }
    out.removeDuplicates();
    return out;
}

/// A loader error cut to what a banner can show: the first lines, each shortened.
QString abbreviate(const QString& text, int maxLines = 3, int maxChars = 240)
{
    QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const bool more = lines.size() > maxLines;
    lines = lines.mid(0, maxLines);
    for (QString& line : lines)
        if (line.size() > maxChars)
            line = line.left(maxChars) + QStringLiteral("…");
    return lines.join(QLatin1Char('\n')) + (more ? QStringLiteral("\n…") : QString());
}

/// The preset torchvision trained these weights with ("v1", "v2"), from the catalog by file name; empty
/// for weights the catalog does not know.
QString catalogPreset(const QString& weights)
{
    const WeightsInfo* info = weightsByFileName(QFileInfo(weights).fileName().toStdString());
    return info ? QString::fromStdString(info->preset) : QString();
}

bool sameOptions(const PreprocessOptions& a, const PreprocessOptions& b)
{
    return a.resizeShort == b.resizeShort && a.crop == b.crop && a.mean == b.mean && a.std == b.std;
}

} // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent)
    , m_settings(std::make_unique<AppSettings>(options.settingsFile))
{
    setWindowTitle(QStringLiteral("ResNet Lens"));
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    startWorker();
    createActions();
    createLayout();
    createMenus();
    createToolBar();
    restoreSettings(options);
}

MainWindow::~MainWindow()
{
    m_thumbs->cancel();
}

void MainWindow::startWorker()
{
    m_session = new ModelSession(this);
    connect(m_session, &ModelSession::classified, this, &MainWindow::onClassified);
    connect(m_session, &ModelSession::loadFinished, this, &MainWindow::onModelLoaded);
}

void MainWindow::createActions()
{
    m_openAction = new QAction(themedIcon(IconKind::Open), tr("&Open…"), this);
    bindShortcut(m_openAction, {QKeySequence::Open}, tr("Open images"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::chooseFiles);

    m_openFolderAction = new QAction(themedIcon(IconKind::Folder), tr("Open &Folder…"), this);
    bindShortcut(m_openFolderAction, {QKeySequence(tr("Ctrl+Shift+O"))}, tr("Open every image in a folder"));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::chooseFolder);

    m_recursiveAction = new QAction(tr("Include &Subfolders"), this);
    m_recursiveAction->setCheckable(true);
    connect(m_recursiveAction, &QAction::toggled, this, [this](bool on) {
        m_settings->setRecursive(on);
        // The folders open now are listed again, with or without their subfolders.
        if (std::any_of(m_openedPaths.begin(), m_openedPaths.end(),
                        [](const QString& path) { return QFileInfo(path).isDir(); }))
            openPaths(m_openedPaths);
    });

    m_pasteAction = new QAction(themedIcon(IconKind::Paste), tr("&Paste"), this);
    bindShortcut(m_pasteAction, {QKeySequence::Paste}, tr("Classify the image or files on the clipboard"));
    connect(m_pasteAction, &QAction::triggered, this, &MainWindow::paste);

    m_loadCheckpointAction = new QAction(themedIcon(IconKind::Checkpoint), tr("Open &Checkpoint…"), this);
    bindShortcut(m_loadCheckpointAction, {QKeySequence(tr("Ctrl+L"))},
                 tr("Load model weights, strictly or partially"));
    connect(m_loadCheckpointAction, &QAction::triggered, this, &MainWindow::chooseCheckpoint);

    m_previousAction = new QAction(themedIcon(IconKind::Previous), tr("&Previous Image"), this);
    bindShortcut(m_previousAction, {QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::ALT | Qt::Key_Left)},
                 tr("Previous image"));
    connect(m_previousAction, &QAction::triggered, this, &MainWindow::showPrevious);
    m_nextAction = new QAction(themedIcon(IconKind::Next), tr("&Next Image"), this);
    bindShortcut(m_nextAction, {QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::ALT | Qt::Key_Right)},
                 tr("Next image"));
    connect(m_nextAction, &QAction::triggered, this, &MainWindow::showNext);

    m_batchAction = new QAction(themedIcon(IconKind::LabelFolder), tr("&Label Folder…"), this);
    bindShortcut(m_batchAction, {QKeySequence(tr("Ctrl+B"))},
                 tr("Label every image in folders into a CSV or JSON Lines file"));
    connect(m_batchAction, &QAction::triggered, this, &MainWindow::showBatchPanel);

    m_weightsAction = new QAction(themedIcon(IconKind::Weights), tr("Pretrained &Weights…"), this);
    bindShortcut(m_weightsAction, {QKeySequence(tr("Ctrl+Shift+L"))},
                 tr("Use or download torchvision's pretrained weights"));
    connect(m_weightsAction, &QAction::triggered, this, &MainWindow::showWeightsPicker);
    m_bf16Action = new QAction(tr("Fast &bf16 Inference"), this);
    m_bf16Action->setObjectName(QStringLiteral("bf16Action"));
    m_bf16Action->setCheckable(true);
    m_bf16Action->setStatusTip(
        tr("Run the model in bfloat16: about twice as fast on CPUs with AVX512_BF16 or "
           "AMX; the probabilities move slightly. Off: the exact answer."));
    if (const std::string missing = Classifier::bf16Unavailable(); !missing.empty()) {
        m_bf16Action->setEnabled(false);
        m_bf16Action->setToolTip(QString::fromStdString(missing));
    } else {
        m_bf16Action->setChecked(m_settings->precision() == Precision::Bf16);
    }
    m_session->setPrecision(m_bf16Action->isChecked() ? Precision::Bf16 : Precision::Fp32);
    connect(m_bf16Action, &QAction::toggled, this, [this](bool on) {
        const Precision precision = on ? Precision::Bf16 : Precision::Fp32;
        m_settings->setPrecision(precision);
        if (m_session->loaded())
            m_loadBusy->start(tr("Loading %1 in %2…")
                                  .arg(QFileInfo(m_session->weights()).fileName(),
                                       QString::fromStdString(precisionName(precision))));
        m_session->setPrecision(precision);
    });
    m_downloadWeightsAction = new QAction(tr("Download torchvision weights…"), this);
    connect(m_downloadWeightsAction, &QAction::triggered, this, &MainWindow::showWeightsPicker);

    m_camAction = new QAction(tr("Class &Activation Map"), this);
    m_camAction->setObjectName(QStringLiteral("camAction"));
    m_camAction->setCheckable(true);
    bindShortcut(m_camAction, {QKeySequence(tr("Ctrl+M"))},
                 tr("Show where in the picture the model saw the class selected in the top-5"));
    connect(m_camAction, &QAction::toggled, this, [this](bool on) {
        m_mapControls->setVisible(on);
        if (on && m_last.classified && m_last.heat.empty())
            requestClassify();
        else
            showMap();
    });
    m_inspectAction = new QAction(tr("&Inspect Checkpoint…"), this);
    bindShortcut(
        m_inspectAction, {QKeySequence(tr("Ctrl+I"))},
        tr("Look inside a checkpoint without loading it: structure, statistics, comparison, export"));
    connect(m_inspectAction, &QAction::triggered, this, [this] { showInspector(); });
    m_copyAction = new QAction(themedIcon(IconKind::Copy), tr("&Copy"), this);
    bindShortcut(m_copyAction, {QKeySequence::Copy}, tr("Copy the top-5 (or the image, from its menu)"));
    connect(m_copyAction, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(predictionsText()); });

    m_zoomFitAction = new QAction(tr("&Fit to Window"), this);
    bindShortcut(m_zoomFitAction, {QKeySequence(tr("Ctrl+0"))}, tr("Fit the image to the window"));
    connect(m_zoomFitAction, &QAction::triggered, this, [this] { m_image->setZoom(0); });
    m_zoomActualAction = new QAction(tr("&Actual Size"), this);
    bindShortcut(m_zoomActualAction, {QKeySequence(tr("Ctrl+1"))}, tr("Show the image at 100%"));
    connect(m_zoomActualAction, &QAction::triggered, this, [this] { m_image->setZoom(1); });
    m_zoomInAction = new QAction(themedIcon(IconKind::ZoomIn), tr("Zoom &In"), this);
    bindShortcut(m_zoomInAction, {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))},
                 tr("Zoom in (or the mouse wheel)"));
    connect(m_zoomInAction, &QAction::triggered, this, [this] { m_image->zoomBy(1.25); });
    m_zoomOutAction = new QAction(themedIcon(IconKind::ZoomOut), tr("Zoom &Out"), this);
    bindShortcut(m_zoomOutAction, {QKeySequence::ZoomOut}, tr("Zoom out"));
    connect(m_zoomOutAction, &QAction::triggered, this, [this] { m_image->zoomBy(1 / 1.25); });

    m_quitAction = new QAction(tr("&Quit"), this);
    // Some platforms bind no key to QKeySequence::Quit: Ctrl+Q everywhere.
    bindShortcut(m_quitAction, {QKeySequence::Quit, QKeySequence(tr("Ctrl+Q"))}, tr("Quit"));
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    file->addAction(m_openFolderAction);
    file->addAction(m_recursiveAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(m_pasteAction);
    file->addSeparator();
    file->addAction(m_batchAction);
    file->addAction(m_inspectAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addAction(m_loadCheckpointAction);
    model->addAction(m_weightsAction);
    model->addSeparator();
    model->addAction(m_bf16Action);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_copyAction);
    edit->addAction(m_pasteAction);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_previousAction);
    view->addAction(m_nextAction);
    view->addSeparator();
    view->addAction(m_zoomFitAction);
    view->addAction(m_zoomActualAction);
    view->addAction(m_zoomInAction);
    view->addAction(m_zoomOutAction);
    view->addSeparator();
    QAction* thumbs = m_thumbsDock->toggleViewAction();
    bindShortcut(thumbs, {QKeySequence(tr("Ctrl+T"))}, tr("Show or hide the image list"));
    view->addAction(thumbs);
    QAction* report = m_reportDock->toggleViewAction();
    bindShortcut(report, {QKeySequence(tr("Ctrl+R"))}, tr("Show or hide the checkpoint report"));
    view->addAction(report);
    view->addSeparator();
    view->addAction(m_camAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts);
    bindShortcut(shortcuts, {QKeySequence::HelpContents}, tr("This list"));
    help->addSeparator();
    help->addAction(tr("&About ResNet Lens"), this, &MainWindow::showAbout);
    updateRecentMenu();
}

void MainWindow::createToolBar()
{
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_openAction);
    bar->addAction(m_openFolderAction);
    bar->addAction(m_pasteAction);
    bar->addSeparator();
    bar->addAction(m_previousAction);
    bar->addAction(m_nextAction);
    bar->addSeparator();
    bar->addAction(m_loadCheckpointAction);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Device "), bar));
    m_device = new DeviceSelector(bar);
    bar->addWidget(m_device);
    connect(m_device, &DeviceSelector::deviceChosen, this, &MainWindow::selectDevice);
}

void MainWindow::createLayout()
{
    m_banner = new MessageBanner(this);
    m_image = new ImageView(this);
    m_image->setObjectName(QStringLiteral("imageView"));
    m_image->setAccessibleName(tr("Image"));
    m_image->setZoomable(true);
    m_image->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_image, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        std::unique_ptr<QMenu> menu(makeImageMenu());
        menu->exec(m_image->mapToGlobal(pos));
    });
    connect(m_image, &ImageView::activated, this, [this] { m_image->setZoom(m_image->zoom() > 0 ? 0 : 1); });
    m_image->setPlaceholder(tr("Open an image (Ctrl+O), a folder (Ctrl+Shift+O), paste one (Ctrl+V) or drop "
                               "files here."));

    m_predictions = new PredictionModel(this);
    m_predictionsTitle = new QLabel(tr("Top-5"), this);
    QFont titleFont = m_predictionsTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_predictionsTitle->setFont(titleFont);
    m_predictionsTitle->setWordWrap(true);
    m_predictionsView = new QTableView(this);
    m_predictionsView->setObjectName(QStringLiteral("predictionsView"));
    m_predictionsView->setModel(m_predictions);
    m_predictionsView->setItemDelegateForColumn(PredictionModel::Probability, new ProbabilityDelegate(this));
    m_predictionsView->verticalHeader()->hide();
    m_predictionsView->verticalHeader()->setDefaultSectionSize(30);
    m_predictionsView->setShowGrid(false);
    m_predictionsView->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_predictionsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_predictionsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // One Tab stop for the table: the arrow keys move inside it.
    m_predictionsView->setTabKeyNavigation(false);
    m_predictionsView->setAccessibleName(tr("Top-5 predictions"));
    m_predictionsView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_predictionsView->installEventFilter(this);
    connect(m_predictionsView, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        std::unique_ptr<QMenu> menu(makePredictionsMenu());
        menu->exec(m_predictionsView->viewport()->mapToGlobal(pos));
    });
    QHeaderView* header = m_predictionsView->horizontalHeader();
    header->setSectionResizeMode(PredictionModel::Rank, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(PredictionModel::Label, QHeaderView::Stretch);
    header->setSectionResizeMode(PredictionModel::Index, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(PredictionModel::Probability, QHeaderView::Fixed);
    header->resizeSection(PredictionModel::Probability, 180);
    m_predictionsView->setFixedHeight(header->sizeHint().height() + 5 * 30
                                      + 2 * m_predictionsView->frameWidth());

    auto* predictionsPanel = new QWidget(this);
    // Class names stay readable when a dock narrows the window's middle: the image gives the room.
    predictionsPanel->setMinimumWidth(380);
    auto* predictionsLayout = new QVBoxLayout(predictionsPanel);
    predictionsLayout->setContentsMargins(0, 0, 0, 0);
    predictionsLayout->addWidget(m_predictionsTitle);
    predictionsLayout->addWidget(m_predictionsView);
    connect(m_predictionsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showMap(); });
    createMapControls();
    predictionsLayout->addWidget(m_mapControls);
    m_modelInfo = new QLabel(this);
    m_modelInfo->setObjectName(QStringLiteral("modelInfo"));
    m_modelInfo->setWordWrap(true);
    m_modelInfo->setTextFormat(Qt::RichText);
    m_modelInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    predictionsLayout->addWidget(m_modelInfo);
    predictionsLayout->addStretch(1);

    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_image);
    top->addWidget(predictionsPanel);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);

    m_preprocess = new PreprocessPanel(this);
    m_preprocess->setObjectName(QStringLiteral("preprocessPanel"));
    connect(m_preprocess->presetEditor(), &PresetEditor::optionsChanged, this,
            [this](const PreprocessOptions& o) {
                m_presetChosen = true;
                m_settings->setPreset(o);
                updateBatchModel();
                requestClassify();
            });

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("mainSplitter"));
    split->addWidget(top);
    split->addWidget(m_preprocess);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
    setCentralWidget(central);

    m_thumbs = new ThumbnailStrip(this);
    m_thumbs->setAccessibleName(tr("Image list"));
    m_thumbsDock = new QDockWidget(tr("Images"), this);
    m_thumbsDock->setObjectName(QStringLiteral("imagesDock"));
    m_thumbsDock->setWidget(m_thumbs);
    m_thumbs->setMinimumWidth(130);
    addDockWidget(Qt::LeftDockWidgetArea, m_thumbsDock);
    connect(m_thumbs, &ThumbnailStrip::currentFileChanged, this, &MainWindow::showFile);

    m_report = new CheckpointReportView(this);
    m_reportDock = new QDockWidget(tr("Checkpoint Report"), this);
    m_reportDock->setObjectName(QStringLiteral("reportDock"));
    m_reportDock->setWidget(m_report);
    m_report->setMinimumWidth(300);
    addDockWidget(Qt::RightDockWidgetArea, m_reportDock);
    m_reportDock->hide();
    // Wide enough for a ResNet's keys and shapes when it opens; the image area gives the room.
    connect(m_reportDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible || m_reportDock->isFloating())
            return;
        // Once the dock is laid out: before, its width is not known yet.
        QTimer::singleShot(0, this, [this] {
            const int wanted = std::min(m_report->idealWidth(), width() * 9 / 20);
            if (m_reportDock->isVisible() && m_reportDock->width() < wanted)
                resizeDocks({m_reportDock}, {wanted}, Qt::Horizontal);
        });
    });

    m_loadBusy = new BusyIndicator(this);
    m_thumbBusy = new BusyIndicator(this);
    m_modelLabel = new QLabel(this);
    m_deviceLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    m_warningLabel = new QLabel(this);
    m_warningLabel->setObjectName(QStringLiteral("runtimeWarning"));
    m_warningLabel->setStyleSheet(QStringLiteral("color: #a15c00; font-weight: bold"));
    m_warningLabel->hide();
    statusBar()->addWidget(m_loadBusy);
    statusBar()->addWidget(m_thumbBusy);
    statusBar()->addPermanentWidget(m_warningLabel);
    statusBar()->addPermanentWidget(m_modelLabel);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_timeLabel);
    connect(m_loadBusy, &BusyIndicator::cancelRequested, this, &MainWindow::cancelLoad);
    connect(m_thumbBusy, &BusyIndicator::cancelRequested, m_thumbs, &ThumbnailStrip::cancel);
    connect(m_thumbs, &ThumbnailStrip::progress, this, [this](int done, int total) {
        if (done >= total) {
            m_thumbBusy->stop();
        } else if (!m_thumbBusy->running()) {
            m_thumbBusy->start(tr("Making thumbnails"), total);
        } else {
            m_thumbBusy->setProgress(done, total);
        }
    });
    updateStatus();
}

void MainWindow::restoreSettings(const MainWindowOptions& options)
{
    resize(1400, 900);
    resizeDocks({m_thumbsDock}, {170}, Qt::Horizontal);
    restoreGeometry(m_settings->geometry());
    restoreState(m_settings->windowState());
    m_reportDock->hide();
    {
        QSignalBlocker block(m_recursiveAction);
        m_recursiveAction->setChecked(options.recursive || m_settings->recursive());
    }

    QString weights = options.weights;
    QString arch = options.arch;
    QString defaultPreset;
    if (weights.isEmpty() && QFileInfo(m_settings->weights()).isFile()) {
        weights = m_settings->weights();
        arch = m_settings->arch();
    }
    if (weights.isEmpty()) {
        if (auto found = findDefaultWeights()) {
            weights = QString::fromStdString(found->path);
            defaultPreset = QString::fromStdString(found->preset);
        }
    }

    // The preset is the one asked for, else the one the user chose last time, else the one the weights
    // were trained with: it follows the weights until the user picks one.
    PreprocessOptions preset = PreprocessOptions::v1();
    m_presetChosen = !options.preset.isEmpty() || m_settings->hasPreset();
    if (!options.preset.isEmpty()) {
        if (auto named = presetByName(options.preset.toStdString()))
            preset = *named;
    } else if (m_settings->hasPreset()) {
        preset = m_settings->preset();
    } else {
        const QString follows = defaultPreset.isEmpty() ? catalogPreset(weights) : defaultPreset;
        if (auto named = presetByName(follows.toStdString()))
            preset = *named;
    }
    m_preprocess->presetEditor()->setOptions(preset);

    QString device = options.device.isEmpty() ? m_settings->device() : options.device;
    if (device != QLatin1String("cpu") && !m_device->cudaAvailable()) {
        if (!options.device.isEmpty())
            m_banner->showMessage(
                MessageBanner::Kind::Warning,
                tr("CUDA is not available (%1); using the CPU.").arg(m_device->cudaReason()), nullptr,
                MessageBanner::Topic::Device);
        device = QStringLiteral("cpu");
    }
    m_device->setDevice(device);

    if (weights.isEmpty())
        showNoWeights();
    else
        loadCheckpoint(weights, arch, LoadMode::Strict, device);
    if (!options.open.isEmpty())
        openPaths(options.open);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_settings->setGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->sync();
    QMainWindow::closeEvent(event);
}

// ---- Opening ----------------------------------------------------------------------------------------

void MainWindow::openPaths(const QStringList& paths)
{
    QStringList existing;
    for (const QString& path : paths) {
        if (QFileInfo::exists(path))
            existing << QFileInfo(path).absoluteFilePath();
        else
            m_banner->showMessage(MessageBanner::Kind::Error, tr("%1 does not exist.").arg(path), nullptr,
                                  MessageBanner::Topic::Opening);
    }
    if (existing.isEmpty())
        return;
    // Open Recent lists what the user opened, not every image shown since.
    for (auto it = existing.crbegin(); it != existing.crend(); ++it)
        m_settings->addRecentFile(*it);
    updateRecentMenu();
    m_openedPaths = existing;
    const QFileInfo first(existing.first());
    m_settings->setLastFolder(first.isDir() ? first.absoluteFilePath() : first.absolutePath());
    const QString selected = first.isFile() ? first.absoluteFilePath() : QString();
    const bool recursive = m_recursiveAction->isChecked();
    const quint64 id = ++m_listingId;
    auto* watcher = new QFutureWatcher<QStringList>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, id, selected, existing] {
        watcher->deleteLater();
        if (id != m_listingId)
            return;
        const QStringList files = watcher->result();
        if (files.isEmpty()) {
            m_banner->showMessage(
                MessageBanner::Kind::Warning,
                m_recursiveAction->isChecked()
                    ? tr("No images found in %1 or its subfolders.").arg(existing.join(QStringLiteral(", ")))
                    : tr("No images found in %1. Include Subfolders (File menu) looks in its subfolders too.")
                          .arg(existing.join(QStringLiteral(", "))),
                nullptr, MessageBanner::Topic::Opening);
            return;
        }
        m_banner->dismiss(MessageBanner::Topic::Opening);
        const QString keep = selected.isEmpty() ? m_thumbs->currentFile() : selected;
        m_thumbs->setFiles(files, files.contains(keep) ? keep : selected);
    });
    watcher->setFuture(QtConcurrent::run(collectImages, existing, recursive));
}

void MainWindow::openImage(const QImage& image, const QString& description)
{
    if (image.isNull()) {
        m_banner->showMessage(MessageBanner::Kind::Error, tr("The clipboard image is empty."), nullptr,
                              MessageBanner::Topic::Opening);
        return;
    }
    m_banner->dismiss(MessageBanner::Topic::Opening);
    m_currentPath.clear();
    m_currentImage = image;
    setWindowTitle(QStringLiteral("%1 — ResNet Lens").arg(description));
    {
        QSignalBlocker block(m_thumbs->selectionModel());
        m_thumbs->clearSelection();
    }
    requestClassify();
}

void MainWindow::paste()
{
    openMime(QGuiApplication::clipboard()->mimeData());
}

void MainWindow::openMime(const QMimeData* mime)
{
    if (!mime) {
        m_banner->showMessage(MessageBanner::Kind::Warning, tr("The clipboard is empty."), nullptr,
                              MessageBanner::Topic::Opening);
        return;
    }
    QStringList paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            paths << url.toLocalFile();
    if (paths.isEmpty() && mime->hasText()) {
        const QString text = mime->text().trimmed();
        if (!text.contains(QLatin1Char('\n')) && QFileInfo::exists(text))
            paths << text;
    }
    if (!paths.isEmpty()) {
        openPaths(paths);
    } else if (mime->hasImage()) {
        openImage(qvariant_cast<QImage>(mime->imageData()), tr("Pasted image"));
    } else {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Nothing to open on the clipboard: copy an image or image files first."),
                              nullptr, MessageBanner::Topic::Opening);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasImage())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    openMime(event->mimeData());
    event->acceptProposedAction();
}

void MainWindow::showFile(const QString& path)
{
    if (path.isEmpty())
        return;
    m_currentPath = path;
    m_currentImage = {};
    setWindowTitle(QStringLiteral("%1 — ResNet Lens").arg(QFileInfo(path).fileName()));
    m_banner->dismiss(MessageBanner::Topic::Opening);
    requestClassify();
}

bool MainWindow::showNext()
{
    const bool wraps = m_thumbs->currentIndex().row() == int(m_thumbs->files().size()) - 1;
    if (!m_thumbs->step(1))
        return false;
    if (wraps && m_thumbs->files().size() > 1)
        statusBar()->showMessage(tr("Back to the first image"), 4000);
    return true;
}

bool MainWindow::showPrevious()
{
    const bool wraps = m_thumbs->currentIndex().row() == 0;
    if (!m_thumbs->step(-1))
        return false;
    if (wraps && m_thumbs->files().size() > 1)
        statusBar()->showMessage(tr("On to the last image"), 4000);
    return true;
}

void MainWindow::chooseFiles()
{
    const QStringList files
        = QFileDialog::getOpenFileNames(this, tr("Open Images"), m_settings->lastFolder(), imageFileFilter());
    if (!files.isEmpty())
        openPaths(files);
}

void MainWindow::chooseFolder()
{
    const QString folder
        = QFileDialog::getExistingDirectory(this, tr("Open Folder"), m_settings->lastFolder());
    if (!folder.isEmpty())
        openPaths({folder});
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_settings->recentFiles();
    for (const QString& file : recent) {
        const QFileInfo info(file);
        const QString name = info.isDir() ? info.fileName() + QLatin1Char('/') : info.fileName();
        m_recentMenu->addAction(name.isEmpty() ? file : name, this, [this, file] { openPaths({file}); })
            ->setToolTip(file);
    }
    if (!recent.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear"), this, [this] {
            m_settings->clearRecentFiles();
            updateRecentMenu();
        });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

// ---- Classification -----------------------------------------------------------------------------------

void MainWindow::setPreprocess(const PreprocessOptions& options)
{
    m_preprocess->presetEditor()->setOptions(options);
    m_presetChosen = true;
    m_settings->setPreset(options);
    updateBatchModel();
    requestClassify();
}

void MainWindow::requestClassify()
{
    if (m_currentPath.isEmpty() && m_currentImage.isNull())
        return;
    ClassifyRequest request;
    request.path = m_currentPath;
    request.image = m_currentImage;
    request.options = m_preprocess->presetEditor()->options();
    request.maps = m_camAction->isChecked();
    m_session->classify(request);
}

void MainWindow::onClassified(const ClassifyResult& result)
{
    // A result made with other settings than those on screen is never shown: the request for the settings
    // shown is on its way.
    if (!sameOptions(result.options, m_preprocess->presetEditor()->options()))
        return;
    m_last = result;
    const QString name
        = result.source.startsWith(QLatin1Char('/')) ? QFileInfo(result.source).fileName() : result.source;
    m_timeLabel->clear();
    if (result.upright.isNull()) {
        m_image->clear();
        m_preprocess->clear();
        m_predictions->setScores({});
        m_predictionsTitle->setText(tr("%1 could not be read").arg(name));
        m_banner->showMessage(MessageBanner::Kind::Error, abbreviate(result.error), nullptr,
                              MessageBanner::Topic::Image);
        Q_EMIT resultShown(false);
        return;
    }
    m_banner->dismiss(MessageBanner::Topic::Image);
    m_image->setImage(result.upright, result.uprightSize);
    // The size of the image as shown: an EXIF-rotated photo is captioned upright.
    m_image->setCaption(QStringLiteral("%1  ·  %2×%3")
                            .arg(name)
                            .arg(result.uprightSize.width())
                            .arg(result.uprightSize.height()));
    m_preprocess->showStages(result);
    m_predictions->setScores(result.top);
    showMap();
    if (!result.error.isEmpty())
        m_banner->showMessage(MessageBanner::Kind::Error, abbreviate(result.error), nullptr,
                              MessageBanner::Topic::Image);
    if (result.classified) {
        m_predictionsTitle->setText(
            tr("Top-%1 · %2").arg(result.top.size()).arg(QString::fromStdString(result.top.front().label)));
        m_timeLabel->setText(tr("Inference %1 ms").arg(result.inferenceMs, 0, 'f', 0));
    } else if (!m_session->loaded()) {
        m_predictionsTitle->setText(tr("No model loaded: open a checkpoint to classify."));
    } else {
        m_predictionsTitle->setText(tr("Top-5"));
    }
    Q_EMIT resultShown(result.classified);
}

// ---- Model --------------------------------------------------------------------------------------------

void MainWindow::loadCheckpoint(const QString& weights, const QString& arch, LoadMode mode,
                                const QString& device, const QString& weightsKey, const QString& labels)
{
    const QString on = device.isEmpty() ? m_device->device() : device;
    m_loadBusy->start(tr("Loading %1 on %2…").arg(QFileInfo(weights).fileName(), on.toUpper()));
    m_session->load(weights, arch, mode, on, weightsKey,
                    labels.isNull() ? m_settings->labelsFor(weights) : labels);
}

void MainWindow::cancelLoad()
{
    if (!m_session->cancelLoad())
        return;
    m_loadBusy->stop();
    m_device->setDevice(m_session->deviceKind());
    m_banner->showMessage(MessageBanner::Kind::Info,
                          !m_session->loaded()
                              ? tr("Loading cancelled.")
                              : tr("Loading cancelled; still using %1.").arg(m_session->arch()),
                          nullptr, MessageBanner::Topic::Model);
}

void MainWindow::onModelLoaded(const ModelResult& result)
{
    m_loadBusy->stop();
    m_report->setReport(result.report);

    if (!result.ok) {
        const QString file = QFileInfo(result.weights).fileName();
        QString error = result.error;
        if (error.startsWith(result.weights + QStringLiteral(": ")))
            error = error.mid(result.weights.size() + 2);
        QString message = result.dangerous
            ? tr("Refused %1: %2. Nothing in it was run; only open checkpoints you trust.")
                  .arg(file, abbreviate(error, 2, 240))
            : tr("Could not load %1: %2").arg(file, abbreviate(error, 2, 160));
        message += QLatin1Char('\n')
            + (!m_session->loaded() ? tr("No model is loaded.")
                                    : tr("The previous model (%1) is still in use.").arg(m_session->arch()));
        m_banner->showMessage(MessageBanner::Kind::Error, message,
                              !m_session->loaded() ? m_loadCheckpointAction
                                                   : m_reportDock->toggleViewAction(),
                              MessageBanner::Topic::Model);
        if (!result.report.rows.empty())
            m_reportDock->show();
        m_device->setDevice(m_session->deviceKind());
        Q_EMIT modelLoadFinished(false);
        return;
    }

    // Slow settings (the reference BLAS, a single thread) cost more than any other choice: say so.
    m_warningLabel->setVisible(!result.warnings.isEmpty());
    m_warningLabel->setText(result.warnings.isEmpty() ? QString()
                                                      : tr("Slow: %1").arg(result.warnings.first()));
    m_warningLabel->setToolTip(result.warnings.join(QLatin1Char('\n')));

    m_settings->setWeights(result.weights);
    m_settings->setArch(m_session->requestedArch());
    m_settings->setLabelsFor(result.weights, result.labels);
    if (m_predictionsTitle->text().startsWith(tr("No model")))
        m_predictionsTitle->setText(tr("Top-5"));
    followWeightsPreset(result.weights);
    const QString device = m_session->deviceKind();
    m_settings->setDevice(device);
    m_device->setDevice(device);
    updateStatus();
    updateBatchModel();
    if (m_weightsPicker)
        m_weightsPicker->setWeightsInUse(result.weights);

    const CheckpointReport& report = result.report;
    m_modelInfo->setText(
        tr("<p><b>%1</b> · %2 classes · %3<br>Weights: %4<br>%5 loading: %6 of %7 model keys matched%8<br>"
           "Loaded in %9 s</p>")
            .arg(m_session->arch())
            .arg(result.numClasses)
            .arg(m_session->device().toUpper() + QStringLiteral(" (%1)").arg(result.engine.toHtmlEscaped())
                     + (m_session->precision() == Precision::Bf16 ? tr(" · bf16") : tr(" · fp32 (exact)")),
                 QFileInfo(result.weights).fileName().toHtmlEscaped(),
                 report.mode == LoadMode::Strict ? tr("Strict") : tr("Partial"))
            .arg(report.count(KeyStatus::Matched))
            .arg(report.count(KeyStatus::Matched) + report.count(KeyStatus::Missing)
                 + report.count(KeyStatus::ShapeMismatch))
            .arg(report.fixes.isEmpty()
                     ? QString()
                     : tr("<br>Fixes: %1").arg(report.fixes.join(QStringLiteral("; ")).toHtmlEscaped()))
            .arg(result.seconds, 0, 'f', 1));
    if (!result.deviceNote.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Warning, result.deviceNote, nullptr,
                              MessageBanner::Topic::Device);
    } else if (report.count(KeyStatus::Missing) + report.count(KeyStatus::Unexpected)
                   + report.count(KeyStatus::ShapeMismatch)
               > 0) {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Loaded %1 partially as %2: %3 keys missing, %4 unexpected, %5 with another "
                                 "shape. Predictions may be meaningless; see the checkpoint report.")
                                  .arg(QFileInfo(result.weights).fileName(), m_session->arch())
                                  .arg(report.count(KeyStatus::Missing))
                                  .arg(report.count(KeyStatus::Unexpected))
                                  .arg(report.count(KeyStatus::ShapeMismatch)),
                              m_reportDock->toggleViewAction(), MessageBanner::Topic::Model);
        m_reportDock->show();
    } else {
        m_banner->dismiss(MessageBanner::Topic::Model);
    }
    Q_EMIT modelLoadFinished(true);
    requestClassify();
}

bool MainWindow::selectDevice(const QString& device)
{
    if (device == QLatin1String("cuda") && !m_device->cudaAvailable()) {
        m_device->setDevice(QStringLiteral("cpu"));
        m_banner->showMessage(
            MessageBanner::Kind::Warning,
            tr("CUDA is not available: %1. The model stays on the CPU.").arg(m_device->cudaReason()), nullptr,
            MessageBanner::Topic::Device);
        return false;
    }
    m_device->setDevice(device);
    m_settings->setDevice(device);
    if (m_session->loaded() && !m_session->device().startsWith(device))
        loadCheckpoint(m_session->weights(), m_session->requestedArch(), m_session->mode(), device,
                       m_session->weightsKey(), m_session->labels());
    return true;
}

void MainWindow::chooseCheckpoint()
{
    LoadCheckpointDialog dialog(this);
    dialog.setWeights(m_session->weights());
    dialog.setArch(m_session->requestedArch());
    dialog.setLabelsLookup([this](const QString& weights) { return m_settings->labelsFor(weights); });
    dialog.setLabels(m_session->labels());
    if (dialog.exec() == QDialog::Accepted)
        loadCheckpoint(dialog.weights(), dialog.arch(), dialog.mode(), {}, dialog.weightsKey(),
                       dialog.labels());
}

void MainWindow::showNoWeights()
{
    m_banner->showMessage(
        MessageBanner::Kind::Warning,
        tr("No model weights found. ResNet Lens needs a ResNet checkpoint (.pth) to classify images: none "
           "was given and torchvision's resnet50 weights are not in the torch.hub cache (%1). Open a "
           "checkpoint file or download torchvision's weights to start; images can still be opened to see "
           "their preprocessing.")
            .arg(QString::fromStdString(hubCheckpointsDir())),
        QList<QAction*> {m_loadCheckpointAction, m_downloadWeightsAction}, MessageBanner::Topic::Model);
    m_predictionsTitle->setText(tr("No model loaded: open a checkpoint to classify."));
    m_modelInfo->setText(tr("<p>No model loaded.</p>"));
}

void MainWindow::updateStatus()
{
    m_modelLabel->setText(
        !m_session->loaded()
            ? tr("No model")
            : tr("%1 · %2").arg(m_session->arch(), QFileInfo(m_session->weights()).fileName()));
    m_modelLabel->setToolTip(m_session->weights());
    m_deviceLabel->setText(m_session->device().toUpper());
}

QThread* MainWindow::workerThread() const
{
    return m_session->workerThread();
}

QString MainWindow::modelArch() const
{
    return m_session->arch();
}

QString MainWindow::modelDevice() const
{
    return m_session->device();
}

bool MainWindow::modelLoading() const
{
    return m_session->loading();
}

QString MainWindow::statusText() const
{
    return QStringList {m_warningLabel->text(), m_modelLabel->text(), m_deviceLabel->text(),
                        m_timeLabel->text()}
        .join(QStringLiteral(" | "));
}

WeightsPicker* MainWindow::weightsPicker()
{
    if (!m_weightsPicker) {
        m_weightsPicker = new WeightsPicker(this);
        m_weightsPicker->setWeightsInUse(m_session->weights());
        connect(m_weightsPicker, &WeightsPicker::useRequested, this,
                [this](const QString& path, const QString& arch, const QString& preset) {
                    usePretrained(path, arch, preset);
                    m_weightsPicker->hide();
                });
    }
    return m_weightsPicker;
}

void MainWindow::showWeightsPicker()
{
    WeightsPicker* picker = weightsPicker();
    if (picker->selectedRow() < 0 && !picker->select(QStringLiteral("resnet50.v2")))
        picker->select(QString::fromStdString(weightsCatalog().front().name));
    picker->show();
    picker->raise();
    picker->activateWindow();
}

void MainWindow::usePretrained(const QString& path, const QString& arch, const QString& preset)
{
    // Weights chosen from the catalog come with the preset they were trained with, which then follows them.
    m_presetChosen = false;
    m_settings->clearPreset();
    if (auto named = presetByName(preset.toStdString())) {
        m_preprocess->presetEditor()->setOptions(*named);
        updateBatchModel();
        requestClassify();
    }
    loadCheckpoint(path, arch);
}

void MainWindow::followWeightsPreset(const QString& weights)
{
    if (m_presetChosen)
        return;
    const QString name = catalogPreset(weights);
    auto named = presetByName((name.isEmpty() ? QStringLiteral("v1") : name).toStdString());
    if (named && !sameOptions(*named, m_preprocess->presetEditor()->options()))
        m_preprocess->presetEditor()->setOptions(*named);
}

BatchPanel* MainWindow::batchPanel()
{
    if (!m_batchPanel) {
        m_batchPanel = new BatchPanel(this);
        // The last folders and output come back next time, in this window or the next.
        m_batchPanel->setOutput(m_settings->batchOutput());
        m_batchPanel->setFolders(m_settings->batchFolders());
        // Ctrl+Q quits from the panel too; a row it opens shows in this window.
        m_batchPanel->addAction(m_quitAction);
        connect(m_batchPanel, &BatchPanel::openRequested, this, [this](const QString& path) {
            openPaths({path});
            raise();
            activateWindow();
        });
        connect(m_batchPanel, &BatchPanel::selectionChanged, this, [this] {
            m_settings->setBatchFolders(m_batchPanel->folders());
            m_settings->setBatchOutput(m_batchPanel->output());
        });
        updateBatchModel();
    }
    return m_batchPanel;
}

InspectorWindow* MainWindow::inspector()
{
    if (!m_inspector) {
        m_inspector = new InspectorWindow(this);
        connect(m_inspector, &InspectorWindow::useWeights, this,
                [this](const QString& path, const QString& key) {
                    loadCheckpoint(path, {}, LoadMode::Strict, {}, key);
                });
    }
    return m_inspector;
}

void MainWindow::showInspector(const QString& path)
{
    InspectorWindow* window = inspector();
    window->show();
    window->raise();
    window->activateWindow();
    if (!path.isEmpty())
        window->openFile(path);
    else if (window->path().isEmpty())
        QMetaObject::invokeMethod(
            window, [window] { window->chooseFileToOpen(); }, Qt::QueuedConnection);
}

void MainWindow::showBatchPanel()
{
    BatchPanel* panel = batchPanel();
    panel->setStartFolder(m_settings->lastFolder());
    if (panel->folders().isEmpty() && !m_settings->lastFolder().isEmpty()) {
        panel->setFolders({m_settings->lastFolder()});
        panel->setRecursive(m_recursiveAction->isChecked());
    }
    if (!panel->isVisible()) {
        // Over the window it belongs to, not wherever the window manager puts a new window.
        QRect placed = panel->frameGeometry();
        placed.moveCenter(frameGeometry().center());
        panel->move(placed.topLeft());
    }
    panel->show();
    panel->raise();
    panel->activateWindow();
}

void MainWindow::updateBatchModel()
{
    if (!m_batchPanel)
        return;
    BatchModel model;
    model.weights = m_session->weights();
    model.weightsKey = m_session->weightsKey();
    model.labels = m_session->labels();
    model.arch = m_session->requestedArch();
    model.device = m_session->loaded() ? m_session->device() : QStringLiteral("cpu");
    model.precision = m_session->precision();
    model.name = m_session->arch();
    model.preprocess = m_preprocess->presetEditor()->options();
    model.presetName = m_preprocess->presetEditor()->presetName();
    m_batchPanel->setModel(model);
}

void MainWindow::createMapControls()
{
    m_mapControls = new QWidget(this);
    m_mapControls->setObjectName(QStringLiteral("mapControls"));
    auto* layout = new QHBoxLayout(m_mapControls);
    layout->setContentsMargins(0, 4, 0, 4);
    layout->addWidget(new QLabel(tr("Map opacity"), m_mapControls));
    m_mapOpacity = new QSlider(Qt::Horizontal, m_mapControls);
    m_mapOpacity->setObjectName(QStringLiteral("mapOpacity"));
    m_mapOpacity->setAccessibleName(tr("Class activation map opacity"));
    m_mapOpacity->setRange(0, 100);
    m_mapOpacity->setValue(50);
    connect(m_mapOpacity, &QSlider::valueChanged, this, [this] { showMap(); });
    layout->addWidget(m_mapOpacity, 1);
    // The colour scale: the class's weakest evidence (or none) to its strongest.
    QImage scale(128, 12, QImage::Format_RGB888);
    for (int x = 0; x < scale.width(); ++x) {
        const cv::Vec3b c = colormapColor(Colormap::Viridis, x / float(scale.width() - 1));
        for (int y = 0; y < scale.height(); ++y)
            scale.setPixelColor(x, y, QColor(c[0], c[1], c[2]));
    }
    auto* legend = new QLabel(m_mapControls);
    legend->setPixmap(QPixmap::fromImage(scale));
    legend->setToolTip(tr("Evidence for the class: none (left) to the most in this picture (right); outside "
                          "the centre crop the model saw nothing"));
    layout->addWidget(new QLabel(tr("none"), m_mapControls));
    layout->addWidget(legend);
    layout->addWidget(new QLabel(tr("most"), m_mapControls));
    m_mapControls->setVisible(false);

    m_image->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_image, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        QMenu menu(this);
        QAction* save = menu.addAction(tr("Save Overlay…"), this, [this] {
            const QString path = QFileDialog::getSaveFileName(this, tr("Save Overlay"),
                                                              QFileInfo(m_currentPath).completeBaseName()
                                                                  + QStringLiteral(".cam.png"),
                                                              tr("Images (*.png *.jpg)"));
            if (!path.isEmpty() && !saveOverlay(path))
                m_banner->showMessage(MessageBanner::Kind::Error, tr("Could not write %1.").arg(path));
        });
        save->setEnabled(!m_image->heat().isNull());
        menu.exec(m_image->mapToGlobal(at));
    });
}

int MainWindow::mapRank() const
{
    const int row = m_predictionsView->selectionModel()->currentIndex().row();
    return row < 0 ? 0 : row;
}

void MainWindow::showMap()
{
    const int rank = mapRank();
    const bool shown = m_camAction->isChecked() && rank < int(m_last.heat.size());
    const double opacity = m_mapOpacity->value() / 100.0;
    m_image->setHeat(shown ? m_last.heat[std::size_t(rank)] : QImage(), opacity);
    m_preprocess->cropView()->setHeat(shown ? m_last.cropHeat[std::size_t(rank)] : QImage(), opacity);
}

bool MainWindow::saveOverlay(const QString& path) const
{
    const int rank = mapRank();
    if (!m_camAction->isChecked() || rank >= int(m_last.heat.size()) || m_last.upright.isNull())
        return false;
    QImage out = m_last.upright.convertToFormat(QImage::Format_RGB888);
    QPainter painter(&out);
    painter.setOpacity(m_mapOpacity->value() / 100.0);
    painter.drawImage(QRect(QPoint(0, 0), out.size()), m_last.heat[std::size_t(rank)]);
    painter.end();
    return out.save(path);
}

void MainWindow::bindShortcut(QAction* action, const QList<QKeySequence>& keys, const QString& description)
{
    QList<QKeySequence> unique;
    for (const QKeySequence& key : keys)
        if (!key.isEmpty() && !unique.contains(key))
            unique << key;
    action->setShortcuts(unique);
    QStringList names;
    for (const QKeySequence& key : action->shortcuts())
        names << key.toString(QKeySequence::NativeText);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(description, names.join(QStringLiteral(", "))));
    m_shortcuts.push_back({action, names.join(QStringLiteral(" / ")), description});
}

QDialog* MainWindow::showShortcuts()
{
    if (!m_shortcutsDialog) {
        m_shortcutsDialog = new QDialog(this);
        m_shortcutsDialog->setObjectName(QStringLiteral("shortcutsDialog"));
        m_shortcutsDialog->setWindowTitle(tr("Keyboard Shortcuts — ResNet Lens"));
        auto* table = new QTableWidget(m_shortcutsDialog);
        table->setObjectName(QStringLiteral("shortcutsTable"));
        table->setAccessibleName(tr("Keyboard shortcuts"));
        table->setColumnCount(2);
        table->setHorizontalHeaderLabels({tr("Keys"), tr("Action")});
        table->verticalHeader()->hide();
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->setSelectionBehavior(QAbstractItemView::SelectRows);
        table->setTabKeyNavigation(false);
        table->setShowGrid(false);
        std::vector<std::pair<QString, QString>> rows;
        for (const Shortcut& shortcut : m_shortcuts)
            rows.emplace_back(shortcut.keys, shortcut.description);
        rows.emplace_back(tr("Arrow keys"), tr("Move in the image list"));
        rows.emplace_back(tr("Mouse wheel"), tr("Zoom the image"));
        table->setRowCount(int(rows.size()));
        for (int r = 0; r < int(rows.size()); ++r) {
            table->setItem(r, 0, new QTableWidgetItem(rows[std::size_t(r)].first));
            table->setItem(r, 1, new QTableWidgetItem(rows[std::size_t(r)].second));
        }
        table->resizeColumnsToContents();
        table->horizontalHeader()->setStretchLastSection(true);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_shortcutsDialog);
        connect(buttons, &QDialogButtonBox::rejected, m_shortcutsDialog, &QDialog::close);
        auto* layout = new QVBoxLayout(m_shortcutsDialog);
        layout->addWidget(table);
        layout->addWidget(buttons);
        m_shortcutsDialog->resize(std::max(520, table->horizontalHeader()->length() + 60), 560);
    }
    m_shortcutsDialog->show();
    m_shortcutsDialog->raise();
    m_shortcutsDialog->activateWindow();
    return m_shortcutsDialog;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    // The table would copy its current cell: Copy takes the whole top-5.
    if (watched == m_predictionsView
        && (event->type() == QEvent::KeyPress || event->type() == QEvent::ShortcutOverride)
        && static_cast<QKeyEvent*>(event)->matches(QKeySequence::Copy)) {
        event->accept();
        if (event->type() == QEvent::KeyPress)
            m_copyAction->trigger();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

QString MainWindow::predictionsText() const
{
    QStringList lines;
    for (const ClassScore& score : m_predictions->scores())
        lines << QStringLiteral("%1\t%2\t%3\t%4")
                     .arg(score.rank)
                     .arg(QString::fromStdString(score.label))
                     .arg(score.index)
                     .arg(double(score.probability), 0, 'f', 6);
    return lines.join(QLatin1Char('\n'));
}

QString MainWindow::predictionsJson() const
{
    if (m_predictions->scores().empty())
        return {};
    return QString::fromStdString(classificationJson(m_last.source.toStdString(), m_predictions->scores()));
}

QMenu* MainWindow::makePredictionsMenu()
{
    auto* menu = new QMenu(this);
    const bool any = !m_predictions->scores().empty();
    menu->addAction(m_copyAction->icon(), m_copyAction->text(), m_copyAction, &QAction::trigger)
        ->setEnabled(any);
    menu->addAction(tr("Copy as &JSON"), this,
                    [this] { QGuiApplication::clipboard()->setText(predictionsJson()); })
        ->setEnabled(any);
    menu->addSeparator();
    menu->addAction(tr("Show the Classifier in the Checkpoint Report"), this, [this] {
        m_reportDock->show();
        m_report->filterEdit()->setText(QStringLiteral("fc."));
    });
    return menu;
}

QMenu* MainWindow::makeImageMenu()
{
    auto* menu = new QMenu(this);
    const bool file = !m_currentPath.isEmpty();
    menu->addAction(tr("Copy &Image"), this,
                    [this] { QGuiApplication::clipboard()->setImage(m_image->image()); })
        ->setEnabled(!m_image->image().isNull());
    menu->addAction(tr("Copy &Path"), this, [this] { QGuiApplication::clipboard()->setText(m_currentPath); })
        ->setEnabled(file);
    menu->addAction(tr("Open Containing &Folder"), this, [this] { openContainingFolder(m_currentPath); })
        ->setEnabled(file);
    menu->addSeparator();
    menu->addAction(m_zoomFitAction);
    menu->addAction(m_zoomActualAction);
    return menu;
}

QString MainWindow::aboutText() const
{
    const LibraryVersions versions = libraryVersions();
    const QString device = m_session->loaded() ? m_session->device().toUpper() : tr("none (no model loaded)");
    return tr("<h3>ResNet Lens %1</h3>"
              "<p>Classifies images with torchvision's ResNet family, exactly as torchvision does (Pillow's "
              "decoding, torchvision's transforms), and inspects PyTorch checkpoints.</p>"
              "<table cellspacing=\"0\" cellpadding=\"3\">"
              "<tr><td>LibTorch</td><td>%2</td></tr>"
              "<tr><td>oneDNN</td><td>%3</td></tr>"
              "<tr><td>Qt</td><td>%4 (built with %5)</td></tr>"
              "<tr><td>OpenCV</td><td>%6</td></tr>"
              "<tr><td>Device</td><td>%7</td></tr>"
              "<tr><td>CUDA</td><td>%8</td></tr>"
              "</table>"
              "<p>Licences: ResNet Lens is free software under the BSD 3-Clause licence. It uses LibTorch "
              "(BSD-3-Clause), "
              "oneDNN (Apache-2.0), Qt (LGPL-3.0), OpenCV (Apache-2.0), libjpeg-turbo (IJG, BSD-3-Clause), "
              "zlib (zlib), libtiff (libtiff), libwebp (BSD-3-Clause), OpenJPEG (BSD-2-Clause), LittleCMS "
              "(MIT), libcurl (curl), OpenSSL (Apache-2.0). Its image decoders, resampling and mode "
              "conversions are ports of Pillow's (HPND). torchvision's pretrained weights are "
              "published under BSD-3-Clause; ImageNet class names come from torchvision. The whole list, "
              "with each licence's text: /usr/share/doc/resnet-lens/copyright.</p>")
        .arg(QStringLiteral(RESNET_LENS_VERSION), QString::fromStdString(versions.libtorch),
             versions.onednn.empty() ? tr("the one inside LibTorch")
                                     : QString::fromStdString(versions.onednn),
             QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR), QStringLiteral(CV_VERSION),
             device.toHtmlEscaped(),
             m_device->cudaAvailable() ? tr("available") : m_device->cudaReason().toHtmlEscaped());
}

QDialog* MainWindow::showAbout()
{
    if (!m_about) {
        m_about = new QDialog(this);
        m_about->setObjectName(QStringLiteral("aboutDialog"));
        m_about->setWindowTitle(tr("About ResNet Lens"));
        auto* text = new QTextBrowser(m_about);
        text->setObjectName(QStringLiteral("aboutText"));
        text->setOpenExternalLinks(true);
        text->setFrameShape(QFrame::NoFrame);
        text->viewport()->setAutoFillBackground(false);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_about);
        connect(buttons, &QDialogButtonBox::rejected, m_about, &QDialog::close);
        auto* layout = new QVBoxLayout(m_about);
        layout->addWidget(text, 1);
        layout->addWidget(buttons);
        m_about->resize(600, 380);
    }
    m_about->findChild<QTextBrowser*>(QStringLiteral("aboutText"))->setHtml(aboutText());
    m_about->show();
    m_about->raise();
    m_about->activateWindow();
    return m_about;
}

} // namespace lens
