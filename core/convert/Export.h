#pragma once

// Exporting a checkpoint's weights as a clean state dict: the chosen weight set with torchvision's key
// names (wrappers dropped, prefixes removed), optionally cast to float32, float16 or bfloat16, written as
// safetensors (OUT.safetensors, with metadata: format "pt", the architecture and class count when the
// weights load strictly into one, the class names when the checkpoint stores them) or in torch.save's zip
// format (OUT.pth, .pt, .bin: a plain state dict, no metadata), so that Python loads it with
// torch.load(OUT, weights_only=True) and torchvision.models.<arch>(num_classes=N).load_state_dict(sd).
// LibTorch-free.
//
// The output is written to a temporary file in its folder and renamed into place when complete; it must be
// a regular file or not exist (a symbolic link is followed), and never the input itself (also through a
// link or a hard link).
//
// Threading: reentrant; progress is called on the calling thread.

#include "Result.h"
#include "checkpoint/Checkpoint.h"
#include "convert/Writers.h"
#include "model/Architecture.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lens {

enum class ExportFormat { SafeTensors, TorchZip };

const char* exportFormatName(ExportFormat format); ///< "safetensors", "torch.save zip"

/// The format an output's name asks for: .safetensors, or .pth / .pt / .bin (case-insensitive). Anything
/// else is a usage error that names both.
Result<ExportFormat> exportFormatFor(const std::string& output);

/// The dtype a --dtype value names: float32, float16 or bfloat16 (also fp32, fp16, half, bf16).
Result<DType> exportDtypeFor(const std::string& name);

struct ExportOptions {
    /// Checkpoint to read (any format readCheckpoint() reads).
    std::string input;
    /// File to write; its name decides the format (exportFormatFor()).
    std::string output;
    /// The weight set to export, by key path; empty = the default one.
    std::string weightsKey;
    /// Architecture to check the weights against; empty = detect it.
    std::string arch;
    /// Cast every floating-point tensor to this type; nullopt keeps each tensor's own type. Integer and
    /// bool tensors (num_batches_tracked) keep theirs either way.
    std::optional<DType> dtype;
    /// Export from a file whose pickle would run code in Python (nothing in it is run either way).
    bool allowUnsafeObjects = false;
};

struct ExportResult {
    std::string output; ///< the file written (after following a symbolic link)
    ExportFormat format = ExportFormat::SafeTensors;
    std::size_t tensors = 0;
    std::uint64_t bytes = 0; ///< size of the file written
    std::string weightsKey; ///< the weight set exported
    bool architectureFound = false;
    ResNetSpec architecture; ///< when found
    /// The weights load strictly into `architecture` (then Python's strict load_state_dict accepts them).
    bool loadsStrictly = false;
    std::string problem; ///< why they do not, when an architecture was found or detection failed
    std::vector<std::string> fixes; ///< what was done to the weights (unwrapping, prefixes, casts)
    std::vector<std::string> warnings;
};

/// Reads options.input and writes the export.
Result<ExportResult> exportWeights(const ExportOptions& options, const WriteProgress& progress = {});

/// The same from a checkpoint already read (options.input and weightsKey are then only names for messages
/// and the same-file check).
Result<ExportResult> exportCheckpoint(const Checkpoint& checkpoint, const ExportOptions& options,
                                      const WriteProgress& progress = {});

} // namespace lens
