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
            const QJsonArray pair = entry.toArray();
            shapes.push_back({pair[0].toString().toStdString(), test::toInts(pair[1].toArray())});
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
            QCOMPARE(QString::fromStdString(ours[i].first), QString::fromStdString(theirs[i].first));
            QVERIFY2(ours[i].second == theirs[i].second, ours[i].first.c_str());
            const auto& key = ours[i].first;
            if (key.find("running_") == std::string::npos && key.find("num_batches") == std::string::npos) {
                std::int64_t n = 1;
                for (auto d : ours[i].second)
                    n *= d;
                parameters += n;
            }
        }
        QCOMPARE(parameters, static_cast<std::int64_t>(arch["params"].toDouble()));
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
