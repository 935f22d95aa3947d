#pragma once

// The model's input exactly as torchvision builds it from a PIL image:
// Resize(S) -> CenterCrop(C) -> ToTensor -> Normalize(mean, std). Every stage is kept as an image so the UI
// can preview it. Pure functions; thread-safe.

#include "Result.h"

#include <array>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace lens {

/// Preprocessing parameters. v1 = torchvision's IMAGENET1K_V1 transforms (resize 256), v2 = IMAGENET1K_V2
/// (resize 232).
struct PreprocessOptions {
    int resizeShort = 256; ///< short side after resize
    int crop = 224; ///< centre crop size (square)
    std::array<float, 3> mean {0.485f, 0.456f, 0.406f}; ///< per RGB channel, on the 0..1 scale
    std::array<float, 3> std {0.229f, 0.224f, 0.225f}; ///< per RGB channel, on the 0..1 scale

    static PreprocessOptions v1();
    static PreprocessOptions v2();
};

/// Parses "v1"/"v2" (case-insensitive); the error names the bad value.
Result<PreprocessOptions> presetByName(const std::string& name);

/// Size after torchvision's Resize(shortSide): the short side becomes shortSide, the long side
/// int(shortSide * long / short) computed in double and truncated. A square image stays square.
cv::Size resizedSize(cv::Size in, int shortSide);

/// The crop x crop region torchvision's CenterCrop takes from an image of size in, in that image's
/// coordinates: offset round-half-even((size - crop) / 2) per axis; where the image is smaller than crop,
/// torchvision first pads (crop - size) / 2 (floor) zeros before it, so the offset is negative and the
/// region extends past the image.
cv::Rect centerCropRect(cv::Size in, int crop);

struct PreprocessedImage {
    cv::Mat resized; ///< RGB uint8 after Resize (shares data with the input if no resize was needed)
    cv::Mat cropped; ///< RGB uint8 crop x crop, its own buffer; zeros where cropRect leaves `resized`
    cv::Rect cropRect; ///< crop region in `resized` coordinates
    std::vector<float> chw; ///< 3 x crop x crop float32, RGB planes, normalised: (v / 255.f - mean) / std
};

/// Runs the whole pipeline on an RGB uint8 image (CV_8UC3, as decodeImage returns). Throws
/// std::invalid_argument for another image type or non-positive sizes in options.
PreprocessedImage preprocess(const cv::Mat& rgb, const PreprocessOptions& options);

/// Only the model's input: the same values as preprocess(rgb, options).chw, computing just the pixels the
/// crop keeps. Same exceptions as preprocess.
std::vector<float> modelInput(const cv::Mat& rgb, const PreprocessOptions& options);

/// Writes the normalised CHW float32 tensor of an RGB uint8 image into out (3*h*w floats): plane c holds
/// (v / 255.f - mean[c]) / std[c] in float32, the operations and rounding of ToTensor + Normalize.
void normalizeToChw(const cv::Mat& rgb, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                    float* out);

} // namespace lens
