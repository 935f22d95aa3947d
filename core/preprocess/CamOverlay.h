#pragma once

// A class activation map drawn over the photo it explains: the map with negatives cut to zero, scaled to
// [0, 1] by its maximum, bilinearly upsampled to the centre crop, placed where the crop lies in the photo
// (back through the crop and the resize), colour-mapped and blended; outside the crop the photo is shown
// dimmed. Drawn in the frame the model saw (the decoded image, EXIF ignored): turn the result upright with
// orientForDisplay() as the photo is.
//
// Threading: reentrant.

#include "model/ClassActivation.h"
#include "preprocess/Preprocess.h"

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lens {

enum class Colormap { Viridis, Inferno, Magma, Plasma, Turbo, Jet };

/// "viridis", "inferno", "magma", "plasma", "turbo", "jet" (any case); nothing for another name.
std::optional<Colormap> colormapByName(const std::string& name);
/// The names colormapByName takes, comma-separated.
std::string colormapNames();

struct OverlayOptions {
    Colormap colormap = Colormap::Viridis; ///< perceptually uniform
    float alpha = 0.5f; ///< weight of the colour over the photo, 0..1
    float dimOutside = 0.5f; ///< brightness kept outside the crop
};

/// The map as an image of the crop: map -> max(map, 0) / max, bilinear to crop x crop (pixel centres aligned,
/// as OpenCV's and PIL's resizes align them), values 0..1 (all 0 when the map has no positive value).
cv::Mat cropHeat(const ActivationMap& map, int crop);

/// The overlay on an RGB uint8 photo (as decodeImage returns it for the model) that options preprocessed.
/// Returns RGB uint8 of the photo's size.
cv::Mat renderOverlay(const cv::Mat& rgb, const PreprocessOptions& preprocess, const ActivationMap& map,
                      const OverlayOptions& options = {});

/// The map alone as a layer to draw over the photo, at any size (a display's): RGBA uint8 of size `out`
/// covering the whole photo (photo is the decoded image's size, in the model's frame). Inside the crop, the
/// colour of the heat, opaque; outside it, black with alpha (1 - dimOutside) * 255, which dims the photo.
cv::Mat renderHeatLayer(cv::Size photo, cv::Size out, const PreprocessOptions& preprocess,
                        const ActivationMap& map, const OverlayOptions& options = {});

/// The colour of heat 0..1 in a colormap (RGB), for legends.
cv::Vec3b colormapColor(Colormap colormap, float heat);

} // namespace lens
