#pragma once

// File > Inspect Checkpoint…: any checkpoint opened for inspection, without loading it as the model. The
// whole file as a tree; its weight sets with their architectures and verdicts ("Use these weights" hands
// one to the model); one weight set's tensors with their statistics (sortable, filterable, NaN and Inf
// rows flagged) and a histogram of the selected tensor; the comparison with another checkpoint; the export
// in convert's formats. Opening a file reads no tensor data (quick even for 500 MB); the statistics, the
// histograms, the comparison and the export run on the window's worker thread ("InspectorWorker") with
// progress, so the window stays responsive.
//
// Threading: GUI thread. The worker is held by a WorkerThread; closing the window cancels what runs and
// joins the thread.

#include "InspectorWorker.h"

#include <QMainWindow>
#include <memory>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTableWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace lens {

class ComparisonModel;
class HistogramView;
class TensorTableModel;
template <typename Worker> class WorkerThread;

class InspectorWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit InspectorWindow(QWidget* parent = nullptr);
    ~InspectorWindow() override;

    /// Asks for a checkpoint to open.
    void chooseFileToOpen();
    /// Opens a checkpoint (its default weight set's statistics follow).
    void openFile(const QString& path);
    /// Reads another weight set of the open file, by key path.
    void showWeightSet(const QString& key);
    /// Compares the weight set shown with a weight set of another checkpoint, or of this one (key empty:
    /// the default one).
    void compareWith(const QString& path, const QString& weightsKey = {});
    /// Writes the weight set shown as convert does; dtype empty keeps each tensor's type.
    void exportTo(const QString& path, const QString& dtype = {});

    QString path() const { return m_path; }
    /// The weight set whose tensors are shown (key path; "" the whole file).
    QString weightsKey() const { return m_weightsKey; }
    const CheckpointOverview& overview() const { return m_overview; }
    TensorTableModel* tensorModel() const { return m_tensors; }
    QSortFilterProxyModel* tensorProxy() const { return m_tensorProxy; }
    ComparisonModel* comparisonModel() const { return m_comparison; }
    QSortFilterProxyModel* comparisonProxy() const { return m_comparisonProxy; }
    QTreeWidget* structureTree() const { return m_tree; }
    QTableWidget* weightSetTable() const { return m_sets; }
    QTableView* tensorView() const { return m_tensorView; }
    QLineEdit* filterEdit() const { return m_filter; }
    QTabWidget* tabs() const { return m_tabs; }
    /// The histogram shown (of histogramName()).
    const Histogram& histogram() const;
    QString histogramName() const;
    /// The comparison summary line and the last status or error message.
    QString comparisonSummary() const;
    QString statusText() const;
    bool busy() const;

Q_SIGNALS:
    /// "Use these weights": load this weight set of this file as the model.
    void useWeights(const QString& path, const QString& weightsKey);
    void fileOpened(bool ok);
    void statisticsFinished(bool ok);
    void histogramShown();
    void comparisonFinished(bool ok);
    void exportFinished(bool ok);

private:
    void createWidgets();
    void chooseComparison();
    void chooseExport();
    void onOpened(const InspectorOverview& answer);
    void onTensors(const InspectorTensors& answer);
    void onHistogram(const InspectorHistogram& answer);
    void onCompared(const InspectorComparison& answer);
    void onExported(const InspectorExport& answer);
    void onProgress(quint64 id, int done, int total);
    void onTensorSelected();
    void startWork(const QString& text);
    void endWork(const QString& text);
    void fillStructure();
    void fillWeightSets();
    QString selectedWeightSet() const;

    std::unique_ptr<WorkerThread<InspectorWorker>> m_work;
    quint64 m_request = 0; ///< newest open or read request; older answers are ignored
    quint64 m_histogramRequest = 0;
    QString m_path;
    QString m_weightsKey;
    CheckpointOverview m_overview;

    QTabWidget* m_tabs = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_status = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QAction* m_compareAction = nullptr;
    QAction* m_exportAction = nullptr;
    QTreeWidget* m_tree = nullptr;
    QTableWidget* m_sets = nullptr;
    QPushButton* m_useSet = nullptr;
    QPushButton* m_showSet = nullptr;
    QLineEdit* m_filter = nullptr;
    QTableView* m_tensorView = nullptr;
    TensorTableModel* m_tensors = nullptr;
    QSortFilterProxyModel* m_tensorProxy = nullptr;
    HistogramView* m_histogram = nullptr;
    QLabel* m_comparisonLabel = nullptr;
    QTableView* m_comparisonView = nullptr;
    ComparisonModel* m_comparison = nullptr;
    QSortFilterProxyModel* m_comparisonProxy = nullptr;
    bool m_busy = false;
};

} // namespace lens
