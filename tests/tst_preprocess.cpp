// Decoding and preprocessing against torchvision's transforms on PIL images.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "io/Npy.h"
#include "preprocess/PilResize.h"
#include "preprocess/Preprocess.h"

#include <cmath>

using namespace lens;

class TestPreprocess : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesTorchvision_data()
    {
        QTest::addColumn<QString>("photo");
        QTest::addColumn<QString>("preset");
        const QJsonObject photos = test::reference()["photos"].toObject();
        QVERIFY(photos.size() >= 8);
        for (auto it = photos.begin(); it != photos.end(); ++it) {
            for (const char* preset : {"v1", "v2"})
                QTest::newRow(qPrintable(it.key() + " " + preset)) << it.key() << QString(preset);
        }
    }

    void matchesTorchvision()
    {
        QFETCH(QString, photo);
        QFETCH(QString, preset);
        const QJsonObject ref = test::reference()["photos"][photo][preset].toObject();

        auto image = decodeImage(QDir(test::dataDir()).filePath(photo).toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        auto options = presetByName(preset.toStdString());
        QVERIFY(options.ok());
        const PreprocessedImage ours = preprocess(*image, *options);

        QCOMPARE(ours.resized.cols, ref["resized"]["width"].toInt());
        QCOMPARE(ours.resized.rows, ref["resized"]["height"].toInt());
        QCOMPARE(ours.cropRect.x, ref["crop_box"]["left"].toInt());
        QCOMPARE(ours.cropRect.y, ref["crop_box"]["top"].toInt());

        auto theirs = readNpyFloat32(test::referencePath(ref["input"].toString()));
        QVERIFY2(theirs.ok(), theirs.message().c_str());
        QCOMPARE(theirs->data.size(), ours.chw.size());
        std::size_t equal = 0;
        float maxDiff = 0;
        for (std::size_t i = 0; i < ours.chw.size(); ++i) {
            equal += ours.chw[i] == theirs->data[i];
            maxDiff = std::max(maxDiff, std::abs(ours.chw[i] - theirs->data[i]));
        }
        const double fraction = double(equal) / ours.chw.size();
        const QByteArray detail
            = QByteArray::number(fraction * 100, 'f', 4) + "% equal, max diff " + QByteArray::number(maxDiff);
        QVERIFY2(fraction >= 0.999, detail);
        QVERIFY2(maxDiff <= 0.0175f, detail); // one uint8 level after normalisation

        // The model-input-only path computes just the crop: it must give the very same floats.
        QVERIFY(modelInput(*image, *options) == ours.chw);
    }

    // A region of the resize equals the same region of the whole resize, for shrinking, enlarging, one axis
    // only, and regions touching each border; a crop larger than the resized image is zero-padded alike.
    void regionResizeMatchesWholeResize_data()
    {
        QTest::addColumn<QSize>("target");
        QTest::addColumn<QRect>("region");
        QTest::newRow("shrink, centre") << QSize(256, 300) << QRect(16, 38, 224, 224);
        QTest::newRow("shrink, corners") << QSize(97, 61) << QRect(0, 0, 97, 61);
        QTest::newRow("shrink, bottom right") << QSize(120, 90) << QRect(70, 40, 50, 50);
        QTest::newRow("enlarge") << QSize(900, 1100) << QRect(300, 5, 224, 1000);
        QTest::newRow("width only") << QSize(300, 600) << QRect(10, 100, 224, 224);
        QTest::newRow("height only") << QSize(512, 333) << QRect(100, 50, 224, 224);
        QTest::newRow("one pixel") << QSize(31, 17) << QRect(30, 16, 1, 1);
    }

    void regionResizeMatchesWholeResize()
    {
        QFETCH(QSize, target);
        QFETCH(QRect, region);
        auto image = decodeImage(QDir(test::dataDir()).filePath("grace_hopper.jpg").toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        QCOMPARE(image->cols, 512);
        const cv::Size size(target.width(), target.height());
        const cv::Rect rect(region.x(), region.y(), region.width(), region.height());
        const cv::Mat whole = pilResizeBilinear(*image, size);
        const cv::Mat part = pilResizeBilinear(*image, size, rect);
        QCOMPARE(part.size(), rect.size());
        QCOMPARE(cv::norm(part, whole(rect), cv::NORM_INF), 0.0);

        cv::Mat gray;
        cv::extractChannel(*image, gray, 1);
        QCOMPARE(
            cv::norm(pilResizeBilinear(gray, size, rect), pilResizeBilinear(gray, size)(rect), cv::NORM_INF),
            0.0);
    }

    void modelInputPadsLikeCenterCrop()
    {
        auto image = decodeImage(QDir(test::dataDir()).filePath("grace_hopper.jpg").toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        PreprocessOptions options;
        options.resizeShort = 200; // smaller than the crop: torchvision pads with zeros
        options.crop = 224;
        QVERIFY(modelInput(*image, options) == preprocess(*image, options).chw);
    }

    void resizeRule_data()
    {
        QTest::addColumn<QSize>("input");
        QTest::addColumn<int>("shortSide");
        QTest::addColumn<QSize>("expected");
        QTest::newRow("landscape 500x375") << QSize(500, 375) << 256 << QSize(341, 256);
        QTest::newRow("portrait 517x606") << QSize(517, 606) << 256 << QSize(256, 300);
        QTest::newRow("square") << QSize(512, 512) << 232 << QSize(232, 232);
        QTest::newRow("upscale 100x50") << QSize(100, 50) << 256 << QSize(512, 256);
    }

    void resizeRule()
    {
        QFETCH(QSize, input);
        QFETCH(int, shortSide);
        QFETCH(QSize, expected);
        const cv::Size out = resizedSize(cv::Size(input.width(), input.height()), shortSide);
        QCOMPARE(QSize(out.width, out.height), expected);
    }

    void centreCropRoundsHalfToEven()
    {
        // (341 - 224) / 2 = 58.5: Python's round() gives 58, std::round would give 59.
        QCOMPARE(centerCropRect(cv::Size(341, 256), 224).x, 58);
        QCOMPARE(centerCropRect(cv::Size(343, 256), 224).x, 60); // 59.5 -> 60
    }

    void unknownPresetNamed()
    {
        auto preset = presetByName("v3");
        QVERIFY(!preset.ok());
        QVERIFY(preset.message().find("v3") != std::string::npos);
    }

    void badImages_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing file") << "bad/missing.jpg"
                                      << "bad/missing.jpg";
        QTest::newRow("text named .jpg") << "bad/text.jpg"
                                         << "text.jpg";
        QTest::newRow("truncated JPEG") << "bad/truncated.jpg"
                                        << "truncated";
    }

    void badImages()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        auto image = decodeImage(test::referencePath(file));
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains(expected), image.message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "tst_preprocess.moc"
