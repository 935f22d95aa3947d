// Where a class activation map lands on the photo: through torchvision's Resize(short side) and
// CenterCrop, computed here from torchvision's rules (int(short * long / short) and round-half-even
// offsets), for landscape, portrait and small photos, and turned upright with an EXIF-rotated one; the map
// files in the format their names ask for.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "jobs/CamExport.h"
#include "preprocess/CamOverlay.h"

#include <QTemporaryDir>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace lens;

namespace {

// torchvision: Resize(s) makes the short side s and the long side int(s * long / short); CenterCrop(c)
// takes offset round((size - c) / 2) (Python's round, half to even).
struct Geometry {
    int resizedWidth, resizedHeight, cropX, cropY;
};

int pyRound(double v)
{
    return static_cast<int>(std::nearbyint(v)); // the default rounding mode is half to even
}

Geometry torchvisionGeometry(int width, int height, int shortSide, int crop)
{
    Geometry g {};
    if (width <= height) {
        g.resizedWidth = shortSide;
        g.resizedHeight = static_cast<int>(double(shortSide) * height / width);
    } else {
        g.resizedHeight = shortSide;
        g.resizedWidth = static_cast<int>(double(shortSide) * width / height);
    }
    g.cropX = pyRound((g.resizedWidth - crop) / 2.0);
    g.cropY = pyRound((g.resizedHeight - crop) / 2.0);
    return g;
}

ActivationMap hotCell(int row, int column)
{
    ActivationMap map;
    map.height = map.width = 7;
    map.values.assign(49, -0.5f); // negatives are cut to zero
    map.values[std::size_t(row * 7 + column)] = 3.0f;
    return map;
}

// The photo pixel whose centre the resize maps to the crop pixel (cx, cy).
QPoint photoPixel(const Geometry& g, int width, int height, double cx, double cy)
{
    return {static_cast<int>((cx + g.cropX) * width / g.resizedWidth),
            static_cast<int>((cy + g.cropY) * height / g.resizedHeight)};
}

// The colour of a heat close to 1 (the peak of a hot cell, a little less off its exact centre).
bool hotColour(Colormap colormap, const cv::Vec3b& colour)
{
    for (int i = 230; i <= 255; ++i) {
        const cv::Vec3b expected = colormapColor(colormap, i / 255.0f);
        bool same = true;
        for (int c = 0; c < 3; ++c)
            same = same && std::abs(int(colour[c]) - int(expected[c])) <= 1;
        if (same)
            return true;
    }
    return false;
}

bool near(const cv::Vec3b& a, const cv::Vec3b& b, int tolerance)
{
    for (int c = 0; c < 3; ++c)
        if (std::abs(int(a[c]) - int(b[c])) > tolerance)
            return false;
    return true;
}

} // namespace

class TestCamOverlay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hotCellLandsWhereTheCropPutsIt_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("row");
        QTest::addColumn<int>("column");
        QTest::newRow("landscape, top left") << 640 << 480 << 0 << 0;
        QTest::newRow("landscape, bottom right") << 640 << 480 << 6 << 6;
        QTest::newRow("portrait, top right") << 333 << 500 << 0 << 6;
        QTest::newRow("portrait, centre") << 333 << 500 << 3 << 3;
        QTest::newRow("wide panorama") << 1200 << 300 << 5 << 1;
        QTest::newRow("smaller than the resize") << 120 << 90 << 2 << 4;
    }

    void hotCellLandsWhereTheCropPutsIt()
    {
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, row);
        QFETCH(int, column);
        const PreprocessOptions preset = PreprocessOptions::v1();
        const cv::Mat photo(height, width, CV_8UC3, cv::Scalar(200, 100, 50));
        OverlayOptions options;
        options.alpha = 1.0f; // only the colour inside the crop
        options.dimOutside = 0.5f;
        const cv::Mat out = renderOverlay(photo, preset, hotCell(row, column), options);
        QCOMPARE(out.cols, width);
        QCOMPARE(out.rows, height);

        const Geometry g = torchvisionGeometry(width, height, preset.resizeShort, preset.crop);
        const double cell = preset.crop / 7.0;
        const QPoint hot = photoPixel(g, width, height, (column + 0.5) * cell, (row + 0.5) * cell);
        const cv::Vec3b at = out.at<cv::Vec3b>(hot.y(), hot.x());
        QVERIFY2(
            hotColour(options.colormap, at),
            qPrintable(
                QString("at %1,%2: %3 %4 %5").arg(hot.x()).arg(hot.y()).arg(at[0]).arg(at[1]).arg(at[2])));
        // Two cells away the heat is gone.
        const int farRow = row >= 3 ? row - 3 : row + 3;
        const QPoint cold = photoPixel(g, width, height, (column + 0.5) * cell, (farRow + 0.5) * cell);
        QVERIFY(near(out.at<cv::Vec3b>(cold.y(), cold.x()), colormapColor(options.colormap, 0.0f), 0));
        // Outside the crop (when the photo extends past it), the photo dimmed.
        if (g.cropX > 2) {
            const cv::Vec3b left = out.at<cv::Vec3b>(height / 2, 0);
            QVERIFY(near(left, cv::Vec3b(100, 50, 25), 1));
        }
    }

    void blendsWithThePhoto()
    {
        const cv::Mat photo(300, 300, CV_8UC3, cv::Scalar(0, 0, 0));
        OverlayOptions options;
        options.alpha = 0.25f;
        ActivationMap flat;
        flat.height = flat.width = 7;
        flat.values.assign(49, 1.0f);
        const cv::Mat out = renderOverlay(photo, PreprocessOptions::v1(), flat, options);
        const cv::Vec3b colour = colormapColor(options.colormap, 1.0f);
        const cv::Vec3b mid = out.at<cv::Vec3b>(150, 150);
        for (int c = 0; c < 3; ++c)
            QCOMPARE(int(mid[c]), int(std::lround(0.25 * colour[c])));
    }

    void uprightAsThePhotoIsDisplayed()
    {
        // jpeg_exif_rot6.jpg: stored landscape, EXIF orientation 6 (shown rotated 90 degrees clockwise).
        const std::string image = test::referenceFile("images/jpeg_exif_rot6.jpg").toStdString();
        int orientation = 0;
        auto stored = decodeImage(image, {}, &orientation);
        QVERIFY2(stored.ok(), stored.message().c_str());
        QCOMPARE(orientation, 6);
        const int width = stored->cols, height = stored->rows;

        QTemporaryDir dir;
        const std::string path = dir.filePath("map.png").toStdString();
        OverlayOptions options;
        options.alpha = 1.0f;
        const PreprocessOptions preset = PreprocessOptions::v1();
        auto written = writeCamOverlay(image, hotCell(0, 0), preset, {}, options, path);
        QVERIFY2(written.ok(), written.message().c_str());
        cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
        QCOMPARE(bgr.cols, height); // upright: the axes swap
        QCOMPARE(bgr.rows, width);
        cv::Mat out;
        cv::cvtColor(bgr, out, cv::COLOR_BGR2RGB);
        const Geometry g = torchvisionGeometry(width, height, preset.resizeShort, preset.crop);
        const double cell = preset.crop / 7.0;
        const QPoint hot = photoPixel(g, width, height, 0.5 * cell, 0.5 * cell);
        // ROTATE_270 moves stored (x, y) to (height - 1 - y, x).
        const cv::Vec3b at = out.at<cv::Vec3b>(hot.x(), height - 1 - hot.y());
        QVERIFY2(hotColour(options.colormap, at), "the hot cell is not where it belongs");
    }

    // The file's name picks the format (any case); the pixels are the overlay's, in RGB order: exact in a
    // PNG, within a few levels in a JPEG, as OpenCV's own decoder reads them. Other names are refused, and
    // neither leaves a temporary file behind.
    void writesTheFormatItsNameSays_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("magic");
        QTest::addColumn<double>("meanError");
        QTest::newRow("map.png") << "map.png" << QByteArray("\x89PNG\r\n\x1a\n", 8) << 0.0;
        QTest::newRow("map.PNG") << "map.PNG" << QByteArray("\x89PNG\r\n\x1a\n", 8) << 0.0;
        QTest::newRow("map.jpg") << "map.jpg" << QByteArray("\xff\xd8\xff", 3) << 3.0;
        QTest::newRow("map.JPEG") << "map.JPEG" << QByteArray("\xff\xd8\xff", 3) << 3.0;
        QTest::newRow("map.bmp refused") << "map.bmp" << QByteArray() << 0.0;
    }
    void writesTheFormatItsNameSays()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, magic);
        QFETCH(double, meanError);
        const std::string image = test::photoFile("chelsea.png").toStdString();
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        OverlayOptions options;
        const PreprocessOptions preset = PreprocessOptions::v1();
        const ActivationMap map = hotCell(2, 5);
        auto written = writeCamOverlay(image, map, preset, {}, options, path.toStdString());
        if (magic.isEmpty()) {
            QVERIFY(!written.ok());
            QCOMPARE(written.error().kind, ErrorKind::Usage);
            QVERIFY2(QString::fromStdString(written.message()).contains(".png"), written.message().c_str());
            QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
            return;
        }
        QVERIFY2(written.ok(), written.message().c_str());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList {name});
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.read(magic.size()), magic);

        auto photo = decodeImage(image);
        QVERIFY2(photo.ok(), photo.message().c_str());
        const cv::Mat expected = renderOverlay(*photo, preset, map, options);
        cv::Mat rgb;
        cv::cvtColor(cv::imread(path.toStdString(), cv::IMREAD_COLOR), rgb, cv::COLOR_BGR2RGB);
        QCOMPARE(rgb.cols, expected.cols);
        QCOMPARE(rgb.rows, expected.rows);
        cv::Mat difference;
        cv::absdiff(rgb, expected, difference);
        const cv::Scalar mean = cv::mean(difference);
        const double error = (mean[0] + mean[1] + mean[2]) / 3;
        QVERIFY2(error <= meanError, qPrintable(QStringLiteral("mean absolute error %1").arg(error)));
    }

    void fileNamesResolveClashesInOrder()
    {
        const std::vector<std::string> names
            = camFileNames({"a/cat.jpg", "b/cat.jpg", "dog.png", "c/cat.jpg"});
        QCOMPARE(names,
                 (std::vector<std::string> {"cat.jpg.cam.png", "cat.jpg_1.cam.png", "dog.png.cam.png",
                                            "cat.jpg_2.cam.png"}));
    }

    void colormapsByName()
    {
        QVERIFY(colormapByName("Viridis").has_value());
        QVERIFY(colormapByName("turbo").has_value());
        QVERIFY(!colormapByName("rainbow").has_value());
    }
};

QTEST_GUILESS_MAIN(TestCamOverlay)
#include "tst_camoverlay.moc"
