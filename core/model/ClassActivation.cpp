#include "model/ClassActivation.h"

#include <cstddef>

namespace lens {

ActivationMap classActivationMap(const FeatureMaps& features, const float* weightRow, int classIndex)
{
    ActivationMap map;
    map.classIndex = classIndex;
    map.height = features.height;
    map.width = features.width;
    const std::size_t cells = std::size_t(features.height) * std::size_t(features.width);
    std::vector<double> sum(cells, 0.0);
    for (int k = 0; k < features.channels; ++k) {
        const float* plane = features.values.data() + std::size_t(k) * cells;
        const double w = weightRow[k];
        for (std::size_t i = 0; i < cells; ++i)
            sum[i] += w * plane[i];
    }
    map.values.assign(sum.begin(), sum.end());
    return map;
}

} // namespace lens
