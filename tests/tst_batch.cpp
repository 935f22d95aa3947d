// resnet-lens-cli batch: one row per file, errors where they belong, the same answers as classify,
// nothing lost or duplicated across kill -9 and --resume, and shards that partition the folder; and
// runBatch's per-row callback, which reports the rows exactly as they are written. Hostile folders and
// outputs, built at test time: formula class names and file names, names that are not UTF-8, outputs that
// are devices, FIFOs or folders, two runs on one output, a resume with another configuration, a copy cut
// short by a crash, damaged rows, overlapping folders, link loops and unreadable folders.

#include "TestSupport.h"
#include "batch/BatchWriter.h"
#include "batch/FileList.h"
#include "inference/Classifier.h"
#include "jobs/BatchRunner.h"
#include "support/TestFolders.h"

#include <QDirIterator>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <csignal>
#include <functional>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;
const auto readOutput = lens::test::readBatchOutput;
const auto rowPaths = lens::test::batchOutputPaths;

QString weights()
{
    return QString::fromStdString(lens::test::referencePath("resnet18.pth"));
}

// A folder of good photos (each copied `copies` times) and bad files: with withBad, also an empty image and
// a file that is no image at all.
QStringList makeFolder(const QString& dir, int copies, bool withBad)
{
    QStringList files = lens::test::makeFolder(
        dir, copies, withBad, {"grace_hopper.jpg", "chelsea.png", "coffee_gray.jpg", "rocket.jpg"});
    if (withBad) {
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

// Bytes in and out of files whose names need not be UTF-8.
void writeBytes(const std::string& path, const QByteArray& content)
{
    FILE* f = std::fopen(path.c_str(), "wb");
    QVERIFY2(f, path.c_str());
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
}

QByteArray readBytes(const std::string& path)
{
    QFile file(QFile::decodeName(QByteArray::fromStdString(path)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray photo(const QString& name)
{
    QFile file(lens::test::photoFile(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

struct RunOptions {
    QString workingDirectory;
    /// Run without the capabilities that let root read any folder, so that permissions apply.
    bool honourPermissions = false;
    /// Called in the child before it runs the CLI (resource limits).
    std::function<void()> child;
    int timeoutMs = 600000;
};

// runCli with a working directory, limits, and a timeout that fails the test instead of waiting on a hang.
Run runCliWith(const QStringList& arguments, const RunOptions& with)
{
    QProcess process;
    QString program = qEnvironmentVariable("LENS_CLI");
    QStringList words = arguments;
    if (with.honourPermissions && ::geteuid() == 0) {
        words.prepend(program);
        words.prepend("--bounding-set=-dac_override,-dac_read_search");
        program = "setpriv";
    }
    if (!with.workingDirectory.isEmpty())
        process.setWorkingDirectory(with.workingDirectory);
    if (with.child)
        process.setChildProcessModifier(with.child);
    process.start(program, words);
    Run run;
    if (!process.waitForFinished(with.timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = "did not finish in time";
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// A checkpoint of the reference 10-class resnet18 whose "classes" are the given names, written by torch.
QString checkpointWithClasses(const QString& dir, const QStringList& classes)
{
    const QString path = QDir(dir).filePath("classes.pth");
    QProcess python;
    python.start(
        qEnvironmentVariable("LENS_PYTHON"),
        {"-c",
         "import json, sys, torch\n"
         "torch.save({'model': torch.load(sys.argv[1]), 'classes': json.loads(sys.argv[3])}, sys.argv[2])",
         lens::test::referenceFile("resnet18_10cls.pth"), path,
         QJsonDocument(QJsonArray::fromStringList(classes)).toJson(QJsonDocument::Compact)});
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        qFatal("writing %s failed: %s", qPrintable(path), python.readAllStandardError().constData());
    return path;
}

QSet<QString> pathSet(const QJsonObject& output, const char* key = "path")
{
    QSet<QString> paths;
    for (const auto& row : output["rows"].toArray())
        paths << row.toObject()[key].toString();
    return paths;
}

QString hex(const std::string& bytes)
{
    return QString::fromLatin1(QByteArray::fromStdString(bytes).toHex());
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
        lens::PriorRows prior;
        auto writer
            = lens::BatchWriter::open(out.toStdString(), {"resnet18", "w", "v1", "cpu", 3}, false, prior);
        QVERIFY2(writer.ok(), writer.message().c_str());

        // A sink after the writer sees exactly the rows the output got.
        struct Collect : lens::RowSink {
            std::vector<lens::BatchRow> rows;
            lens::Result<void> write(const lens::BatchRow& row) override
            {
                rows.push_back(row);
                return {};
            }
        } collect;
        const std::vector<lens::BatchRow>& rows = collect.rows;
        lens::BatchOptions options;
        options.topk = 3;
        options.batchSize = 3;
        auto result = lens::runBatch(**classifier, listed->files, {&*writer, &collect}, options);
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

    // Class names from a checkpoint and file names that a spreadsheet would run as formulas.
    void formulaCellsAreNeutralised()
    {
        QTemporaryDir dir;
        const QStringList classes = {"=HYPERLINK(\"http://evil.example/\",\"click\")",
                                     "+1+1",
                                     "-2+3",
                                     "@SUM(A1)",
                                     "\t=1",
                                     "\r=2",
                                     "'quoted",
                                     "a,b",
                                     "C:\\users\\u00e9",
                                     "plain"};
        const QString checkpoint = checkpointWithClasses(dir.path(), classes);
        const QString work = dir.filePath("work");
        const QString folder = "=SUM(1+1)"; // relative: every path cell begins with it
        QDir(work).mkpath(folder);
        QSet<QString> files;
        for (const auto& [name, source] : {std::pair {"=HYPERLINK(1).jpg", "grace_hopper.jpg"},
                                           {"+cmd.png", "chelsea.png"},
                                           {"-x.jpg", "rocket.jpg"},
                                           {"@y.jpg", "coffee_gray.jpg"}}) {
            QVERIFY(QFile::copy(lens::test::photoFile(source), QDir(work).filePath(folder + "/" + name)));
            files << folder + "/" + name;
        }
        writeBytes(QDir(work).filePath(folder + "/=bad.jpg").toStdString(), "not an image");
        files << folder + "/=bad.jpg";

        RunOptions in;
        in.workingDirectory = work;
        const QStringList arguments
            = {"batch", folder, "-o", "out.csv", "--weights", checkpoint, "--topk", "10", "--quiet"};
        QCOMPARE(runCliWith(arguments, in).exitCode, 3);
        const QString out = QDir(work).filePath("out.csv");
        const QJsonObject result = readOutput(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QVERIFY(result["malformed"].toArray().isEmpty());
        QCOMPARE(pathSet(result), files);
        for (const auto& value : result["rows"].toArray()) {
            const QJsonObject row = value.toObject();
            // What a spreadsheet sees: no cell it runs as a formula.
            for (const auto& cell : row["cells"].toArray()) {
                const QString text = cell.toString();
                QVERIFY2(text.isEmpty() || !QString("=+-@\t\r").contains(text.front()), qPrintable(text));
            }
            // What a script gets back with the README's recipe: the checkpoint's own names.
            const QJsonArray top = row["top"].toArray();
            const QJsonArray labels = row["labels"].toArray();
            QCOMPARE(labels.size(), top.size());
            for (int k = 0; k < top.size(); ++k)
                QCOMPARE(labels[k].toString(), classes[top[k].toInt()]);
            if (row["status"].toString() == "error")
                QVERIFY(row["error"].toString().startsWith(folder + "/=bad.jpg"));
        }
        // --resume reads the neutralised paths back: nothing is labelled twice.
        const Run resumed = runCliWith(arguments + QStringList {"--resume"}, in);
        QCOMPARE(resumed.exitCode, 3);
        QCOMPARE(readOutput(out)["rows"].toArray().size(), files.size());
    }

    void namesThatAreNotUtf8_data()
    {
        QTest::addColumn<QString>("output");
        QTest::newRow("csv") << "out.csv";
        QTest::newRow("jsonl") << "out.jsonl";
    }

    // Python's csv and json modules read the output, and the bytes of every name come back.
    void namesThatAreNotUtf8()
    {
        QFETCH(QString, output);
        QTemporaryDir dir;
        const std::string folder = dir.filePath("photos").toStdString();
        QDir().mkpath(QString::fromStdString(folder));
        const std::string good = folder + "/bad\xffname.png";
        const std::string bad = folder + "/\xfe\xfd not an image \\u0041.jpg";
        const std::string plain = folder + "/plain.jpg";
        writeBytes(good, photo("chelsea.png"));
        writeBytes(bad, "not an image");
        writeBytes(plain, photo("rocket.jpg"));
        const QString out = dir.filePath(output);
        const QStringList arguments
            = {"batch", QString::fromStdString(folder), "-o", out, "--weights", weights(), "--quiet"};
        QCOMPARE(runCli(arguments).exitCode, 3);

        const QJsonObject result = readOutput(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QVERIFY(result["malformed"].toArray().isEmpty());
        QCOMPARE(pathSet(result, "path_hex"), (QSet<QString> {hex(good), hex(bad), hex(plain)}));
        for (const auto& value : result["rows"].toArray()) {
            const QJsonObject row = value.toObject();
            if (row["path_hex"].toString() == hex(bad)) {
                QCOMPARE(row["status"].toString(), QString("error"));
                QVERIFY2(row["error_hex"].toString().startsWith(hex(bad)),
                         qPrintable(row["error"].toString()));
            } else {
                QCOMPARE(row["status"].toString(), QString("ok"));
            }
        }
        // --resume matches the rows to the files on disk, byte for byte.
        const Run resumed = runCli(arguments + QStringList {"--resume"});
        QCOMPARE(resumed.exitCode, 3);
        QCOMPARE(readOutput(out)["rows"].toArray().size(), 3);
    }

    void outputsThatAreNotRegularFiles_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("resume");
        QTest::addColumn<QString>("expected");
        QTest::newRow("link to /dev/full, resume") << "link to /dev/full" << true << "is a device";
        QTest::newRow("link to /dev/full") << "link to /dev/full" << false << "is a device";
        QTest::newRow("FIFO") << "FIFO" << false << "is a FIFO";
        QTest::newRow("FIFO, resume") << "FIFO" << true << "is a FIFO";
        QTest::newRow("link to a FIFO, resume") << "link to a FIFO" << true << "is a FIFO";
        QTest::newRow("folder") << "folder" << false << "is a folder";
        QTest::newRow("folder, resume") << "folder" << true << "is a folder";
        QTest::newRow("folder without extension") << "folder without extension" << false << "is a folder";
        QTest::newRow("sort into a file") << "sort into a file" << false << "is not a folder";
        QTest::newRow("sort into /dev/null") << "sort into /dev/null" << false << "is not a folder";
    }

    // Refused at once with what the path is; never a hang, never endless reading or writing.
    void outputsThatAreNotRegularFiles()
    {
        QFETCH(QString, kind);
        QFETCH(bool, resume);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QString out = dir.filePath("out.csv");
        const QString fifo = dir.filePath("fifo");
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0644), 0);
        QStringList extra;
        if (kind == "link to /dev/full") {
            QVERIFY(QFile::link("/dev/full", out));
        } else if (kind == "FIFO") {
            QVERIFY(QFile::rename(fifo, out));
        } else if (kind == "link to a FIFO") {
            QVERIFY(QFile::link(fifo, out));
        } else if (kind == "folder") {
            QVERIFY(QDir().mkpath(out));
        } else if (kind == "folder without extension") {
            out = dir.filePath("results");
            QVERIFY(QDir().mkpath(out));
        } else if (kind == "sort into a file") {
            writeBytes(dir.filePath("sorted").toStdString(), "x");
            extra = {"--sort-into", dir.filePath("sorted")};
        } else {
            QVERIFY(QFile::link("/dev/null", dir.filePath("sorted")));
            extra = {"--sort-into", dir.filePath("sorted")};
        }
        if (resume)
            extra << "--resume";
        RunOptions quick;
        quick.timeoutMs = 15000;
        const Run run = runCliWith(
            QStringList {"batch", lens::test::dataDir(), "-o", out, "--weights", weights(), "--quiet"}
                + extra,
            quick);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(expected.toUtf8()), run.err.constData());
        QVERIFY2(!run.err.contains("pass --resume"), run.err.constData());
    }

    // A retried job-array task while the first still runs: the second fails at once, naming the first.
    void overlappingRunsAreLockedOut()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = makeFolder(folder, 50, false);
        const QString out = dir.filePath("out.csv");
        const QStringList arguments = {"batch",   folder,         "-o", out,       "--weights",
                                       weights(), "--batch-size", "2",  "--quiet", "--resume"};
        QProcess first;
        first.start(qEnvironmentVariable("LENS_CLI"), arguments);
        QVERIFY(first.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(readBytes(out.toStdString()).count('\n') >= 6, 120000);
        const Run second = runCli(arguments);
        QVERIFY(first.state() == QProcess::Running); // the test itself is valid only while the first runs
        QCOMPARE(second.exitCode, 2);
        QVERIFY2(second.err.contains(QString("pid %1 on").arg(first.processId()).toUtf8()),
                 second.err.constData());
        QVERIFY2(second.err.contains("out.csv.lock"), second.err.constData());
        QVERIFY(first.waitForFinished(600000));
        QCOMPARE(first.exitCode(), 0);
        QVERIFY(!QFileInfo::exists(out + ".lock"));

        const QJsonObject result = readOutput(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QVERIFY(result["malformed"].toArray().isEmpty());
        const QStringList paths = rowPaths(result);
        QCOMPARE(paths.size(), files.size());
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));
    }

    void resumeRefusesAnotherConfiguration_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QStringList>("change");
        QTest::addColumn<QString>("expected");
        for (const QString output : {"out.csv", "out.jsonl"}) {
            QTest::addRow("%s topk", qPrintable(output))
                << output << QStringList {"--topk", "3"}
                << output + " was written with topk=5, this run has topk=3: use --topk 5, or another output";
            QTest::addRow("%s preset", qPrintable(output))
                << output << QStringList {"--preset", "v2"}
                << "preset=v1, this run has preset=v2: use --preset v1";
        }
        QTest::newRow("csv weights") << "out.csv" << QStringList {"--weights", "10cls"} << "use --weights ";
    }

    void resumeRefusesAnotherConfiguration()
    {
        QFETCH(QString, output);
        QFETCH(QStringList, change);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        makeFolder(folder, 1, false);
        const QString out = dir.filePath(output);
        QCOMPARE(runCli({"batch", folder, "-o", out, "--weights", weights(), "--quiet"}).exitCode, 0);
        QVERIFY(QFile::copy(lens::test::photoFile("astronaut.png"), QDir(folder).filePath("new.png")));
        const QByteArray before = readBytes(out.toStdString());
        QStringList arguments = {"batch", folder, "-o", out, "--weights", weights(), "--quiet", "--resume"};
        if (change.front() == "--weights")
            arguments[5] = lens::test::referenceFile("resnet18_10cls.pth");
        else
            arguments += change;
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(expected.toUtf8()), run.err.constData());
        QCOMPARE(readBytes(out.toStdString()), before);
    }

    // The header names the precision; a resume with the other one is refused, naming it. Where the CPU lacks
    // bf16 (by /proc/cpuinfo), the bf16 run is refused for that instead, and the output is left alone.
    void headerNamesThePrecision_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("written");
        QTest::addColumn<QString>("header");
        for (const QString output : {"out.csv", "out.jsonl"})
            for (const QString precision : {"fp32", "bf16"})
                QTest::addRow("%s %s", qPrintable(output), qPrintable(precision))
                    << output << precision
                    << (output.endsWith(".csv") ? " topk=5 precision=" + precision + "\n"
                                                : "\"topk\": 5, \"precision\": \"" + precision + "\"}}\n");
    }

    void headerNamesThePrecision()
    {
        QFETCH(QString, output);
        QFETCH(QString, written);
        QFETCH(QString, header);
        const QString other = written == "fp32" ? "bf16" : "fp32";
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        makeFolder(folder, 1, false);
        const QString out = dir.filePath(output);
        const QStringList arguments = {"batch", folder, "-o", out, "--weights", weights(), "--quiet"};
        const Run first = runCli(arguments + QStringList {"--precision", written});
        if (written == "bf16" && !lens::test::cpuHasBf16()) {
            QCOMPARE(first.exitCode, 2);
            QVERIFY2(first.err.contains(lens::test::kBf16Refusal), first.err.constData());
            QVERIFY(!QFileInfo::exists(out));
            return;
        }
        QVERIFY2(first.exitCode == 0, first.err.constData());
        const QByteArray before = readBytes(out.toStdString());
        const qsizetype rows = rowPaths(readOutput(out)).size();
        const QByteArray firstLine = before.left(before.indexOf('\n') + 1);
        QVERIFY2(firstLine.endsWith(header.toUtf8()), firstLine.constData());

        QVERIFY(QFile::copy(lens::test::photoFile("astronaut.png"), QDir(folder).filePath("new.png")));
        const Run again = runCli(arguments + QStringList {"--resume", "--precision", other});
        QCOMPARE(again.exitCode, 2);
        if (other == "bf16" && !lens::test::cpuHasBf16()) {
            QVERIFY2(again.err.contains(lens::test::kBf16Refusal), again.err.constData());
        } else {
            const QString expected = output + " was written with precision=" + written
                + ", this run has precision=" + other + ": use --precision " + written
                + ", or another output";
            QVERIFY2(again.err.contains(expected.toUtf8()), again.err.constData());
        }
        QCOMPARE(readBytes(out.toStdString()), before);
        // The same precision continues it.
        const Run same = runCli(arguments + QStringList {"--resume", "--precision", written});
        QVERIFY2(same.exitCode == 0, same.err.constData());
        QCOMPARE(rowPaths(readOutput(out)).size(), rows + 1);
    }

    // An output written before the header named the precision was fp32: fp32 resumes it, bf16 does not.
    void headerWithoutPrecisionIsFp32()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        makeFolder(folder, 1, false);
        const QString out = dir.filePath("out.csv");
        const QStringList arguments = {"batch", folder, "-o", out, "--weights", weights(), "--quiet"};
        QCOMPARE(runCli(arguments).exitCode, 0);
        const qsizetype rows = rowPaths(readOutput(out)).size();
        QByteArray bytes = readBytes(out.toStdString());
        QVERIFY(bytes.contains(" topk=5 precision=fp32\n"));
        bytes.replace(" topk=5 precision=fp32\n", " topk=5\n");
        writeBytes(out.toStdString(), bytes);
        QVERIFY(QFile::copy(lens::test::photoFile("astronaut.png"), QDir(folder).filePath("new.png")));
        if (lens::test::cpuHasBf16()) {
            const Run bf16 = runCli(arguments + QStringList {"--resume", "--precision", "bf16"});
            QCOMPARE(bf16.exitCode, 2);
            QVERIFY2(bf16.err.contains("was written with precision=fp32"), bf16.err.constData());
        }
        const Run fp32 = runCli(arguments + QStringList {"--resume"});
        QVERIFY2(fp32.exitCode == 0, fp32.err.constData());
        QCOMPARE(rowPaths(readOutput(out)).size(), rows + 1);
    }

    // kill -9 (here: the file size limit) in the middle of a --sort-mode copy; --resume finishes the copy.
    void copyCutShortIsFinishedOnResume()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir().mkpath(folder);
        const QByteArray large
            = photo("grace_hopper.jpg") + QByteArray(3 << 20, '\0'); // decoders stop at EOI
        writeBytes(QDir(folder).filePath("large.jpg").toStdString(), large);
        // One decode thread labels the files in list order: a_small.png (copied whole) before large.jpg.
        QVERIFY(QFile::copy(lens::test::photoFile("chelsea.png"), QDir(folder).filePath("a_small.png")));
        const QString out = dir.filePath("out.csv");
        const QString sorted = dir.filePath("sorted");
        const QStringList arguments
            = {"batch", folder,        "-o",   out,       "--weights", weights(), "--sort-into",
               sorted,  "--sort-mode", "copy", "--quiet", "--threads", "1"};
        RunOptions limited;
        limited.child = [] {
            const struct rlimit size {
                1 << 20, 1 << 20
            }, core {0, 0};
            ::setrlimit(RLIMIT_FSIZE, &size); // writing beyond 1 MiB kills the process (SIGXFSZ)
            ::setrlimit(RLIMIT_CORE, &core);
        };
        QCOMPARE(runCliWith(arguments, limited).exitCode, -1); // killed mid-copy
        QCOMPARE(readOutput(out)["rows"].toArray().size(), 2); // both rows were written before the copies

        const Run resumed = runCli(arguments + QStringList {"--resume"});
        QCOMPARE(resumed.exitCode, 0);
        QStringList placed;
        for (QDirIterator it(sorted, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
             it.hasNext();) {
            const QString path = it.next();
            placed << QFileInfo(path).fileName();
            const QString name = QFileInfo(path).fileName();
            if (name == "large.jpg")
                QVERIFY(readBytes(path.toStdString()) == large);
            else if (name == "a_small.png")
                QVERIFY(readBytes(path.toStdString()) == photo("chelsea.png"));
        }
        placed.sort();
        QCOMPARE(placed, (QStringList {"a_small.png", "large.jpg"})); // no leftovers, no large_1.jpg
    }

    void damagedRowsAreSetAside_data()
    {
        QTest::addColumn<QString>("output");
        QTest::newRow("csv: a quote that is never closed") << "out.csv";
        QTest::newRow("jsonl: a bad \\u escape") << "out.jsonl";
    }

    void damagedRowsAreSetAside()
    {
        QFETCH(QString, output);
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        const QStringList files = makeFolder(folder, 2, false);
        const QString out = dir.filePath(output);
        const QStringList arguments = {"batch", folder, "-o", out, "--weights", weights()};
        QCOMPARE(runCli(arguments + QStringList {"--quiet"}).exitCode, 0);

        QList<QByteArray> lines = readBytes(out.toStdString()).split('\n');
        const int damagedLine = 4; // 1-based
        QByteArray& line = lines[damagedLine - 1];
        const QByteArray damagedText
            = output.endsWith(".csv") ? "\"" + line : line.replace("\"path\": \"", "\"path\": \"\\uZZZZ");
        line = damagedText;
        writeBytes(out.toStdString(), lines.join('\n'));

        const Run resumed = runCli(arguments + QStringList {"--resume"});
        QCOMPARE(resumed.exitCode, 0);
        QVERIFY2(resumed.err.contains(QString("%1 line %2").arg(out).arg(damagedLine).toUtf8()),
                 resumed.err.constData());
        QVERIFY2(resumed.err.contains((out + ".damaged").toUtf8()), resumed.err.constData());
        QVERIFY2(resumed.err.contains("1 files in"),
                 resumed.err.constData()); // the damaged row's file, again
        const QByteArray damaged = readBytes((out + ".damaged").toStdString());
        QVERIFY2(damaged.contains(QString("# line %1 of").arg(damagedLine).toUtf8()), damaged.constData());
        QVERIFY(damaged.contains(damagedText));

        const QJsonObject result = readOutput(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QVERIFY(result["malformed"].toArray().isEmpty());
        const QStringList paths = rowPaths(result);
        QCOMPARE(paths.size(), files.size()); // exactly once each
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));
    }

    void overlappingFoldersGiveOneRowPerFile_data()
    {
        QTest::addColumn<QStringList>("roots"); // relative to the test folder
        QTest::addColumn<bool>("recursive");
        QTest::newRow("A A/") << QStringList {"A", "A/"} << false;
        QTest::newRow("A A/sub --recursive") << QStringList {"A", "A/sub"} << true;
        QTest::newRow("A and a link to A") << QStringList {"A", "link"} << true;
    }

    void overlappingFoldersGiveOneRowPerFile()
    {
        QFETCH(QStringList, roots);
        QFETCH(bool, recursive);
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("A/sub");
        QStringList files = makeFolder(dir.filePath("A"), 1, false);
        if (recursive)
            files += makeFolder(dir.filePath("A/sub"), 1, false);
        QVERIFY(QFile::link("A", dir.filePath("link")));
        QStringList arguments = {"batch"};
        for (const auto& root : roots)
            arguments << dir.filePath(root);
        arguments += {"-o", dir.filePath("out.jsonl"), "--weights", weights(), "--quiet"};
        if (recursive)
            arguments << "--recursive";
        QCOMPARE(runCli(arguments).exitCode, 0);
        const QStringList paths = rowPaths(readOutput(dir.filePath("out.jsonl")));
        QCOMPARE(paths.size(), files.size());
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));
    }

    void unreadableEntriesAreSkipped_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("warning"); // on stderr; empty: none
        QTest::newRow("hidden link loop") << "hidden link loop" << 0 << "";
        QTest::newRow("link loop") << "link loop" << 3 << "loop: cannot follow this link";
        QTest::newRow("unreadable folder") << "unreadable folder" << 3 << "locked: cannot read this folder";
        QTest::newRow("unreadable hidden folder") << "unreadable hidden folder" << 0 << "";
    }

    // Skipped with a warning like any unreadable entry, never the end of a --recursive run.
    void unreadableEntriesAreSkipped()
    {
        QFETCH(QString, entry);
        QFETCH(int, exitCode);
        QFETCH(QString, warning);
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QDir(folder).mkpath("sub");
        const QStringList files = makeFolder(folder, 1, false) + makeFolder(folder + "/sub", 1, false);
        QString locked;
        if (entry == "hidden link loop") {
            QVERIFY(QFile::link(".loop", folder + "/.loop"));
        } else if (entry == "link loop") {
            QVERIFY(QFile::link("loop", folder + "/sub/loop"));
        } else {
            locked = folder + (entry == "unreadable folder" ? "/locked" : "/.locked");
            QDir().mkpath(locked);
            writeBytes((locked + "/hidden.jpg").toStdString(), photo("rocket.jpg"));
            QVERIFY(::chmod(locked.toLocal8Bit().constData(), 0) == 0);
        }
        RunOptions permissions;
        permissions.honourPermissions = true;
        const Run run = runCliWith(
            {"batch", folder, "--recursive", "-o", dir.filePath("out.csv"), "--weights", weights()},
            permissions);
        if (!locked.isEmpty())
            ::chmod(locked.toLocal8Bit().constData(), 0755);
        QCOMPARE(run.exitCode, exitCode);
        if (warning.isEmpty()) {
            QVERIFY2(!run.err.contains("warning:"), run.err.constData());
        } else {
            QVERIFY2(run.err.contains(("warning: " + folder).toUtf8()) && run.err.contains(warning.toUtf8()),
                     run.err.constData());
            QVERIFY2(run.err.contains("1 unreadable entries skipped"), run.err.constData()); // the summary
        }
        const QStringList paths = rowPaths(readOutput(dir.filePath("out.csv")));
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), QSet<QString>(files.begin(), files.end()));
    }

    // The exit status describes the whole output: error rows from an earlier run still count.
    void exitStatusCoversTheWholeOutput()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        makeFolder(folder, 1, true);
        const QString out = dir.filePath("out.csv");
        const QStringList arguments = {"batch", folder, "--recursive", "-o", out, "--weights", weights()};
        QCOMPARE(runCli(arguments + QStringList {"--quiet"}).exitCode, 3);
        const Run again = runCli(arguments + QStringList {"--resume"});
        QCOMPARE(again.exitCode, 3);
        QVERIFY2(again.err.contains("the output holds 4 error rows from before"), again.err.constData());
        QVERIFY(QFile::copy(lens::test::photoFile("astronaut.png"), QDir(folder).filePath("new.png")));
        QCOMPARE(runCli(arguments + QStringList {"--resume", "--quiet"}).exitCode, 3);
        QCOMPARE(rowPaths(readOutput(out)).size(), 9);
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
