#pragma once

// Labels folders off the GUI thread, for the batch panel: core's runBatch and BatchWriter, with a Classifier
// of the worker's own (one per thread; the window's InferenceWorker keeps its model and stays responsive).
//
// Threading: a BatchWorker lives on its own QThread (the BatchPanel owns both). Call run() only by queued
// invocation; it blocks that thread for the whole run and reports by queued signals carrying plain structs:
// started, then rowsReady and progress (at most about ten times a second), then finished. cancel() and
// clearCancel() are the only members safe to call from another thread: a cancelled run stops after the
// forward pass in progress, and the output keeps every row written so far (a resumed run finishes it).

#include "model/Classification.h"
#include "model/Precision.h"
#include "preprocess/Preprocess.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>

namespace lens {

/// What to label, where to write it, and with which model.
struct BatchRequest {
    QStringList roots; ///< folders (or files)
    bool recursive = false; ///< descend into subfolders
    QString output; ///< .csv or .jsonl
    bool resume = false; ///< keep an existing output and skip the files it already holds
    QString weights; ///< checkpoint file
    QString weightsKey; ///< the weight set inside it; empty = the default one
    QString labels; ///< a labels file; empty = the checkpoint's names, else ImageNet's
    QString arch; ///< empty = detect
    QString device = QStringLiteral("cpu");
    Precision precision = Precision::Fp32; ///< recorded in the output's first line
    PreprocessOptions preprocess;
    QString presetName = QStringLiteral("v1"); ///< recorded in the output's first line
    int topk = 5;
    int batchSize = 8;
    int decodeThreads = 0; ///< 0 = one per core beyond the first
};

/// One file's result, as written to the output.
struct BatchResultRow {
    QString path;
    QString error; ///< empty when classified
    int index = -1; ///< top-1 class index; -1 on error
    QString label; ///< top-1 label
    float probability = 0; ///< top-1 softmax probability
    std::vector<ClassScore> top; ///< every prediction written for the file (topk), for export
};

struct BatchStatus {
    int done = 0; ///< rows written by this run
    int failed = 0; ///< of which error rows
    int total = 0; ///< files this run has to do (without those skipped)
    int skipped = 0; ///< files already in the output (resume)
    double seconds = 0; ///< since the run started
};

struct BatchSummary {
    bool ok = false; ///< the run went through (some files may have failed: see status.failed)
    bool cancelled = false;
    QString error; ///< when !ok: why the run could not start or go on
    QString output;
    QString model; ///< architecture used
    BatchStatus status;
};

class BatchWorker : public QObject {
    Q_OBJECT

public:
    explicit BatchWorker(QObject* parent = nullptr);

    /// Thread-safe: the run in progress stops after its current forward pass.
    void cancel() { m_cancel.store(true); }
    /// Thread-safe: called before queueing a new run.
    void clearCancel() { m_cancel.store(false); }

public Q_SLOTS:
    void run(const lens::BatchRequest& request);

Q_SIGNALS:
    /// The file list is known and the model loaded: status.total files to do, status.skipped done before.
    void started(const lens::BatchStatus& status, const QString& model);
    void rowsReady(const QList<lens::BatchResultRow>& rows);
    void progress(const lens::BatchStatus& status);
    void finished(const lens::BatchSummary& summary);

private:
    std::atomic<bool> m_cancel {false};
};

} // namespace lens

Q_DECLARE_METATYPE(lens::BatchRequest)
Q_DECLARE_METATYPE(lens::BatchResultRow)
Q_DECLARE_METATYPE(lens::BatchStatus)
Q_DECLARE_METATYPE(lens::BatchSummary)
