#pragma once

// The plain structs that travel between the GUI thread and the InferenceWorker: requests go in by queued
// invocation, results come back by queued signals. Values only (QImage is implicitly shared and
// thread-safe to copy); no tensors.

#include "CheckpointReport.h"
#include "inference/Classifier.h"
#include "preprocess/Preprocess.h"

#include <QImage>
#include <QMetaType>
#include <QRectF>
#include <QString>
#include <array>
#include <vector>

namespace lens {

/// Load (or reload on another device) a checkpoint.
struct ModelRequest {
    quint64 id = 0;
    QString weights; ///< checkpoint file
    QString weightsKey; ///< the weight set inside it, by key path; empty = the default one
    QString arch; ///< empty = detect
    QString device = QStringLiteral("cpu");
    Precision precision = Precision::Fp32;
    LoadMode mode = LoadMode::Strict;
    QString labels; ///< a labels file (one class name a line); empty = the checkpoint's or ImageNet's
};

struct ModelResult {
    quint64 id = 0;
    bool ok = false;
    bool cancelled = false; ///< loaded, but the request was cancelled meanwhile; the old model stays
    QString error; ///< when !ok: what went wrong, in words
    bool dangerous = false; ///< refused because loading the file in Python would run code
    QString arch; ///< e.g. "resnet50"
    int numClasses = 0;
    QString weights;
    QString labels; ///< the labels file asked for; empty when none
    QString device; ///< where the model now lives
    QString engine; ///< what runs inference, e.g. "oneDNN, BatchNorm folded, Winograd 3x3"
    QString deviceNote; ///< e.g. why it fell back to the CPU
    double seconds = 0;
    CheckpointReport report; ///< also filled when loading failed, as far as the file could be read
    QStringList warnings; ///< settings that make inference slow (reference BLAS, one thread), in words
};

/// Preprocess (and classify, when a model is loaded) one image.
struct ClassifyRequest {
    quint64 id = 0;
    QString path; ///< a file; or empty and image set (pasted)
    QImage image;
    PreprocessOptions options;
    int topk = 5;
    /// Also draw each top class's activation map (ClassifyResult::heat, cropHeat).
    bool maps = false;
};

/// Every preprocessing stage as an image for display, and the predictions.
struct ClassifyResult {
    quint64 id = 0;
    QString source; ///< file path, or a description of a pasted image
    QString error; ///< non-empty when the image could not be read or classified
    PreprocessOptions options; ///< the preprocessing the stages and predictions were made with
    QImage upright; ///< for display: EXIF orientation applied, downscaled to at most kDisplaySide
    QSize uprightSize; ///< full size of the image as shown (EXIF orientation applied)
    QImage original; ///< what the model decodes (EXIF ignored, as PIL does), downscaled for display
    QSize originalSize; ///< full size of `original` before downscaling
    QRectF cropInOriginal; ///< the centre crop mapped back to original pixel coordinates
    QImage resized;
    QRect cropInResized;
    QImage cropped;
    std::array<QImage, 3> channels; ///< normalised R, G, B planes, each min..max scaled to 0..255
    std::array<float, 3> channelMin {};
    std::array<float, 3> channelMax {};
    QImage denormalised; ///< the tensor mapped back through std and mean
    bool classified = false; ///< false when no model is loaded
    std::vector<ClassScore> top;
    double inferenceMs = 0;
    QString model; ///< architecture that produced `top`
    /// With ClassifyRequest::maps: per entry of `top`, its class activation map as a colour layer over
    /// `upright` (its size, RGBA; dimming outside the crop) and over `cropped`.
    std::vector<QImage> heat;
    std::vector<QImage> cropHeat;
};

constexpr int kDisplaySide = 1600;

} // namespace lens

Q_DECLARE_METATYPE(lens::ModelRequest)
Q_DECLARE_METATYPE(lens::ModelResult)
Q_DECLARE_METATYPE(lens::ClassifyRequest)
Q_DECLARE_METATYPE(lens::ClassifyResult)
