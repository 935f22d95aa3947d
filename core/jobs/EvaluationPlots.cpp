#include "jobs/EvaluationPlots.h"

#include "image/ImageEncoder.h"
#include "io/AtomicFile.h"
#include "io/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace fs = std::filesystem;

namespace lens {

namespace {

struct Colour {
    int r = 0, g = 0, b = 0;
};

/// Pictures are drawn in RGB order, the order the PNG encoder takes.
cv::Scalar scalar(const Colour& c)
{
    return {double(c.r), double(c.g), double(c.b)};
}

const Colour kBlack {0, 0, 0};
const Colour kWhite {255, 255, 255};
const Colour kGrey {150, 150, 150};
const Colour kBar {66, 114, 196};
const Colour kGap {230, 120, 90};

// A picture as a list of shapes in pixel coordinates, drawn the same way as SVG and as a PNG.
struct Shape {
    enum class Kind { Rect, Line, Text } kind = Kind::Rect;
    double x = 0, y = 0, w = 0,
           h = 0; ///< Rect: box; Line: from (x, y) to (x + w, y + h); Text: baseline start
    Colour fill = kWhite; ///< Rect fill, Text colour
    Colour stroke = kBlack; ///< Rect outline (when outline), Line colour
    bool outline = false;
    double width = 1; ///< Line and outline width
    std::string text;
    double size = 12; ///< font size in pixels
    enum class Anchor { Start, Middle, End } anchor = Anchor::Start;
    bool vertical = false; ///< Text read bottom to top
};

struct Picture {
    int width = 0, height = 0;
    std::vector<Shape> shapes;

    void rect(double x, double y, double w, double h, Colour fill, bool outline = false,
              Colour stroke = kBlack)
    {
        Shape s;
        s.kind = Shape::Kind::Rect;
        s.x = x, s.y = y, s.w = w, s.h = h, s.fill = fill, s.outline = outline, s.stroke = stroke;
        shapes.push_back(s);
    }
    void line(double x1, double y1, double x2, double y2, Colour stroke, double width = 1)
    {
        Shape s;
        s.kind = Shape::Kind::Line;
        s.x = x1, s.y = y1, s.w = x2 - x1, s.h = y2 - y1, s.stroke = stroke, s.width = width;
        shapes.push_back(s);
    }
    void text(double x, double y, std::string text, double size, Shape::Anchor anchor = Shape::Anchor::Start,
              Colour colour = kBlack, bool vertical = false)
    {
        Shape s;
        s.kind = Shape::Kind::Text;
        s.x = x, s.y = y, s.text = std::move(text), s.size = size, s.anchor = anchor, s.fill = colour;
        s.vertical = vertical;
        shapes.push_back(s);
    }
};

// Text as valid UTF-8 (a byte that is not becomes U+FFFD), at most `chars` characters.
std::string cleanText(const std::string& text, std::size_t chars = 1000)
{
    std::string out;
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < text.size() && count < chars; ++count) {
        const auto c = decodeUtf8(text, pos);
        if (c && c->codePoint >= 0x20) {
            out.append(text, pos, c->length);
            pos += c->length;
        } else {
            out += "\xEF\xBF\xBD";
            pos += 1;
        }
    }
    if (count == chars && out.size() < text.size())
        out += "\xE2\x80\xA6"; // an ellipsis
    return out;
}

std::string xmlEscape(const std::string& text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

std::string rgb(Colour c)
{
    return "rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")";
}

std::string toSvg(const Picture& picture)
{
    std::string out
        = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
        + std::to_string(picture.width) + "\" height=\"" + std::to_string(picture.height)
        + "\" viewBox=\"0 0 " + std::to_string(picture.width) + " " + std::to_string(picture.height)
        + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
    out += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    for (const Shape& s : picture.shapes) {
        switch (s.kind) {
        case Shape::Kind::Rect:
            out += "<rect x=\"" + number(s.x) + "\" y=\"" + number(s.y) + "\" width=\"" + number(s.w)
                + "\" height=\"" + number(s.h) + "\" fill=\"" + rgb(s.fill) + "\"";
            if (s.outline)
                out += " stroke=\"" + rgb(s.stroke) + "\" stroke-width=\"" + number(s.width) + "\"";
            out += "/>\n";
            break;
        case Shape::Kind::Line:
            out += "<line x1=\"" + number(s.x) + "\" y1=\"" + number(s.y) + "\" x2=\"" + number(s.x + s.w)
                + "\" y2=\"" + number(s.y + s.h) + "\" stroke=\"" + rgb(s.stroke) + "\" stroke-width=\""
                + number(s.width) + "\"/>\n";
            break;
        case Shape::Kind::Text: {
            const char* anchor = s.anchor == Shape::Anchor::Start ? "start"
                : s.anchor == Shape::Anchor::Middle               ? "middle"
                                                                  : "end";
            out += "<text x=\"" + number(s.x) + "\" y=\"" + number(s.y) + "\" font-size=\"" + number(s.size)
                + "\" fill=\"" + rgb(s.fill) + "\" text-anchor=\"" + anchor + "\"";
            if (s.vertical)
                out += " transform=\"rotate(-90 " + number(s.x) + " " + number(s.y) + ")\"";
            out += ">" + xmlEscape(s.text) + "</text>\n";
            break;
        }
        }
    }
    return out + "</svg>\n";
}

// OpenCV's Hershey font draws ASCII only: other characters become '?'.
std::string asciiText(const std::string& text)
{
    std::string out;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto c = decodeUtf8(text, pos);
        const std::size_t length = c ? c->length : 1;
        out += c && c->codePoint < 0x80 ? text[pos] : '?';
        pos += length;
    }
    return out;
}

void drawText(cv::Mat& image, const Shape& s)
{
    const std::string text = asciiText(s.text);
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    // Hershey simplex letters are about 19 px wide at scale 1: this scale gives SVG's widths at its size.
    const double scale = s.size / 30.0;
    const int thickness = 1;
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, font, scale, thickness, &baseline);
    const double shift = s.anchor == Shape::Anchor::Start ? 0
        : s.anchor == Shape::Anchor::Middle               ? size.width / 2.0
                                                          : size.width;
    const cv::Scalar colour = scalar(s.fill);
    if (!s.vertical) {
        cv::putText(image, text, cv::Point(int(std::lround(s.x - shift)), int(std::lround(s.y))), font, scale,
                    colour, thickness, cv::LINE_AA);
        return;
    }
    // Drawn horizontally on a patch, turned a quarter to the left and laid onto the picture.
    cv::Mat patch(size.height + baseline + 2, size.width + 2, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(patch, text, cv::Point(1, size.height + 1), font, scale, colour, thickness, cv::LINE_AA);
    cv::Mat turned;
    cv::rotate(patch, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
    // The baseline start (x, y) ends at the patch's bottom left; after turning, the text goes up from y.
    const int left = int(std::lround(s.x)) - (size.height + 1);
    const int top = int(std::lround(s.y - shift)) - turned.rows;
    const cv::Rect target
        = cv::Rect(left, top, turned.cols, turned.rows) & cv::Rect(0, 0, image.cols, image.rows);
    if (target.area() <= 0)
        return;
    const cv::Rect source(target.x - left, target.y - top, target.width, target.height);
    cv::Mat region = image(target);
    cv::Mat mask;
    cv::inRange(turned(source), cv::Scalar(255, 255, 255), cv::Scalar(255, 255, 255), mask);
    cv::bitwise_not(mask, mask);
    turned(source).copyTo(region, mask);
}

cv::Mat toImage(const Picture& picture)
{
    cv::Mat image(picture.height, picture.width, CV_8UC3, cv::Scalar(255, 255, 255));
    for (const Shape& s : picture.shapes) {
        switch (s.kind) {
        case Shape::Kind::Rect: {
            const cv::Point a(int(std::lround(s.x)), int(std::lround(s.y)));
            const cv::Point b(int(std::lround(s.x + s.w)) - 1, int(std::lround(s.y + s.h)) - 1);
            cv::rectangle(image, a, b, scalar(s.fill), cv::FILLED);
            if (s.outline)
                cv::rectangle(image, a, b, scalar(s.stroke), std::max(1, int(std::lround(s.width))));
            break;
        }
        case Shape::Kind::Line:
            cv::line(image, cv::Point(int(std::lround(s.x)), int(std::lround(s.y))),
                     cv::Point(int(std::lround(s.x + s.w)), int(std::lround(s.y + s.h))), scalar(s.stroke),
                     std::max(1, int(std::lround(s.width))), cv::LINE_AA);
            break;
        case Shape::Kind::Text:
            drawText(image, s);
            break;
        }
    }
    return image;
}

// White for 0 to a deep blue for 1.
Colour shade(double share)
{
    share = std::clamp(share, 0.0, 1.0);
    return {int(std::lround(255 - 247 * share)), int(std::lround(255 - 207 * share)),
            int(std::lround(255 - 148 * share))};
}

Picture confusionPicture(const EvaluationReport& report)
{
    const std::size_t rows = report.classes.size();
    const std::size_t columns = report.predictedClasses.size();
    const std::size_t most = std::max<std::size_t>({rows, columns, 1});
    const double cell = std::clamp(720.0 / static_cast<double>(most), 3.0, 36.0);
    const bool labels = cell >= 9;
    const double font = std::clamp(cell * 0.6, 9.0, 13.0);
    std::size_t longest = 0;
    if (labels) {
        for (const auto& c : report.classes)
            longest = std::max(longest, std::min<std::size_t>(28, c.name.size() + 5));
        for (const auto& name : report.predictedNames)
            longest = std::max(longest, std::min<std::size_t>(28, name.size() + 5));
    }
    const double label = labels ? 0.62 * font * static_cast<double>(longest) + 10 : 10;
    const double left = 40 + label, top = 60 + label;
    Picture p;
    p.width = int(std::ceil(left + cell * static_cast<double>(std::max<std::size_t>(columns, 1)) + 130));
    p.height = int(std::ceil(top + cell * static_cast<double>(std::max<std::size_t>(rows, 1)) + 40));
    p.width = std::max(p.width, 420);
    p.height = std::max(p.height, 320);
    p.text(10, 24,
           "Confusion matrix: " + std::to_string(report.images) + " images, top-1 "
               + number(100 * report.top1.value) + "%",
           16);
    p.text(10, 44, "rows: true class; columns: predicted class; shade: share of the row", 12,
           Shape::Anchor::Start, kGrey);
    p.text(left + cell * static_cast<double>(columns) / 2, p.height - 12.0, "predicted class", 12,
           Shape::Anchor::Middle);
    p.text(22, top + cell * static_cast<double>(rows) / 2, "true class", 12, Shape::Anchor::Middle, kBlack,
           true);

    for (std::size_t i = 0; i < rows; ++i) {
        const ClassResult& truth = report.classes[i];
        const double y = top + cell * static_cast<double>(i);
        std::size_t total = 0;
        for (std::size_t count : report.confusion[i])
            total += count;
        if (labels)
            p.text(left - 6, y + cell / 2 + font / 3,
                   cleanText(std::to_string(truth.index) + " " + truth.name, 28), font, Shape::Anchor::End);
        for (std::size_t j = 0; j < columns; ++j) {
            const std::size_t count = report.confusion[i][j];
            const double share = total ? static_cast<double>(count) / static_cast<double>(total) : 0;
            const double x = left + cell * static_cast<double>(j);
            p.rect(x, y, cell, cell, shade(share));
            if (report.predictedClasses[j] == truth.index)
                p.rect(x + 0.5, y + 0.5, cell - 1, cell - 1, shade(share), true, {40, 160, 60});
            if (count > 0 && cell >= 18)
                p.text(x + cell / 2, y + cell / 2 + font / 3, std::to_string(count), font,
                       Shape::Anchor::Middle, share > 0.5 ? kWhite : kBlack);
        }
    }
    if (labels) {
        for (std::size_t j = 0; j < columns; ++j)
            p.text(left + cell * static_cast<double>(j) + cell / 2 + font / 3, top - 6,
                   cleanText(std::to_string(report.predictedClasses[j]) + " " + report.predictedNames[j], 28),
                   font, Shape::Anchor::Start, kBlack, true);
    }
    const double right = left + cell * static_cast<double>(columns),
                 bottom = top + cell * static_cast<double>(rows);
    p.line(left, top, right, top, kGrey);
    p.line(left, bottom, right, bottom, kGrey);
    p.line(left, top, left, bottom, kGrey);
    p.line(right, top, right, bottom, kGrey);

    // The scale.
    const double sx = right + 30, sh = std::min(200.0, std::max(80.0, bottom - top));
    for (int k = 0; k < 20; ++k)
        p.rect(sx, top + sh * (19 - k) / 20.0, 16, sh / 20.0 + 0.5, shade((k + 0.5) / 20.0));
    p.text(sx + 22, top + 10, "100%", 11);
    p.text(sx + 22, top + sh, "0%", 11);
    return p;
}

Picture reliabilityPicture(const EvaluationReport& report)
{
    Picture p;
    p.width = 600;
    p.height = 600;
    const double left = 80, top = 70, size = 440;
    char title[160];
    std::snprintf(title, sizeof title, "Reliability: ECE %.4f, %d bins, %zu images", report.ece,
                  kCalibrationBins, report.images);
    p.text(10, 24, title, 16);
    p.text(10, 44, "bars: accuracy per bin of top-1 confidence; orange: the bin's mean confidence", 12,
           Shape::Anchor::Start, kGrey);
    for (int t = 0; t <= 5; ++t) {
        const double v = t / 5.0;
        p.line(left, top + size * (1 - v), left + size, top + size * (1 - v), {225, 225, 225});
        p.text(left - 8, top + size * (1 - v) + 4, number(v), 11, Shape::Anchor::End);
        p.text(left + size * v, top + size + 18, number(v), 11, Shape::Anchor::Middle);
    }
    const double bin = size / kCalibrationBins;
    for (std::size_t b = 0; b < report.reliability.size(); ++b) {
        const ReliabilityBin& r = report.reliability[b];
        const double x = left + bin * static_cast<double>(b);
        if (r.count > 0) {
            p.rect(x + 1, top + size * (1 - r.accuracy), bin - 2, size * r.accuracy, kBar);
            p.line(x + 1, top + size * (1 - r.confidence), x + bin - 1, top + size * (1 - r.confidence), kGap,
                   3);
        }
        p.text(x + bin / 2, top + size + 34, std::to_string(r.count), 9, Shape::Anchor::Middle, kGrey);
    }
    p.line(left, top + size, left + size, top, kBlack, 1.5);
    p.line(left, top, left, top + size, kBlack);
    p.line(left, top + size, left + size, top + size, kBlack);
    p.text(left + size / 2, top + size + 56, "confidence (images per bin below the axis)", 12,
           Shape::Anchor::Middle);
    p.text(30, top + size / 2, "accuracy", 12, Shape::Anchor::Middle, kBlack, true);
    return p;
}

Result<void> writePicture(const Picture& picture, const fs::path& folder, const std::string& name)
{
    const std::string svgPath = (folder / (name + ".svg")).string();
    if (auto written = writeFileAtomically(svgPath, toSvg(picture)); !written)
        return written;
    const std::string pngPath = (folder / (name + ".png")).string();
    cv::Mat image;
    try {
        image = toImage(picture);
    } catch (const cv::Exception& e) {
        return Error {pngPath + ": cannot draw the picture (" + e.what() + ")", ErrorKind::Failed, pngPath};
    }
    auto png = encodePng(image);
    if (!png)
        return Error {pngPath + ": cannot encode the picture (" + png.message() + ")", png.error().kind,
                      pngPath};
    return writeFileAtomically(pngPath, std::string(png->begin(), png->end()));
}

} // namespace

std::string confusionSvg(const EvaluationReport& report)
{
    return toSvg(confusionPicture(report));
}

std::string reliabilitySvg(const EvaluationReport& report)
{
    return toSvg(reliabilityPicture(report));
}

Result<void> writeEvaluationPlots(const EvaluationReport& report, const std::string& folder)
{
    std::error_code error;
    fs::create_directories(folder, error);
    if (!fs::is_directory(folder, error))
        return Error {folder + ": cannot create the folder for the plots", ErrorKind::Failed, folder};
    if (auto written = writePicture(confusionPicture(report), folder, "confusion"); !written)
        return written;
    return writePicture(reliabilityPicture(report), folder, "reliability");
}

} // namespace lens
