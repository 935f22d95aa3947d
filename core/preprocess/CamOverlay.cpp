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

cv::Mat renderOverlay(const cv::Mat& rgb, const PreprocessOptions& preprocess, const ActivationMap& map,
                      const OverlayOptions& options)
{
    const cv::Size photo = rgb.size();
    const cv::Size resized = resizedSize(photo, preprocess.resizeShort);
    const cv::Rect crop = centerCropRect(resized, preprocess.crop);
    const cv::Mat heat = cropHeat(map, preprocess.crop);
    const std::vector<cv::Vec3b>& colours = lookupTable(options.colormap);
    const float alpha = std::clamp(options.alpha, 0.0f, 1.0f);
    const float dim = std::clamp(options.dimOutside, 0.0f, 1.0f);
    // Each photo pixel's centre, mapped through the resize (which scales each axis by resized / photo) into
    // the crop's pixels.
    const double sx = double(resized.width) / photo.width;
    const double sy = double(resized.height) / photo.height;
    cv::Mat out(photo, CV_8UC3);
    for (int y = 0; y < photo.height; ++y) {
        const auto cy = static_cast<int>(std::floor((y + 0.5) * sy)) - crop.y;
        const cv::Vec3b* in = rgb.ptr<cv::Vec3b>(y);
        cv::Vec3b* to = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < photo.width; ++x) {
            const auto cx = static_cast<int>(std::floor((x + 0.5) * sx)) - crop.x;
            if (cy < 0 || cx < 0 || cy >= preprocess.crop || cx >= preprocess.crop) {
                for (int c = 0; c < 3; ++c)
                    to[x][c] = static_cast<unsigned char>(std::lround(in[x][c] * dim));
                continue;
            }
            const float h = heat.at<float>(cy, cx);
            const cv::Vec3b colour = colours[static_cast<std::size_t>(std::lround(h * 255.0f))];
            for (int c = 0; c < 3; ++c)
                to[x][c]
                    = static_cast<unsigned char>(std::lround((1 - alpha) * in[x][c] + alpha * colour[c]));
        }
    }
    return out;
}

} // namespace lens
