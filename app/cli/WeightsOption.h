#pragma once

// --weights and --preset, shared by the commands that run a model.

#include "Result.h"
#include "cli/Args.h"
#include "inference/Classifier.h"
#include "preprocess/CamOverlay.h"
#include "preprocess/Preprocess.h"

#include <memory>
#include <string>
#include <vector>

namespace lens::cli {

struct ResolvedWeights {
    std::string path; ///< checkpoint file
    std::string presetName; ///< "v1" or "v2"
    PreprocessOptions preset;
};

/// --weights FILE or a catalog NAME (resnet50.v2, which must be in the torch.hub cache), else the default
/// weights found in that cache; --preset, else the weights' own preset when known (v2 for torchvision's V2
/// weights), else v1. A bad --preset or an unknown name is a Usage error.
Result<ResolvedWeights> resolveWeights(const Args& args);

/// --precision fp32|bf16 (default fp32, the exact mode); another value is a Usage error. Every command that
/// runs a model takes it.
Result<Precision> precisionOption(const Args& args);

/// The model a command runs: resolveWeights, then the classifier from --weights-key, --arch, --device,
/// --precision, --labels and --ignore-unsafe-objects, with the runtime's and the checkpoint's warnings
/// printed (and its fixes and other weight sets, unless quiet). End on its error with failWeights().
struct LoadedModel {
    ResolvedWeights weights;
    std::unique_ptr<Classifier> classifier;
};
Result<LoadedModel> loadModel(const Args& args, bool quiet);

/// --colormap NAME and --alpha A (0..1) for maps drawn over photos; a bad value is a Usage error.
Result<OverlayOptions> overlayOptions(const Args& args);

/// --cam-dir DIR (created when missing) with the overlay options: where classify and batch save maps;
/// folder is empty when none was asked for.
struct CamDirOption {
    std::string folder;
    OverlayOptions overlay;
};
Result<CamDirOption> camDirOption(const Args& args);
/// The note a command prints when the file holds weight sets besides the one it uses; empty when not.
std::string otherWeightSetsNote(const std::vector<std::string>& others);

/// --fast-decode: JPEGs are decoded at reduced scale down to twice the resize target, so the antialiased
/// resize still downscales at least 2x.
inline int fastDecodeShortSide(const PreprocessOptions& preset)
{
    return 2 * preset.resizeShort;
}

} // namespace lens::cli
