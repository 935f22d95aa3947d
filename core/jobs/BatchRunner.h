#pragma once

// Labels a list of files: decoding and preprocessing run on worker threads while the model infers
// batches on the calling thread. The queue between them is bounded, so memory stays flat on any number of
// files. Every file gets exactly one row, an error row when it cannot be read.
//
// While it runs, glibc keeps freed memory in the heap instead of unmapping it (mallopt), so that each photo's
// buffers reuse the last one's pages; the memory is handed back at the end.
//
// Threading: runBatch() blocks its caller, which must own the Classifier (one thread at a time); progress
// and the sinks are called on that thread. cancel may be set from any thread.

#include "Result.h"
#include "batch/RowSink.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "preprocess/Preprocess.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace lens {

struct BatchOptions {
    /// Images per forward pass.
    int batchSize = 8;
    /// Classes per row.
    int topk = 5;
    /// Decode/preprocess threads; 0 = one per core (they share the cores with inference, which waits for
    /// them on large photos).
    int decodeThreads = 0;
    PreprocessOptions preprocess;
    /// How files are decoded (e.g. DecodeOptions::reduceToShortSide for the fast JPEG mode).
    DecodeOptions decode;
    /// Fill BatchRow::logits (for sinks that need every class, such as an evaluation).
    bool keepLogits = false;
    /// Fill BatchRow::map with the top-1 class's activation map (for maps saved as images); from the same
    /// forward pass.
    bool keepMaps = false;
    /// Every forward pass has batchSize images: a short last batch is padded with blank ones, and no batch
    /// runs short while decoders lag. An image's logits then do not depend on which images share its batch
    /// (the engine's kernels depend on the batch's size), so the shards of an evaluation, a resumed run and
    /// a whole run give the same bits.
    bool fixedBatchShape = false;
};

struct BatchProgress {
    std::size_t done = 0; ///< rows written in this run
    std::size_t failed = 0; ///< of which error rows
    std::size_t total = 0; ///< files this run has to do
    double seconds = 0; ///< since the run started
};

using BatchProgressCallback = std::function<void(const BatchProgress&)>;

/// Classifies files and hands one row for each to every sink in order (the output's writer first). Returns
/// the final counts; an error only when the run cannot go on (a sink cannot be written). A cancelled run
/// returns what it did.
Result<BatchProgress> runBatch(const Classifier& classifier, const std::vector<std::string>& files,
                               const std::vector<RowSink*>& sinks, const BatchOptions& options,
                               const BatchProgressCallback& progress = {},
                               const std::atomic<bool>* cancel = nullptr);

} // namespace lens
