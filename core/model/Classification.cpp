#include "model/Classification.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lens {

std::vector<ClassScore> topK(const std::vector<float>& logits, int k, const std::vector<std::string>& labels)
{
    const int n = static_cast<int>(logits.size());
    k = std::clamp(k, 0, n);
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });

    // Softmax in double, shifted by the maximum for stability.
    const double maxLogit = n ? *std::max_element(logits.begin(), logits.end()) : 0.0;
    double sum = 0;
    for (float v : logits)
        sum += std::exp(static_cast<double>(v) - maxLogit);

    std::vector<ClassScore> top;
    for (int r = 0; r < k; ++r) {
        const int index = order[r];
        ClassScore score;
        score.rank = r + 1;
        score.index = index;
        score.label
            = index < static_cast<int>(labels.size()) ? labels[index] : "class " + std::to_string(index);
        score.logit = logits[index];
        score.probability = static_cast<float>(std::exp(static_cast<double>(logits[index]) - maxLogit) / sum);
        top.push_back(score);
    }
    return top;
}

} // namespace lens
