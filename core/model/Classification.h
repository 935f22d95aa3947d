#pragma once

// A model's answer for one image, as plain data: ranked classes with softmax probabilities, and the raw
// logits. LibTorch-free, so writers and reports use it anywhere.

#include <string>
#include <vector>

namespace lens {

struct ClassScore {
    int rank = 0; ///< 1 = most likely
    int index = 0; ///< class index
    std::string label;
    float probability = 0; ///< softmax over all classes
    float logit = 0;
};

struct Classification {
    std::vector<ClassScore> top; ///< best first
    std::vector<float> logits; ///< all classes
};

/// The k best classes of logits, with softmax probabilities (computed in double). Ties keep the lower class
/// index first.
std::vector<ClassScore> topK(const std::vector<float>& logits, int k, const std::vector<std::string>& labels);

} // namespace lens
