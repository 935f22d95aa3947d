#pragma once

// Class activation maps: where in the picture a ResNet looked. Its head is a global average pool and one
// linear layer, so for class c the map CAM_c(y, x) = sum_k fc.weight[c, k] * A[k, y, x], with A the last
// stage's output (layer4 after its final ReLU, before pooling: 2048 x 7 x 7 for resnet50 at a 224 crop), is
// exact: its mean over (y, x) plus fc.bias[c] is the logit of c. Grad-CAM gives the same map up to a
// constant factor for this head. No backward pass, no second forward.
//
// LibTorch- and OpenCV-free; plain values, reentrant.

#include <vector>

namespace lens {

/// The last stage's output for one image: channels x height x width floats, row-major.
struct FeatureMaps {
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<float> values;
};

/// One class's map over the last stage's grid: height x width floats, row-major, raw (signed, not scaled).
struct ActivationMap {
    int classIndex = -1;
    int height = 0;
    int width = 0;
    std::vector<float> values;
};

/// CAM for the class whose fc weights (features.channels floats) are weightRow. Accumulates in double.
ActivationMap classActivationMap(const FeatureMaps& features, const float* weightRow, int classIndex);

} // namespace lens
