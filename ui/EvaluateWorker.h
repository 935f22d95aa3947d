#pragma once

// Evaluates a checkpoint on labelled folders off the GUI thread, for the Evaluate Folder panel: core's
// EvaluationJob (the same use case as `resnet-lens-cli evaluate`), with a Classifier of the worker's own.
//
// Threading: an EvaluateWorker lives on its own QThread (the EvaluatePanel owns both, through WorkerThread).
// Call run() only by queued invocation; it blocks that thread for the whole run and reports by queued
// signals carrying plain values: started, then progress (at most about ten times a second), then finished
// with the report. cancel() and clearCancel() are the only members safe to call from another thread: a
// cancelled run stops after the forward pass in progress, its predictions file keeps every row written,
// and the report covers those rows (a resumed run finishes the file).

#include "BatchWorker.h"

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

namespace lens {

struct EvaluationReport;

/// What to evaluate: the folders, the predictions file and the model as for Label Folder (batch.output is
/// the predictions file), and the class mapping's inputs.
struct EvaluateRequest {
    BatchRequest batch;
    QString classMap; ///< a class map file; empty for none
    bool ignoreUnknown = false; ///< leave folders that map to no class out instead of refusing the run
};

struct EvaluateSummary {
    BatchSummary run; ///< ok, cancelled, error, counts of this run
    QString mapping; ///< the mapping rule in words ("12 folders mapped by their names to …")
    QString rule; ///< "checkpoint", "class-map", "names", "imagefolder" or "mixed"
    QStringList ignored; ///< folders left out (ignore unknown folders)
    std::shared_ptr<const EvaluationReport> report; ///< of every row of the predictions file; null on error
};

class EvaluateWorker : public QObject {
    Q_OBJECT

public:
    explicit EvaluateWorker(QObject* parent = nullptr);

    /// Thread-safe: the run in progress stops after its current forward pass.
    void cancel() { m_cancel.store(true); }
    /// Thread-safe: called before queueing a new run.
    void clearCancel() { m_cancel.store(false); }

public Q_SLOTS:
    void run(const lens::EvaluateRequest& request);

Q_SIGNALS:
    /// The folders are mapped, the file list known and the model loaded.
    void started(const lens::BatchStatus& status, const QString& model, const QString& mapping);
    void progress(const lens::BatchStatus& status);
    /// Something the user should know that does not stop the run (files outside class folders, …).
    void warning(const QString& message);
    void finished(const lens::EvaluateSummary& summary);

private:
    std::atomic<bool> m_cancel {false};
};

} // namespace lens

Q_DECLARE_METATYPE(lens::EvaluateRequest)
Q_DECLARE_METATYPE(lens::EvaluateSummary)
