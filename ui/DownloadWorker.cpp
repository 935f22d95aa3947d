#include "DownloadWorker.h"

#include "weights/Download.h"

namespace lens {

DownloadWorker::DownloadWorker(QObject* parent)
    : QObject(parent)
{ }

void DownloadWorker::download(const WeightsInfo& weights)
{
    DownloadOptions options;
    options.cancel = &m_cancel;
    options.onProgress = [this](const DownloadProgress& p) {
        Q_EMIT progress(p.bytesDone, p.bytesTotal, p.bytesPerSecond, p.etaSeconds);
    };
    const auto result = downloadWeights(weights, options);
    const QString name = QString::fromStdString(weights.name);
    if (!result.ok()) {
        Q_EMIT finished(name, {}, QString::fromStdString(result.message()), m_cancel.load(), 0, 0);
        return;
    }
    Q_EMIT finished(name, QString::fromStdString(result->path), {}, false, result->seconds, result->bytes);
}

} // namespace lens
