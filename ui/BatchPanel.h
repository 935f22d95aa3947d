#pragma once

// Labels whole folders from the desktop app: pick folders and an output file (.csv or .jsonl, resumable),
// start, watch progress (count, rate, ETA) and the results table fill in, sort and filter it, cancel,
// export the filtered rows. Writes exactly what `resnet-lens-cli batch` writes, and so does Export. A
// double-click on a row (or Open Image in its menu) shows that image in the main window; Escape closes the
// panel (a run goes on).
//
// Threading: the run happens in a BatchWorker on the panel's own QThread ("BatchWorker"), with a Classifier
// of its own; results arrive by queued signals into a BatchResultModel. The GUI thread does no heavy work.

#include "BatchWorker.h"
#include "batch/BatchWriter.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QModelIndex;
class QProgressBar;
class QPushButton;
class QTableView;
class QThread;

namespace lens {

class BatchFilterModel;
template <typename Worker> class WorkerThread;
class BatchResultModel;
class MessageBanner;

/// The model a run uses: the window's current one.
struct BatchModel {
    QString weights; ///< empty = no model loaded
    QString weightsKey; ///< the weight set inside weights; empty = the default one
    QString labels; ///< a labels file; empty = the checkpoint's names, else ImageNet's
    QString arch; ///< empty = detect
    QString device = QStringLiteral("cpu");
    Precision precision = Precision::Fp32;
    QString name; ///< e.g. "resnet50", for display
    PreprocessOptions preprocess;
    QString presetName = QStringLiteral("v1");
};

class BatchPanel : public QWidget {
    Q_OBJECT

public:
    explicit BatchPanel(QWidget* parent = nullptr);
    ~BatchPanel() override;

    /// The model and preprocessing for the next run.
    void setModel(const BatchModel& model);
    void setFolders(const QStringList& folders);
    QStringList folders() const;
    void setRecursive(bool on);
    void setOutput(const QString& path);
    QString output() const;
    /// Continue an existing output (only offered when the file exists).
    void setResume(bool on);
    void setStartFolder(const QString& folder) { m_startFolder = folder; }

    /// Starts a run; false (with the reason in the banner) when it cannot start.
    bool start();
    /// Stops the run in progress; its output keeps every row written.
    void cancel();
    bool running() const { return m_running; }
    /// Writes the rows shown (filters applied) as the run wrote them (CSV or JSON Lines by the extension);
    /// false with the reason in the banner.
    bool exportTo(const QString& path);
    /// Where the output goes when none was chosen: the user's documents folder, named after the folder
    /// (never inside the photos).
    static QString defaultOutput(const QString& folder);

    // For tests.
    BatchResultModel* results() const { return m_results; }
    BatchFilterModel* filtered() const { return m_filter; }
    QLineEdit* labelFilter() const { return m_labelFilter; }
    QComboBox* statusFilter() const { return m_statusFilter; }
    QCheckBox* resumeBox() const { return m_resume; }
    QPushButton* startButton() const { return m_start; }
    MessageBanner* banner() const { return m_banner; }
    QProgressBar* progressBar() const { return m_progress; }
    QTableView* table() const { return m_table; }
    QString progressText() const;
    /// "N of M rows" under the filters.
    QString rowsText() const;
    /// The selected rows as the CLI writes them in JSON Lines (one object a line).
    QString selectedJson() const;
    /// The context menu of the result at index, as it opens (the caller owns it).
    QMenu* makeRowMenu(const QModelIndex& index);
    /// The widgets a run disables (folder list and its buttons, output, Browse, subfolders).
    QList<QWidget*> selectionWidgets() const;
    QThread* workerThread() const;

Q_SIGNALS:
    /// A run ended (finished, cancelled, or failed: see summary).
    void runFinished(const lens::BatchSummary& summary);
    void rowsAdded(int count);
    /// The folders or the output file changed (by the user or a setter).
    void selectionChanged();
    /// The user asked to see this image in the main window.
    void openRequested(const QString& path);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void addFolder();
    void removeFolders();
    void chooseOutput();
    void chooseExport();
    void updateResume();
    void updateButtons();
    void onStarted(const BatchStatus& status, const QString& model);
    void onProgress(const BatchStatus& status);
    void onFinished(const BatchSummary& summary);
    void updateRowsText();
    QString pathAt(const QModelIndex& index) const;

    std::unique_ptr<WorkerThread<BatchWorker>> m_work;
    BatchWorker* m_worker = nullptr; ///< m_work's
    BatchResultModel* m_results = nullptr;
    BatchFilterModel* m_filter = nullptr;

    MessageBanner* m_banner = nullptr;
    QListWidget* m_folders = nullptr;
    QCheckBox* m_recursive = nullptr;
    QPushButton* m_addFolder = nullptr;
    QPushButton* m_removeFolder = nullptr;
    QPushButton* m_browse = nullptr;
    QLabel* m_rowsLabel = nullptr;
    QLineEdit* m_output = nullptr;
    QCheckBox* m_resume = nullptr;
    QLabel* m_modelLabel = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_export = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressLabel = nullptr;
    QLineEdit* m_labelFilter = nullptr;
    QComboBox* m_statusFilter = nullptr;
    QTableView* m_table = nullptr;

    BatchModel m_model;
    QString m_startFolder;
    QString m_lastOutput; ///< the output of the rows in the table
    RunInfo m_run; ///< the run of the rows in the table, as its output's header names it
    bool m_running = false;
};

} // namespace lens
