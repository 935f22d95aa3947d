#pragma once

// The checkpoint inspector's slow work, off the GUI thread: opening a file (its structure and weight sets,
// without reading tensor data), reading one weight set and computing every tensor's statistics, a
// histogram of one tensor, the comparison with another checkpoint and the export (convert's formats). All
// of it is core's (inspect/Inspection.h, convert/Export.h); the worker only runs it and reports.
//
// Threading: an InspectorWorker lives on its own thread, held by a WorkerThread. Its public functions are
// called there through WorkerThread::post(); results come back by queued signals carrying plain values.
// cancel() may be called from any thread: it stops the statistics or the comparison in progress (the
// statistics and comparison signals then come with cancelled set). A request carries the id the window
// gave it; the window ignores answers to requests it has superseded.

#include "checkpoint/Checkpoint.h"
#include "convert/Export.h"
#include "inspect/Inspection.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <atomic>
#include <optional>
#include <vector>

namespace lens {

/// A file opened: what it holds, known without reading tensor data.
struct InspectorOverview {
    quint64 id = 0;
    QString error; ///< non-empty when the file could not be opened
    CheckpointOverview overview;
};

/// The statistics of one weight set's tensors.
struct InspectorTensors {
    quint64 id = 0;
    QString error;
    bool cancelled = false;
    std::string weightsKey;
    std::vector<TensorSummary> tensors; ///< file order (after prefix removal)
    std::vector<std::string> fixes;
};

struct InspectorHistogram {
    quint64 id = 0;
    QString name; ///< the tensor
    Histogram histogram;
};

struct InspectorComparison {
    quint64 id = 0;
    QString error;
    bool cancelled = false;
    Comparison comparison;
};

struct InspectorExport {
    quint64 id = 0;
    QString error;
    ExportResult result;
};

class InspectorWorker : public QObject {
    Q_OBJECT

public:
    InspectorWorker();

    /// Opens a checkpoint (also one that would run code in Python: nothing is ever run) and describes it.
    void open(quint64 id, const QString& path);
    /// Reads a weight set of the open file (empty: the default one) and computes its tensors' statistics.
    void readWeights(quint64 id, const std::string& key);
    /// A histogram of one tensor of the weight set read last.
    void histogram(quint64 id, const QString& name, int bins);
    /// Compares the weight set read last with a weight set of another file (or of the same file; key empty:
    /// the default one).
    void compare(quint64 id, const QString& other, const std::string& key);
    /// Writes the weight set read last to output, as convert does.
    void exportTo(quint64 id, const QString& output, std::optional<DType> dtype);

    /// Thread-safe: stops the statistics or the comparison in progress.
    void cancel() { m_cancel = true; }

Q_SIGNALS:
    void opened(const lens::InspectorOverview& overview);
    void progress(quint64 id, int done, int total);
    void tensorsReady(const lens::InspectorTensors& tensors);
    void histogramReady(const lens::InspectorHistogram& histogram);
    void compared(const lens::InspectorComparison& comparison);
    void exported(const lens::InspectorExport& result);

private:
    std::optional<CheckpointFile> m_file;
    std::optional<Checkpoint> m_weights; ///< the weight set read last
    std::atomic<bool> m_cancel {false};
};

} // namespace lens

Q_DECLARE_METATYPE(lens::InspectorOverview)
Q_DECLARE_METATYPE(lens::InspectorTensors)
Q_DECLARE_METATYPE(lens::InspectorHistogram)
Q_DECLARE_METATYPE(lens::InspectorComparison)
Q_DECLARE_METATYPE(lens::InspectorExport)
