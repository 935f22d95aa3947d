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
    return Error {"unknown preprocessing preset \"" + name + "\" (expected v1 or v2)"};
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

} // namespace

PreprocessedImage preprocess(const cv::Mat& rgb, const PreprocessOptions& options)
{
    checkInput(rgb, options);
    PreprocessedImage result;
    const cv::Size target = resizedSize(rgb.size(), options.resizeShort);
    result.resized = target == rgb.size() ? rgb : pilResizeBilinear(rgb, target);
    result.cropRect = centerCropRect(result.resized.size(), options.crop);
    const cv::Rect inside = result.cropRect & cv::Rect(cv::Point(0, 0), result.resized.size());
    if (inside == result.cropRect) {
        result.cropped = result.resized(result.cropRect).clone();
    } else {
        result.cropped = cv::Mat::zeros(options.crop, options.crop, CV_8UC3);
        result.resized(inside).copyTo(result.cropped(inside - result.cropRect.tl()));
    }
    result.chw.resize(static_cast<size_t>(3) * options.crop * options.crop);
    normalizeToChw(result.cropped, options.mean, options.std, result.chw.data());
    return result;
}

std::vector<float> modelInput(const cv::Mat& rgb, const PreprocessOptions& options)
{
    checkInput(rgb, options);
    const cv::Size target = resizedSize(rgb.size(), options.resizeShort);
    const cv::Rect crop = centerCropRect(target, options.crop);
    const cv::Rect inside = crop & cv::Rect(cv::Point(0, 0), target);
    cv::Mat cropped;
    if (inside == crop) {
        cropped = pilResizeBilinear(rgb, target, crop);
    } else {
        cropped = cv::Mat::zeros(options.crop, options.crop, CV_8UC3);
        if (!inside.empty())
            pilResizeBilinear(rgb, target, inside).copyTo(cropped(inside - crop.tl()));
    }
    std::vector<float> chw(static_cast<size_t>(3) * options.crop * options.crop);
    normalizeToChw(cropped, options.mean, options.std, chw.data());
    return chw;
}

} // namespace lens
