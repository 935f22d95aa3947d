#include "jobs/EvaluationJob.h"

#include "batch/OutputLock.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lens {

namespace {

// Which class folder each listed file lies in, by the longest folder path that starts it.
class FolderLookup {
public:
    explicit FolderLookup(const std::vector<ClassFolder>& folders)
    {
        for (const auto& folder : folders) {
            for (const auto& path : folder.paths)
                m_byPath.emplace(path + "/", folder);
        }
    }

    const ClassFolder* find(const std::string& file) const
    {
        const ClassFolder* best = nullptr;
        std::size_t length = 0;
        for (const auto& [prefix, folder] : m_byPath) {
            if (prefix.size() > length && file.compare(0, prefix.size(), prefix) == 0) {
                best = &folder;
                length = prefix.size();
            }
        }
        return best;
    }

private:
    std::map<std::string, ClassFolder> m_byPath;
};

std::string temporaryPredictions()
{
    static std::atomic<int> counter {0};
    return (fs::temp_directory_path()
            / ("resnet-lens-evaluate-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)
               + ".csv"))
        .string();
}

} // namespace

struct EvaluationJob::State {
    EvaluationOptions options;
    ClassMapping mapping;
    std::optional<BatchJob> batch;
    std::string temporary; ///< the predictions file when the caller named none, removed at the end

    ~State()
    {
        batch.reset(); // closes the file and releases its lock first
        if (!temporary.empty()) {
            std::error_code ignored;
            for (const auto& file : batchOutputFiles(temporary))
                fs::remove(file, ignored);
        }
    }
};

EvaluationJob::EvaluationJob(std::unique_ptr<State> state)
    : m_state(std::move(state))
{ }

EvaluationJob::EvaluationJob(EvaluationJob&&) noexcept = default;
EvaluationJob& EvaluationJob::operator=(EvaluationJob&&) noexcept = default;
EvaluationJob::~EvaluationJob() = default;

Result<EvaluationJob> EvaluationJob::prepare(EvaluationOptions options,
                                             const std::function<void(const std::string&)>& warn)
{
    auto state = std::make_unique<State>();
    if (options.predictions.empty()) {
        if (options.resume)
            return Error {"resuming an evaluation needs its predictions file", ErrorKind::Usage};
        state->temporary = temporaryPredictions();
        options.predictions = state->temporary;
    } else if (auto format = BatchWriter::formatFor(options.predictions); !format) {
        return format.error();
    }

    // The model first: its class names decide which folder is which class.
    auto classifier = Classifier::create(options.classifier);
    if (!classifier)
        return classifier.error();
    MappingOptions mappingOptions;
    mappingOptions.checkpointLabels = (*classifier)->checkpointLabels();
    mappingOptions.modelLabels = (*classifier)->labels();
    mappingOptions.classMapFile = options.classMapFile;
    mappingOptions.ignoreUnknown = options.ignoreUnknown;
    std::size_t looseFiles = 0;
    auto mapping = mapClassFolders(options.roots, mappingOptions, &looseFiles);
    if (!mapping)
        return mapping.error();
    state->mapping = std::move(*mapping);
    if (warn && looseFiles > 0)
        warn(std::to_string(looseFiles) + " file" + (looseFiles == 1 ? "" : "s")
             + " directly in the folders given, outside any class folder, left out");
    if (warn && !state->mapping.ignored.empty())
        warn("folders matching no class left out: " + [&] {
            std::string list;
            for (const auto& name : state->mapping.ignored)
                list += (list.empty() ? "" : ", ") + name;
            return list;
        }());

    BatchJobOptions job;
    for (const auto& folder : state->mapping.folders)
        job.roots.insert(job.roots.end(), folder.paths.begin(), folder.paths.end());
    job.listing.recursive = options.recursive;
    job.listing.shardIndex = options.shardIndex;
    job.listing.shardCount = options.shardCount;
    job.output = options.predictions;
    job.resume = options.resume;
    job.classifier = options.classifier;
    job.presetName = options.presetName;
    job.pipeline = options.pipeline;
    job.pipeline.keepLogits = true;
    job.pipeline.fixedBatchShape = true;
    job.extraColumns = evaluationColumns();
    auto lookup = std::make_shared<FolderLookup>(state->mapping.folders);
    const std::vector<std::string> labels = (*classifier)->labels();
    job.extraCells = [lookup, labels](const BatchRow& row) {
        const ClassFolder* folder = lookup->find(row.path);
        static const ClassFolder none;
        return evaluationCells(evaluationRecord(row, folder ? *folder : none, labels));
    };
    auto batch = BatchJob::prepare(std::move(job), std::move(*classifier), warn);
    if (!batch)
        return batch.error();
    state->batch.emplace(std::move(*batch));
    state->options = std::move(options);
    return EvaluationJob(std::move(state));
}

const ClassMapping& EvaluationJob::mapping() const
{
    return m_state->mapping;
}

const BatchJob& EvaluationJob::batch() const
{
    return *m_state->batch;
}

const EvaluationOptions& EvaluationJob::options() const
{
    return m_state->options;
}

Result<EvaluationOutcome> EvaluationJob::run(const BatchProgressCallback& progress,
                                             const std::atomic<bool>* cancel)
{
    auto summary = m_state->batch->run(progress, cancel);
    if (!summary)
        return summary.error();
    // The report is built from the file as it reads back, as a merge of shards reads it.
    auto file = readPredictions(m_state->options.predictions);
    if (!file)
        return file.error();
    EvaluationOutcome outcome;
    outcome.summary = *summary;
    outcome.report = buildReport(std::move(file->records), file->run, m_state->options.pipeline.topk);
    return outcome;
}

} // namespace lens
