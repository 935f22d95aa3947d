// The weights catalog against torchvision's own metadata (read at test time from Debian's
// python3-torchvision), and the torch.hub cache directory against torch.hub.get_dir().

#include "TestSupport.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <cmath>

using namespace lens;

namespace {

QString python()
{
    return qEnvironmentVariable("LENS_PYTHON", "/usr/bin/python3");
}

QByteArray runPython(const QStringList& arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(python(), arguments);
    if (!process.waitForFinished(600000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0)
        qFatal("%s %s failed", qPrintable(python()), qPrintable(arguments.join(' ')));
    return process.readAllStandardOutput();
}

/// torchvision's entries, keyed by "ResNet50_Weights.IMAGENET1K_V2".
QMap<QString, QJsonObject> torchvisionWeights()
{
    static QMap<QString, QJsonObject> entries;
    if (entries.isEmpty()) {
        const QString script
            = QDir(qEnvironmentVariable("LENS_TEST_SUPPORT")).filePath("torchvision_weights.py");
        for (const QByteArray& line : runPython({script, "--gflops"}).trimmed().split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            entries[object["torchvision"].toString()] = object;
        }
    }
    return entries;
}

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

class TestCatalog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void entriesAreConsistent()
    {
        const auto& catalog = weightsCatalog();
        QCOMPARE(catalog.size(), std::size_t(17));
        QSet<QString> names, files;
        const QRegularExpression hex8("^[0-9a-f]{8}$");
        for (const WeightsInfo& w : catalog) {
            QVERIFY2(!names.contains(q(w.name)), w.name.c_str());
            QVERIFY2(!files.contains(q(w.fileName)), w.fileName.c_str());
            names.insert(q(w.name));
            files.insert(q(w.fileName));
            QVERIFY2(q(w.name).startsWith(q(w.arch) + ".v"), w.name.c_str());
            QCOMPARE(q(w.torchvisionName).section('_', -1), "V" + q(w.name).section(".v", -1));
            QCOMPARE(q(w.url), "https://download.pytorch.org/models/" + q(w.fileName));
            QVERIFY2(q(w.fileName).startsWith(q(w.arch) + "-") && q(w.fileName).endsWith(".pth"),
                     w.fileName.c_str());
            QVERIFY2(hex8.match(q(w.hashPrefix)).hasMatch(), w.hashPrefix.c_str());
            QCOMPARE(q(hashPrefixFromFileName(w.fileName)), q(w.hashPrefix));
            QCOMPARE(q(w.fileName), q(w.arch) + "-" + q(w.hashPrefix) + ".pth");
            QVERIFY(w.preset == "v1" || w.preset == "v2");
            QVERIFY(w.acc1 > 60 && w.acc1 < w.acc5 && w.acc5 < 100);
            QVERIFY(w.params > 1000000 && w.gflops > 1 && w.sizeBytes >= 0);
        }
    }

    void matchesTorchvision()
    {
        const QMap<QString, QJsonObject> theirs = torchvisionWeights();
        QCOMPARE(theirs.size(), int(weightsCatalog().size())); // every ResNet-family enum entry, no more
        for (const WeightsInfo& w : weightsCatalog()) {
            QVERIFY2(theirs.contains(q(w.torchvisionName)), w.torchvisionName.c_str());
            const QJsonObject t = theirs[q(w.torchvisionName)];
            QCOMPARE(q(w.arch), t["arch"].toString());
            QCOMPARE(q(w.url), t["url"].toString());
            QCOMPARE(t["crop"].toInt(), 224);
            QCOMPARE(q(w.preset), t["resize"].toInt() == 232 ? QString("v2") : QString("v1"));
            QVERIFY(t["resize"].toInt() == 232 || t["resize"].toInt() == 256);
            QCOMPARE(w.acc1, t["acc1"].toDouble());
            QCOMPARE(w.acc5, t["acc5"].toDouble());
            QCOMPARE(w.params, t["params"].toInteger());
            QVERIFY2(
                std::abs(w.gflops - t["gflops"].toDouble()) < 0.001,
                qPrintable(QString("%1: %2 vs %3").arg(q(w.name)).arg(w.gflops).arg(t["gflops"].toDouble())));
        }
    }

    void lookupByName()
    {
        auto found = weightsByName("resnet50.v2");
        QVERIFY2(found.ok(), found.message().c_str());
        QCOMPARE(q(found->fileName), QString("resnet50-11ad3fa6.pth"));
        QCOMPARE(q(found->preset), QString("v2"));
        QCOMPARE(q(weightsByName("resnext101_64x4d.v1")->preset), QString("v2")); // trained at 232
        auto unknown = weightsByName("resnet50.v3");
        QVERIFY(!unknown.ok());
        QVERIFY2(q(unknown.message()).contains("resnet50.v3")
                     && q(unknown.message()).contains("wide_resnet101_2.v2"),
                 unknown.message().c_str());
        QVERIFY(weightsByFileName("resnet18-f37072fd.pth") != nullptr);
        QVERIFY(weightsByFileName("resnet18-5c106cde.pth") == nullptr);
    }

    void mirrorBaseUrl_data()
    {
        QTest::addColumn<QString>("mirror");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unset") << ""
                               << "https://download.pytorch.org/models/resnet18-f37072fd.pth";
        QTest::newRow("with slash") << "http://mirror.example/m/"
                                    << "http://mirror.example/m/resnet18-f37072fd.pth";
        QTest::newRow("without slash") << "http://mirror.example/m"
                                       << "http://mirror.example/m/resnet18-f37072fd.pth";
    }

    void mirrorBaseUrl()
    {
        QFETCH(QString, mirror);
        QFETCH(QString, expected);
        if (mirror.isEmpty())
            qunsetenv("RESNET_LENS_WEIGHTS_URL");
        else
            qputenv("RESNET_LENS_WEIGHTS_URL", mirror.toUtf8());
        const std::string url = weightsUrl(weightsByName("resnet18.v1").value());
        qunsetenv("RESNET_LENS_WEIGHTS_URL");
        QCOMPARE(q(url), expected);
    }

    void hashPrefixFromFileNames_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("torchvision") << "resnet50-0676ba61.pth"
                                     << "0676ba61";
        QTest::newRow("underscores") << "wide_resnet50_2-95faca4d.pth"
                                     << "95faca4d";
        QTest::newRow("dashes in name") << "my-model-v2-0123abcd.pt"
                                        << "0123abcd";
        QTest::newRow("longer prefix") << "x-0123456789abcdef.pth"
                                       << "0123456789abcdef";
        QTest::newRow("no hash") << "resnet50.pth"
                                 << "";
        QTest::newRow("too short") << "resnet50-0676.pth"
                                   << "";
        QTest::newRow("upper case") << "resnet50-0676BA61.pth"
                                    << "";
        QTest::newRow("no extension") << "resnet50-0676ba61"
                                      << "";
    }

    void hashPrefixFromFileNames()
    {
        QFETCH(QString, file);
        QFETCH(QString, prefix);
        QCOMPARE(q(hashPrefixFromFileName(file.toStdString())), prefix);
    }

    void cacheDirectoryAsTorchHub_data()
    {
        QTest::addColumn<QString>("torchHome");
        QTest::addColumn<QString>("xdgCache");
        QTest::addColumn<QString>("home");
        QTest::newRow("TORCH_HOME") << "@/th"
                                    << "@/xdg"
                                    << "@/home";
        QTest::newRow("XDG_CACHE_HOME") << ""
                                        << "@/xdg"
                                        << "@/home";
        QTest::newRow("HOME") << ""
                              << ""
                              << "@/home";
        QTest::newRow("TORCH_HOME with ~") << "~/th"
                                           << ""
                                           << "@/home";
    }

    // hubCheckpointsDir() == torch.hub.get_dir() + "/checkpoints" with the same environment.
    void cacheDirectoryAsTorchHub()
    {
        QFETCH(QString, torchHome);
        QFETCH(QString, xdgCache);
        QFETCH(QString, home);
        QTemporaryDir dir;
        auto set = [&](const char* name, QString value) {
            value.replace("@", dir.path());
            if (value.isEmpty())
                qunsetenv(name);
            else
                qputenv(name, value.toUtf8());
        };
        const QByteArray savedHome = qgetenv("HOME");
        set("TORCH_HOME", torchHome);
        set("XDG_CACHE_HOME", xdgCache);
        set("HOME", home);
        const QString ours = q(hubCheckpointsDir());
        const QString torchs = QString::fromUtf8(
            runPython({"-c", "import torch.hub; print(torch.hub.get_dir() + '/checkpoints')"}).trimmed());
        qputenv("HOME", savedHome);
        QCOMPARE(ours, torchs);
        QVERIFY(ours.startsWith(dir.path()));
    }

    void defaultWeightsPreferV2()
    {
        QTemporaryDir home;
        qputenv("TORCH_HOME", home.path().toUtf8());
        const QString dir = home.filePath("hub/checkpoints");
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(!findDefaultWeights());
        auto touch = [&](const QString& name) {
            QFile file(QDir(dir).filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
        };
        touch("resnet50-19c8e357.pth");
        QCOMPARE(q(findDefaultWeights()->preset), QString("v1"));
        touch("resnet50-0676ba61.pth");
        QCOMPARE(q(findDefaultWeights()->path), QDir(dir).filePath("resnet50-0676ba61.pth"));
        touch("resnet50-11ad3fa6.pth");
        auto found = findDefaultWeights();
        QCOMPARE(q(found->path), QDir(dir).filePath("resnet50-11ad3fa6.pth"));
        QCOMPARE(q(found->preset), QString("v2"));
        QCOMPARE(q(found->name), QString("resnet50.v2"));
    }
};

QTEST_GUILESS_MAIN(TestCatalog)
#include "tst_catalog.moc"
