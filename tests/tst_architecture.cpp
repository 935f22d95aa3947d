// Architecture detection and expected state-dict layout, against torchvision's own state dicts.

#include "TestSupport.h"
#include "model/Architecture.h"

using namespace lens;

class TestArchitecture : public QObject {
    Q_OBJECT

private:
    static ShapeList torchvisionShapes(const QJsonObject& arch)
    {
        ShapeList shapes;
        for (const auto& entry : arch["state_dict"].toArray()) {
            const QJsonArray item = entry.toArray();
            const auto dtype = dtypeFromTorchName(item[2].toString().toStdString());
            shapes.push_back({item[0].toString().toStdString(), test::toInts(item[1].toArray()),
                              dtype.value_or(DType::Bool)});
        }
        return shapes;
    }

    static QJsonObject archs()
    {
        return test::readJsonFile(QDir(test::referenceDir()).filePath("arch_shapes.json"))["archs"]
            .toObject();
    }

private Q_SLOTS:
    void detect_data()
    {
        QTest::addColumn<QString>("variant");
        const QJsonObject all = archs();
        QVERIFY(all.size() >= 10);
        for (auto it = all.begin(); it != all.end(); ++it)
            QTest::newRow(qPrintable(it.key())) << it.key();
    }

    void detect()
    {
        QFETCH(QString, variant);
        const QJsonObject arch = archs()[variant].toObject();
        auto spec = detectArchitecture(torchvisionShapes(arch));
        QVERIFY2(spec.ok(), spec.message().c_str());
        QCOMPARE(QString::fromStdString(spec->name), arch["arch"].toString());
        QCOMPARE(spec->numClasses, arch["num_classes"].toInt());
    }

    void expectedShapesMatchTorchvision_data() { detect_data(); }

    void expectedShapesMatchTorchvision()
    {
        QFETCH(QString, variant);
        const QJsonObject arch = archs()[variant].toObject();
        auto spec = architectureByName(arch["arch"].toString().toStdString());
        QVERIFY2(spec.ok(), spec.message().c_str());
        spec->numClasses = arch["num_classes"].toInt();
        const ShapeList ours = expectedShapes(*spec);
        const ShapeList theirs = torchvisionShapes(arch);
        QCOMPARE(ours.size(), theirs.size());
        std::int64_t parameters = 0;
        for (std::size_t i = 0; i < ours.size(); ++i) {
            QCOMPARE(QString::fromStdString(ours[i].key), QString::fromStdString(theirs[i].key));
            QVERIFY2(ours[i].shape == theirs[i].shape, ours[i].key.c_str());
            QCOMPARE(dtypeName(ours[i].dtype), dtypeName(theirs[i].dtype));
            const auto& key = ours[i].key;
            if (key.find("running_") == std::string::npos && key.find("num_batches") == std::string::npos) {
                std::int64_t n = 1;
                for (auto d : ours[i].shape)
                    n *= d;
                parameters += n;
            }
        }
        QCOMPARE(parameters, static_cast<std::int64_t>(arch["params"].toDouble()));
        QCOMPARE(parameterCount(*spec), parameters);
    }

    void rejectsNonResNet()
    {
        auto spec = detectArchitecture(
            {{"features.0.weight", {64, 3, 11, 11}}, {"classifier.6.weight", {1000, 4096}}});
        QVERIFY(!spec.ok());
        QVERIFY(spec.message().find("not a ResNet") != std::string::npos);
    }

    void unknownNameListsKnownOnes()
    {
        auto spec = architectureByName("resnet51");
        QVERIFY(!spec.ok());
        QVERIFY(spec.message().find("resnet51") != std::string::npos);
        QVERIFY(spec.message().find("wide_resnet101_2") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestArchitecture)
#include "tst_architecture.moc"
