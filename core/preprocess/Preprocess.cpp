#include "preprocess/Preprocess.h"

#include "preprocess/PilResize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace lens {

PreprocessOptions PreprocessOptions::v1()
{
    PreprocessOptions options;
    options.resizeShort = 256;
    return options;
}

PreprocessOptions PreprocessOptions::v2()
{
    PreprocessOptions options;
    options.resizeShort = 232;
    return options;
}

Result<PreprocessOptions> presetByName(const std::string& name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "v1")
        return PreprocessOptions::v1();
    if (lower == "v2")
        return PreprocessOptions::v2();
    return Error {"unknown preprocessing preset \"" + name + "\" (expected v1 or v2)", ErrorKind::Usage,
                  name};
}

cv::Size resizedSize(cv::Size in, int shortSide)
{
    if (in.width <= 0 || in.height <= 0 || shortSide <= 0)
        throw std::invalid_argument("resizedSize: invalid size " + std::to_string(in.width) + "x"
                                    + std::to_string(in.height) + " or short side "
                                    + std::to_string(shortSide));
    const bool wide = in.width > in.height;
    const int shortLen = wide ? in.height : in.width;
    const int longLen = wide ? in.width : in.height;
    const int newLong = static_cast<int>(static_cast<double>(shortSide) * longLen / shortLen);
    return wide ? cv::Size(newLong, shortSide) : cv::Size(shortSide, newLong);
}

namespace {

// torchvision's F.center_crop, one axis: pad (crop - size) // 2 before when too small, else
// int(round((size - crop) / 2.0)) with Python's round-half-to-even.
int cropOffset(int size, int crop)
{
    if (size < crop)
        return -((crop - size) / 2);
    return static_cast<int>(std::nearbyint((size - crop) / 2.0));
}

} // namespace

cv::Rect centerCropRect(cv::Size in, int crop)
{
    return {cropOffset(in.width, crop), cropOffset(in.height, crop), crop, crop};
}

void normalizeToChw(const cv::Mat& rgb, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                    float* out)
{
    if (rgb.type() != CV_8UC3)
        throw std::invalid_argument("normalizeToChw: expected an RGB CV_8UC3 image, got type "
                                    + cv::typeToString(rgb.type()));
    // 256 possible inputs per channel: a table holds exactly the float32 values the formula gives.
    float table[3][256];
    for (int c = 0; c < 3; ++c)
        for (int v = 0; v < 256; ++v)
            table[c][v] = (static_cast<float>(v) / 255.f - mean[c]) / std[c];

    const size_t plane = static_cast<size_t>(rgb.rows) * rgb.cols;
    float* r = out;
    float* g = out + plane;
    float* b = out + 2 * plane;
    for (int y = 0; y < rgb.rows; ++y) {
        const uchar* p = rgb.ptr<uchar>(y);
        for (int x = 0; x < rgb.cols; ++x, p += 3) {
            *r++ = table[0][p[0]];
            *g++ = table[1][p[1]];
            *b++ = table[2][p[2]];
        }
    }
}

namespace {

void checkInput(const cv::Mat& rgb, const PreprocessOptions& options)
{
    if (rgb.type() != CV_8UC3 || rgb.empty())
        throw std::invalid_argument("preprocess: expected a non-empty RGB CV_8UC3 image, got type "
                                    + cv::typeToString(rgb.type()) + " of size " + std::to_string(rgb.cols)
                                    + "x" + std::to_string(rgb.rows));
    if (options.crop <= 0)
        throw std::invalid_argument("preprocess: invalid crop size " + std::to_string(options.crop));
}

/// torchvision's CenterCrop of an image of this size, given its pixels in a region inside it:
/// pixels(region) is a new image. Zero-padded where the crop extends past the image.
template <typename Pixels> cv::Mat centreCrop(cv::Size size, int crop, const Pixels& pixels)
{
    const cv::Rect rect = centerCropRect(size, crop);
    const cv::Rect inside = rect & cv::Rect(cv::Point(0, 0), size);
    if (inside == rect)
        return pixels(rect);
    cv::Mat out = cv::Mat::zeros(crop, crop, CV_8UC3);
    if (!inside.empty())
        pixels(inside).copyTo(out(inside - rect.tl()));
    return out;
}

std::vector<float> normalized(const cv::Mat& cropped, const PreprocessOptions& options)
{
    std::vector<float> chw(static_cast<size_t>(3) * cropped.rows * cropped.cols);
    normalizeToChw(cropped, options.mean, options.std, chw.data());
    return chw;
}

} // namespace

PreprocessedImage preprocess(const cv::Mat& rgb, const PreprocessOptions& options)
{
    checkInput(rgb, options);
    PreprocessedImage result;
    const cv::Size target = resizedSize(rgb.size(), options.resizeShort);
    result.resized = target == rgb.size() ? rgb : pilResizeBilinear(rgb, target);
    result.cropRect = centerCropRect(result.resized.size(), options.crop);
    result.cropped = centreCrop(result.resized.size(), options.crop,
                                [&](const cv::Rect& region) { return result.resized(region).clone(); });
    result.chw = normalized(result.cropped, options);
    return result;
}

std::vector<float> modelInput(const cv::Mat& rgb, const PreprocessOptions& options)
{
    checkInput(rgb, options);
    const cv::Size target = resizedSize(rgb.size(), options.resizeShort);
    const cv::Mat cropped = centreCrop(
        target, options.crop, [&](const cv::Rect& region) { return pilResizeBilinear(rgb, target, region); });
    return normalized(cropped, options);
}

} // namespace lens
