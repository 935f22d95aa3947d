#pragma once

// The LibTorch side of inference lives in its own shared library, resnet-lens-torch.so, which a process
// loads only when it needs it: a GPU, the plain path (ClassifierOptions::fast off), an architecture the CPU
// fast path does not run, a partial load whose missing weights the modules' initial values fill. Loading
// LibTorch and running its static initialisers takes 0.3 to 0.45 s, which classifying on the CPU fast path
// (oneDNN, inference/FusedResNet.h) then does not pay. This header is the contract between the two sides:
// no LibTorch type crosses it, and no exception does.
//
// Threading: moduleRuntime() may be called from any thread; the library is loaded once. The runtime's
// functions are thread-safe; a ModuleModel is used by one thread at a time.

#include "Result.h"
#include "model/Architecture.h"
#include "model/LoadReport.h"
#include "model/Precision.h"
#include "tensor/TensorData.h"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lens {

/// The library's file name (it lies beside the module or executable that loads it, io/ModuleFiles.h), and
/// the C function it exports, of type TorchRuntimeEntry.
inline constexpr const char* kTorchModuleName = "resnet-lens-torch.so";
inline constexpr const char* kTorchEntrySymbol = "resnet_lens_torch_runtime";

/// A ResNet's LibTorch modules with loaded weights, on a device.
class ModuleModel {
public:
    virtual ~ModuleModel() = default;
    /// The logits of `batch` CHW float32 images of 3 x size x size, back to back: [batch x classes],
    /// row-major, on the CPU. With features, also the last stage's output [batch, C, h, w] (its C, h, w in
    /// featureShape).
    virtual Result<std::vector<float>> forward(const float* chw, int batch, int size,
                                               std::vector<float>* features, std::array<int, 3>* featureShape)
        = 0;
    /// LibTorch's name of the device, e.g. "cpu" or "cuda:0".
    virtual std::string deviceName() const = 0;
};

struct ModuleOptions {
    std::string device = "cpu";
    LoadMode loadMode = LoadMode::Strict;
    /// Bf16: the modules compute in bfloat16.
    Precision precision = Precision::Fp32;
    /// The checkpoint's name, for messages.
    std::string sourceName;
    /// Only the weights are wanted, for the fast path to fold: ModuleLoad::state instead of a model.
    bool forFolding = false;
};

struct ModuleLoad {
    LoadReport report;
    /// The model on its device, ready to run; empty for ModuleOptions::forFolding.
    std::unique_ptr<ModuleModel> model;
    /// For forFolding: every parameter and buffer by name, float32 on the CPU (the checkpoint's values
    /// where it has them, the modules' initial values where a partial load left them missing).
    std::map<std::string, TensorData> state;
    /// fc.weight, classes x features, row-major, for class activation maps.
    std::vector<float> fcWeight;
    int fcInputs = 0;
};

class ModuleRuntime {
public:
    virtual ~ModuleRuntime() = default;
    /// Checks a device name: ErrorKind::Usage for one LibTorch does not know, Device for one that cannot be
    /// used here.
    virtual Result<void> checkDevice(const std::string& device) const = 0;
    /// Builds spec's modules and loads tensors into them by matchStateDict()'s rule (Strict: an incomplete
    /// match is an ErrorKind::Mismatch naming every bad key).
    virtual Result<ModuleLoad> load(const ResNetSpec& spec, const std::vector<NamedTensor>& tensors,
                                    const ModuleOptions& options) const = 0;
    /// LibTorch's intra-op threads (process-wide).
    virtual void setThreads(int threads) const = 0;
    virtual int threads() const = 0;
    /// Whether this LibTorch has CUDA and sees a GPU; why not in words.
    virtual bool cudaAvailable(std::string* reason) const = 0;
    /// LibTorch's version, e.g. "1.13.1".
    virtual std::string version() const = 0;
};

using TorchRuntimeEntry = const ModuleRuntime* (*)();

/// The runtime, loading resnet-lens-torch.so (and with it LibTorch) on the first call; an Error naming the
/// library and what went wrong when it cannot be loaded.
Result<const ModuleRuntime*> moduleRuntime();
/// The runtime if it is loaded already, else nullptr (never loads it).
const ModuleRuntime* loadedModuleRuntime();

} // namespace lens
