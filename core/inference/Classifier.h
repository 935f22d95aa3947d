#pragma once

// The classifier: a ResNet with loaded weights on a device, turning preprocessed images into ranked
// predictions. This header is free of LibTorch so that the GUI and CLI compile quickly; on the CPU fast path
// LibTorch is not even loaded (inference/ModuleRuntime.h).
//
// Threading: a Classifier is used by one thread at a time (create one per thread). Every call sets up
// its own inference mode, so any thread may be that thread.

#include "Result.h"
#include "checkpoint/Checkpoint.h"
#include "model/Architecture.h"
#include "model/Classification.h"
#include "model/LoadReport.h"
#include "model/Precision.h"

#include <memory>
#include <string>
#include <vector>

namespace lens {

struct ClassifierOptions {
    /// Checkpoint file to load.
    std::string weights;
    /// The weight set inside it, by key path ("model_ema"); empty = the default one (see ReadOptions).
    std::string weightsKey;
    /// Architecture name (see knownArchitectures()); empty = detect it from the checkpoint.
    std::string arch;
    /// "cpu" or "cuda" / "cuda:N".
    std::string device = "cpu";
    /// Strict refuses a checkpoint unless every key matches; Partial loads what matches (see loadReport()).
    LoadMode loadMode = LoadMode::Strict;
    /// On the CPU, fold BatchNorm into the convolutions and run them with prepacked oneDNN weights. The
    /// logits equal the plain path's up to float rounding (tested against torchvision).
    bool fast = true;
    /// Fp32 is the exact mode. Bf16 runs bfloat16 weights and activations with fp32 accumulation (BatchNorm
    /// folded in fp32 first): on the CPU it needs AVX512_BF16 or AMX and is refused (Unsupported, naming the
    /// feature) without; on a GPU the modules run in bfloat16.
    Precision precision = Precision::Fp32;
    /// Threads of a forward pass; 0 = every core, unless OMP_NUM_THREADS says otherwise
    /// (inference/Threads.h). The setting is process-wide.
    int threads = 0;
    /// Class names; empty = names stored in the checkpoint, else ImageNet's for 1000 classes, else "class i".
    std::vector<std::string> labels;
    /// Use the tensors of a checkpoint whose pickle would run code when loaded in Python (nothing in it is
    /// ever run here). Off: such a checkpoint is refused, naming what it would call.
    bool allowUnsafeObjects = false;
};

class Classifier {
public:
    /// Reads the checkpoint, builds the architecture and loads the weights (after the automatic fixes:
    /// unwrapping, prefix removal, dtype conversion), strictly or partially as options say.
    static Result<std::unique_ptr<Classifier>> create(const ClassifierOptions& options);
    /// The same from a checkpoint already read (options.weights names it in messages), so that a caller
    /// that also shows the file's report reads it once.
    static Result<std::unique_ptr<Classifier>> create(const ClassifierOptions& options,
                                                      Checkpoint checkpoint);
    ~Classifier();

    /// Empty when Precision::Bf16 can run on this CPU; else why not, naming the missing CPU feature.
    static std::string bf16Unavailable();

    /// The raw logits of a batch ([batch x numClasses], row-major): one forward pass, nothing else.
    Result<std::vector<float>> logits(const float* chw, int batch, int size) const;

    /// Classifies a batch of preprocessed images: `batch` CHW float32 tensors of 3 x size x size, back to
    /// back. With keepLastStage, each result also holds the last stage's output (for activationMap()),
    /// from the same forward pass.
    Result<std::vector<Classification>> classify(const float* chw, int batch, int size, int topk,
                                                 bool keepLastStage = false) const;

    /// The class activation map of classIndex (0..classes-1) from a result's lastStage
    /// (model/ClassActivation.h).
    Result<ActivationMap> activationMap(const FeatureMaps& lastStage, int classIndex) const;

    /// Gets the engine ready for batches of this shape (on the CPU fast path: builds the oneDNN primitives
    /// and reorders the weights for it), so that the first call of that shape is as fast as the others.
    /// Optional.
    void prepare(int batch, int size) const;

    const ResNetSpec& architecture() const;
    const std::vector<std::string>& labels() const;
    /// The class names stored in the checkpoint (classes, class_to_idx), one per class; empty when it has
    /// none (whatever labels() uses instead).
    const std::vector<std::string>& checkpointLabels() const;
    std::string deviceName() const;
    /// "oneDNN, BatchNorm folded, Winograd 3x3", "oneDNN, BatchNorm folded", "oneDNN, BatchNorm folded,
    /// bf16", "plain" or "plain, bf16": which inference path is in use.
    std::string engineName() const;
    Precision precision() const;
    /// What was done to load the checkpoint ("removed prefix 'module.'", ...).
    const std::vector<std::string>& fixes() const;
    /// What a user should know about the checkpoint (ignored Python objects, allowed unsafe ones, ...).
    const std::vector<std::string>& warnings() const;
    /// Every key of the checkpoint and the model, by status.
    const LoadReport& loadReport() const;
    /// The weight set loaded, by key path ("" when the whole file is the state dict), and the file's other
    /// weight sets, which ClassifierOptions::weightsKey could pick instead.
    const std::string& weightsKey() const;
    const std::vector<std::string>& otherWeightSets() const;

private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace lens
