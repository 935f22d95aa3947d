#pragma once

// Evaluates the window's model on labelled folders from the desktop app (File > Evaluate Folder…): pick
// folders in torchvision's ImageFolder layout (one subfolder per true class), optionally a class map file,
// and the predictions file (resumable); start, watch progress (count, rate, ETA), cancel, resume. Then the
// results: the summary (accuracy with its 95% intervals, mean class accuracy, ECE, NLL, the mapping rule),
// a sortable per-class table, the confusion matrix as an interactive heat map whose cells list their
// images as thumbnails (a click on one shows it in the main window with its prediction), the reliability
// diagram, and Export of the report (REPORT.json as the CLI writes it), the confusion CSV and the plots.
// Escape closes the panel (a run goes on).
//
// Threading: the run happens in an EvaluateWorker on the panel's own QThread ("EvaluateWorker"), with a
// Classifier of its own; the report arrives by a queued signal and is shared read-only by the views.
// Thumbnails are made off the GUI thread by the ThumbnailStrip.

#include "BatchPanel.h"
#include "EvaluateWorker.h"

#include <QMap>
#include <QWidget>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStandardItemModel;
class QTabWidget;
class QTableView;

namespace lens {

class ConfusionMatrixView;
class MessageBanner;
class ReliabilityView;
class ThumbnailStrip;
template <typename Worker> class WorkerThread;

class EvaluatePanel : public QWidget {
    Q_OBJECT

public:
    /// Columns of the per-class table.
    enum Column { Class, Index, Images, Correct, Recall, Precision, F1, ConfusedWith, ColumnCount };
    /// The role the per-class table sorts by (numbers as numbers).
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit EvaluatePanel(QWidget* parent = nullptr);
    ~EvaluatePanel() override;

    /// The model and preprocessing for the next run (the window's, as for Label Folder).
    void setModel(const BatchModel& model);
    void setFolders(const QStringList& folders);
    QStringList folders() const;
    void setRecursive(bool on);
    void setClassMap(const QString& path);
    QString classMap() const;
    void setIgnoreUnknown(bool on);
    void setPredictions(const QString& path);
    QString predictions() const;
    /// Continue an existing predictions file (only offered when it exists).
    void setResume(bool on);
    void setStartFolder(const QString& folder) { m_startFolder = folder; }

    /// Starts a run; false (with the reason in the banner) when it cannot start.
    bool start();
    /// Stops the run in progress; the predictions file keeps every row written and the report covers them.
    void cancel();
    bool running() const { return m_running; }

    /// Export: REPORT.json, the confusion matrix CSV, the plots (confusion/reliability .svg and .png) into a
    /// folder. False with the reason in the banner.
    bool exportReport(const QString& path);
    bool exportConfusion(const QString& path);
    bool exportPlots(const QString& folder);

    /// The report shown; null before the first run ends.
    std::shared_ptr<const EvaluationReport> report() const { return m_report; }
    /// Lists the images of a confusion cell (row and column of the matrix) as thumbnails.
    void showCell(int row, int column);
    /// The images listed for the chosen cell.
    QStringList cellFiles() const;

    // For tests.
    MessageBanner* banner() const { return m_banner; }
    QPushButton* startButton() const { return m_start; }
    QCheckBox* resumeBox() const { return m_resume; }
    QProgressBar* progressBar() const { return m_progress; }
    QString progressText() const;
    /// The mapping rule the run uses, as shown ("Mapping: …").
    QString mappingText() const;
    /// The summary's shown value for a field of REPORT.json ("images", "errors", "top1", "top5",
    /// "mean_class_accuracy", "ece", "nll", "mapping"), "" when none.
    QString summaryText(const QString& field) const;
    QTableView* classTable() const { return m_classTable; }
    QStandardItemModel* classModel() const { return m_classModel; }
    ConfusionMatrixView* confusionView() const { return m_confusion; }
    ReliabilityView* reliabilityView() const { return m_reliability; }
    ThumbnailStrip* cellStrip() const { return m_cellStrip; }
    QTabWidget* tabs() const { return m_tabs; }
    QThread* workerThread() const;

    /// How a fraction with its interval is shown: "83.33% (95% CI 55.20–95.30%)".
    static QString percentText(double value, double low, double high);
    /// How a fraction is shown: "83.33%".
    static QString percentText(double value);

Q_SIGNALS:
    void runFinished(const lens::EvaluateSummary& summary);
    /// The folders, class map or predictions file changed (by the user or a setter).
    void selectionChanged();
    /// The user asked to see this image in the main window.
    void openRequested(const QString& path);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void addFolder();
    void removeFolders();
    void chooseClassMap();
    void choosePredictions();
    void chooseExport(int what);
    void updateResume();
    void updateButtons();
    void onStarted(const BatchStatus& status, const QString& model, const QString& mapping);
    void onProgress(const BatchStatus& status);
    void onFinished(const EvaluateSummary& summary);
    void showReport(std::shared_ptr<const EvaluationReport> report, const QString& mapping);
    bool refuse(const QString& message);
    QWidget* makeSummaryTab();

    std::unique_ptr<WorkerThread<EvaluateWorker>> m_work;
    EvaluateWorker* m_worker = nullptr;

    MessageBanner* m_banner = nullptr;
    QListWidget* m_folders = nullptr;
    QPushButton* m_addFolder = nullptr;
    QPushButton* m_removeFolder = nullptr;
    QCheckBox* m_recursive = nullptr;
    QLineEdit* m_classMap = nullptr;
    QPushButton* m_browseClassMap = nullptr;
    QCheckBox* m_ignoreUnknown = nullptr;
    QLineEdit* m_predictions = nullptr;
    QPushButton* m_browsePredictions = nullptr;
    QCheckBox* m_resume = nullptr;
    QLabel* m_modelLabel = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressLabel = nullptr;
    QLabel* m_mappingLabel = nullptr;
    QTabWidget* m_tabs = nullptr;
    QMap<QString, QLabel*> m_summary;
    QLabel* m_worstLabel = nullptr;
    QStandardItemModel* m_classModel = nullptr;
    QTableView* m_classTable = nullptr;
    ConfusionMatrixView* m_confusion = nullptr;
    QLabel* m_cellLabel = nullptr;
    ThumbnailStrip* m_cellStrip = nullptr;
    ReliabilityView* m_reliability = nullptr;
    QPushButton* m_exportReport = nullptr;
    QPushButton* m_exportConfusion = nullptr;
    QPushButton* m_exportPlots = nullptr;

    BatchModel m_model;
    QString m_startFolder;
    std::shared_ptr<const EvaluationReport> m_report;
    bool m_running = false;
};

} // namespace lens
