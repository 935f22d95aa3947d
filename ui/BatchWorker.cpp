#include "BatchWorker.h"

#include "batch/BatchRunner.h"
#include "batch/FileList.h"
#include "inference/Classifier.h"

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

    const std::string output = request.output.toStdString();
    // Core's first step, as for the CLI: check the output and lock it before anything slow.
    auto lock = BatchOutputLock::acquire(output, request.resume);
    if (!lock)
        return fail(lock.message());
    std::vector<std::string> roots;
    for (const QString& root : request.roots)
        roots.push_back(root.toStdString());
    FileListOptions listing;
    listing.recursive = request.recursive;
    listing.exclude = batchOutputFiles(output);
    auto listed = listFiles(roots, listing);
    if (!listed)
        return fail(listed.message());
    const std::vector<std::string>* files = &listed->files;

    ClassifierOptions classifierOptions;
    classifierOptions.weights = request.weights.toStdString();
    classifierOptions.arch = request.arch.toStdString();
    classifierOptions.device = request.device.toStdString();
    auto classifier = Classifier::create(classifierOptions);
    if (!classifier)
        return fail(classifier.message());
    summary.model = text((*classifier)->architecture().name);

    const RunInfo run {(*classifier)->architecture().name, classifierOptions.weights,
                       request.presetName.toStdString(), (*classifier)->deviceName(), request.topk};
    PriorRows prior;
    auto writer = BatchWriter::open(std::move(*lock), run, prior);
    if (!writer)
        return fail(writer.message());
    std::vector<std::string> todo;
    for (const auto& file : *files) {
        if (!prior.done.count(file))
            todo.push_back(file);
    }
    summary.status.total = static_cast<int>(todo.size());
    summary.status.skipped = static_cast<int>(files->size() - todo.size());
    Q_EMIT started(summary.status, summary.model);

    // Rows and progress go out together, at most every 100 ms, so a fast run does not flood the GUI.
    QList<BatchResultRow> pending;
    QElapsedTimer sinceReport;
    sinceReport.start();
    const auto toStatus = [&](const BatchProgress& p) {
        BatchStatus status = summary.status;
        status.done = static_cast<int>(p.done);
        status.failed = static_cast<int>(p.failed);
        status.seconds = clock.elapsed() / 1000.0;
        return status;
    };
    BatchOptions options;
    options.topk = request.topk;
    options.batchSize = request.batchSize;
    options.decodeThreads = request.decodeThreads;
    options.preprocess = request.preprocess;
    options.onRow = [&](const BatchRow& row) { pending.push_back(toRow(row)); };
    const BatchProgressCallback onProgress = [&](const BatchProgress& p) {
        if (sinceReport.elapsed() < 100 && p.done < p.total)
            return;
        sinceReport.restart();
        if (!pending.isEmpty())
            Q_EMIT rowsReady(std::exchange(pending, {}));
        Q_EMIT progress(toStatus(p));
    };
    auto result = runBatch(**classifier, todo, *writer, options, onProgress, &m_cancel);
    if (!pending.isEmpty())
        Q_EMIT rowsReady(std::exchange(pending, {}));
    if (!result)
        return fail(result.message());
    summary.status = toStatus(*result);
    summary.cancelled = m_cancel.load() && result->done < result->total;
    summary.ok = true;
    Q_EMIT progress(summary.status);
    Q_EMIT finished(summary);
}

} // namespace lens
