#include "BatchWorker.h"

#include "jobs/BatchJob.h"
#include "labels/Labels.h"

#include <QElapsedTimer>

namespace lens {

namespace {

QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

BatchResultRow toRow(const BatchRow& row)
{
    BatchResultRow out;
    out.path = text(row.path);
    out.error = text(row.error);
    if (!row.top.empty()) {
        out.index = row.top.front().index;
        out.label = text(row.top.front().label);
        out.probability = row.top.front().probability;
        out.top = row.top;
    }
    return out;
}

} // namespace

BatchWorker::BatchWorker(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<BatchRequest>();
    qRegisterMetaType<BatchResultRow>();
    qRegisterMetaType<QList<BatchResultRow>>();
    qRegisterMetaType<BatchStatus>();
    qRegisterMetaType<BatchSummary>();
}

void BatchWorker::run(const BatchRequest& request)
{
    QElapsedTimer clock;
    clock.start();
    BatchSummary summary;
    summary.output = request.output;
    const auto fail = [&](const std::string& message) {
        summary.error = text(message);
        summary.status.seconds = clock.elapsed() / 1000.0;
        Q_EMIT finished(summary);
    };

    // The same job as the CLI's: core checks and locks the output, lists, loads, resumes.
    BatchJobOptions job;
    for (const QString& root : request.roots)
        job.roots.push_back(root.toStdString());
    job.listing.recursive = request.recursive;
    job.output = request.output.toStdString();
    job.resume = request.resume;
    job.classifier.weights = request.weights.toStdString();
    job.classifier.weightsKey = request.weightsKey.toStdString();
    if (!request.labels.isEmpty()) {
        auto labels = readLabelFile(request.labels.toStdString());
        if (!labels)
            return fail(labels.message());
        job.classifier.labels = std::move(*labels);
    }
    job.classifier.arch = request.arch.toStdString();
    job.classifier.device = request.device.toStdString();
    job.classifier.precision = request.precision;
    job.presetName = request.presetName.toStdString();
    job.pipeline.topk = request.topk;
    job.pipeline.batchSize = request.batchSize;
    job.pipeline.decodeThreads = request.decodeThreads;
    job.pipeline.preprocess = request.preprocess;
    auto prepared = BatchJob::prepare(std::move(job));
    if (!prepared)
        return fail(prepared.message());
    BatchJob& run = *prepared;
    summary.model = text(run.classifier().architecture().name);
    summary.status.total = static_cast<int>(run.todo().size());
    summary.status.skipped = static_cast<int>(run.files().size() - run.todo().size());
    Q_EMIT started(summary.status, summary.model);

    // Rows and progress go out together, at most every 100 ms, so a fast run does not flood the GUI.
    struct Rows : RowSink {
        QList<BatchResultRow> pending;
        Result<void> write(const BatchRow& row) override
        {
            pending.push_back(toRow(row));
            return {};
        }
    } rows;
    run.addSink(rows);
    QElapsedTimer sinceReport;
    sinceReport.start();
    const auto toStatus = [&](const BatchProgress& p) {
        BatchStatus status = summary.status;
        status.done = static_cast<int>(p.done);
        status.failed = static_cast<int>(p.failed);
        status.seconds = clock.elapsed() / 1000.0;
        return status;
    };
    const BatchProgressCallback onProgress = [&](const BatchProgress& p) {
        if (sinceReport.elapsed() < 100 && p.done < p.total)
            return;
        sinceReport.restart();
        if (!rows.pending.isEmpty())
            Q_EMIT rowsReady(std::exchange(rows.pending, {}));
        Q_EMIT progress(toStatus(p));
    };
    auto result = run.run(onProgress, &m_cancel);
    if (!rows.pending.isEmpty())
        Q_EMIT rowsReady(std::exchange(rows.pending, {}));
    if (!result)
        return fail(result.message());
    summary.status = toStatus(result->progress);
    summary.cancelled = result->cancelled;
    summary.ok = true;
    Q_EMIT progress(summary.status);
    Q_EMIT finished(summary);
}

} // namespace lens
