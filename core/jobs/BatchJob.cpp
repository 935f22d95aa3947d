#include "jobs/BatchJob.h"

#include "batch/OutputLock.h"

namespace lens {

struct BatchJob::State {
    BatchJobOptions options;
    std::unique_ptr<Classifier> classifier;
    std::optional<BatchWriter> writer;
    PriorRows prior;
    std::vector<std::string> files;
    std::vector<std::string> todo;
    std::size_t skippedEntries = 0;
    std::vector<RowSink*> sinks;
};

BatchJob::BatchJob(std::unique_ptr<State> state)
    : m_state(std::move(state))
{ }

BatchJob::BatchJob(BatchJob&&) noexcept = default;
BatchJob& BatchJob::operator=(BatchJob&&) noexcept = default;
BatchJob::~BatchJob() = default;

Result<BatchJob> BatchJob::prepare(BatchJobOptions options,
                                   const std::function<void(const std::string&)>& warn)
{
    return prepare(std::move(options), nullptr, warn);
}

Result<BatchJob> BatchJob::prepare(BatchJobOptions options, std::unique_ptr<Classifier> classifier,
                                   const std::function<void(const std::string&)>& warn)
{
    const auto tell = [&](const std::string& text) {
        if (warn)
            warn(text);
    };
    auto state = std::make_unique<State>();
    // Before anything slow: a second run on the same output, or an output that cannot be one, fails at once.
    auto lock = BatchOutputLock::acquire(options.output, options.resume);
    if (!lock)
        return lock.error();

    options.listing.exclude = batchOutputFiles(options.output);
    auto listed = listFiles(options.roots, options.listing);
    if (!listed)
        return listed.error();
    state->files = std::move(listed->files);
    state->skippedEntries = listed->warnings.size();
    for (const auto& warning : listed->warnings)
        tell(warning);

    if (classifier) {
        state->classifier = std::move(classifier);
    } else {
        auto created = Classifier::create(options.classifier);
        if (!created)
            return created.error();
        state->classifier = std::move(*created);
    }

    // A weight set picked by key is part of which weights the output was written with.
    const std::string weightsName = options.classifier.weightsKey.empty()
        ? options.classifier.weights
        : options.classifier.weights + "#" + state->classifier->weightsKey();
    const RunInfo run {state->classifier->architecture().name,
                       weightsName,
                       options.presetName,
                       state->classifier->deviceName(),
                       options.pipeline.topk,
                       precisionName(state->classifier->precision()),
                       options.extraColumns};
    auto writer = BatchWriter::open(std::move(*lock), run, state->prior);
    if (!writer)
        return writer.error();
    state->writer.emplace(std::move(*writer));
    if (options.extraCells)
        state->writer->setExtraCells(options.extraCells);
    for (const auto& note : state->prior.notes)
        tell(note);
    for (const auto& file : state->files) {
        if (!state->prior.done.count(file))
            state->todo.push_back(file);
    }
    state->options = std::move(options);
    state->sinks.push_back(&*state->writer);
    return BatchJob(std::move(state));
}

const Classifier& BatchJob::classifier() const
{
    return *m_state->classifier;
}

const std::vector<std::string>& BatchJob::files() const
{
    return m_state->files;
}

const std::vector<std::string>& BatchJob::todo() const
{
    return m_state->todo;
}

const PriorRows& BatchJob::prior() const
{
    return m_state->prior;
}

const BatchJobOptions& BatchJob::options() const
{
    return m_state->options;
}

void BatchJob::addSink(RowSink& sink)
{
    m_state->sinks.push_back(&sink);
}

void BatchJob::addSinkBeforeOutput(RowSink& sink)
{
    m_state->sinks.insert(m_state->sinks.begin(), &sink);
}

Result<BatchJobSummary> BatchJob::run(const BatchProgressCallback& progress, const std::atomic<bool>* cancel)
{
    State& s = *m_state;
    auto result = runBatch(*s.classifier, s.todo, s.sinks, s.options.pipeline, progress, cancel);
    if (!result)
        return result.error();
    BatchJobSummary summary;
    summary.progress = *result;
    summary.listed = s.files.size();
    summary.doneBefore = s.files.size() - s.todo.size();
    summary.errorRowsBefore = s.prior.errorRows;
    summary.skippedEntries = s.skippedEntries;
    summary.cancelled = cancel && cancel->load() && result->done < result->total;
    return summary;
}

} // namespace lens
