// Decoding and preprocessing against torchvision's transforms on PIL images.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "io/Npy.h"
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
