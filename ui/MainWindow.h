#pragma once

// The application window: open images (files, folders, drag and drop, clipboard), see the top-5, every
// preprocessing stage, and the checkpoint report; choose weights, architecture, device and preset.
//
// Threading: all model loading and inference run in the ModelSession's worker thread ("InferenceWorker");
// the window observes the session and shows the newest result only.
// Thumbnails and folder listing run on the global thread pool. The GUI thread does no heavy work.

#include "WorkerTypes.h"

#include <QKeySequence>
#include <QMainWindow>
#include <QStringList>
#include <memory>
#include <vector>

class QAction;
class QDialog;
class QLabel;
class QMenu;
class QMimeData;
class QSlider;
class QTableView;
class QThread;
class QDockWidget;

namespace lens {

class AppSettings;
class BatchPanel;
class BusyIndicator;
class CheckpointReportView;
class DeviceSelector;
class ImageView;
class InspectorWindow;
class ModelSession;
class MessageBanner;
class PredictionModel;
class PreprocessPanel;
class ThumbnailStrip;
class WeightsPicker;

/// What the window starts with; empty fields fall back to the saved settings, then to defaults.
struct MainWindowOptions {
    /// An INI file for the settings; empty = the user's settings (QSettings' default location).
    QString settingsFile;
    QString weights; ///< checkpoint to load; empty = last used, else the torch.hub cache's resnet50
    QString arch; ///< empty = detect
    QString device; ///< "cpu" or "cuda"
    QString preset; ///< "v1" or "v2"
    QStringList open; ///< files or folders to open
    bool recursive = false; ///< open folders with their subfolders
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens files and folders: one file shows its folder with it selected; folders show their images.
    void openPaths(const QStringList& paths);
    /// Shows and classifies an image that has no file (e.g. pasted).
    void openImage(const QImage& image, const QString& description);
    /// Pastes from the clipboard: an image, or file/folder URLs.
    void paste();
    /// Loads weights (the weight set weightsKey names, empty: the default one) in the worker; the current
    /// model stays until the new one has loaded. labels: a labels file for the checkpoint; a null string =
    /// the one last used with these weights.
    void loadCheckpoint(const QString& weights, const QString& arch = {}, LoadMode mode = LoadMode::Strict,
                        const QString& device = {}, const QString& weightsKey = {},
                        const QString& labels = QString());
    /// Cancels a model load in progress: its result is discarded and the current model stays.
    void cancelLoad();
    /// Sets the preprocessing as the user's choice: it stays when other weights are loaded.
    void setPreprocess(const PreprocessOptions& options);
    /// Moves the model to device; false (with a message) when it is not available.
    bool selectDevice(const QString& device);
    bool showNext();
    bool showPrevious();
    /// Shows the batch panel (File > Label Folder…), set up with the current model and folder.
    void showBatchPanel();
    /// Shows the checkpoint inspector (File > Inspect Checkpoint…), opening path when one is given.
    void showInspector(const QString& path = {});
    /// Shows the pretrained weights picker (Model > Pretrained Weights…).
    void showWeightsPicker();
    /// Loads cached catalog weights with the preset they were trained with.
    void usePretrained(const QString& path, const QString& arch, const QString& preset);

    // For tests and the screenshot tool.
    const PredictionModel* predictions() const { return m_predictions; }
    PreprocessPanel* preprocessPanel() const { return m_preprocess; }
    CheckpointReportView* reportView() const { return m_report; }
    DeviceSelector* deviceSelector() const { return m_device; }
    ThumbnailStrip* thumbnails() const { return m_thumbs; }
    MessageBanner* banner() const { return m_banner; }
    ImageView* imageView() const { return m_image; }
    QAction* loadCheckpointAction() const { return m_loadCheckpointAction; }
    QAction* batchAction() const { return m_batchAction; }
    QAction* weightsAction() const { return m_weightsAction; }
    QAction* inspectAction() const { return m_inspectAction; }
    /// The checkpoint inspector, created on first use.
    InspectorWindow* inspector();
    /// The action the no-weights banner offers besides opening a file.
    QAction* downloadWeightsAction() const { return m_downloadWeightsAction; }
    QAction* camAction() const { return m_camAction; }
    QSlider* mapOpacity() const { return m_mapOpacity; }
    /// The rank (0 = top) whose class activation map is shown: the top-5 table's current row.
    int mapRank() const;
    /// Writes the image as shown with its map over it; false when no map is shown or writing fails.
    bool saveOverlay(const QString& path) const;
    QAction* recursiveAction() const { return m_recursiveAction; }
    QAction* quitAction() const { return m_quitAction; }
    QMenu* recentMenu() const { return m_recentMenu; }
    QTableView* predictionsView() const { return m_predictionsView; }
    QLabel* predictionsTitle() const { return m_predictionsTitle; }
    /// The top-5 as tab-separated lines (rank, label, class index, probability), as Copy puts it.
    QString predictionsText() const;
    /// The top-5 as JSON, in the shape `resnet-lens-cli classify --json` writes for one image.
    QString predictionsJson() const;
    /// The context menus of the top-5 table and of the image, as they open (the caller owns them).
    QMenu* makePredictionsMenu();
    QMenu* makeImageMenu();
    /// Help > About's text: versions of the app and its libraries, the device, the licences.
    QString aboutText() const;
    /// Shows the About box (non-modal); returns it.
    QDialog* showAbout();
    /// Shows the Keyboard Shortcuts list (non-modal); returns it.
    QDialog* showShortcuts();
    /// The batch panel, created on first use.
    BatchPanel* batchPanel();
    /// The weights picker, created on first use.
    WeightsPicker* weightsPicker();
    /// The model the window classifies with.
    ModelSession* session() const { return m_session; }
    QThread* workerThread() const;
    /// The loaded architecture ("resnet50"), empty when no model is loaded.
    QString modelArch() const;
    QString modelDevice() const;
    bool modelLoading() const;
    QString statusText() const;
    const ClassifyResult& lastResult() const { return m_last; }

Q_SIGNALS:
    /// A load finished (ok = the new model is in use).
    void modelLoadFinished(bool ok);
    /// A result for the current image is on screen (with predictions when a model is loaded).
    void resultShown(bool classified);

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createToolBar();
    void createLayout();
    void startWorker();
    void restoreSettings(const MainWindowOptions& options);

    void openMime(const QMimeData* mime);
    void showFile(const QString& path);
    void requestClassify();
    void onClassified(const ClassifyResult& result);
    void onModelLoaded(const ModelResult& result);
    void showNoWeights();
    void updateStatus();
    void updateRecentMenu();
    void chooseFiles();
    void chooseFolder();
    void chooseCheckpoint();
    /// Gives action its shortcuts and a tooltip naming them; the Keyboard Shortcuts list shows each action
    /// bound here, so an action, its tooltip and the list never disagree.
    void bindShortcut(QAction* action, const QList<QKeySequence>& keys, const QString& description);
    void createMapControls();
    void showMap();
    void updateBatchModel();
    /// Applies the preset the loaded weights were trained with, unless the user chose one.
    void followWeightsPreset(const QString& weights);

    std::unique_ptr<AppSettings> m_settings;
    ModelSession* m_session = nullptr;

    // Widgets and models.
    MessageBanner* m_banner = nullptr;
    ImageView* m_image = nullptr;
    QLabel* m_predictionsTitle = nullptr;
    QLabel* m_modelInfo = nullptr;
    QTableView* m_predictionsView = nullptr;
    PredictionModel* m_predictions = nullptr;
    PreprocessPanel* m_preprocess = nullptr;
    ThumbnailStrip* m_thumbs = nullptr;
    CheckpointReportView* m_report = nullptr;
    BatchPanel* m_batchPanel = nullptr;
    WeightsPicker* m_weightsPicker = nullptr;
    InspectorWindow* m_inspector = nullptr;
    QDockWidget* m_reportDock = nullptr;
    QDockWidget* m_thumbsDock = nullptr;
    DeviceSelector* m_device = nullptr;
    BusyIndicator* m_loadBusy = nullptr;
    BusyIndicator* m_thumbBusy = nullptr;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_timeLabel = nullptr;
    QLabel* m_warningLabel = nullptr;

    // Actions.
    QAction* m_bf16Action = nullptr; ///< Model > Fast bf16 Inference, persisted as the precision setting
    QAction* m_openAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_recursiveAction = nullptr;
    QAction* m_pasteAction = nullptr;
    QAction* m_loadCheckpointAction = nullptr;
    QAction* m_nextAction = nullptr;
    QAction* m_previousAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_batchAction = nullptr;
    QAction* m_weightsAction = nullptr;
    QAction* m_inspectAction = nullptr;
    QAction* m_downloadWeightsAction = nullptr;
    QAction* m_camAction = nullptr;
    QWidget* m_mapControls = nullptr;
    QSlider* m_mapOpacity = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_zoomFitAction = nullptr;
    QAction* m_zoomActualAction = nullptr;
    QAction* m_zoomInAction = nullptr;
    QAction* m_zoomOutAction = nullptr;
    QMenu* m_recentMenu = nullptr;
    struct Shortcut {
        QAction* action;
        QString keys; ///< as the platform writes them
        QString description;
    };
    std::vector<Shortcut> m_shortcuts; ///< in the order bound, for the Keyboard Shortcuts list

    // State.
    QString m_currentPath; ///< the selected file; empty for a pasted image
    QImage m_currentImage; ///< the pasted image, when there is no file
    quint64 m_listingId = 0; ///< newest folder listing
    QStringList
        m_openedPaths; ///< what the user opened last (files, folders): rescanned with Include Subfolders
    bool m_presetChosen = false; ///< the user chose the preset (else it follows the weights)
    QDialog* m_about = nullptr;
    QDialog* m_shortcutsDialog = nullptr;
    ClassifyResult m_last;
};

} // namespace lens
