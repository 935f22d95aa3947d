// End-to-end parity with torchvision: our decode + preprocess + model on the checkpoint torchvision saved
// gives torchvision's logits and top-5.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "io/Npy.h"
#include "preprocess/Preprocess.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

using namespace lens;

class TestClassifier : public QObject {
    Q_OBJECT

private:
    std::map<std::pair<QString, bool>, std::unique_ptr<Classifier>> m_classifiers;
    std::map<QString, std::unique_ptr<Classifier>> m_bf16; ///< Precision::Bf16, by architecture

    Classifier* classifierFor(const QString& arch, bool fast)
    {
        auto& slot = m_classifiers[{arch, fast}];
        if (!slot) {
            ClassifierOptions options;
            options.weights = test::referencePath(test::reference()["checkpoints"][arch].toString());
            options.fast = fast;
            auto created = Classifier::create(options);
            if (!created.ok())
                qWarning("%s", created.message().c_str());
            else
                slot = std::move(*created);
        }
        return slot.get();
    }

    // Every logit within 1e-3 of the expected logits' range.
    static void logitsClose(const std::vector<float>& actual, const std::vector<float>& expected)
    {
        QCOMPARE(actual.size(), expected.size());
        const auto [lo, hi] = std::minmax_element(expected.begin(), expected.end());
        float maxDiff = 0;
        for (std::size_t i = 0; i < actual.size(); ++i)
            maxDiff = std::max(maxDiff, std::abs(actual[i] - expected[i]));
        const float tolerance = 1e-3f * (*hi - *lo);
        QVERIFY2(maxDiff < tolerance,
                 qPrintable(QString("max logit diff %1, tolerance %2").arg(maxDiff).arg(tolerance)));
    }

    // Logits close to the reference's, and the same top-5 in the same order.
    static void matchesReference(const Classification& result, const QJsonObject& ref, const QString& arch)
    {
        logitsClose(result.logits, test::toFloats(ref["logits"][arch].toArray()));
        if (QTest::currentTestFailed())
            return;
        const QJsonArray top5 = ref["top5"][arch].toArray();
        QCOMPARE(result.top.size(), std::size_t(5));
        for (int r = 0; r < 5; ++r)
            QCOMPARE(result.top[r].index, top5[r].toInt());
    }

private Q_SLOTS:
    void matchesTorchvision_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("photo");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<bool>("fast");
        const QJsonObject photos = test::reference()["photos"].toObject();
        int rows = 0;
        for (auto it = photos.begin(); it != photos.end(); ++it) {
            for (const char* preset : {"v1", "v2"}) {
                const QJsonObject logits = it.value()[QString(preset)]["logits"].toObject();
                for (auto arch = logits.begin(); arch != logits.end(); ++arch, ++rows) {
                    for (bool fast : {false, true})
                        QTest::newRow(
                            qPrintable(arch.key() + " " + it.key() + " " + preset + (fast ? " fast" : "")))
                            << arch.key() << it.key() << QString(preset) << fast;
                }
            }
        }
        QVERIFY(rows >= 20);
    }

    void matchesTorchvision()
    {
        QFETCH(QString, arch);
        QFETCH(QString, photo);
        QFETCH(QString, preset);
        QFETCH(bool, fast);
        const QJsonObject ref = test::reference()["photos"][photo][preset].toObject();
        Classifier* classifier = classifierFor(arch, fast);
        QVERIFY(classifier);
        QCOMPARE(classifier->engineName() != "plain", fast);
        QCOMPARE(QString::fromStdString(classifier->architecture().name), arch);

        auto image = decodeImage(QDir(test::dataDir()).filePath(photo).toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        auto options = presetByName(preset.toStdString());
        QVERIFY(options.ok());
        const PreprocessedImage input = preprocess(*image, *options);
        auto results = classifier->classify(input.chw.data(), 1, options->crop, 5);
        QVERIFY2(results.ok(), results.message().c_str());

        matchesReference(results->front(), ref, arch);
    }

    void batchesMatchTorchvision_data()
    {
        QTest::addColumn<int>("batch");
        QTest::newRow("12 at once: 8 + 4") << 12;
        QTest::newRow("7 at once: 4 + 2 + 1") << 7;
    }

    // Every image of a batch gets its own logits, in order, on the fast path's power-of-two chunks.
    void batchesMatchTorchvision()
    {
        QFETCH(int, batch);
        const QString arch = "resnet50";
        Classifier* classifier = classifierFor(arch, true);
        QVERIFY(classifier);
        const QJsonObject photos = test::reference()["photos"].toObject();
        const PreprocessOptions options = PreprocessOptions::v1();
        std::vector<QJsonObject> refs;
        std::vector<float> input;
        for (auto it = photos.begin(); static_cast<int>(refs.size()) < batch; ++it) {
            if (it == photos.end())
                it = photos.begin(); // fewer photos than the batch: repeat them
            auto image = decodeImage(QDir(test::dataDir()).filePath(it.key()).toStdString());
            QVERIFY2(image.ok(), image.message().c_str());
            const std::vector<float> chw = preprocess(*image, options).chw;
            input.insert(input.end(), chw.begin(), chw.end());
            refs.push_back(it.value()[QString("v1")].toObject());
        }
        auto results = classifier->classify(input.data(), batch, options.crop, 5);
        QVERIFY2(results.ok(), results.message().c_str());
        QCOMPARE(results->size(), std::size_t(batch));
        for (int i = 0; i < batch; ++i) {
            matchesReference((*results)[i], refs[i], arch);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(QString("image %1 of the batch").arg(i)));
        }
    }

    // Crops other than 224 (the app's preset editor allows any): the fast path builds other shapes, and
    // Winograd drops out on small maps. The plain LibTorch modules, held to torchvision above, are the
    // reference.
    void otherInputSizesMatchPlainPath_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("crop");
        for (const char* arch : {"resnet18", "resnext50_32x4d"})
            for (int crop : {32, 160, 320})
                QTest::newRow(qPrintable(QString("%1 crop %2").arg(arch).arg(crop))) << QString(arch) << crop;
    }

    void otherInputSizesMatchPlainPath()
    {
        QFETCH(QString, arch);
        QFETCH(int, crop);
        Classifier* fast = classifierFor(arch, true);
        Classifier* plain = classifierFor(arch, false);
        QVERIFY(fast && plain);
        auto image = decodeImage(QDir(test::dataDir()).filePath("grace_hopper.jpg").toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        PreprocessOptions options;
        options.resizeShort = crop + crop / 7;
        options.crop = crop;
        const std::vector<float> input = modelInput(*image, options);
        auto expected = plain->logits(input.data(), 1, crop);
        auto actual = fast->logits(input.data(), 1, crop);
        QVERIFY2(expected.ok() && actual.ok(), (expected.ok() ? actual : expected).message().c_str());
        logitsClose(*actual, *expected);
    }

    // bf16 (opt-in) against torchvision's fp32 logits: every logit within 2.5% of the logit range, top-5 sets
    // that share at least 4 classes, and the same top-1, except between classes whose fp32 logits are closer
    // than twice this image's drift (the reference model has such near-ties, down to 0.01). Where the CPU
    // lacks bf16 (by /proc/cpuinfo), the refusal is what is checked.
    void bf16AgreesWithTorchvision_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("photo");
        QTest::addColumn<QString>("preset");
        const QJsonObject photos = test::reference()["photos"].toObject();
        for (auto it = photos.begin(); it != photos.end(); ++it)
            for (const char* preset : {"v1", "v2"}) {
                const QJsonObject logits = it.value()[QString(preset)]["logits"].toObject();
                for (auto arch = logits.begin(); arch != logits.end(); ++arch)
                    QTest::newRow(qPrintable(arch.key() + " " + it.key() + " " + preset))
                        << arch.key() << it.key() << QString(preset);
            }
    }

    void bf16AgreesWithTorchvision()
    {
        QFETCH(QString, arch);
        QFETCH(QString, photo);
        QFETCH(QString, preset);
        auto& slot = m_bf16[arch];
        if (!slot) {
            ClassifierOptions options;
            options.weights = test::referencePath(test::reference()["checkpoints"][arch].toString());
            options.precision = Precision::Bf16;
            auto created = Classifier::create(options);
            if (!test::cpuHasBf16()) {
                QVERIFY(!created.ok());
                QCOMPARE(created.error().kind, ErrorKind::Unsupported);
                QVERIFY2(created.message().find(test::kBf16Refusal) != std::string::npos,
                         created.message().c_str());
                return;
            }
            QVERIFY2(created.ok(), created.message().c_str());
            slot = std::move(*created);
        }
        QCOMPARE(slot->precision(), Precision::Bf16);
        QCOMPARE(slot->engineName(), std::string("oneDNN, BatchNorm folded, bf16"));

        const QJsonObject ref = test::reference()["photos"][photo][preset].toObject();
        auto image = decodeImage(QDir(test::dataDir()).filePath(photo).toStdString());
        QVERIFY2(image.ok(), image.message().c_str());
        auto options = presetByName(preset.toStdString());
        QVERIFY(options.ok());
        const PreprocessedImage input = preprocess(*image, *options);
        // With the last stage kept, as the maps need: the same forward pass.
        auto results = slot->classify(input.chw.data(), 1, options->crop, 5, true);
        QVERIFY2(results.ok(), results.message().c_str());
        const Classification& result = results->front();
        QVERIFY(!result.lastStage.values.empty());

        const std::vector<float> expected = test::toFloats(ref["logits"][arch].toArray());
        QCOMPARE(result.logits.size(), expected.size());
        const auto [lo, hi] = std::minmax_element(expected.begin(), expected.end());
        float drift = 0;
        for (std::size_t i = 0; i < expected.size(); ++i)
            drift = std::max(drift, std::abs(result.logits[i] - expected[i]));
        QVERIFY2(drift <= 0.025f * (*hi - *lo),
                 qPrintable(QString("logit drift %1, range %2").arg(drift).arg(*hi - *lo)));
        const QJsonArray top5 = ref["top5"][arch].toArray();
        const int top1 = result.top.front().index;
        if (top1 != top5[0].toInt()) {
            const float gap = expected[std::size_t(top5[0].toInt())] - expected[std::size_t(top1)];
            QVERIFY2(gap < 2 * drift,
                     qPrintable(QString("top-1 %1 instead of %2, whose fp32 logit is %3 higher (drift %4)")
                                    .arg(top1)
                                    .arg(top5[0].toInt())
                                    .arg(gap)
                                    .arg(drift)));
        }
        int shared = 0;
        for (const ClassScore& score : result.top)
            for (const QJsonValue index : top5)
                shared += score.index == index.toInt();
        QVERIFY2(shared >= 4, qPrintable(QString("top-5 sets share %1 classes").arg(shared)));
    }

    void topKOrdersAndNormalises()
    {
        const std::vector<float> logits = {1.f, 3.f, 2.f, 3.f};
        const auto top = topK(logits, 3, {"a", "b", "c", "d"});
        QCOMPARE(top.size(), std::size_t(3));
        QCOMPARE(top[0].index, 1); // ties keep the lower index first
        QCOMPARE(top[1].index, 3);
        QCOMPARE(top[2].index, 2);
        QCOMPARE(top[0].label, std::string("b"));
        double sum = 0;
        for (float l : logits)
            sum += std::exp(l - 3.0);
        QVERIFY(std::abs(top[2].probability - std::exp(-1.0) / sum) < 1e-6);
    }

    void strictLoadRejectsOtherArchitecture()
    {
        ClassifierOptions options;
        options.weights = test::referencePath("resnet18.pth");
        options.arch = "resnet34";
        auto created = Classifier::create(options);
        QVERIFY(!created.ok());
        // Names the file and a key resnet34 has that resnet18 lacks.
        QVERIFY2(created.message().find("resnet18.pth") != std::string::npos, created.message().c_str());
        QVERIFY2(created.message().find("layer1.2.conv1.weight") != std::string::npos,
                 created.message().c_str());
    }

    void activationMapsMatchTorchvision_data()
    {
        QTest::addColumn<int>("entry");
        QTest::addColumn<bool>("fast");
        const QJsonArray cams = test::reference()["cams"].toArray();
        // 3 checkpoints and the 10-class head, 2 photos, 2 presets, 2 ranks.
        QVERIFY2(cams.size() >= 32, qPrintable(QString::number(cams.size())));
        for (int i = 0; i < cams.size(); ++i) {
            const QJsonObject cam = cams[i].toObject();
            for (bool fast : {false, true})
                QTest::newRow(qPrintable(
                    QString("%1 %2 %3 rank %4%5")
                        .arg(cam["checkpoint"].toString(), cam["photo"].toString(), cam["preset"].toString())
                        .arg(cam["rank"].toInt())
                        .arg(fast ? " fast" : "")))
                    << i << fast;
        }
    }

    // The map of torchvision's layer4 output and fc weights (a forward hook in the reference generator),
    // from the same forward pass as the prediction; its mean plus the class's bias is the class's logit.
    void activationMapsMatchTorchvision()
    {
        QFETCH(int, entry);
        QFETCH(bool, fast);
        const QJsonObject cam = test::reference()["cams"].toArray()[entry].toObject();
        Classifier* classifier = classifierFor(cam["checkpoint"].toString(), fast);
        QVERIFY(classifier);
        auto input = readNpyFloat32(test::referencePath(
            test::reference()["photos"][cam["photo"].toString()][cam["preset"].toString()]["input"]
                .toString()));
        QVERIFY2(input.ok(), input.message().c_str());
        const int crop = static_cast<int>(input->shape.back());
        auto results = classifier->classify(input->data.data(), 1, crop, 5, /*keepLastStage=*/true);
        QVERIFY2(results.ok(), results.message().c_str());
        const Classification& result = results->front();
        const int classIndex = cam["class"].toInt();
        QCOMPARE(result.top[std::size_t(cam["rank"].toInt() - 1)].index, classIndex);
        auto map = classifier->activationMap(result.lastStage, classIndex);
        QVERIFY2(map.ok(), map.message().c_str());

        auto expected = readNpyFloat32(test::referencePath(cam["map"].toString()));
        QVERIFY2(expected.ok(), expected.message().c_str());
        QCOMPARE(std::int64_t(map->height), expected->shape[0]);
        QCOMPARE(std::int64_t(map->width), expected->shape[1]);
        const auto [lo, hi] = std::minmax_element(expected->data.begin(), expected->data.end());
        float worst = 0;
        double sum = 0;
        for (std::size_t i = 0; i < map->values.size(); ++i) {
            worst = std::max(worst, std::abs(map->values[i] - expected->data[i]));
            sum += map->values[i];
        }
        QVERIFY2(worst <= 1e-3f * (*hi - *lo),
                 qPrintable(QString("max map difference %1 of a range %2").arg(worst).arg(*hi - *lo)));
        const double logit = cam["logit"].toDouble();
        const double fromMap = sum / double(map->values.size()) + cam["bias"].toDouble();
        QVERIFY2(std::abs(fromMap - logit) <= 1e-4 * std::max(1.0, std::abs(logit)),
                 qPrintable(QString("mean + bias %1, logit %2").arg(fromMap).arg(logit)));
    }

    void activationMapRefusesAnotherClass()
    {
        Classifier* classifier = classifierFor(QStringLiteral("resnet18"), true);
        QVERIFY(classifier);
        FeatureMaps none;
        QVERIFY(!classifier->activationMap(none, 1000).ok());
        QVERIFY(!classifier->activationMap(none, -1).ok());
        QVERIFY(!classifier->activationMap(none, 0).ok()); // no last stage
    }

    void tenClassHead()
    {
        ClassifierOptions options;
        options.weights = test::referencePath("resnet18_10cls.pth");
        auto created = Classifier::create(options);
        QVERIFY2(created.ok(), created.message().c_str());
        QCOMPARE((*created)->architecture().numClasses, 10);
        QCOMPARE((*created)->labels().front(), std::string("class 0"));
    }
};

QTEST_GUILESS_MAIN(TestClassifier)
#include "tst_classifier.moc"
