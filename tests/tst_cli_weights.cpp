// resnet-lens-cli weights list|path|download, and classify --weights NAME, as a user runs them. Every test
// runs the CLI with TORCH_HOME pointing at a fresh temporary cache; downloads come from the local test
// server (tests/support/weights_server.py) through RESNET_LENS_WEIGHTS_URL or a URL.

#include "TestSupport.h"
#include "support/WeightsServer.h"
#include "weights/Catalog.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <memory>

using namespace lens;

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;

const auto ref = test::referenceFile;
const auto photo = test::photoFile;

/// The class indices of one classify --json line.
QList<int> topIndices(const QByteArray& line)
{
    QList<int> out;
    for (const auto& entry : QJsonDocument::fromJson(line).object()["top"].toArray())
        out << entry.toObject()["index"].toInt();
    return out;
}

} // namespace

class TestCliWeights : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_home;

    QString cacheDir() const { return m_home->filePath("hub/checkpoints"); }
    QString cached(const QString& name) const { return QDir(cacheDir()).filePath(name); }

    // Puts a file into the cache under a catalog file name (the cache is trusted without re-hashing, as
    // torch.hub does, so the reference checkpoints can stand in for the real weights).
    void cache(const QString& source, const QString& name)
    {
        QVERIFY(QDir().mkpath(cacheDir()));
        QVERIFY(QFile::copy(source, cached(name)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            qunsetenv(name);
        qunsetenv("RESNET_LENS_WEIGHTS_URL");
    }

    void init()
    {
        m_home = std::make_unique<QTemporaryDir>();
        qputenv("TORCH_HOME", m_home->path().toUtf8());
        qputenv("XDG_CACHE_HOME", m_home->filePath("xdg").toUtf8());
    }

    void listShowsEveryEntry()
    {
        cache(ref("resnet18.pth"), "resnet18-f37072fd.pth");
        const Run table = runCli({"weights", "list"});
        QVERIFY2(table.exitCode == 0, table.err.constData());
        QVERIFY(table.out.contains(cacheDir().toUtf8()));
        for (const WeightsInfo& w : weightsCatalog())
            QVERIFY2(table.out.contains(QByteArray::fromStdString(w.name)), w.name.c_str());

        const Run json = runCli({"weights", "list", "--json"});
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const QList<QByteArray> lines = json.out.trimmed().split('\n');
        QCOMPARE(std::size_t(lines.size()), weightsCatalog().size());
        int cachedCount = 0;
        for (const QByteArray& line : lines) {
            const QJsonObject entry = QJsonDocument::fromJson(line).object();
            QVERIFY(!entry["name"].toString().isEmpty());
            QCOMPARE(entry["path"].toString(), cached(entry["file"].toString()));
            QVERIFY(entry["url"].toString().endsWith(entry["file"].toString()));
            if (entry["cached"].toBool()) {
                ++cachedCount;
                QCOMPARE(entry["name"].toString(), QString("resnet18.v1"));
            }
        }
        QCOMPARE(cachedCount, 1);
    }

    void pathOfCachedAndMissingWeights()
    {
        cache(ref("resnet18.pth"), "resnet18-f37072fd.pth");
        const Run hit = runCli({"weights", "path", "resnet18.v1"});
        QCOMPARE(hit.exitCode, 0);
        QCOMPARE(QString::fromUtf8(hit.out.trimmed()), cached("resnet18-f37072fd.pth"));

        const Run miss = runCli({"weights", "path", "resnet50.v2"});
        QCOMPARE(miss.exitCode, 2);
        QVERIFY(miss.out.isEmpty());
        QVERIFY2(miss.err.contains("weights download resnet50.v2"), miss.err.constData());

        const Run unknown = runCli({"weights", "path", "resnet50.v7"});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains("resnet50.v2"), unknown.err.constData()); // lists the known names
    }

    // No server is running and the proxy points nowhere: only the cache can answer.
    void classifyByNameFromTheCacheWithoutNetwork()
    {
        cache(ref("resnet50.pth"), "resnet50-11ad3fa6.pth");
        qputenv("http_proxy", QString("http://127.0.0.1:%1").arg(test::closedPort()).toUtf8());
        qputenv("https_proxy", qgetenv("http_proxy"));
        const Run byName
            = runCli({"classify", "--weights", "resnet50.v2", "--json", photo("grace_hopper.jpg")});
        const Run byDefault = runCli({"classify", "--json", photo("grace_hopper.jpg")});
        const Run byFile = runCli(
            {"classify", "--weights", cached("resnet50-11ad3fa6.pth"), "--json", photo("grace_hopper.jpg")});
        qunsetenv("http_proxy");
        qunsetenv("https_proxy");
        QVERIFY2(byName.exitCode == 0, byName.err.constData());
        QVERIFY2(byDefault.exitCode == 0, byDefault.err.constData());
        QVERIFY2(byFile.exitCode == 0, byFile.err.constData());
        // resnet50.v2 implies preset v2: torchvision's top-5 for that photo with v2.
        QList<int> expected;
        for (const auto& index :
             test::reference()["photos"]["grace_hopper.jpg"]["v2"]["top5"]["resnet50"].toArray())
            expected << index.toInt();
        QCOMPARE(topIndices(byName.out.trimmed()), expected);
        QCOMPARE(byDefault.out, byName.out);
        QCOMPARE(byFile.out, byName.out); // a catalog file name also implies its preset
    }

    void classifyByNameNotCached()
    {
        const Run run = runCli({"classify", "--weights", "resnet152.v2", photo("chelsea.png")});
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.err.trimmed().split('\n').size(), 1);
        QVERIFY2(run.err.contains("resnet-lens-cli weights download resnet152.v2"), run.err.constData());
    }

    void classifyByUnknownName()
    {
        const Run run = runCli({"classify", "--weights", "resnet50.v9", photo("chelsea.png")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("resnet50.v9") && run.err.contains("resnet50.v2"), run.err.constData());
    }

    void downloadUrlThenClassify()
    {
        QTemporaryDir root;
        QFile checkpoint(ref("resnet18.pth"));
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        const QByteArray bytes = checkpoint.readAll();
        const QString name = "resnet18-"
            + QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().left(8) + ".pth";
        QVERIFY(QFile::copy(ref("resnet18.pth"), root.filePath(name)));
        test::WeightsServer server(root.path());

        const Run run = runCli({"weights", "download", server.base() + name});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.isEmpty(), run.err.constData()); // no progress when stderr is not a terminal
        QCOMPARE(run.out.trimmed().split('\n').size(), 1);
        QVERIFY2(run.out.contains(cached(name).toUtf8()), run.out.constData());
        QCOMPARE(QFileInfo(cached(name)).size(), bytes.size());

        const Run again = runCli({"weights", "download", server.base() + name});
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.out.contains("already cached"));
        QCOMPARE(server.requests().size(), 1);

        const Run classify
            = runCli({"classify", "--weights", cached(name), "--topk", "3", photo("chelsea.png")});
        QVERIFY2(classify.exitCode == 0, classify.err.constData());
    }

    void downloadFailuresAreOneClearLine_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("payload not matching the catalog hash") << "models"
                                                               << "SHA-256";
        QTest::newRow("HTTP 404") << "status/404"
                                  << "HTTP 404 Not Found";
        QTest::newRow("HTTP 500") << "status/500"
                                  << "HTTP 500 Internal Server Error";
        QTest::newRow("connection refused") << ""
                                            << "Couldn't connect";
    }

    // `weights download resnet18.v1` from a mirror that serves the reference checkpoint (not torchvision's
    // bytes) under torchvision's file name, or fails.
    void downloadFailuresAreOneClearLine()
    {
        QFETCH(QString, mode);
        QFETCH(QString, mustSay);
        QTemporaryDir root;
        QVERIFY(QFile::copy(ref("resnet18.pth"), root.filePath("resnet18-f37072fd.pth")));
        test::WeightsServer server(root.path());
        const QString base = mode.isEmpty() ? QString("http://127.0.0.1:%1/models/").arg(test::closedPort())
                                            : server.base(mode);
        qputenv("RESNET_LENS_WEIGHTS_URL", base.toUtf8());
        const Run run = runCli({"weights", "download", "resnet18.v1"});
        qunsetenv("RESNET_LENS_WEIGHTS_URL");
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.isEmpty());
        const QList<QByteArray> lines = run.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].startsWith("resnet-lens-cli: ") && lines[0].contains(mustSay.toUtf8()),
                 run.err.constData());
        QVERIFY(QDir(cacheDir()).entryList(QDir::Files).isEmpty()); // nothing cached, no .partial
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no action") << QStringList {"weights"};
        QTest::newRow("unknown action") << QStringList {"weights", "fetch", "resnet50.v2"};
        QTest::newRow("path without name") << QStringList {"weights", "path"};
        QTest::newRow("download unknown name") << QStringList {"weights", "download", "resnet51.v1"};
        QTest::newRow("URL without hash") << QStringList {"weights", "download", "http://127.0.0.1:1/m.pth"};
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        const Run run = runCli(arguments);
        QVERIFY2(run.exitCode == 1 || (arguments.last().contains("://") && run.exitCode == 2),
                 run.err.constData());
        QVERIFY(!run.err.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliWeights)
#include "tst_cli_weights.moc"
