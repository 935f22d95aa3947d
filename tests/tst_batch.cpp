// resnet-lens-cli batch: one row per file, errors where they belong, the same answers as classify,
// nothing lost or duplicated across kill -9 and --resume, and shards that partition the folder; and
// runBatch's per-row callback, which reports the rows exactly as they are written.

#include "TestSupport.h"
#include "batch/BatchRunner.h"
#include "batch/FileList.h"
#include "inference/Classifier.h"

#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <csignal>

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;
const auto readOutput = lens::test::readBatchOutput;
const auto rowPaths = lens::test::batchOutputPaths;

QString weights()
{
    return QString::fromStdString(lens::test::referencePath("resnet18.pth"));
}

// A folder of good photos (each copied `copies` times) and bad files.
QStringList makeFolder(const QString& dir, int copies, bool withBad)
{
    QStringList files;
    const QStringList photos = {"grace_hopper.jpg", "chelsea.png", "coffee_gray.jpg", "rocket.jpg"};
    for (int c = 0; c < copies; ++c) {
        for (const auto& photo : photos) {
            const QString target = QDir(dir).filePath(QString("%1_%2").arg(c, 3, 10, QChar('0')).arg(photo));
            QFile::copy(QDir(lens::test::dataDir()).filePath(photo), target);
            files << target;
        }
    }
    if (withBad) {
        QDir(dir).mkpath("sub");
        for (const char* bad : {"text.jpg", "truncated.jpg"}) {
            const QString target = QDir(dir).filePath(QString("sub/") + bad);
            QFile::copy(QString::fromStdString(lens::test::referencePath(QString("bad/") + bad)), target);
            files << target;
        }
        QFile empty(QDir(dir).filePath("sub/empty.png"));
        empty.open(QIODevice::WriteOnly);
        files << empty.fileName();
        QFile notes(QDir(dir).filePath("notes.txt"));
        notes.open(QIODevice::WriteOnly);
        notes.write("not an image\n");
        files << notes.fileName();
    }
    return files;
}

} // namespace

class TestBatch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mixedFolder_data()
    {
        QTest::addColumn<QString>("output");
        QTest::newRow("csv") << "out.csv";
        QTest::newRow("jsonl") << "out.jsonl";
    }

    void mixedFolder()
    {
        QFETCH(QString, output);
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 1, true);
        const QString out = dir.filePath(output);

        const Run run = runCli({"batch", folder, "-o", out, "--recursive", "--weights", weights(), "--topk",
                                "3", "--batch-size", "3", "--quiet"});
        QCOMPARE(run.exitCode, 3); // some files failed
        QVERIFY(!run.err.contains("files in")); // --quiet: no progress, no summary

        const QJsonObject result = readOutput(out);
        QVERIFY(result["malformed"].toArray().isEmpty());
        const QJsonArray rows = result["rows"].toArray();
        QCOMPARE(rows.size(), files.size());
        const QStringList paths = rowPaths(result);
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));

        // The good rows agree with classify.
        QStringList good;
        for (const auto& f : files) {
            if (!f.contains("/sub/") && !f.endsWith(".txt"))
                good << f;
        }
        const Run classify
            = runCli(QStringList {"classify", "--json", "--topk", "3", "--weights", weights()} + good);
        QCOMPARE(classify.exitCode, 0);
        QMap<QString, QJsonArray> expected;
        for (const auto& line : classify.out.trimmed().split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            QJsonArray indices;
            for (const auto& t : object["top"].toArray())
                indices << t.toObject()["index"].toInt();
            expected[object["path"].toString()] = indices;
        }
        for (const auto& value : rows) {
            const QJsonObject row = value.toObject();
            const QString path = row["path"].toString();
            if (good.contains(path)) {
                QCOMPARE(row["status"].toString(), QString("ok"));
                QCOMPARE(row["top"].toArray(), expected[path]);
            } else {
                QCOMPARE(row["status"].toString(), QString("error"));
                QVERIFY2(row["error"].toString().contains(QFileInfo(path).fileName()), qPrintable(path));
            }
        }
    }

    // The library call the desktop app uses: every row written is reported once, in the file's order.
    void rowCallbackMatchesOutput()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 1, true);
        const QString out = dir.filePath("out.jsonl");

        lens::FileListOptions listing;
        listing.recursive = true;
        auto listed = lens::listFiles({folder.toStdString()}, listing);
        QVERIFY2(listed.ok(), listed.message().c_str());
        lens::ClassifierOptions classifierOptions;
        classifierOptions.weights = weights().toStdString();
        auto classifier = lens::Classifier::create(classifierOptions);
        QVERIFY2(classifier.ok(), classifier.message().c_str());
        std::set<std::string> done;
        auto writer
            = lens::BatchWriter::open(out.toStdString(), {"resnet18", "w", "v1", "cpu", 3}, false, done);
        QVERIFY2(writer.ok(), writer.message().c_str());

        std::vector<lens::BatchRow> rows;
        lens::BatchOptions options;
        options.topk = 3;
        options.batchSize = 3;
        options.onRow = [&](const lens::BatchRow& row) { rows.push_back(row); };
        auto result = lens::runBatch(**classifier, *listed, *writer, options);
        QVERIFY2(result.ok(), result.message().c_str());
        QCOMPARE(rows.size(), std::size_t(files.size()));
        QCOMPARE(result->done, rows.size());

        const QJsonObject output = readOutput(out);
        const QJsonArray written = output["rows"].toArray();
        QCOMPARE(written.size(), int(rows.size()));
        std::size_t errors = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const QJsonObject row = written[int(i)].toObject();
            QCOMPARE(QString::fromStdString(rows[i].path), row["path"].toString());
            if (row["status"].toString() == "error") {
                ++errors;
                QCOMPARE(QString::fromStdString(rows[i].error), row["error"].toString());
                QVERIFY(rows[i].top.empty());
            } else {
                QVERIFY(rows[i].error.empty());
                QCOMPARE(rows[i].top.size(), std::size_t(3));
                QCOMPARE(rows[i].top[0].index, row["top"].toArray()[0].toInt());
            }
        }
        QCOMPARE(errors, result->failed);
        QCOMPARE(errors, std::size_t(4)); // text.jpg, truncated.jpg, empty.png, notes.txt
    }

    void killAndResume()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 8, false);
        const QString out = dir.filePath("out.csv");
        const QStringList arguments = {"batch",   folder,         "-o", out,       "--weights",
                                       weights(), "--batch-size", "2",  "--quiet", "--resume"};

        // Kill twice, at different points, then let the third run finish.
        for (int rowsBeforeKill : {3, 12}) {
            QProcess process;
            process.start(qEnvironmentVariable("LENS_CLI"), arguments);
            QVERIFY(process.waitForStarted());
            QTRY_VERIFY_WITH_TIMEOUT(
                QFile(out).size() > 0 && QFile(out).size() > 0 &&
                    [&] {
                        QFile f(out);
                        f.open(QIODevice::ReadOnly);
                        return f.readAll().count('\n') >= 2 + rowsBeforeKill;
                    }(),
                120000);
            ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
            QVERIFY(process.waitForFinished());
            QCOMPARE(process.exitStatus(), QProcess::CrashExit);
        }
        const Run finish = runCli(arguments);
        QCOMPARE(finish.exitCode, 0);

        const QJsonObject result = readOutput(out);
        QVERIFY(result["malformed"].toArray().isEmpty());
        const QStringList paths = rowPaths(result);
        QCOMPARE(paths.size(), files.size()); // exactly once each
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));
        for (const auto& value : result["rows"].toArray()) {
            const QJsonObject row = value.toObject();
            QCOMPARE(row["status"].toString(), QString("ok"));
            QCOMPARE(row["top"].toArray().size(), 5);
        }
    }

    void resumeCutsHalfWrittenRow()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 1, false);
        const QString out = dir.filePath("out.jsonl");
        QCOMPARE(runCli({"batch", folder, "-o", out, "--weights", weights(), "--quiet"}).exitCode, 0);

        // Cut the file in the middle of its last row, as a crash during a write could.
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const QByteArray content = file.readAll();
        QVERIFY(file.resize(content.size() - 40));
        file.close();

        QCOMPARE(runCli({"batch", folder, "-o", out, "--weights", weights(), "--quiet", "--resume"}).exitCode,
                 0);
        const QJsonObject result = readOutput(out);
        QVERIFY(result["malformed"].toArray().isEmpty());
        QCOMPARE(rowPaths(result).size(), files.size());
        QCOMPARE(result["run"]["model"].toString(), QString("resnet18"));
    }

    void refusesToOverwrite()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("out.csv");
        QFile existing(out);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("precious\n");
        existing.close();
        const Run run = runCli({"batch", lens::test::dataDir(), "-o", out, "--weights", weights()});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("--resume"));
        QVERIFY(existing.open(QIODevice::ReadOnly));
        QCOMPARE(existing.readAll(), QByteArray("precious\n"));
    }

    void shardsPartitionTheFolder()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 3, true);
        QStringList all;
        for (int shard = 0; shard < 3; ++shard) {
            const QString out = dir.filePath(QString("shard%1.jsonl").arg(shard));
            const Run run = runCli({"batch", folder, "-o", out, "--recursive", "--weights", weights(),
                                    "--quiet", "--shard", QString("%1/3").arg(shard)});
            QVERIFY(run.exitCode == 0 || run.exitCode == 3);
            const QStringList paths = rowPaths(readOutput(out));
            QVERIFY(!paths.isEmpty()); // with 16 files, each of 3 shards gets some
            all += paths;
        }
        QCOMPARE(all.size(), files.size()); // no overlap
        QCOMPARE(QSet<QString>(all.begin(), all.end()), QSet<QString>(files.begin(), files.end()));
    }

    void sortIntoFoldersByLabel()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QStringList files = makeFolder(folder, 1, true);
        const QString sorted = dir.filePath("sorted");
        const QStringList base
            = {"batch", folder, "--recursive", "--weights", weights(), "--quiet", "--sort-into", sorted};

        // A dry run says what it would do and touches nothing.
        const Run dry = runCli(base + QStringList {"-o", dir.filePath("dry.jsonl"), "--dry-run"});
        QCOMPARE(dry.exitCode, 3);
        QVERIFY(!QFileInfo::exists(sorted));
        QCOMPARE(dry.out.count("would link"), 4); // the good photos only

        const QString out = dir.filePath("out.jsonl");
        QCOMPARE(runCli(base + QStringList {"-o", out}).exitCode, 3);
        int placed = 0;
        for (const auto& value : readOutput(out)["rows"].toArray()) {
            const QJsonObject row = value.toObject();
            if (row["status"].toString() != "ok")
                continue;
            // The label of the top-1 index, as classify prints it.
            const Run classify = runCli(
                {"classify", "--json", "--topk", "1", "--weights", weights(), row["path"].toString()});
            const QString label = QJsonDocument::fromJson(classify.out)["top"][0]["label"].toString();
            const QFileInfo link(
                QDir(sorted).filePath(label + "/" + QFileInfo(row["path"].toString()).fileName()));
            QVERIFY2(link.isSymLink(), qPrintable(link.filePath()));
            QCOMPARE(link.symLinkTarget(), QFileInfo(row["path"].toString()).absoluteFilePath());
            ++placed;
        }
        QCOMPARE(placed, 4);
    }

    void usage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no output") << QStringList {"batch", "dir"};
        QTest::newRow("bad shard") << QStringList {"batch", "dir", "-o", "x.csv", "--shard", "3/3"};
        QTest::newRow("bad extension") << QStringList {"batch", "dir", "-o", "x.txt"};
        QTest::newRow("bad batch size") << QStringList {"batch", "dir", "-o", "x.csv", "--batch-size", "0"};
    }

    void usage()
    {
        QFETCH(QStringList, arguments);
        QCOMPARE(runCli(arguments).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "tst_batch.moc"
