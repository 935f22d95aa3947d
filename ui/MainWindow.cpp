#include "MainWindow.h"

#include "AppSettings.h"
#include "BatchPanel.h"
#include "BusyIndicator.h"
#include "CheckpointReportView.h"
#include "DeviceSelector.h"
#include "ImageFiles.h"
#include "ImageView.h"
#include "InspectorWindow.h"
#include "LoadCheckpointDialog.h"
#include "MessageBanner.h"
#include "ModelSession.h"
#include "PredictionModel.h"
#include "PreprocessPanel.h"
#include "PresetEditor.h"
#include "ProbabilityDelegate.h"
#include "ThumbnailStrip.h"
#include "WeightsPicker.h"
#include "preprocess/CamOverlay.h"
#include "weights/HubCache.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
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
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

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

QIcon themed(const char* name, QStyle::StandardPixmap fallback, const QStyle* style)
{
    return QIcon::fromTheme(QLatin1String(name), style->standardIcon(fallback));
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
    const QStyle* s = style();
    m_openAction = new QAction(themed("document-open", QStyle::SP_DialogOpenButton, s), tr("&Open…"), this);
    bindShortcut(m_openAction, {QKeySequence::Open}, tr("Open images"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::chooseFiles);

    m_openFolderAction
        = new QAction(themed("folder-open", QStyle::SP_DirOpenIcon, s), tr("Open &Folder…"), this);
    bindShortcut(m_openFolderAction, {QKeySequence(tr("Ctrl+Shift+O"))}, tr("Open every image in a folder"));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::chooseFolder);

    m_recursiveAction = new QAction(tr("Include &Subfolders"), this);
    m_recursiveAction->setCheckable(true);
    connect(m_recursiveAction, &QAction::toggled, this, [this](bool on) { m_settings->setRecursive(on); });

    m_pasteAction
        = new QAction(themed("edit-paste", QStyle::SP_FileDialogDetailedView, s), tr("&Paste"), this);
    bindShortcut(m_pasteAction, {QKeySequence::Paste}, tr("Classify the image or files on the clipboard"));
    connect(m_pasteAction, &QAction::triggered, this, &MainWindow::paste);

    m_loadCheckpointAction
        = new QAction(themed("document-import", QStyle::SP_DriveHDIcon, s), tr("Open &Checkpoint…"), this);
    bindShortcut(m_loadCheckpointAction, {QKeySequence(tr("Ctrl+L"))},
                 tr("Load model weights, strictly or partially"));
    connect(m_loadCheckpointAction, &QAction::triggered, this, &MainWindow::chooseCheckpoint);

    m_previousAction
        = new QAction(themed("go-previous", QStyle::SP_ArrowBack, s), tr("&Previous Image"), this);
    bindShortcut(m_previousAction, {QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::ALT | Qt::Key_Left)},
                 tr("Previous image"));
    connect(m_previousAction, &QAction::triggered, this, &MainWindow::showPrevious);
    m_nextAction = new QAction(themed("go-next", QStyle::SP_ArrowForward, s), tr("&Next Image"), this);
    bindShortcut(m_nextAction, {QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::ALT | Qt::Key_Right)},
                 tr("Next image"));
    connect(m_nextAction, &QAction::triggered, this, &MainWindow::showNext);

    m_batchAction = new QAction(themed("view-list-details", QStyle::SP_FileDialogListView, s),
                                tr("&Label Folder…"), this);
    bindShortcut(m_batchAction, {QKeySequence(tr("Ctrl+B"))},
                 tr("Label every image in folders into a CSV or JSON Lines file"));
    connect(m_batchAction, &QAction::triggered, this, &MainWindow::showBatchPanel);

    m_weightsAction
        = new QAction(themed("download", QStyle::SP_ArrowDown, s), tr("Pretrained &Weights…"), this);
    bindShortcut(m_weightsAction, {QKeySequence(tr("Ctrl+Shift+L"))},
                 tr("Use or download torchvision's pretrained weights"));
    connect(m_weightsAction, &QAction::triggered, this, &MainWindow::showWeightsPicker);
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

    m_quitAction = new QAction(tr("&Quit"), this);
    bindShortcut(m_quitAction, {QKeySequence::Quit}, tr("Quit"));
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

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_previousAction);
    view->addAction(m_nextAction);
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
    connect(m_banner, &MessageBanner::shown, this, [this] { m_bannerAboutImage = false; });
    m_image = new ImageView(this);
    m_image->setObjectName(QStringLiteral("imageView"));
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
    QHeaderView* header = m_predictionsView->horizontalHeader();
    header->setSectionResizeMode(PredictionModel::Rank, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(PredictionModel::Label, QHeaderView::Stretch);
    header->setSectionResizeMode(PredictionModel::Index, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(PredictionModel::Probability, QHeaderView::Fixed);
    header->resizeSection(PredictionModel::Probability, 180);
    m_predictionsView->setFixedHeight(header->sizeHint().height() + 5 * 30
                                      + 2 * m_predictionsView->frameWidth());

    auto* predictionsPanel = new QWidget(this);
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
    m_report->setMinimumWidth(420);
    addDockWidget(Qt::RightDockWidgetArea, m_reportDock);
    m_reportDock->hide();

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

    PreprocessOptions preset = PreprocessOptions::v1();
    const QString presetName = options.preset.isEmpty() ? defaultPreset : options.preset;
    if (!presetName.isEmpty()) {
        if (auto named = presetByName(presetName.toStdString()))
            preset = *named;
    } else if (m_settings->hasPreset()) {
        preset = m_settings->preset();
    }
    m_preprocess->presetEditor()->setOptions(preset);

    QString device = options.device.isEmpty() ? m_settings->device() : options.device;
    if (device != QLatin1String("cpu") && !m_device->cudaAvailable()) {
        if (!options.device.isEmpty())
            m_banner->showMessage(
                MessageBanner::Kind::Warning,
                tr("CUDA is not available (%1); using the CPU.").arg(m_device->cudaReason()));
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
            existing << path;
        else
            m_banner->showMessage(MessageBanner::Kind::Error, tr("%1 does not exist.").arg(path));
    }
    if (existing.isEmpty())
        return;
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
            m_banner->showMessage(MessageBanner::Kind::Warning,
                                  tr("No images found in %1.").arg(existing.join(QStringLiteral(", "))));
            return;
        }
        m_thumbs->setFiles(files, selected);
    });
    watcher->setFuture(QtConcurrent::run(collectImages, existing, recursive));
}

void MainWindow::openImage(const QImage& image, const QString& description)
{
    if (image.isNull()) {
        m_banner->showMessage(MessageBanner::Kind::Error, tr("The clipboard image is empty."));
        return;
    }
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
        m_banner->showMessage(MessageBanner::Kind::Warning, tr("The clipboard is empty."));
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
                              tr("Nothing to open on the clipboard: copy an image or image files first."));
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
    m_settings->addRecentFile(path);
    updateRecentMenu();
    requestClassify();
}

bool MainWindow::showNext()
{
    return m_thumbs->step(1);
}

bool MainWindow::showPrevious()
{
    return m_thumbs->step(-1);
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
    for (const QString& file : recent)
        m_recentMenu->addAction(QFileInfo(file).fileName(), this, [this, file] { openPaths({file}); })
            ->setToolTip(file);
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
    m_last = result;
    if (result.upright.isNull()) {
        m_image->clear();
        m_preprocess->clear();
        m_predictions->setScores({});
        m_banner->showMessage(MessageBanner::Kind::Error, abbreviate(result.error));
        m_bannerAboutImage = true;
        Q_EMIT resultShown(false);
        return;
    }
    if (m_bannerAboutImage) {
        m_banner->dismiss();
        m_bannerAboutImage = false;
    }
    m_image->setImage(result.upright);
    m_image->setCaption(QStringLiteral("%1  ·  %2×%3")
                            .arg(result.source.startsWith(QLatin1Char('/'))
                                     ? QFileInfo(result.source).fileName()
                                     : result.source)
                            .arg(result.originalSize.width())
                            .arg(result.originalSize.height()));
    m_preprocess->showStages(result);
    m_predictions->setScores(result.top);
    showMap();
    if (!result.error.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Error, abbreviate(result.error));
        m_bannerAboutImage = true;
    }
    if (result.classified) {
        m_predictionsTitle->setText(
            tr("Top-%1 · %2").arg(result.top.size()).arg(QString::fromStdString(result.top.front().label)));
        m_timeLabel->setText(tr("Inference %1 ms").arg(result.inferenceMs, 0, 'f', 0));
    } else if (!m_session->loaded()) {
        m_predictionsTitle->setText(tr("No model loaded: open a checkpoint to classify."));
    }
    Q_EMIT resultShown(result.classified);
}

// ---- Model --------------------------------------------------------------------------------------------

void MainWindow::loadCheckpoint(const QString& weights, const QString& arch, LoadMode mode,
                                const QString& device, const QString& weightsKey)
{
    const QString on = device.isEmpty() ? m_device->device() : device;
    m_loadBusy->start(tr("Loading %1 on %2…").arg(QFileInfo(weights).fileName(), on.toUpper()));
    m_session->load(weights, arch, mode, on, weightsKey);
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
                              : tr("Loading cancelled; still using %1.").arg(m_session->arch()));
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
                                                   : m_reportDock->toggleViewAction());
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
    const QString device = m_session->deviceKind();
    m_settings->setDevice(device);
    m_device->setDevice(device);
    updateStatus();
    updateBatchModel();

    const CheckpointReport& report = result.report;
    m_modelInfo->setText(
        tr("<p><b>%1</b> · %2 classes · %3<br>Weights: %4<br>%5 loading: %6 of %7 model keys matched%8<br>"
           "Loaded in %9 s</p>")
            .arg(m_session->arch())
            .arg(result.numClasses)
            .arg(m_session->device().toUpper() + QStringLiteral(" (%1)").arg(result.engine.toHtmlEscaped()),
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
        m_banner->showMessage(MessageBanner::Kind::Warning, result.deviceNote);
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
                              m_reportDock->toggleViewAction());
        m_reportDock->show();
    } else {
        m_banner->dismiss();
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
            tr("CUDA is not available: %1. The model stays on the CPU.").arg(m_device->cudaReason()));
        return false;
    }
    m_device->setDevice(device);
    m_settings->setDevice(device);
    if (m_session->loaded() && !m_session->device().startsWith(device))
        loadCheckpoint(m_session->weights(), m_session->requestedArch(), m_session->mode(), device);
    return true;
}

void MainWindow::chooseCheckpoint()
{
    LoadCheckpointDialog dialog(this);
    dialog.setWeights(m_session->weights());
    dialog.setArch(m_session->requestedArch());
    if (dialog.exec() == QDialog::Accepted)
        loadCheckpoint(dialog.weights(), dialog.arch(), dialog.mode(), {}, dialog.weightsKey());
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
        QList<QAction*> {m_loadCheckpointAction, m_downloadWeightsAction});
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
    if (auto named = presetByName(preset.toStdString()))
        setPreprocess(*named);
    loadCheckpoint(path, arch);
}

BatchPanel* MainWindow::batchPanel()
{
    if (!m_batchPanel) {
        m_batchPanel = new BatchPanel(this);
        // The last folders and output come back next time, in this window or the next.
        m_batchPanel->setOutput(m_settings->batchOutput());
        m_batchPanel->setFolders(m_settings->batchFolders());
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
    model.arch = m_session->requestedArch();
    model.device = m_session->loaded() ? m_session->device() : QStringLiteral("cpu");
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
    action->setShortcuts(keys);
    QStringList names;
    for (const QKeySequence& key : action->shortcuts())
        names << key.toString(QKeySequence::NativeText);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(description, names.join(QStringLiteral(", "))));
    m_shortcuts.push_back({action, names.join(QStringLiteral(" / ")), description});
}

void MainWindow::showShortcuts()
{
    QString rows;
    const auto row = [&rows](const QString& keys, const QString& what) {
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>&nbsp;&nbsp;%2</td></tr>")
                    .arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
    };
    for (const Shortcut& shortcut : m_shortcuts)
        row(shortcut.keys, shortcut.description);
    row(tr("Arrow keys"), tr("Move in the image list"));
    QMessageBox box(QMessageBox::Information, tr("Keyboard Shortcuts"),
                    QStringLiteral("<table>%1</table>").arg(rows), QMessageBox::Ok, this);
    box.setObjectName(QStringLiteral("shortcutsDialog"));
    box.exec();
}

} // namespace lens
