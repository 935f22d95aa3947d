#include "inference/Classifier.h"

#include "checkpoint/Checkpoint.h"
#if LENS_ONEDNN
#include "inference/FusedResNet.h"
#endif
#include "inference/ModuleRuntime.h"
#include "inference/Threads.h"
#include "labels/Labels.h"
#include "model/Architecture.h"
#include "tensor/Cast.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

namespace lens {

std::string Classifier::bf16Unavailable()
{
#if LENS_ONEDNN
    return FusedResNet::bf16Support();
#elif defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512bf16"))
        return {};
    return "bf16 inference needs a CPU with AVX512_BF16 (or AMX) instructions, which this one lacks; use "
           "--precision fp32";
#else
    return {};
#endif
}

struct Classifier::Impl {
    ResNetSpec spec;
    std::string device = "cpu";
    Precision precision = Precision::Fp32;
    std::vector<std::string> labels;
    std::vector<std::string> checkpointLabels;
    std::vector<std::string> fixes;
    std::vector<std::string> warnings;
    LoadReport report;
    /// fc.weight, classes x features, kept for activation maps (the fast path folds its own copy).
    std::vector<float> fcWeight;
    int fcInputs = 0;
    std::string weightsKey;
    std::vector<std::string> otherWeightSets;
    std::unique_ptr<ModuleModel> modules; ///< LibTorch's modules, when the fast path does not run
#if LENS_ONEDNN
    std::optional<FusedResNet> fused; ///< the CPU fast path
#endif

    /// The logits of a batch by whichever path is in use; with features, also the last stage's output.
    Result<std::vector<float>> forward(const float* chw, int batch, int size, std::vector<float>* features,
                                       std::array<int, 3>* featureShape)
    {
#if LENS_ONEDNN
        if (fused) {
            try {
                FusedResNet::Output out = fused->forward(chw, batch, size, size, features != nullptr);
                if (features) {
                    *features = std::move(out.features);
                    *featureShape = out.featureShape;
                }
                return std::move(out.logits);
            } catch (const std::exception& e) {
                return Error {std::string("inference failed: ") + e.what()};
            }
        }
#endif
        return modules->forward(chw, batch, size, features, featureShape);
    }
};

Classifier::Classifier(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{ }

Classifier::~Classifier() = default;

Result<std::unique_ptr<Classifier>> Classifier::create(const ClassifierOptions& options)
{
    ReadOptions read;
    read.allowUnsafeObjects = options.allowUnsafeObjects;
    read.weightsKey = options.weightsKey;
    auto checkpoint = readCheckpoint(options.weights, read);
    if (!checkpoint)
        return checkpoint.error();
    return create(options, std::move(*checkpoint));
}

Result<std::unique_ptr<Classifier>> Classifier::create(const ClassifierOptions& options,
                                                       Checkpoint checkpointValue)
{
    Checkpoint* checkpoint = &checkpointValue;
    const ShapeList shapes = keyShapes(checkpoint->tensors);
    std::vector<std::string> fixes = checkpoint->fixes;
    auto spec = resolveArchitecture(shapes, options.arch, fixes);
    if (!spec)
        return Error {options.weights + ": " + spec.message(), ErrorKind::Unsupported, options.weights};

    setInferenceThreads(options.threads);
    if (const ModuleRuntime* runtime = loadedModuleRuntime())
        runtime->setThreads(inferenceThreads());

    // Only the CPU runs without LibTorch; any other device name is LibTorch's to check.
    const bool cpu = options.device == "cpu";
    if (!cpu) {
        auto runtime = moduleRuntime();
        if (!runtime)
            return Error {"device '" + options.device + "' needs LibTorch: " + runtime.message(),
                          ErrorKind::Device, options.device};
        (*runtime)->setThreads(inferenceThreads());
        if (auto usable = (*runtime)->checkDevice(options.device); !usable)
            return usable.error();
    }
    if (options.precision == Precision::Bf16 && cpu) {
        if (const std::string missing = bf16Unavailable(); !missing.empty())
            return Error {missing, ErrorKind::Unsupported, "bf16"};
    }

    auto impl = std::make_unique<Impl>();
    impl->fixes = fixes;
    impl->warnings = checkpoint->warnings;
    impl->weightsKey = checkpoint->weightsKey;
    impl->otherWeightSets = checkpoint->otherWeightSets;
    impl->spec = *spec;
    impl->precision = options.precision;
    impl->device = options.device;
    bool folded = false;
#if LENS_ONEDNN
    const bool fast = options.fast && cpu && FusedResNet::supports(*spec);
    if (fast) {
        // The fast path folds the checkpoint's own tensors, without LibTorch. A partial load with weights
        // missing goes through the modules, whose initial values fill the gaps.
        LoadReport report = matchStateDict(expectedShapes(*spec), shapes);
        if (options.loadMode == LoadMode::Strict && !report.complete())
            return strictMismatchError(report, options.weights);
        if (report.missing.empty() && report.mismatched.empty()) {
            std::map<std::string, TensorData> state;
            for (const auto& [name, tensor] : checkpoint->tensors)
                state.emplace(name, tensor);
            try {
                impl->fused.emplace(*spec, state, options.precision);
            } catch (const std::exception& e) {
                return Error {options.weights + ": " + e.what(), ErrorKind::Failed, options.weights};
            }
            const TensorData& fc = state.at("fc.weight");
            impl->fcInputs = static_cast<int>(fc.shape.at(1));
            impl->fcWeight.resize(static_cast<std::size_t>(fc.numel()));
            copyElements(fc, DType::Float32, reinterpret_cast<std::uint8_t*>(impl->fcWeight.data()));
            impl->report = std::move(report);
            checkpoint->tensors.clear();
            folded = true;
        }
    }
#else
    const bool fast = false;
#endif
    if (!folded) {
        auto runtime = moduleRuntime();
        if (!runtime)
            return runtime.error();
        (*runtime)->setThreads(inferenceThreads());
        ModuleOptions load;
        load.device = options.device;
        load.loadMode = options.loadMode;
        load.precision = options.precision;
        load.sourceName = options.weights;
        load.forFolding = fast;
        auto loaded = (*runtime)->load(*spec, checkpoint->tensors, load);
        if (!loaded)
            return loaded.error();
        checkpoint->tensors.clear(); // the modules have their own copy
        impl->report = std::move(loaded->report);
        impl->fcWeight = std::move(loaded->fcWeight);
        impl->fcInputs = loaded->fcInputs;
#if LENS_ONEDNN
        if (fast) {
            try {
                impl->fused.emplace(*spec, loaded->state, options.precision);
            } catch (const std::exception& e) {
                return Error {options.weights + ": " + e.what(), ErrorKind::Failed, options.weights};
            }
        }
#endif
        if (!fast) {
            impl->modules = std::move(loaded->model);
            impl->device = impl->modules->deviceName();
        }
    }
    if (const std::string converted = describeConversion(shapes, impl->report); !converted.empty())
        impl->fixes.push_back(converted);

    impl->labels = chooseLabels(options.labels, checkpoint->labels, spec->numClasses).names;
    if (static_cast<int>(checkpoint->labels.size()) == spec->numClasses)
        impl->checkpointLabels = checkpoint->labels;
    if (static_cast<int>(impl->labels.size()) != spec->numClasses)
        return Error {"the label list has " + std::to_string(impl->labels.size())
                          + " names but the model has " + std::to_string(spec->numClasses) + " classes",
                      ErrorKind::Usage};
    return std::unique_ptr<Classifier>(new Classifier(std::move(impl)));
}

Result<std::vector<float>> Classifier::logits(const float* chw, int batch, int size) const
{
    return m_impl->forward(chw, batch, size, nullptr, nullptr);
}

Result<std::vector<Classification>> Classifier::classify(const float* chw, int batch, int size, int topk,
                                                         bool keepLastStage) const
{
    std::vector<Classification> results(batch);
    std::vector<float> features;
    std::array<int, 3> shape {};
    auto all = m_impl->forward(chw, batch, size, keepLastStage ? &features : nullptr, &shape);
    if (!all)
        return all.error();
    const std::size_t classes = all->size() / static_cast<std::size_t>(batch);
    const std::size_t per = features.size() / static_cast<std::size_t>(batch);
    for (int i = 0; i < batch; ++i) {
        const auto row = all->begin() + static_cast<std::ptrdiff_t>(i * classes);
        results[i].logits.assign(row, row + static_cast<std::ptrdiff_t>(classes));
        results[i].top = topK(results[i].logits, topk, m_impl->labels);
        if (keepLastStage) {
            FeatureMaps& stage = results[i].lastStage;
            stage.channels = shape[0];
            stage.height = shape[1];
            stage.width = shape[2];
            const float* first = features.data() + per * std::size_t(i);
            stage.values.assign(first, first + per);
        }
    }
    return results;
}

Result<ActivationMap> Classifier::activationMap(const FeatureMaps& lastStage, int classIndex) const
{
    const int classes
        = m_impl->fcInputs > 0 ? static_cast<int>(m_impl->fcWeight.size()) / m_impl->fcInputs : 0;
    if (classIndex < 0 || classIndex >= classes)
        return Error {"class " + std::to_string(classIndex) + " is not one of the model's "
                          + std::to_string(classes) + " classes (0.." + std::to_string(classes - 1) + ")",
                      ErrorKind::Usage};
    if (lastStage.channels != m_impl->fcInputs
        || lastStage.values.size()
            != std::size_t(lastStage.channels) * std::size_t(lastStage.height) * std::size_t(lastStage.width))
        return Error {"the last stage's output does not fit the model's classifier", ErrorKind::Internal};
    return classActivationMap(lastStage, m_impl->fcWeight.data() + std::size_t(classIndex) * m_impl->fcInputs,
                              classIndex);
}

void Classifier::prepare(int batch, int size) const
{
#if LENS_ONEDNN
    // Only an optimisation: if oneDNN cannot build the primitives now, inference builds them and reports
    // the error then.
    try {
        if (m_impl->fused)
            m_impl->fused->prepare(batch, size, size);
    } catch (const std::exception&) { }
#endif
}

const ResNetSpec& Classifier::architecture() const
{
    return m_impl->spec;
}
const std::vector<std::string>& Classifier::labels() const
{
    return m_impl->labels;
}
const std::vector<std::string>& Classifier::checkpointLabels() const
{
    return m_impl->checkpointLabels;
}
std::string Classifier::deviceName() const
{
    return m_impl->device;
}
std::string Classifier::engineName() const
{
#if LENS_ONEDNN
    if (m_impl->fused)
        return m_impl->fused->description();
#endif
    return m_impl->precision == Precision::Bf16 ? "plain, bf16" : "plain";
}
Precision Classifier::precision() const
{
    return m_impl->precision;
}
const std::vector<std::string>& Classifier::fixes() const
{
    return m_impl->fixes;
}
const std::vector<std::string>& Classifier::warnings() const
{
    return m_impl->warnings;
}
const LoadReport& Classifier::loadReport() const
{
    return m_impl->report;
}

const std::string& Classifier::weightsKey() const
{
    return m_impl->weightsKey;
}

const std::vector<std::string>& Classifier::otherWeightSets() const
{
    return m_impl->otherWeightSets;
}

} // namespace lens
