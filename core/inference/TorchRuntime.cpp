#include "inference/TorchRuntime.h"

#include "inference/ResNet.h"
#include "inference/StateDictLoader.h"
#include "inference/TorchTensor.h"

#include <ATen/Context.h>
#include <optional>
#include <torch/torch.h>
#include <torch/version.h>

namespace lens {

namespace {

std::vector<float> floats(const torch::Tensor& tensor)
{
    const torch::Tensor values = tensor.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
}

/// A float32 CPU tensor as TensorData, over a copy of its values.
TensorData plainCopy(const torch::Tensor& tensor)
{
    auto values = std::make_shared<std::vector<float>>(floats(tensor));
    auto bytes = std::make_shared<StorageBytes>();
    bytes->data = reinterpret_cast<const std::uint8_t*>(values->data());
    bytes->size = values->size() * sizeof(float);
    bytes->owner = values;
    TensorData out;
    out.dtype = DType::Float32;
    out.shape = tensor.sizes().vec();
    std::int64_t stride = 1;
    out.strides.assign(out.shape.size(), 1);
    for (std::size_t i = out.shape.size(); i-- > 0;) {
        out.strides[i] = stride;
        stride *= out.shape[i];
    }
    out.storage = std::move(bytes);
    return out;
}

class TorchModel final : public ModuleModel {
public:
    TorchModel(ResNet model, torch::Device device, torch::ScalarType dtype)
        : m_model(std::move(model))
        , m_device(device)
        , m_dtype(dtype)
    { }

    Result<std::vector<float>> forward(const float* chw, int batch, int size, std::vector<float>* features,
                                       std::array<int, 3>* featureShape) override
    {
        try {
            c10::InferenceMode inferenceMode;
            const torch::Tensor input
                = torch::from_blob(const_cast<float*>(chw), {batch, 3, size, size}, torch::kFloat32)
                      .to(m_device, m_dtype);
            if (!features)
                return floats(m_model->forward(input));
            auto [maps, logits] = m_model->forwardWithFeatures(input);
            *features = floats(maps);
            *featureShape = {static_cast<int>(maps.size(1)), static_cast<int>(maps.size(2)),
                             static_cast<int>(maps.size(3))};
            return floats(logits);
        } catch (const c10::Error& e) {
            return Error {std::string("inference failed: ") + e.what_without_backtrace()};
        } catch (const std::exception& e) {
            return Error {std::string("inference failed: ") + e.what()};
        }
    }

    std::string deviceName() const override { return m_device.str(); }

private:
    ResNet m_model;
    torch::Device m_device;
    torch::ScalarType m_dtype;
};

Result<torch::Device> parseDevice(const std::string& name)
{
    try {
        return torch::Device(name);
    } catch (const c10::Error&) {
        return Error {"unknown device '" + name + "' (expected cpu, cuda or cuda:N)", ErrorKind::Usage, name};
    }
}

class TorchRuntime final : public ModuleRuntime {
public:
    Result<void> checkDevice(const std::string& name) const override
    {
        auto device = parseDevice(name);
        if (!device)
            return device.error();
        if (device->is_cuda() && !torch::cuda::is_available())
            return Error {"device '" + name + "' requested, but "
                              + (torch::cuda::device_count() == 0 ? std::string("no CUDA GPU is available")
                                                                  : std::string("CUDA is not usable")),
                          ErrorKind::Device, name};
        return {};
    }

    Result<ModuleLoad> load(const ResNetSpec& spec, const std::vector<NamedTensor>& tensors,
                            const ModuleOptions& options) const override
    {
        auto device = parseDevice(options.device);
        if (!device)
            return device.error();
        // What fails from here on is the file's content or, on a GPU, the device (a driver error, its
        // memory).
        const ErrorKind failure = device->is_cuda() ? ErrorKind::Device : ErrorKind::Failed;
        try {
            ResNet model(spec);
            auto report = loadStateDict(*model, tensors, options.loadMode, options.sourceName);
            if (!report)
                return report.error();
            model->eval();
            ModuleLoad out;
            out.report = std::move(*report);
            const torch::Tensor fc = model->named_parameters()["fc.weight"].detach();
            out.fcInputs = static_cast<int>(fc.size(1));
            out.fcWeight = floats(fc);
            if (options.forFolding) {
                for (const auto& item : model->named_parameters())
                    out.state.emplace(item.key(), plainCopy(item.value().detach()));
                for (const auto& item : model->named_buffers())
                    out.state.emplace(item.key(), plainCopy(item.value()));
                return out;
            }
            model->to(*device);
            const bool bf16 = options.precision == Precision::Bf16;
            if (bf16)
                model->to(torch::kBFloat16);
            out.model = std::make_unique<TorchModel>(std::move(model), *device,
                                                     bf16 ? torch::kBFloat16 : torch::kFloat32);
            return out;
        } catch (const c10::Error& e) {
            return Error {options.sourceName + ": " + e.what_without_backtrace(), failure,
                          options.sourceName};
        } catch (const std::exception& e) {
            return Error {options.sourceName + ": " + e.what(), failure, options.sourceName};
        }
    }

    void setThreads(int threads) const override
    {
        if (threads > 0 && at::get_num_threads() != threads)
            at::set_num_threads(threads);
    }

    int threads() const override { return at::get_num_threads(); }

    bool cudaAvailable(std::string* reason) const override
    {
        try {
            // torch::cuda::is_available() is false both without CUDA in the build and without a GPU; the
            // CUDA hooks say which.
            if (!at::hasCUDA()) {
                *reason = "this LibTorch " TORCH_VERSION " build has no CUDA support";
                return false;
            }
            const std::size_t count = torch::cuda::device_count();
            if (count == 0 || !torch::cuda::is_available()) {
                *reason = "no CUDA GPU found";
                return false;
            }
            *reason = std::to_string(count) + (count == 1 ? " CUDA GPU" : " CUDA GPUs");
            return true;
        } catch (const std::exception& e) {
            *reason = std::string("CUDA could not be queried: ") + e.what();
            return false;
        }
    }

    std::string version() const override { return TORCH_VERSION; }
};

} // namespace

const ModuleRuntime& torchRuntime()
{
    static const TorchRuntime runtime;
    return runtime;
}

} // namespace lens
