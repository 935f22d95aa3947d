#include "InferenceWorker.h"

#include "ImageConvert.h"
#include "checkpoint/Checkpoint.h"
#include "image/Exif.h"
#include "image/ImageDecoder.h"
#include "inference/RuntimeCheck.h"
#include "labels/Labels.h"
#include "preprocess/CamOverlay.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>

namespace lens {

namespace {

QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

QStringList textList(const std::vector<std::string>& list)
{
    QStringList out;
    for (const auto& s : list)
        out << text(s);
    return out;
}

} // namespace

InferenceWorker::InferenceWorker(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<ModelRequest>();
    qRegisterMetaType<ModelResult>();
    qRegisterMetaType<ClassifyRequest>();
    qRegisterMetaType<ClassifyResult>();
}

InferenceWorker::~InferenceWorker() = default;

ModelResult InferenceWorker::load(const ModelRequest& request, std::unique_ptr<Classifier>& out)
{
    ModelResult result;
    result.id = request.id;
    result.weights = request.weights;
    result.labels = request.labels;
    result.report.weights = request.weights;
    result.report.mode = request.mode;
    result.report.arch = request.arch;
    const auto fail = [&](const Error& error) {
        result.error = text(error.message);
        result.dangerous = error.kind == ErrorKind::Dangerous;
        result.report.error = result.error;
        return result;
    };

    ClassifierOptions options;
    options.weights = request.weights.toStdString();
    options.weightsKey = request.weightsKey.toStdString();
    options.arch = request.arch.toStdString();
    options.device = request.device.toStdString();
    options.precision = request.precision;
    options.loadMode = request.mode;
    if (!request.labels.isEmpty()) {
        auto labels = readLabelFile(request.labels.toStdString());
        if (!labels)
            return fail(labels.error());
        options.labels = std::move(*labels);
    }
    // Read once: the classifier is made from it, and so is the report when the classifier refuses it.
    ReadOptions reading;
    reading.weightsKey = options.weightsKey;
    auto checkpoint = readCheckpoint(options.weights, reading);
    if (!checkpoint)
        return fail(checkpoint.error());
    const ShapeList shapes = keyShapes(checkpoint->tensors);
    auto created = Classifier::create(options, *checkpoint);
    // Another device helps only when the device was the problem, not the file.
    if (!created && request.device != QLatin1String("cpu") && created.error().kind == ErrorKind::Device) {
        result.deviceNote = tr("Could not use %1 (%2); using the CPU instead.")
                                .arg(request.device, text(created.message()));
        options.device = "cpu";
        created = Classifier::create(options, *checkpoint);
    }
    checkpoint->tensors.clear(); // the classifier has its own copy

    if (!created) {
        std::vector<std::string> fixes = checkpoint->fixes;
        if (auto spec = resolveArchitecture(shapes, options.arch, fixes)) {
            result.report.arch = text(spec->name);
            result.report.rows
                = reportRows(matchStateDict(expectedShapes(*spec), shapes), shapes, expectedShapes(*spec));
        }
        return fail(created.error());
    }

    out = std::move(*created);
    out->prepare(1, PreprocessOptions().crop); // so that the first photo is classified as fast as the rest
    result.ok = true;
    result.arch = text(out->architecture().name);
    result.numClasses = out->architecture().numClasses;
    result.device = text(out->deviceName());
    result.engine = text(out->engineName());
    result.report.loaded = true;
    result.report.arch = result.arch;
    result.report.fixes = textList(out->fixes());
    result.report.warnings = textList(out->warnings());
    result.report.rows = reportRows(out->loadReport(), shapes, expectedShapes(out->architecture()));
    return result;
}

void InferenceWorker::loadModel(const ModelRequest& request)
{
    QElapsedTimer timer;
    timer.start();
    std::unique_ptr<Classifier> loaded;
    ModelResult result = load(request, loaded);
    result.seconds = timer.elapsed() / 1000.0;
    if (m_cancelledLoad.load() == request.id) {
        result.cancelled = true;
        result.ok = false;
    } else if (loaded) {
        m_classifier = std::move(loaded);
        result.warnings = textList(runtimeWarnings(*m_classifier));
    }
    Q_EMIT modelLoaded(result);
}

bool InferenceWorker::decode(const ClassifyRequest& request, ClassifyResult& result)
{
    if (request.path.isEmpty()) {
        m_cachedPath.clear();
        m_cachedReference = toRgbMat(request.image);
        m_cachedUpright = fitWithin(request.image.convertToFormat(QImage::Format_RGB888), kDisplaySide);
        m_cachedOrientation = 1;
        m_cachedUprightSize = request.image.size();
        return !m_cachedReference.empty();
    }
    if (request.path == m_cachedPath)
        return true;
    m_cachedPath.clear();
    const std::string path = request.path.toStdString();
    int orientation = 1;
    auto reference = decodeImage(path, {}, &orientation);
    if (!reference.ok()) {
        result.error = text(reference.message());
        return false;
    }
    DecodeOptions upright;
    upright.applyExifOrientation = true;
    auto display = decodeImage(path, upright);
    m_cachedReference = *reference;
    const cv::Mat& shown = display.ok() ? *display : *reference;
    m_cachedUprightSize = QSize(shown.cols, shown.rows);
    m_cachedUpright = fitWithin(toQImage(shown), kDisplaySide);
    m_cachedOrientation = orientation;
    m_cachedPath = request.path;
    return true;
}

void InferenceWorker::drawMaps(const Classification& scores, const cv::Mat& image,
                               const PreprocessOptions& options, ClassifyResult& result) const
{
    // The layer is drawn at the display size, in the model's frame, then turned upright as the photo is.
    const QSize shown = result.upright.size();
    const cv::Size frame = orientationSwapsAxes(m_cachedOrientation)
        ? cv::Size(shown.height(), shown.width())
        : cv::Size(shown.width(), shown.height());
    for (const ClassScore& score : scores.top) {
        auto map = m_classifier->activationMap(scores.lastStage, score.index);
        if (!map)
            break;
        const cv::Mat layer
            = orientForDisplay(renderHeatLayer(image.size(), frame, options, *map), m_cachedOrientation);
        result.heat.push_back(
            QImage(layer.data, layer.cols, layer.rows, int(layer.step), QImage::Format_RGBA8888).copy());
        const cv::Mat heat = cropHeat(*map, options.crop);
        QImage crop(options.crop, options.crop, QImage::Format_RGB888);
        for (int y = 0; y < options.crop; ++y) {
            uchar* line = crop.scanLine(y);
            for (int x = 0; x < options.crop; ++x) {
                const cv::Vec3b colour = colormapColor(Colormap::Viridis, heat.at<float>(y, x));
                line[3 * x] = colour[0], line[3 * x + 1] = colour[1], line[3 * x + 2] = colour[2];
            }
        }
        result.cropHeat.push_back(crop);
    }
}

void InferenceWorker::classify(const ClassifyRequest& request)
{
    if (request.id < m_newestClassify.load())
        return; // a newer request is queued behind this one
    ClassifyResult result;
    result.id = request.id;
    result.source = request.path.isEmpty() ? tr("Pasted image") : request.path;
    result.options = request.options;
    if (!decode(request, result)) {
        if (result.error.isEmpty())
            result.error = tr("The pasted image is empty.");
        Q_EMIT classified(result);
        return;
    }

    const cv::Mat& image = m_cachedReference;
    PreprocessedImage pre;
    try {
        pre = preprocess(image, request.options);
    } catch (const std::exception& e) {
        result.error = tr("Cannot preprocess with these settings: %1").arg(QString::fromUtf8(e.what()));
        Q_EMIT classified(result);
        return;
    }

    result.upright = m_cachedUpright;
    result.uprightSize = m_cachedUprightSize;
    result.original = fitWithin(toQImage(image), kDisplaySide);
    result.originalSize = QSize(image.cols, image.rows);
    result.resized = toQImage(pre.resized);
    result.cropInResized = QRect(pre.cropRect.x, pre.cropRect.y, pre.cropRect.width, pre.cropRect.height);
    const double sx = double(image.cols) / pre.resized.cols;
    const double sy = double(image.rows) / pre.resized.rows;
    result.cropInOriginal
        = QRectF(pre.cropRect.x * sx, pre.cropRect.y * sy, pre.cropRect.width * sx, pre.cropRect.height * sy);
    result.cropped = toQImage(pre.cropped);

    const int size = request.options.crop;
    const std::size_t plane = static_cast<std::size_t>(size) * size;
    QImage denormalised(size, size, QImage::Format_RGB888);
    for (int c = 0; c < 3; ++c) {
        const float* data = pre.chw.data() + c * plane;
        const auto [lo, hi] = std::minmax_element(data, data + plane);
        result.channelMin[c] = *lo;
        result.channelMax[c] = *hi;
        result.channels[c] = planeToGray(data, size, *lo, *hi);
        const float mean = request.options.mean[c], std = request.options.std[c];
        for (int y = 0; y < size; ++y) {
            uchar* line = denormalised.scanLine(y);
            for (int x = 0; x < size; ++x) {
                const float v = (data[y * size + x] * std + mean) * 255.f;
                line[x * 3 + c] = static_cast<uchar>(std::clamp(v + 0.5f, 0.f, 255.f));
            }
        }
    }
    result.denormalised = denormalised;

    if (m_classifier) {
        QElapsedTimer timer;
        timer.start();
        auto scores = m_classifier->classify(pre.chw.data(), 1, size, request.topk, request.maps);
        result.inferenceMs = timer.nsecsElapsed() / 1e6;
        if (scores.ok()) {
            result.classified = true;
            result.top = scores->front().top;
            result.model = text(m_classifier->architecture().name);
            if (request.maps)
                drawMaps(scores->front(), image, request.options, result);
        } else {
            result.error = text(scores.message());
        }
    }
    Q_EMIT classified(result);
}

} // namespace lens
