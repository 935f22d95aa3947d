// The pretrained weights picker (Model > Pretrained Weights…), driven through the real window under the
// offscreen platform, with TORCH_HOME at a fresh temporary cache in every test and downloads from the local
// test server (tests/support/weights_server.py). The catalog's file names carry torchvision's real hash
// prefixes, which a generated checkpoint cannot match; so catalog entries are shown as cached by copying the
// reference checkpoints into the cache under their file names (a cache hit is trusted, as torch.hub does),
// a download of a catalog entry from the server checks the hash-mismatch path, and a successful, a
// cancelled and a resumed download use an entry naming the reference checkpoint by its own hash.

#include "MainWindow.h"
#include "MessageBanner.h"
#include "PredictionModel.h"
#include "PreprocessPanel.h"
#include "PresetEditor.h"
#include "TestSupport.h"
#include "WeightsCatalogModel.h"
#include "WeightsPicker.h"
#include "support/GapMeter.h"
#include "support/PredictionIndices.h"
#include "support/TestWindows.h"
#include "support/WeightsServer.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <QAction>
#include <QCryptographicHash>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QThread>
#include <memory>

using namespace lens;

namespace {

constexpr int kTimeout = 120000;

const auto photo = test::photoFile;
const auto checkpoint = test::referenceFile;
using test::openAndWait;
using test::referenceTop5;

QString catalogFile(const QString& name)
{
    return QString::fromStdString(weightsByName(name.toStdString())->fileName);
}

const auto indices = test::predictionIndices;

} // namespace

class TestWeightsPicker : public QObject {
    Q_OBJECT

    test::WindowFactory m_windows {kTimeout};
    QTemporaryDir m_root; // what the server serves
    std::unique_ptr<test::WeightsServer> m_server;
    std::unique_ptr<QTemporaryDir> m_home; // TORCH_HOME of the current test
    WeightsInfo m_own; // an entry naming the reference resnet18.pth by its real hash prefix

    QString cacheDir() const { return m_home->filePath("hub/checkpoints"); }
    QStringList cacheEntries() const { return QDir(cacheDir()).entryList(QDir::Files); }

    void putInCache(const QString& source, const QString& name)
    {
        QVERIFY(QDir().mkpath(cacheDir()));
        QVERIFY(QFile::copy(source, QDir(cacheDir()).filePath(name)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // Proxies of the machine must not reroute requests to 127.0.0.1.
        for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            qunsetenv(name);
        qunsetenv("RESNET_LENS_WEIGHTS_URL");

        // torchvision's file name for resnet18, holding other bytes: its hash cannot match.
        QVERIFY(QFile::copy(checkpoint("resnet18.pth"), m_root.filePath(catalogFile("resnet18.v1"))));
        QFile file(checkpoint("resnet18.pth"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray hash = QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
        m_own = *weightsByName("resnet18.v1");
        m_own.name = "resnet18.test";
        m_own.hashPrefix = hash.left(8).toStdString();
        m_own.fileName = "resnet18-" + m_own.hashPrefix + ".pth";
        m_own.url = "https://download.pytorch.org/models/" + m_own.fileName;
        QVERIFY(
            QFile::copy(checkpoint("resnet18.pth"), m_root.filePath(QString::fromStdString(m_own.fileName))));
        m_server = std::make_unique<test::WeightsServer>(m_root.path());
    }

    void init()
    {
        m_home = std::make_unique<QTemporaryDir>();
        qputenv("TORCH_HOME", m_home->path().toUtf8());
        qunsetenv("RESNET_LENS_WEIGHTS_URL");
    }

    void catalogWithCacheState()
    {
        auto window = m_windows.make();
        // No weights: the banner offers a file and the picker.
        QVERIFY(window->banner()->actions().contains(window->downloadWeightsAction()));
        QCOMPARE(window->banner()->action(), window->loadCheckpointAction());
        window->downloadWeightsAction()->trigger();
        WeightsPicker* picker = window->weightsPicker();
        QVERIFY(picker->isVisible());

        const WeightsCatalogModel* model = picker->model();
        QCOMPARE(model->rowCount(), int(weightsCatalog().size()));
        const int v2 = model->rowOf("resnet50.v2");
        QVERIFY(v2 >= 0);
        const auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
            return model->index(row, column).data(role);
        };
        QCOMPARE(cell(v2, WeightsCatalogModel::Arch).toString(), QString("resnet50"));
        QCOMPARE(cell(v2, WeightsCatalogModel::Preset).toString(), QString("v2"));
        QCOMPARE(cell(v2, WeightsCatalogModel::Acc1, WeightsCatalogModel::ValueRole).toDouble(), 80.858);
        QCOMPARE(cell(v2, WeightsCatalogModel::Acc5).toString(), QString("95.434"));
        QCOMPARE(cell(v2, WeightsCatalogModel::Params).toString(), QString("25.6 M"));
        QVERIFY(cell(v2, WeightsCatalogModel::GFlops, WeightsCatalogModel::ValueRole).toDouble() > 4);
        QCOMPARE(cell(v2, WeightsCatalogModel::Cached).toString(), QString("not cached"));
        QVERIFY(cell(v2, WeightsCatalogModel::Path).toString().isEmpty());

        // A file in the cache under a catalog name shows as cached, with its path, the next time.
        putInCache(checkpoint("resnet18.pth"), catalogFile("resnet18.v1"));
        picker->hide();
        window->weightsAction()->trigger();
        const int r18 = model->rowOf("resnet18.v1");
        QCOMPARE(cell(r18, WeightsCatalogModel::Cached).toString(), QString("cached"));
        QCOMPARE(cell(r18, WeightsCatalogModel::Path).toString(),
                 QDir(cacheDir()).filePath(catalogFile("resnet18.v1")));
        QCOMPARE(cell(v2, WeightsCatalogModel::Cached).toString(), QString("not cached"));

        QVERIFY(picker->select("resnet18.v1"));
        QVERIFY(picker->useButton()->isEnabled());
        QVERIFY(!picker->downloadButton()->isEnabled());
        QVERIFY(picker->select("resnet50.v2"));
        QVERIFY(!picker->useButton()->isEnabled());
        QVERIFY(picker->downloadButton()->isEnabled());

        // Sorting by accuracy puts the best weights first.
        picker->view()->sortByColumn(WeightsCatalogModel::Acc1, Qt::DescendingOrder);
        QCOMPARE(picker->view()->model()->index(0, WeightsCatalogModel::Name).data().toString(),
                 QString("resnext101_64x4d.v1"));
    }

    void useLoadsCachedWeights_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("photoName");
        QTest::newRow("resnet18.v1 (preset v1) coffee.png") << "resnet18.v1"
                                                            << "resnet18.pth"
                                                            << "resnet18"
                                                            << "v1"
                                                            << "coffee.png";
        QTest::newRow("resnet50.v2 (preset v2) chelsea.png") << "resnet50.v2"
                                                             << "resnet50.pth"
                                                             << "resnet50"
                                                             << "v2"
                                                             << "chelsea.png";
    }

    void useLoadsCachedWeights()
    {
        QFETCH(QString, name);
        QFETCH(QString, file);
        QFETCH(QString, arch);
        QFETCH(QString, preset);
        QFETCH(QString, photoName);
        auto window = m_windows.make();
        QVERIFY(window->modelArch().isEmpty());
        putInCache(checkpoint(file), catalogFile(name));

        window->showWeightsPicker();
        WeightsPicker* picker = window->weightsPicker();
        QVERIFY(picker->select(name));
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        picker->useButton()->click();
        QVERIFY(loaded.wait(kTimeout));
        QCOMPARE(loaded.first().first().toBool(), true);
        QVERIFY(!picker->isVisible());
        QCOMPARE(window->modelArch(), arch);
        QCOMPARE(window->preprocessPanel()->presetEditor()->presetName(), preset);
        QVERIFY(window->banner()->text().isEmpty()); // the no-weights message is gone
        // The picker marks the weights in use.
        const int row = picker->model()->rowOf(name);
        QCOMPARE(picker->model()->inUseRow(), row);
        QCOMPARE(picker->model()->index(row, WeightsCatalogModel::Cached).data().toString(),
                 QString("in use"));

        QVERIFY(openAndWait(*window, photo(photoName)));
        QCOMPARE(indices(window->predictions()), referenceTop5(photoName, preset, arch));
    }

    // Every entry shows its download size; torchvision's files hold the parameters (and a little more:
    // BatchNorm statistics, the pickle and zip container) as float32, or float16 for a few (the V1
    // wide_resnet weights), so the size is a little over four or two bytes a parameter.
    void sizeColumnFilled()
    {
        WeightsCatalogModel model(weightsCatalog());
        for (int r = 0; r < model.rowCount(); ++r) {
            const WeightsInfo& entry = model.entry(r);
            const QString shown = model.index(r, WeightsCatalogModel::Size).data().toString();
            QVERIFY2(shown.endsWith(QStringLiteral(" MB")), qPrintable(QString::fromStdString(entry.name)));
            const double bytes
                = model.index(r, WeightsCatalogModel::Size).data(WeightsCatalogModel::ValueRole).toDouble();
            const auto about = [&](double perParameter) {
                const double floor = perParameter * double(entry.params);
                return bytes >= floor && bytes < floor * 1.02;
            };
            QVERIFY2(about(4) || about(2),
                     qPrintable(QStringLiteral("%1: %2 bytes for %3 parameters")
                                    .arg(QString::fromStdString(entry.name))
                                    .arg(bytes)
                                    .arg(entry.params)));
        }
    }

    void downloadErrorsShownInline_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("payload not matching the catalog hash") << "models"
                                                               << "SHA-256";
        QTest::newRow("HTTP 404") << "status/404"
                                  << "HTTP 404";
        QTest::newRow("connection refused") << ""
                                            << "connect";
    }

    void downloadErrorsShownInline()
    {
        QFETCH(QString, mode);
        QFETCH(QString, mustSay);
        const QString base = mode.isEmpty() ? QString("http://127.0.0.1:%1/models/").arg(test::closedPort())
                                            : m_server->base(mode);
        qputenv("RESNET_LENS_WEIGHTS_URL", base.toUtf8());
        auto window = m_windows.make();
        window->showWeightsPicker();
        WeightsPicker* picker = window->weightsPicker();
        QCOMPARE(picker->workerThread()->objectName(), QString("WeightsDownload"));
        QVERIFY(picker->select("resnet18.v1"));

        test::GapMeter meter;
        QSignalSpy finished(picker, &WeightsPicker::downloadFinished);
        picker->downloadButton()->click();
        QVERIFY(picker->downloading());
        QVERIFY(!picker->downloadButton()->isEnabled());
        QVERIFY(picker->cancelButton()->isEnabled());
        QVERIFY(finished.wait(kTimeout));
        qInfo("%s: failed after %lld ms; longest event-loop gap %lld ms", qPrintable(mode), meter.elapsed(),
              meter.maxGap());
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(meter.maxGap())));
        QCOMPARE(finished.first().first().toBool(), false);

        const QString message = picker->banner()->text();
        QCOMPARE(picker->banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY2(message.startsWith("Could not download resnet18.v1: ") && message.contains(mustSay),
                 qPrintable(message));
        QVERIFY(cacheEntries().isEmpty()); // nothing cached, no .partial
        const int row = picker->model()->rowOf("resnet18.v1");
        QCOMPARE(picker->model()->index(row, WeightsCatalogModel::Cached).data().toString(),
                 QString("not cached"));
        QVERIFY(picker->downloadButton()->isEnabled()); // can be tried again
        QVERIFY(!picker->useButton()->isEnabled());
        QVERIFY(window->modelArch().isEmpty());
    }

    void downloadThenUse()
    {
        qputenv("RESNET_LENS_WEIGHTS_URL", m_server->base("models").toUtf8());
        auto window = m_windows.make();
        WeightsPicker picker({*weightsByName("resnet50.v2"), m_own});
        connect(&picker, &WeightsPicker::useRequested, window.get(), &MainWindow::usePretrained);
        picker.show();
        QVERIFY(picker.select("resnet18.test"));

        test::GapMeter meter;
        QSignalSpy finished(&picker, &WeightsPicker::downloadFinished);
        QSignalSpy progress(picker.progressBar(), &QProgressBar::valueChanged);
        QVERIFY(picker.download());
        QVERIFY(finished.wait(kTimeout));
        qInfo("downloaded %s in %lld ms; longest event-loop gap %lld ms", m_own.fileName.c_str(),
              meter.elapsed(), meter.maxGap());
        QVERIFY2(meter.maxGap() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(meter.maxGap())));
        QVERIFY2(finished.first().first().toBool(), qPrintable(picker.banner()->text()));
        bool full = false; // the last report, at 100 %, reached the bar
        for (const auto& value : progress)
            full = full || value.first().toInt() == 1000;
        QVERIFY(full);
        QVERIFY2(picker.progressText().contains("MB"), qPrintable(picker.progressText()));

        // The row shows it cached at once, and Use loads it.
        const QString path = QDir(cacheDir()).filePath(QString::fromStdString(m_own.fileName));
        QCOMPARE(cacheEntries(), QStringList {QString::fromStdString(m_own.fileName)});
        const int row = picker.model()->rowOf("resnet18.test");
        QCOMPARE(picker.model()->index(row, WeightsCatalogModel::Cached).data().toString(),
                 QString("cached"));
        QCOMPARE(picker.model()->cachedPath(row), path);
        QCOMPARE(picker.selectedRow(), row);
        QVERIFY(picker.useButton()->isEnabled());
        QSignalSpy loaded(window.get(), &MainWindow::modelLoadFinished);
        picker.useButton()->click();
        QVERIFY(loaded.wait(kTimeout));
        QCOMPARE(window->modelArch(), QString("resnet18"));
        QVERIFY(openAndWait(*window, photo("coffee.png")));
        QCOMPARE(indices(window->predictions()), referenceTop5("coffee.png", "v1", "resnet18"));
    }

    void cancelThenResume()
    {
        qputenv("RESNET_LENS_WEIGHTS_URL", m_server->base("slow").toUtf8()); // 16 KiB every 20 ms
        WeightsPicker picker({m_own});
        picker.show();
        QVERIFY(picker.select("resnet18.test"));
        QSignalSpy finished(&picker, &WeightsPicker::downloadFinished);
        QVERIFY(picker.download());
        QTRY_VERIFY_WITH_TIMEOUT(picker.progressText().contains(" of "), 30000);
        QVERIFY2(picker.progressText().contains("MB/s"), qPrintable(picker.progressText()));
        picker.cancelButton()->click();
        QVERIFY(finished.wait(kTimeout));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(picker.banner()->kind(), MessageBanner::Kind::Info);
        QVERIFY2(picker.banner()->text().contains("cancelled"), qPrintable(picker.banner()->text()));
        const QStringList left = cacheEntries();
        QCOMPARE(left.size(), 1);
        QVERIFY(left.first().endsWith(".partial")); // kept for resuming, never under the final name
        QVERIFY(picker.model()->cachedPath(0).isEmpty());

        // The next download resumes from the .partial.
        qputenv("RESNET_LENS_WEIGHTS_URL", m_server->base("models").toUtf8());
        finished.clear();
        QVERIFY(picker.download());
        QVERIFY(finished.wait(kTimeout));
        QVERIFY2(finished.first().first().toBool(), qPrintable(picker.banner()->text()));
        QVERIFY(!m_server->requests().back()["range"].isNull());
        QCOMPARE(cacheEntries(), QStringList {QString::fromStdString(m_own.fileName)});
    }
};

QTEST_MAIN(TestWeightsPicker)
#include "tst_weightspicker.moc"
