#include "inference/Classifier.h"

#include "checkpoint/Checkpoint.h"
#if LENS_ONEDNN
#include "inference/FusedResNet.h"
#endif
#include "inference/ResNet.h"
#include "inference/StateDictLoader.h"
#include "inference/TorchTensor.h"
#include "labels/Labels.h"
#include "model/Architecture.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <optional>
#include <thread>
#include <torch/torch.h>

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
    ResNet model {nullptr}; ///< the LibTorch modules; released when the fast path runs instead
    torch::Device device {torch::kCPU};
    Precision precision = Precision::Fp32;
    /// What the LibTorch modules compute in (bfloat16 for Precision::Bf16 off the fast path).
    torch::ScalarType dtype = torch::kFloat32;
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
#if LENS_ONEDNN
    std::optional<FusedResNet> fused; ///< the CPU fast path
#endif

    /// Keeps a copy of fc.weight (classes x features) for activation maps.
    void keepFcWeight(const torch::Tensor& weight)
    {
        const torch::Tensor fc = weight.to(torch::kFloat32).contiguous();
        fcInputs = static_cast<int>(fc.size(1));
        fcWeight.assign(fc.data_ptr<float>(), fc.data_ptr<float>() + fc.numel());
    }

    /// [N, 3, H, W] on the CPU -> logits on the CPU, by whichever path is in use; with features, also the
    /// last stage's output [N, C, h, w] on the CPU.
    torch::Tensor forward(const torch::Tensor& input, torch::Tensor* features = nullptr)
    {
#if LENS_ONEDNN
        if (fused)
            return fused->forward(input, features);
#endif
        if (!features)
            return model->forward(input.to(device, dtype)).to(torch::kCPU, torch::kFloat32);
        auto [maps, logits] = model->forwardWithFeatures(input.to(device, dtype));
        *features = maps.to(torch::kCPU, torch::kFloat32);
        return logits.to(torch::kCPU, torch::kFloat32);
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

    if (options.threads > 0)
        at::set_num_threads(options.threads);
    else if (!std::getenv("OMP_NUM_THREADS")
             && at::get_num_threads() < static_cast<int>(std::thread::hardware_concurrency()))
        at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));

    std::optional<torch::Device> device;
    try {
        device.emplace(options.device);
    } catch (const c10::Error&) {
        return Error {"unknown device '" + options.device + "' (expected cpu, cuda or cuda:N)",
                      ErrorKind::Usage, options.device};
    }
    if (device->is_cuda() && !torch::cuda::is_available())
        return Error {"device '" + options.device + "' requested, but "
                          + (torch::cuda::device_count() == 0 ? std::string("no CUDA GPU is available")
                                                              : std::string("CUDA is not usable")),
                      ErrorKind::Device, options.device};
    // What fails from here on is the file's content or, on a GPU, the device (a driver error, its memory).
    const ErrorKind failure = device->is_cuda() ? ErrorKind::Device : ErrorKind::Failed;
    if (options.precision == Precision::Bf16 && device->is_cpu()) {
        if (const std::string missing = bf16Unavailable(); !missing.empty())
            return Error {missing, ErrorKind::Unsupported, "bf16"};
    }

    auto impl = std::make_unique<Impl>();
    impl->fixes = fixes;
    impl->warnings = checkpoint->warnings;
    impl->weightsKey = checkpoint->weightsKey;
    impl->otherWeightSets = checkpoint->otherWeightSets;
    try {
        impl->device = *device;
        impl->spec = *spec;
        impl->precision = options.precision;
        bool folded = false;
#if LENS_ONEDNN
        const bool fast = options.fast && impl->device.is_cpu() && FusedResNet::supports(*spec);
        if (fast) {
            // The fast path folds the checkpoint's own tensors: building the modules first would cost their
            // random initialisation and a copy of every weight (a quarter of a second for resnet50). A
            // partial load with weights missing goes through the modules, whose initial values fill the gaps.
            LoadReport report = matchStateDict(expectedShapes(*spec), shapes);
            if (options.loadMode == LoadMode::Strict && !report.complete())
                return strictMismatchError(report, options.weights);
            if (report.missing.empty() && report.mismatched.empty()) {
                std::map<std::string, const TensorData*> sources;
                for (const auto& [name, tensor] : checkpoint->tensors)
                    sources.emplace(name, &tensor);
                // float32 as the modules hold them; a float32 tensor stays a view of the checkpoint's bytes.
                std::map<std::string, at::Tensor> state;
                for (const auto& key : report.matched)
                    state.emplace(key, toTorch(*sources.at(key)).to(torch::kFloat32));
                impl->keepFcWeight(state.at("fc.weight"));
                impl->report = std::move(report);
                checkpoint->tensors.clear(); // the views keep what the fast path still needs
                impl->fused.emplace(*spec, std::move(state), options.precision);
                folded = true;
            }
        }
#endif
        if (!folded) {
            impl->model = ResNet(*spec);
            auto report = loadStateDict(*impl->model, checkpoint->tensors, options.loadMode, options.weights);
            if (!report)
                return report.error();
            impl->report = *report;
            checkpoint->tensors.clear(); // the model has its own copy
            impl->model->eval();
            impl->keepFcWeight(impl->model->named_parameters()["fc.weight"].detach());
            impl->model->to(impl->device);
#if LENS_ONEDNN
            if (fast) {
                // The fused copy is all that runs: the modules go, and each tensor is freed once folded.
                std::map<std::string, at::Tensor> state;
                for (const auto& item : impl->model->named_parameters())
                    state.emplace(item.key(), item.value().detach());
                for (const auto& item : impl->model->named_buffers())
                    state.emplace(item.key(), item.value());
                impl->model = ResNet(nullptr);
                impl->fused.emplace(*spec, std::move(state), options.precision);
            }
#endif
        }
        if (const std::string converted = describeConversion(shapes, impl->report); !converted.empty())
            impl->fixes.push_back(converted);
        if (!impl->model.is_empty() && options.precision == Precision::Bf16) {
            // The modules' path (a GPU, or the fast path off): the whole model in bfloat16.
            impl->dtype = torch::kBFloat16;
            impl->model->to(torch::kBFloat16);
        }
    } catch (const c10::Error& e) {
        return Error {options.weights + ": " + e.what_without_backtrace(), failure, options.weights};
    } catch (const std::exception& e) { // oneDNN's errors
        return Error {options.weights + ": " + e.what(), failure, options.weights};
    }

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
    try {
        c10::InferenceMode inferenceMode;
        torch::Tensor input
            = torch::from_blob(const_cast<float*>(chw), {batch, 3, size, size}, torch::kFloat32);
        const torch::Tensor logits = m_impl->forward(input).contiguous();
        return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    } catch (const c10::Error& e) {
        return Error {std::string("inference failed: ") + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        return Error {std::string("inference failed: ") + e.what()};
    }
}

Result<std::vector<Classification>> Classifier::classify(const float* chw, int batch, int size, int topk,
                                                         bool keepLastStage) const
{
    std::vector<Classification> results(batch);
    Result<std::vector<float>> all = std::vector<float> {};
    if (!keepLastStage) {
        all = logits(chw, batch, size);
    } else {
        try {
            c10::InferenceMode inferenceMode;
            torch::Tensor input
                = torch::from_blob(const_cast<float*>(chw), {batch, 3, size, size}, torch::kFloat32);
            torch::Tensor features;
            const torch::Tensor logits = m_impl->forward(input, &features).contiguous();
            all = std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
            features = features.to(torch::kFloat32).contiguous();
            const auto per = static_cast<std::size_t>(features.numel() / batch);
            for (int i = 0; i < batch; ++i) {
                FeatureMaps& stage = results[i].lastStage;
                stage.channels = static_cast<int>(features.size(1));
                stage.height = static_cast<int>(features.size(2));
                stage.width = static_cast<int>(features.size(3));
                const float* first = features.data_ptr<float>() + per * std::size_t(i);
                stage.values.assign(first, first + per);
            }
        } catch (const c10::Error& e) {
            return Error {std::string("inference failed: ") + e.what_without_backtrace()};
        } catch (const std::exception& e) {
            return Error {std::string("inference failed: ") + e.what()};
        }
    }
    if (!all)
        return all.error();
    const std::size_t classes = all->size() / static_cast<std::size_t>(batch);
    for (int i = 0; i < batch; ++i) {
        const auto row = all->begin() + static_cast<std::ptrdiff_t>(i * classes);
        results[i].logits.assign(row, row + static_cast<std::ptrdiff_t>(classes));
        results[i].top = topK(results[i].logits, topk, m_impl->labels);
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
    return m_impl->device.str();
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
