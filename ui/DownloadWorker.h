#pragma once

// Downloads catalog weights off the GUI thread, for the weights picker: core's downloadWeights (verified,
// resumable, cancellable) into the torch.hub cache.
//
// Threading: a DownloadWorker lives on its own QThread (the WeightsPicker owns both). Call download() only
// by queued invocation; it blocks that thread until the file is in place, the download failed or it was
// cancelled, and reports by queued signals (progress about ten times a second, then finished). cancel() and
// clearCancel() are the only members safe to call from another thread; a cancelled download stops within
// about a second and keeps its .partial, from which the next download resumes.

#include "weights/Catalog.h"

#include <QObject>
#include <QString>
#include <atomic>

namespace lens {

class DownloadWorker : public QObject {
    Q_OBJECT

public:
    explicit DownloadWorker(QObject* parent = nullptr);

    /// Thread-safe: the download in progress stops.
    void cancel() { m_cancel.store(true); }
    /// Thread-safe: called before queueing a new download.
    void clearCancel() { m_cancel.store(false); }

    /// Runs on the worker's thread.
    void download(const WeightsInfo& weights);

Q_SIGNALS:
    /// total -1 and etaSeconds -1 while unknown.
    void progress(qint64 done, qint64 total, double bytesPerSecond, double etaSeconds);
    /// path is the verified file when error is empty; cancelled says the user stopped it.
    void finished(const QString& name, const QString& path, const QString& error, bool cancelled,
                  double seconds, qint64 bytes);

private:
    std::atomic<bool> m_cancel {false};
};

} // namespace lens
