#include "EvaluateWorker.h"

#include "jobs/EvaluationJob.h"

#include <QElapsedTimer>

namespace lens {

EvaluateWorker::EvaluateWorker(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<EvaluateRequest>();
    qRegisterMetaType<EvaluateSummary>();
    qRegisterMetaType<BatchStatus>();
}

void EvaluateWorker::run(const EvaluateRequest& request)
{
    QElapsedTimer clock;
    clock.start();
    EvaluateSummary summary;
    summary.run.output = request.batch.output;
    const auto fail = [&](const std::string& message) {
        summary.run.error = QString::fromStdString(message);
        summary.run.status.seconds = clock.elapsed() / 1000.0;
        Q_EMIT finished(summary);
    };

    EvaluationOptions options;
    for (const QString& root : request.batch.roots)
        options.roots.push_back(root.toStdString());
    options.recursive = request.batch.recursive;
    options.classMapFile = request.classMap.toStdString();
    options.ignoreUnknown = request.ignoreUnknown;
    options.predictions = request.batch.output.toStdString();
    options.resume = request.batch.resume;
    options.presetName = request.batch.presetName.toStdString();
    if (auto model = jobModelOptions(request.batch, options.classifier, options.pipeline); !model)
        return fail(model.message());

    auto prepared = EvaluationJob::prepare(std::move(options), [this](const std::string& message) {
        Q_EMIT warning(QString::fromStdString(message));
    });
    if (!prepared)
        return fail(prepared.message());
    EvaluationJob& job = *prepared;
    const ClassMapping& mapping = job.mapping();
    summary.mapping = QString::fromStdString(mapping.description);
    summary.rule = QString::fromStdString(mapping.rule);
    for (const std::string& name : mapping.ignored)
        summary.ignored << QString::fromStdString(name);
    summary.run.model = QString::fromStdString(job.batch().classifier().architecture().name);
    summary.run.status.total = static_cast<int>(job.batch().todo().size());
    summary.run.status.skipped = static_cast<int>(job.batch().files().size() - job.batch().todo().size());
    Q_EMIT started(summary.run.status, summary.run.model, summary.mapping);

    QElapsedTimer sinceReport;
    sinceReport.start();
    const auto toStatus
        = [&](const BatchProgress& p) { return runStatus(summary.run.status, p, clock.elapsed() / 1000.0); };
    const BatchProgressCallback onProgress = [&](const BatchProgress& p) {
        if (sinceReport.elapsed() < 100 && p.done < p.total)
            return;
        sinceReport.restart();
        Q_EMIT progress(toStatus(p));
    };
    auto outcome = job.run(onProgress, &m_cancel);
    if (!outcome)
        return fail(outcome.message());
    summary.run.status = toStatus(outcome->summary.progress);
    summary.run.cancelled = outcome->summary.cancelled;
    summary.run.ok = true;
    summary.report = std::make_shared<const EvaluationReport>(std::move(outcome->report));
    Q_EMIT progress(summary.run.status);
    Q_EMIT finished(summary);
}

} // namespace lens
