// The PNG and JPEG encoders (image/ImageEncoder.h) as Debian's Pillow and numpy read their files: gray and
// RGB images of odd sizes, a region of a larger image (rows with a stride), a photo-sized gradient with
// noise and real photos. A PNG must decode to exactly the pixels given, pass Pillow's CRC checks and hold
// only IHDR, IDAT and IEND; a JPEG must decode to the same size and mode, within a few levels of the pixels
// given, with the sampling factors, quantisation tables and pixels of Pillow's own encoding at that quality
// (4:2:0 for RGB). Images the encoders cannot write are refused with a message.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "image/ImageEncoder.h"

#include <QTemporaryDir>
#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>

Q_DECLARE_METATYPE(cv::Mat)

namespace {

using namespace lens;

// Reads the encoded file and the raw pixels it was encoded from; prints what Pillow and numpy see, as JSON.
const char* const kPillowRead = R"(
import io, json, struct, sys
import numpy as np
from PIL import Image

path, raw, width, height, channels, quality = sys.argv[1:7]
width, height, channels, quality = int(width), int(height), int(channels), int(quality)
source = np.fromfile(raw, dtype=np.uint8)
source = source.reshape((height, width, 3) if channels == 3 else (height, width))
out = {}
with Image.open(path) as im:
    out['format'] = im.format
    im.verify()
with Image.open(path) as im:
    out['mode'] = im.mode
    out['size'] = list(im.size)
    pixels = np.asarray(im)
    if pixels.shape == source.shape:
        diff = np.abs(pixels.astype(np.int32) - source.astype(np.int32))
        out['identical'] = bool((diff == 0).all())
        out['meanError'] = float(diff.mean())
    if im.format == 'JPEG':
        out['sampling'] = [[layer[1], layer[2]] for layer in im.layer]
        out['progressive'] = bool(im.info.get('progressive', 0) or im.info.get('progression', 0))
        out['jfif'] = 'jfif' in im.info
        own = io.BytesIO()
        options = {'subsampling': '4:2:0'} if channels == 3 else {}
        Image.fromarray(source).save(own, 'JPEG', quality=quality, **options)
        with Image.open(own) as pillow:
            out['pillowTables'] = pillow.quantization == im.quantization
            out['pillowPixels'] = bool(np.array_equal(np.asarray(pillow), pixels))
    if im.format == 'PNG':
        data = open(path, 'rb').read()
        chunks, at = [], 8
        while at < len(data):
            length, kind = struct.unpack('>I4s', data[at:at + 8])
            if not chunks or chunks[-1] != kind.decode():
                chunks.append(kind.decode())
            at += 12 + length
        out['chunks'] = chunks
print(json.dumps(out))
)";

// A photo-like picture: smooth colour gradients and luminance noise from a fixed linear congruential
// generator (the same in every channel, so it is light, not colour, noise).
cv::Mat photoLike(int width, int height, int channels, std::uint32_t seed, int noise)
{
    cv::Mat image(height, width, CV_8UC(channels));
    std::uint32_t state = seed;
    for (int y = 0; y < height; ++y) {
        auto* row = image.ptr<std::uint8_t>(y);
        for (int x = 0; x < width; ++x) {
            state = state * 1664525u + 1013904223u;
            const int grain = noise > 0 ? int(state >> 24) % (2 * noise + 1) - noise : 0;
            // Colours change over 255 pixels or more, as in a photo; tiny images are nearly flat.
            const double u = double(x) / std::max(width - 1, 255);
            const double v = double(y) / std::max(height - 1, 255);
            const int base[3] = {int(40 + 180 * u), int(60 + 150 * v), int(200 - 120 * u * v)};
            for (int c = 0; c < channels; ++c)
                row[x * channels + c] = cv::saturate_cast<std::uint8_t>(base[c] + grain);
        }
    }
    return image;
}

cv::Mat photo(const QString& name, bool gray)
{
    auto rgb = decodeImage(test::photoFile(name).toStdString());
    if (!rgb)
        qFatal("%s", rgb.message().c_str());
    if (!gray)
        return *rgb;
    // Gray from the photo's green channel: any 8-bit plane will do.
    cv::Mat planes[3];
    cv::split(*rgb, planes);
    return planes[1];
}

void addImages()
{
    QTest::addColumn<cv::Mat>("image");
    QTest::addColumn<int>("quality");
    QTest::newRow("gray 1x1") << photoLike(1, 1, 1, 1, 0) << 95;
    QTest::newRow("rgb 1x1") << photoLike(1, 1, 3, 1, 0) << 95;
    QTest::newRow("gray 3x7") << photoLike(3, 7, 1, 2, 3) << 95;
    QTest::newRow("rgb 3x7") << photoLike(3, 7, 3, 2, 3) << 95;
    QTest::newRow("gray 257x33") << photoLike(257, 33, 1, 3, 6) << 95;
    QTest::newRow("rgb 257x33") << photoLike(257, 33, 3, 3, 6) << 95;
    // A region of a larger image: its rows are not contiguous.
    const cv::Mat large = photoLike(300, 200, 3, 4, 6);
    QTest::newRow("rgb 101x57 region") << large(cv::Rect(17, 23, 101, 57)) << 95;
    QTest::newRow("rgb 2000x1500 photo-like") << photoLike(2000, 1500, 3, 5, 8) << 95;
    QTest::newRow("gray 2000x1500 photo-like") << photoLike(2000, 1500, 1, 6, 8) << 95;
    QTest::newRow("astronaut.png") << photo("astronaut.png", false) << 95;
    QTest::newRow("grace_hopper.jpg") << photo("grace_hopper.jpg", false) << 95;
    QTest::newRow("chelsea.png green plane") << photo("chelsea.png", true) << 95;
    QTest::newRow("grace_hopper.jpg quality 75") << photo("grace_hopper.jpg", false) << 75;
}

QByteArray packedPixels(const cv::Mat& image)
{
    QByteArray bytes;
    const int rowBytes = image.cols * image.channels();
    for (int y = 0; y < image.rows; ++y)
        bytes.append(reinterpret_cast<const char*>(image.ptr<std::uint8_t>(y)), rowBytes);
    return bytes;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

/// What Pillow reads from `encoded`, given the pixels it was made from.
QJsonObject pillowRead(const std::vector<std::uint8_t>& encoded, const cv::Mat& image, int quality)
{
    QTemporaryDir dir;
    const QString file = dir.filePath("encoded");
    const QString raw = dir.filePath("pixels.raw");
    if (!writeFile(file, QByteArray(reinterpret_cast<const char*>(encoded.data()), qsizetype(encoded.size())))
        || !writeFile(raw, packedPixels(image)))
        return {};
    QProcess python;
    python.start(qEnvironmentVariable("LENS_PYTHON", "/usr/bin/python3"),
                 {"-c", kPillowRead, file, raw, QString::number(image.cols), QString::number(image.rows),
                  QString::number(image.channels()), QString::number(quality)});
    if (!python.waitForFinished(120000) || python.exitStatus() != QProcess::NormalExit
        || python.exitCode() != 0) {
        qWarning("Pillow: %s", python.readAllStandardError().constData());
        return {};
    }
    return QJsonDocument::fromJson(python.readAllStandardOutput()).object();
}

QJsonArray sizeOf(const cv::Mat& image)
{
    return {image.cols, image.rows};
}

} // namespace

class TestImageEncoder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pngDecodesToTheSamePixels_data() { addImages(); }
    void pngDecodesToTheSamePixels()
    {
        QFETCH(cv::Mat, image);
        auto png = encodePng(image);
        QVERIFY2(png.ok(), png.message().c_str());
        const QJsonObject read = pillowRead(*png, image, 95);
        QCOMPARE(read["format"].toString(), QStringLiteral("PNG"));
        QCOMPARE(read["mode"].toString(),
                 image.channels() == 1 ? QStringLiteral("L") : QStringLiteral("RGB"));
        QCOMPARE(read["size"].toArray(), sizeOf(image));
        QVERIFY2(read["identical"].toBool(), "the PNG does not decode to the pixels given");
        QCOMPARE(read["chunks"].toArray(), (QJsonArray {"IHDR", "IDAT", "IEND"}));
    }

    void jpegIsPillowsAtTheQuality_data() { addImages(); }
    void jpegIsPillowsAtTheQuality()
    {
        QFETCH(cv::Mat, image);
        QFETCH(int, quality);
        auto jpeg = encodeJpeg(image, quality);
        QVERIFY2(jpeg.ok(), jpeg.message().c_str());
        const QJsonObject read = pillowRead(*jpeg, image, quality);
        QCOMPARE(read["format"].toString(), QStringLiteral("JPEG"));
        QCOMPARE(read["mode"].toString(),
                 image.channels() == 1 ? QStringLiteral("L") : QStringLiteral("RGB"));
        QCOMPARE(read["size"].toArray(), sizeOf(image));
        const double meanError = read["meanError"].toDouble(1000);
        QVERIFY2(meanError < (quality >= 95 ? 2.5 : 4.0),
                 qPrintable(QStringLiteral("mean absolute error %1 levels").arg(meanError)));
        // Luma sampled 2x2 (4:2:0), chroma 1x1; gray has only the one component.
        const QJsonArray sampling = image.channels() == 1
            ? QJsonArray {QJsonArray {1, 1}}
            : QJsonArray {QJsonArray {2, 2}, QJsonArray {1, 1}, QJsonArray {1, 1}};
        QCOMPARE(read["sampling"].toArray(), sampling);
        QVERIFY2(read["pillowTables"].toBool(), "quantisation tables differ from Pillow's at this quality");
        QVERIFY2(read["pillowPixels"].toBool(), "pixels differ from Pillow's encoding at this quality");
        QVERIFY(!read["progressive"].toBool());
        QVERIFY(read["jfif"].toBool());
    }

    void refusesWhatItCannotWrite_data()
    {
        QTest::addColumn<cv::Mat>("image");
        QTest::addColumn<int>("quality");
        QTest::addColumn<bool>("pngToo");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << cv::Mat() << 95 << true << "empty image";
        QTest::newRow("rgba") << cv::Mat(4, 4, CV_8UC4, cv::Scalar::all(0)) << 95 << true << "CV_8UC4";
        QTest::newRow("16-bit gray") << cv::Mat(4, 4, CV_16UC1, cv::Scalar::all(0)) << 95 << true
                                     << "CV_16UC1";
        QTest::newRow("float rgb") << cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0)) << 95 << true << "CV_32FC3";
        QTest::newRow("jpeg quality 0")
            << cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0)) << 0 << false << "quality 0";
        QTest::newRow("jpeg quality 101")
            << cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0)) << 101 << false << "quality 101";
        QTest::newRow("jpeg 70000 wide")
            << cv::Mat(1, 70000, CV_8UC1, cv::Scalar::all(0)) << 95 << false << "65500 pixels";
    }
    void refusesWhatItCannotWrite()
    {
        QFETCH(cv::Mat, image);
        QFETCH(int, quality);
        QFETCH(bool, pngToo);
        QFETCH(QString, message);
        auto jpeg = encodeJpeg(image, quality);
        QVERIFY(!jpeg.ok());
        QVERIFY2(QString::fromStdString(jpeg.message()).contains(message), jpeg.message().c_str());
        if (pngToo) {
            auto png = encodePng(image);
            QVERIFY(!png.ok());
            QVERIFY2(QString::fromStdString(png.message()).contains(message), png.message().c_str());
        } else if (quality == 95) {
            // Too wide for JPEG is still a PNG.
            auto png = encodePng(image);
            QVERIFY2(png.ok(), png.message().c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestImageEncoder)
#include "tst_imageencoder.moc"
