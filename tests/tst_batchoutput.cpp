// The batch output's core pieces without a model: text cells that spreadsheets cannot run and that give any
// file name back, the output's lock and the kinds of file it refuses, the resume reader (header checks,
// damaged and duplicate rows set aside, bounded memory), the folder walk (overlaps, loops, unreadable
// entries) and sorting into folders (atomic copies, leftovers, repairs). Outputs are read back with
// Python's csv and json modules (support/read_batch_output.py), never with our own reader alone.

#include "TestSupport.h"
#include "batch/BatchWriter.h"
#include "batch/FileList.h"
#include "batch/OutputLock.h"
#include "batch/SortInto.h"

#include <QSet>
#include <QTemporaryDir>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace lens;

namespace {

std::string join(const QTemporaryDir& dir, const std::string& name)
{
    return dir.path().toStdString() + "/" + name;
}

void writeBytes(const std::string& path, const std::string& content)
{
    FILE* f = std::fopen(path.c_str(), "wb");
    QVERIFY2(f, path.c_str());
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
}

std::string readBytes(const std::string& path)
{
    std::string content;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        char buffer[1 << 16];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;)
            content.append(buffer, n);
        std::fclose(f);
    }
    return content;
}

QString hex(const std::string& bytes)
{
    return QString::fromLatin1(QByteArray::fromStdString(bytes).toHex());
}

std::vector<ClassScore> scores(const std::vector<std::string>& labels)
{
    std::vector<ClassScore> result;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        ClassScore score;
        score.rank = static_cast<int>(i) + 1;
        score.index = static_cast<int>(i);
        score.label = labels[i];
        score.probability = 0.5f / static_cast<float>(i + 1);
        result.push_back(score);
    }
    return result;
}

RunInfo runInfo(int topk = 2)
{
    return {"resnet18", "/models/resnet18.pth", "v1", "cpu", topk};
}

QJsonObject pythonRead(const std::string& path)
{
    return test::readBatchOutput(QString::fromStdString(path));
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        out.push_back(text.substr(start, end - start));
    if (start < text.size())
        out.push_back(text.substr(start));
    return out;
}

std::string unlines(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& part : parts)
        out += part + "\n";
    return out;
}

// Six rows, ok and error alternately, paths row0 ... row5.
void writeSixRows(const std::string& out)
{
    PriorRows prior;
    auto writer = BatchWriter::open(out, runInfo(), false, prior);
    QVERIFY2(writer.ok(), writer.message().c_str());
    for (int i = 0; i < 6; ++i) {
        const std::string path = "row" + std::to_string(i);
        if (i % 2 == 0)
            QVERIFY(writer->writeResult(path, scores({"cat", "dog"})).ok());
        else
            QVERIFY(writer->writeError(path, path + ": cannot decode").ok());
    }
}

long peakKib()
{
    struct rusage usage { };
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

} // namespace

class TestBatchOutput : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // First, while this process's peak memory is still low.
    void resumeReadsLargeOutputsInBoundedMemory()
    {
        QTemporaryDir dir;
        const std::string out = join(dir, "big.csv");
        // 2048 error rows of 64 KiB each: 128 MiB on disk, a few KiB of paths.
        {
            FILE* f = std::fopen(out.c_str(), "wb");
            QVERIFY(f);
            const std::string header = batchHeader(BatchWriter::Format::Csv, runInfo());
            std::fwrite(header.data(), 1, header.size(), f);
            const std::string message(64 * 1024, 'x');
            for (int i = 0; i < 2048; ++i) {
                const std::string row = "file" + std::to_string(i) + ",error," + message + ",,,,,,\n";
                std::fwrite(row.data(), 1, row.size(), f);
            }
            std::fclose(f);
        }
        const long before = peakKib();
        PriorRows prior;
        auto writer = BatchWriter::open(out, runInfo(), true, prior);
        QVERIFY2(writer.ok(), writer.message().c_str());
        const long grown = peakKib() - before;
        QCOMPARE(prior.done.size(), std::size_t(2048));
        QCOMPARE(prior.errorRows, std::size_t(2048));
        qInfo("peak grew by %ld KiB", grown);
        QVERIFY2(grown < 32 * 1024, qPrintable(QString("peak memory grew by %1 KiB").arg(grown)));
    }

    void textCellsAreSafeAndGiveTheBytesBack_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("formula") << QByteArray("=HYPERLINK(\"http://evil.example/\",\"click\")");
        QTest::newRow("plus") << QByteArray("+1+1");
        QTest::newRow("minus") << QByteArray("-2+3");
        QTest::newRow("at") << QByteArray("@SUM(A1)");
        QTest::newRow("tab first") << QByteArray("\t=1");
        QTest::newRow("CR first") << QByteArray("\r=1");
        QTest::newRow("quote first") << QByteArray("'=1");
        QTest::newRow("comma and quotes") << QByteArray("a,\"b\",c");
        QTest::newRow("line break") << QByteArray("two\nlines");
        QTest::newRow("backslash u") << QByteArray("C:\\users\\u00e9");
        QTest::newRow("escape as text") << QByteArray("\\udcff and \\u005c");
        QTest::newRow("byte 0xff") << QByteArray("bad\xffname");
        QTest::newRow("lone lead byte") << QByteArray("caf\xc3");
        QTest::newRow("encoded surrogate") << QByteArray("\xed\xb3\xbf");
        QTest::newRow("leading space") << QByteArray(" space");
        QTest::newRow("plain") << QByteArray("plain name");
    }

    void textCellsAreSafeAndGiveTheBytesBack()
    {
        QFETCH(QByteArray, text);
        const std::string original = text.toStdString();
        for (const char* name : {"out.csv", "out.jsonl"}) {
            QTemporaryDir dir;
            const std::string out = join(dir, name);
            const std::string message = original + "/x: cannot decode";
            {
                PriorRows prior;
                auto writer = BatchWriter::open(out, runInfo(), false, prior);
                QVERIFY2(writer.ok(), writer.message().c_str());
                QVERIFY(writer->writeResult(original, scores({original, "plain"})).ok());
                QVERIFY(writer->writeError(original + "/x", message).ok());
            }
            const QJsonObject result = pythonRead(out);
            QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
            QVERIFY(result["malformed"].toArray().isEmpty());
            const QJsonArray rows = result["rows"].toArray();
            QCOMPARE(rows.size(), 2);
            QCOMPARE(rows[0]["path_hex"].toString(), hex(original));
            QCOMPARE(rows[0]["labels_hex"][0].toString(), hex(original));
            QCOMPARE(rows[1]["path_hex"].toString(), hex(original + "/x"));
            QCOMPARE(rows[1]["error_hex"].toString(), hex(message));
            // What a spreadsheet sees: no cell it would run as a formula.
            for (const auto& row : rows) {
                for (const auto& cell : row.toObject()["cells"].toArray()) {
                    const QString shown = cell.toString();
                    QVERIFY2(shown.isEmpty() || !QString("=+-@\t\r").contains(shown.front()),
                             qPrintable(shown));
                }
            }
            // A resumed run reads the same bytes back.
            PriorRows prior;
            auto writer = BatchWriter::open(out, runInfo(), true, prior);
            QVERIFY2(writer.ok(), writer.message().c_str());
            QCOMPARE(prior.setAside, std::size_t(0));
            QCOMPARE(prior.done.size(), std::size_t(2));
            QVERIFY(prior.done.count(original));
            QCOMPARE(prior.done[original], original);
            QVERIFY(prior.done.count(original + "/x"));
            QCOMPARE(prior.errorRows, std::size_t(1));
        }
    }

    // The weights path goes into the CSV's first line: it must stay one line and one cell, and compare equal.
    void headerLineHoldsAnyWeightsPath()
    {
        QTemporaryDir dir;
        const std::string out = join(dir, "out.csv");
        RunInfo run = runInfo();
        run.weights = "/models/my,\"best\"\nweights \xff.pth";
        {
            PriorRows prior;
            auto writer = BatchWriter::open(out, run, false, prior);
            QVERIFY2(writer.ok(), writer.message().c_str());
            QVERIFY(writer->writeResult("a.jpg", scores({"cat", "dog"})).ok());
        }
        const QJsonObject result = pythonRead(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QCOMPARE(result["rows"].toArray().size(), 1);
        QVERIFY(!result["run"].toString().contains(','));
        PriorRows prior;
        QVERIFY(BatchWriter::open(out, run, true, prior).ok());
        run.weights = "/models/other.pth";
        auto refused = BatchWriter::open(out, run, true, prior);
        QVERIFY(!refused.ok());
        QVERIFY2(QString::fromStdString(refused.message()).contains("weights=/models/my,\"best\"\nweights"),
                 refused.message().c_str());
    }

    void resumeRefusesAnotherConfiguration_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("field"); // what the second run changes
        QTest::addColumn<QString>("expected"); // in the message; empty: accepted
        for (const QString format : {"csv", "jsonl"}) {
            QTest::addRow("%s topk", qPrintable(format))
                << format << "topk"
                << "was written with topk=2, this run has topk=3: use --topk 2";
            QTest::addRow("%s model", qPrintable(format))
                << format << "model"
                << "model=resnet18, this run has model=resnet50: use --arch resnet18";
            QTest::addRow("%s weights", qPrintable(format)) << format << "weights"
                                                            << "use --weights /models/resnet18.pth";
            QTest::addRow("%s preset", qPrintable(format)) << format << "preset"
                                                           << "use --preset v1";
            QTest::addRow("%s device", qPrintable(format)) << format << "device"
                                                           << "";
        }
    }

    void resumeRefusesAnotherConfiguration()
    {
        QFETCH(QString, format);
        QFETCH(QString, field);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string out = join(dir, "out." + format.toStdString());
        writeSixRows(out);
        const std::string before = readBytes(out);
        RunInfo run = runInfo();
        if (field == "topk")
            run.topk = 3;
        else if (field == "model")
            run.model = "resnet50";
        else if (field == "weights")
            run.weights = "/models/other.pth";
        else if (field == "preset")
            run.preset = "v2";
        else
            run.device = "cuda:0";
        PriorRows prior;
        auto writer = BatchWriter::open(out, run, true, prior);
        if (expected.isEmpty()) {
            QVERIFY2(writer.ok(), writer.message().c_str());
            QCOMPARE(prior.done.size(), std::size_t(6));
            return;
        }
        QVERIFY(!writer.ok());
        QVERIFY2(QString::fromStdString(writer.message()).contains(expected), writer.message().c_str());
        QCOMPARE(readBytes(out), before);
    }

    void damagedRowsAreSetAside_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("damage");
        QTest::addColumn<bool>("duplicate"); // the damage adds a second row for a file; else row2 is lost
        // CSV line 5 is row2 (two header lines); JSON Lines line 4.
        QTest::newRow("csv quote never closed") << "csv"
                                                << "quote never closed" << false;
        QTest::newRow("csv quote closed early") << "csv"
                                                << "quote closed early" << false;
        QTest::newRow("csv missing column") << "csv"
                                            << "missing column" << false;
        QTest::newRow("csv not UTF-8") << "csv"
                                       << "not UTF-8" << false;
        QTest::newRow("csv formula cell") << "csv"
                                          << "formula cell" << false;
        QTest::newRow("csv bad escape") << "csv"
                                        << "bad escape" << false;
        QTest::newRow("csv unknown status") << "csv"
                                            << "unknown status" << false;
        QTest::newRow("csv overlong line") << "csv"
                                           << "overlong line" << false;
        QTest::newRow("csv duplicate row") << "csv"
                                           << "duplicate row" << true;
        QTest::newRow("jsonl bad escape") << "jsonl"
                                          << "bad escape" << false;
        QTest::newRow("jsonl lone high surrogate") << "jsonl"
                                                   << "lone high surrogate" << false;
        QTest::newRow("jsonl cut in the middle") << "jsonl"
                                                 << "cut in the middle" << false;
        QTest::newRow("jsonl not UTF-8") << "jsonl"
                                         << "not UTF-8" << false;
        QTest::newRow("jsonl not an object") << "jsonl"
                                             << "not an object" << false;
        QTest::newRow("jsonl duplicate row") << "jsonl"
                                             << "duplicate row" << true;
    }

    void damagedRowsAreSetAside()
    {
        QFETCH(QString, format);
        QFETCH(QString, damage);
        QFETCH(bool, duplicate);
        QTemporaryDir dir;
        const std::string out = join(dir, "out." + format.toStdString());
        writeSixRows(out);
        std::vector<std::string> text = lines(readBytes(out));
        const std::size_t index = format == "csv" ? 4 : 3; // row2's line, 0-based
        std::string& line = text[index];
        const auto replace = [&](const std::string& from, const std::string& to) {
            const auto at = line.find(from);
            QVERIFY2(at != std::string::npos, line.c_str());
            line.replace(at, from.size(), to);
        };
        if (damage == "quote never closed")
            line.insert(line.begin(), '"');
        else if (damage == "quote closed early")
            replace("row2,", "\"row2\"x,");
        else if (damage == "missing column")
            line.resize(line.rfind(','));
        else if (damage == "not UTF-8")
            replace("row2", "row2\xff");
        else if (damage == "formula cell")
            replace("cat", "=1+1");
        else if (damage == "bad escape" && format == "csv")
            replace("row2", "row2\\u12");
        else if (damage == "bad escape")
            replace("row2", "\\uZZZZrow2");
        else if (damage == "unknown status")
            replace(",ok,", ",fine,");
        else if (damage == "overlong line")
            line += std::string(2 << 20, 'x');
        else if (damage == "lone high surrogate")
            replace("row2", "\\ud800row2");
        else if (damage == "cut in the middle")
            line.resize(line.size() / 2);
        else if (damage == "not an object")
            line = "[1, 2, 3]";
        else if (damage == "duplicate row")
            text.push_back(text[index]);
        writeBytes(out, unlines(text));

        PriorRows prior;
        auto writer = BatchWriter::open(out, runInfo(), true, prior);
        QVERIFY2(writer.ok(), writer.message().c_str());
        QCOMPARE(prior.setAside, std::size_t(1));
        QCOMPARE(prior.notes.size(), std::size_t(1));
        const std::size_t lineNumber = duplicate ? text.size() : index + 1;
        QVERIFY2(QString::fromStdString(prior.notes[0]).contains(QString("line %1").arg(lineNumber)),
                 prior.notes[0].c_str());
        QSet<QString> expected;
        for (int i = 0; i < 6; ++i) {
            if (duplicate || i != 2)
                expected << QString("row%1").arg(i);
        }
        QSet<QString> done;
        for (const auto& [path, label] : prior.done)
            done << QString::fromStdString(path);
        QCOMPARE(done, expected);

        const std::string damaged = readBytes(batchDamagedPath(out));
        QVERIFY2(damaged.find("# line " + std::to_string(lineNumber) + " of") != std::string::npos,
                 damaged.c_str());
        QVERIFY(damaged.find(text[duplicate ? text.size() - 1 : index].substr(0, 1000)) != std::string::npos);

        // What is left is every other row exactly once, as Python reads it.
        const QJsonObject result = pythonRead(out);
        QVERIFY2(!result.contains("unreadable"), qPrintable(result["unreadable"].toString()));
        QVERIFY(result["malformed"].toArray().isEmpty());
        const QStringList paths = test::batchOutputPaths(result);
        QCOMPARE(paths.size(), expected.size());
        QCOMPARE(QSet<QString>(paths.begin(), paths.end()), expected);
    }

    // After a crash mid-write: the cut row is removed without being set aside, the others stay.
    void halfWrittenLastRowIsCut_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("csv") << "csv";
        QTest::newRow("jsonl") << "jsonl";
    }

    void halfWrittenLastRowIsCut()
    {
        QFETCH(QString, format);
        QTemporaryDir dir;
        const std::string out = join(dir, "out." + format.toStdString());
        writeSixRows(out);
        std::string content = readBytes(out);
        content.resize(content.size() - 7);
        writeBytes(out, content);
        PriorRows prior;
        auto writer = BatchWriter::open(out, runInfo(), true, prior);
        QVERIFY2(writer.ok(), writer.message().c_str());
        QCOMPARE(prior.setAside, std::size_t(0));
        QCOMPARE(prior.done.size(), std::size_t(5));
        QVERIFY(!prior.done.count("row5"));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(batchDamagedPath(out))));
        QCOMPARE(test::batchOutputPaths(pythonRead(out)).size(), 5);
    }

    void notABatchOutputIsRefused()
    {
        QTemporaryDir dir;
        const std::string out = join(dir, "notes.csv");
        writeBytes(out, "name,phone\nada,123\n");
        PriorRows prior;
        auto writer = BatchWriter::open(out, runInfo(), true, prior);
        QVERIFY(!writer.ok());
        QVERIFY2(writer.message().find("not an output to resume") != std::string::npos,
                 writer.message().c_str());
        QCOMPARE(readBytes(out), std::string("name,phone\nada,123\n"));
    }

    void lockIsExclusive()
    {
        QTemporaryDir dir;
        const std::string out = join(dir, "out.csv");
        const std::string lockFile = batchLockPath(out);
        {
            PriorRows prior;
            auto writer = BatchWriter::open(out, runInfo(), false, prior);
            QVERIFY2(writer.ok(), writer.message().c_str());
            QVERIFY(QFileInfo::exists(QString::fromStdString(lockFile)));
            auto second = BatchOutputLock::acquire(out, true);
            QVERIFY(!second.ok());
            const QString message = QString::fromStdString(second.message());
            QVERIFY2(message.contains(QString("pid %1 on ").arg(::getpid())), qPrintable(message));
            QVERIFY2(message.contains(QString::fromStdString(lockFile)), qPrintable(message));
            // Through a symbolic link, the same file and the same lock.
            const std::string link = join(dir, "link.csv");
            QCOMPARE(::symlink(out.c_str(), link.c_str()), 0);
            QVERIFY(!BatchOutputLock::acquire(link, true).ok());
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(lockFile)));
        QVERIFY(BatchOutputLock::acquire(out, true).ok());
        // A lock file a killed run left behind holds no lock: it is taken over.
        writeBytes(lockFile, "pid 1 on elsewhere\n");
        QVERIFY(BatchOutputLock::acquire(out, true).ok());
    }

    void outputMustBeARegularFile_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected"); // in the message; empty: accepted
        QTest::newRow("folder") << "folder"
                                << "is a folder";
        QTest::newRow("link to /dev/full") << "link to /dev/full"
                                           << "is a device";
        QTest::newRow("FIFO") << "FIFO"
                              << "is a FIFO";
        QTest::newRow("link to a FIFO") << "link to a FIFO"
                                        << "is a FIFO";
        QTest::newRow("link to nothing yet") << "link to nothing yet"
                                             << "";
    }

    void outputMustBeARegularFile()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string out = join(dir, "out.csv");
        const std::string fifo = join(dir, "fifo");
        QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
        if (kind == "folder")
            QCOMPARE(::mkdir(out.c_str(), 0755), 0);
        else if (kind == "link to /dev/full")
            QCOMPARE(::symlink("/dev/full", out.c_str()), 0);
        else if (kind == "FIFO")
            QCOMPARE(::rename(fifo.c_str(), out.c_str()), 0);
        else if (kind == "link to a FIFO")
            QCOMPARE(::symlink(fifo.c_str(), out.c_str()), 0);
        else
            QCOMPARE(::symlink(join(dir, "target.csv").c_str(), out.c_str()), 0);
        for (bool resume : {false, true}) {
            PriorRows prior;
            auto writer = BatchWriter::open(out, runInfo(), resume, prior);
            if (expected.isEmpty()) {
                QVERIFY2(writer.ok(), writer.message().c_str());
                QVERIFY(writer->writeResult("a.jpg", scores({"cat", "dog"})).ok());
                break; // the link's target now exists
            }
            QVERIFY(!writer.ok());
            QVERIFY2(QString::fromStdString(writer.message()).contains(expected), writer.message().c_str());
            QVERIFY2(!QString::fromStdString(writer.message()).contains("--resume"),
                     writer.message().c_str());
        }
        if (expected.isEmpty())
            QCOMPARE(test::batchOutputPaths(pythonRead(join(dir, "target.csv"))).size(), 1);
    }

    void overlappingRootsListEachFileOnce_data()
    {
        QTest::addColumn<QStringList>("roots"); // relative to the folder holding A
        QTest::addColumn<bool>("recursive");
        QTest::addColumn<QStringList>("expected");
        const QStringList top = {"A/1.jpg", "A/2.jpg"};
        QTest::newRow("A and A/") << QStringList {"A", "A/"} << false << top;
        QTest::newRow("A and A/sub, recursive")
            << QStringList {"A", "A/sub"} << true << (top + QStringList {"A/sub/3.jpg"});
        QTest::newRow("A/sub then A, recursive")
            << QStringList {"A/sub", "A"} << true << QStringList {"A/sub/3.jpg", "A/1.jpg", "A/2.jpg"};
        QTest::newRow("A and a link to A") << QStringList {"A", "linkA"} << false << top;
        QTest::newRow("a file and its folder")
            << QStringList {"A/2.jpg", "A"} << false << QStringList {"A/2.jpg", "A/1.jpg"};
        QTest::newRow("a link to a file beside it") << QStringList {"B"} << false << QStringList {"B/x.jpg"};
    }

    void overlappingRootsListEachFileOnce()
    {
        QFETCH(QStringList, roots);
        QFETCH(bool, recursive);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        QDir base(dir.path());
        base.mkpath("A/sub");
        base.mkpath("B");
        for (const char* name : {"A/1.jpg", "A/2.jpg", "A/sub/3.jpg", "B/x.jpg"})
            writeBytes(join(dir, name), "x");
        QCOMPARE(::symlink("A", join(dir, "linkA").c_str()), 0);
        QCOMPARE(::symlink("x.jpg", join(dir, "B/y.jpg").c_str()), 0);
        std::vector<std::string> absolute;
        for (const auto& root : roots)
            absolute.push_back(join(dir, root.toStdString()));
        FileListOptions options;
        options.recursive = recursive;
        auto listed = listFiles(absolute, options);
        QVERIFY2(listed.ok(), listed.message().c_str());
        QStringList got;
        for (const auto& file : listed->files)
            got << QString::fromStdString(file).mid(dir.path().size() + 1).replace("//", "/");
        QCOMPARE(got, expected);
        QVERIFY(listed->warnings.empty());
    }

    void unreadableEntriesAreSkipped_data()
    {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<bool>("warned");
        QTest::newRow("hidden link loop") << "hidden link loop" << false;
        QTest::newRow("link loop") << "link loop" << true;
        QTest::newRow("link to the parent") << "link to the parent" << false;
        QTest::newRow("hidden unreadable folder") << "hidden unreadable folder" << false;
    }

    void unreadableEntriesAreSkipped()
    {
        QFETCH(QString, entry);
        QFETCH(bool, warned);
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("top/sub");
        writeBytes(join(dir, "top/a.jpg"), "x");
        writeBytes(join(dir, "top/sub/b.jpg"), "x");
        if (entry == "hidden link loop")
            QCOMPARE(::symlink(".loop", join(dir, "top/.loop").c_str()), 0);
        else if (entry == "link loop")
            QCOMPARE(::symlink("loop", join(dir, "top/sub/loop").c_str()), 0);
        else if (entry == "link to the parent")
            QCOMPARE(::symlink("..", join(dir, "top/sub/up").c_str()), 0);
        else {
            QDir(dir.path()).mkpath("top/.hidden");
            QCOMPARE(::chmod(join(dir, "top/.hidden").c_str(), 0), 0);
        }
        FileListOptions options;
        options.recursive = true;
        auto listed = listFiles({join(dir, "top")}, options);
        ::chmod(join(dir, "top/.hidden").c_str(), 0755);
        QVERIFY2(listed.ok(), listed.message().c_str());
        QCOMPARE(listed->files.size(), std::size_t(2));
        QCOMPARE(!listed->warnings.empty(), warned);
        if (warned)
            QVERIFY2(listed->warnings[0].find("loop") != std::string::npos, listed->warnings[0].c_str());
    }

    void sortFolderMustBeAFolder_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("folder") << "folder" << true;
        QTest::newRow("missing") << "missing" << true;
        QTest::newRow("file") << "file" << false;
        QTest::newRow("link to /dev/null") << "link to /dev/null" << false;
        QTest::newRow("link to nothing") << "link to nothing" << false;
    }

    void sortFolderMustBeAFolder()
    {
        QFETCH(QString, kind);
        QFETCH(bool, accepted);
        QTemporaryDir dir;
        const std::string folder = join(dir, "sorted");
        if (kind == "folder")
            QCOMPARE(::mkdir(folder.c_str(), 0755), 0);
        else if (kind == "file")
            writeBytes(folder, "x");
        else if (kind == "link to /dev/null")
            QCOMPARE(::symlink("/dev/null", folder.c_str()), 0);
        else if (kind == "link to nothing")
            QCOMPARE(::symlink(join(dir, "nowhere").c_str(), folder.c_str()), 0);
        auto checked = checkSortFolder(folder);
        QCOMPARE(checked.ok(), accepted);
        if (!accepted)
            QVERIFY2(checked.message().find("--sort-into") != std::string::npos, checked.message().c_str());
    }

    void copiesArePlacedWhole()
    {
        QTemporaryDir dir;
        const std::string image = join(dir, "photo.jpg");
        std::string content(3 << 20, '\0');
        for (std::size_t i = 0; i < content.size(); ++i)
            content[i] = static_cast<char>(i * 7);
        writeBytes(image, content);
        const std::string sorted = join(dir, "sorted");
        QDir().mkpath(QString::fromStdString(sorted + "/cat"));

        // What an older version left when killed mid-copy: the start of the image under its name.
        writeBytes(sorted + "/cat/photo.jpg", content.substr(0, 1 << 20));
        // A temporary copy of a killed run, and one a live run is writing (locked).
        writeBytes(sorted + "/cat/.resnet-lens-copy.1.0.partial", content.substr(0, 100));
        const std::string live = sorted + "/cat/.resnet-lens-copy.2.0.partial";
        writeBytes(live, "x");
        const int held = ::open(live.c_str(), O_RDONLY);
        QVERIFY(held >= 0 && ::flock(held, LOCK_EX) == 0);
        QCOMPARE(removeLeftoverCopies(sorted), std::size_t(1));
        ::close(held);
        QVERIFY(QFileInfo::exists(QString::fromStdString(live)));

        SortOptions copy;
        copy.mode = SortOptions::Mode::Copy;
        auto placed = sortInto(sorted, image, "cat", copy);
        QVERIFY2(placed.ok(), placed.message().c_str());
        QCOMPARE(placed->path, sorted + "/cat/photo.jpg");
        QVERIFY(placed->changed);
        QVERIFY(readBytes(placed->path) == content);
        // Again: already there, nothing changes.
        placed = sortInto(sorted, image, "cat", copy);
        QVERIFY(placed.ok());
        QVERIFY(!placed->changed);
        // Another image of the same name gets its own name.
        QDir().mkpath(QString::fromStdString(join(dir, "other")));
        const std::string other = join(dir, "other/photo.jpg");
        writeBytes(other, "another image");
        placed = sortInto(sorted, other, "cat", copy);
        QVERIFY(placed.ok());
        QCOMPARE(placed->path, sorted + "/cat/photo_1.jpg");
        QCOMPARE(readBytes(placed->path), std::string("another image"));
        const QStringList left
            = QDir(QString::fromStdString(sorted + "/cat"))
                  .entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
        QCOMPARE(left, (QStringList {".resnet-lens-copy.2.0.partial", "photo.jpg", "photo_1.jpg"}));
    }
};

QTEST_GUILESS_MAIN(TestBatchOutput)
#include "tst_batchoutput.moc"
