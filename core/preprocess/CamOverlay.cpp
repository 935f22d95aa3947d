#include "preprocess/CamOverlay.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace lens {

namespace {

struct NamedColormap {
    const char* name;
    Colormap colormap;
    int opencv;
};

constexpr std::array<NamedColormap, 6> kColormaps {{
    {"viridis", Colormap::Viridis, cv::COLORMAP_VIRIDIS},
    {"inferno", Colormap::Inferno, cv::COLORMAP_INFERNO},
    {"magma", Colormap::Magma, cv::COLORMAP_MAGMA},
    {"plasma", Colormap::Plasma, cv::COLORMAP_PLASMA},
    {"turbo", Colormap::Turbo, cv::COLORMAP_TURBO},
    {"jet", Colormap::Jet, cv::COLORMAP_JET},
}};

/// 256 RGB colours of a colormap, 0 = coldest.
const std::vector<cv::Vec3b>& lookupTable(Colormap colormap)
{
    static const std::array<std::vector<cv::Vec3b>, kColormaps.size()> tables = [] {
        std::array<std::vector<cv::Vec3b>, kColormaps.size()> all;
        cv::Mat ramp(1, 256, CV_8UC1);
        for (int i = 0; i < 256; ++i)
            ramp.at<unsigned char>(0, i) = static_cast<unsigned char>(i);
        for (std::size_t m = 0; m < kColormaps.size(); ++m) {
            cv::Mat bgr;
            cv::applyColorMap(ramp, bgr, kColormaps[m].opencv);
            for (int i = 0; i < 256; ++i) {
                const cv::Vec3b c = bgr.at<cv::Vec3b>(0, i);
                all[m].push_back(cv::Vec3b(c[2], c[1], c[0]));
            }
        }
        return all;
    }();
    for (std::size_t m = 0; m < kColormaps.size(); ++m)
        if (kColormaps[m].colormap == colormap)
            return tables[m];
    return tables[0];
}

} // namespace

std::optional<Colormap> colormapByName(const std::string& name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const NamedColormap& named : kColormaps)
        if (lower == named.name)
            return named.colormap;
    return std::nullopt;
}

std::string colormapNames()
{
    std::string names;
    for (const NamedColormap& named : kColormaps)
        names += (names.empty() ? "" : ", ") + std::string(named.name);
    return names;
}

cv::Vec3b colormapColor(Colormap colormap, float heat)
{
    const int index = static_cast<int>(std::lround(std::clamp(heat, 0.0f, 1.0f) * 255.0f));
    return lookupTable(colormap)[static_cast<std::size_t>(index)];
}

cv::Mat cropHeat(const ActivationMap& map, int crop)
{
    cv::Mat heat(map.height, map.width, CV_32FC1, 0.0f);
    float peak = 0;
    for (float v : map.values)
        peak = std::max(peak, v);
    if (peak > 0 && map.values.size() == std::size_t(map.height) * std::size_t(map.width)) {
        for (int y = 0; y < map.height; ++y)
            for (int x = 0; x < map.width; ++x)
                heat.at<float>(y, x) = std::max(map.values[std::size_t(y) * map.width + x], 0.0f) / peak;
    }
    cv::Mat out;
    cv::resize(heat, out, cv::Size(crop, crop), 0, 0, cv::INTER_LINEAR);
    return out;
}

namespace {

/// Where each pixel of an image of size `out` covering the photo falls in the crop: its centre mapped to
/// the photo, then through the resize (which scales each axis by resized / photo); -1 outside the crop.
struct CropLookup {
    std::vector<int> x, y;
};

CropLookup cropLookup(cv::Size photo, cv::Size out, const PreprocessOptions& preprocess)
{
    const cv::Size resized = resizedSize(photo, preprocess.resizeShort);
    const cv::Rect crop = centerCropRect(resized, preprocess.crop);
    const auto axis = [&](int outLength, int photoLength, int resizedLength, int offset) {
        std::vector<int> to(static_cast<std::size_t>(outLength));
        for (int i = 0; i < outLength; ++i) {
            const double inPhoto = (i + 0.5) * photoLength / outLength;
            const int c = static_cast<int>(std::floor(inPhoto * resizedLength / photoLength)) - offset;
            to[static_cast<std::size_t>(i)] = c >= 0 && c < preprocess.crop ? c : -1;
        }
        return to;
    };
    return {axis(out.width, photo.width, resized.width, crop.x),
            axis(out.height, photo.height, resized.height, crop.y)};
}

} // namespace

cv::Mat renderOverlay(const cv::Mat& rgb, const PreprocessOptions& preprocess, const ActivationMap& map,
                      const OverlayOptions& options)
{
    const cv::Mat layer = renderHeatLayer(rgb.size(), rgb.size(), preprocess, map, options);
    const float alpha = std::clamp(options.alpha, 0.0f, 1.0f);
    cv::Mat out(rgb.size(), CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y) {
        const cv::Vec3b* in = rgb.ptr<cv::Vec3b>(y);
        const cv::Vec4b* over = layer.ptr<cv::Vec4b>(y);
        cv::Vec3b* to = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            // Inside the crop the colour at alpha; outside, the photo dimmed.
            const float a = over[x][3] == 255 ? alpha : over[x][3] / 255.0f;
            for (int c = 0; c < 3; ++c)
                to[x][c] = static_cast<unsigned char>(std::lround((1 - a) * in[x][c] + a * over[x][c]));
        }
    }
    return out;
}

cv::Mat renderHeatLayer(cv::Size photo, cv::Size out, const PreprocessOptions& preprocess,
                        const ActivationMap& map, const OverlayOptions& options)
{
    const CropLookup lookup = cropLookup(photo, out, preprocess);
    const cv::Mat heat = cropHeat(map, preprocess.crop);
    const std::vector<cv::Vec3b>& colours = lookupTable(options.colormap);
    const auto shade
        = static_cast<unsigned char>(std::lround((1 - std::clamp(options.dimOutside, 0.0f, 1.0f)) * 255));
    cv::Mat layer(out, CV_8UC4);
    for (int y = 0; y < out.height; ++y) {
        const int cy = lookup.y[static_cast<std::size_t>(y)];
        cv::Vec4b* to = layer.ptr<cv::Vec4b>(y);
        for (int x = 0; x < out.width; ++x) {
            const int cx = lookup.x[static_cast<std::size_t>(x)];
            if (cy < 0 || cx < 0) {
                to[x] = cv::Vec4b(0, 0, 0, shade);
                continue;
            }
            const cv::Vec3b& colour
                = colours[static_cast<std::size_t>(std::lround(heat.at<float>(cy, cx) * 255.0f))];
            to[x] = cv::Vec4b(colour[0], colour[1], colour[2], 255);
        }
    }
    return layer;
}

} // namespace lens
