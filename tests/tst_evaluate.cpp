// Evaluating a checkpoint on labelled folders: the report equals what torchvision + numpy compute on the same
// folders (tests/reference/make_evaluation.py: real photos and their variants, a broken file) for a
// 1000-class model with folders named after its classes and a 10-class checkpoint with and without
// class_to_idx; the merge of three shards' predictions equals the unsharded report byte for byte, and so
// does a run killed with SIGKILL and resumed; folders that match no class are refused by name; the class map
// file's rules; the predictions file as Python's csv and json modules read it; the plots.

#include "TestSupport.h"
#include "jobs/Evaluation.h"
#include "jobs/EvaluationJob.h"
#include "labels/Labels.h"
#include "preprocess/Preprocess.h"

#include <QProcess>
#include <QTemporaryDir>
#include <csignal>
#include <fstream>

namespace {

using lens::test::runCli;

QString referenceFile(const QString& relative)
{
    return QString::fromStdString(lens::test::referencePath(relative));
}

const QJsonObject& expectedCases()
{
    static const QJsonObject cases
        = lens::test::readJsonFile(referenceFile("evaluation/expected.json"))["cases"].toObject();
    return cases;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeText(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

// A folder of class folders, each holding a copy of one photo.
void makeClassFolders(const QString& root, const QStringList& names)
{
    for (const auto& name : names) {
        QVERIFY(QDir().mkpath(QDir(root).filePath(name)));
        QVERIFY(
            QFile::copy(lens::test::photoFile("chelsea.png"), QDir(root).filePath(name + "/chelsea.png")));
    }
}

// Python's json module reading what it is given, printed back as JSON (a check that the file is JSON).
QJsonDocument pythonJson(const QString& script, const QStringList& arguments)
{
    QProcess python;
    python.start(qEnvironmentVariable("LENS_PYTHON"), QStringList {"-c", script} + arguments);
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        qWarning("%s", python.readAllStandardError().constData());
    return QJsonDocument::fromJson(python.readAllStandardOutput());
}

bool near(double a, double b, double tolerance = 1e-6)
{
    return std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b));
}

} // namespace

class TestEvaluate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The whole report against torchvision + numpy, through the API the app uses.
    void matchesTorchvision_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::newRow("1000 classes, folders named after ImageNet classes") << "imagenet";
        QTest::newRow("10 classes, checkpoint's class_to_idx") << "tencls_class_to_idx";
        QTest::newRow("10 classes, ImageFolder's sorted rule") << "tencls_imagefolder";
    }

    void matchesTorchvision()
    {
        QFETCH(QString, caseName);
        const QJsonObject expected = expectedCases()[caseName].toObject();
        QVERIFY(!expected.isEmpty());
        QTemporaryDir dir;
        const std::string root = referenceFile("evaluation/" + expected["folder"].toString()).toStdString();

        lens::EvaluationOptions options;
        options.roots = {root};
        options.predictions = dir.filePath("predictions.csv").toStdString();
        options.classifier.weights = referenceFile(expected["weights"].toString()).toStdString();
        // The plain LibTorch path one image at a time, as the reference runs torchvision: the same kernels,
        // so that every image's floats agree to 1e-6 (other batch sizes and the fast path differ by a few
        // 1e-6 in the logits).
        options.classifier.fast = false;
        options.pipeline.batchSize = 1;
        options.presetName = "v1";
        options.pipeline.preprocess = *lens::presetByName("v1");
        auto job = lens::EvaluationJob::prepare(options);
        QVERIFY2(job, job ? "" : job.message().c_str());
        QCOMPARE(QString::fromStdString(job->mapping().rule), expected["rule"].toString());
        const QJsonObject mapping = expected["mapping"].toObject();
        QCOMPARE(job->mapping().folders.size(), std::size_t(mapping.size()));
        for (const auto& folder : job->mapping().folders)
            QCOMPARE(folder.index, mapping[QString::fromStdString(folder.name)].toInt(-1));

        auto outcome = job->run();
        QVERIFY2(outcome, outcome ? "" : outcome.message().c_str());
        const lens::EvaluationReport& report = outcome->report;
        QVERIFY(!outcome->summary.complete()); // the broken file

        QCOMPARE(report.images, std::size_t(expected["images"].toInt()));
        QCOMPARE(report.errors, std::size_t(expected["errors"].toInt()));
        QCOMPARE(report.failed.size(), std::size_t(expected["failed"].toArray().size()));
        for (std::size_t i = 0; i < report.failed.size(); ++i)
            QCOMPARE(QString::fromStdString(report.failed[i].path),
                     QString::fromStdString(root) + "/" + expected["failed"].toArray()[int(i)].toString());

        const QJsonArray records = expected["records"].toArray();
        QCOMPARE(report.records.size(), std::size_t(records.size() + report.errors));
        std::size_t r = 0;
        for (const auto& record : report.records) {
            if (!record.error.empty())
                continue;
            const QJsonObject e = records[int(r++)].toObject();
            QCOMPARE(QString::fromStdString(record.path),
                     QString::fromStdString(root) + "/" + e["path"].toString());
            QCOMPARE(record.trueIndex, e["true_index"].toInt());
            QCOMPARE(record.predicted, e["predicted"].toInt());
            QCOMPARE(record.rankOfTrue, e["rank_of_true"].toInt());
            QVERIFY2(near(record.trueLogProbability, e["true_log_prob"].toDouble()), record.path.c_str());
            QVERIFY2(near(record.trueProbability, e["true_prob"].toDouble()), record.path.c_str());
            QVERIFY2(near(record.confidence, e["confidence"].toDouble()), record.path.c_str());
        }

        QCOMPARE(report.top1.value, expected["top1"].toDouble());
        QCOMPARE(report.top5.value, expected["top5"].toDouble());
        QCOMPARE(report.topK.value, expected["top_k"].toDouble());
        QVERIFY(near(report.top1.low, expected["top1_interval"].toArray()[0].toDouble(), 1e-12));
        QVERIFY(near(report.top1.high, expected["top1_interval"].toArray()[1].toDouble(), 1e-12));
        QVERIFY(near(report.top5.low, expected["top5_interval"].toArray()[0].toDouble(), 1e-12));
        QVERIFY(near(report.top5.high, expected["top5_interval"].toArray()[1].toDouble(), 1e-12));
        QVERIFY(near(report.meanClassAccuracy, expected["mean_class_accuracy"].toDouble(), 1e-12));
        QVERIFY2(near(report.ece, expected["ece"].toDouble()), std::to_string(report.ece).c_str());
        QVERIFY2(near(report.nll, expected["nll"].toDouble()), std::to_string(report.nll).c_str());

        const QJsonArray bins = expected["reliability"].toArray();
        QCOMPARE(report.reliability.size(), std::size_t(bins.size()));
        for (int b = 0; b < bins.size(); ++b) {
            const QJsonObject e = bins[b].toObject();
            QCOMPARE(report.reliability[b].count, std::size_t(e["count"].toInt()));
            QVERIFY(near(report.reliability[b].confidence, e["confidence"].toDouble()));
            QVERIFY(near(report.reliability[b].accuracy, e["accuracy"].toDouble(), 1e-12));
        }

        const QJsonArray classes = expected["classes"].toArray();
        QCOMPARE(report.classes.size(), std::size_t(classes.size()));
        for (int c = 0; c < classes.size(); ++c) {
            const QJsonObject e = classes[c].toObject();
            const lens::ClassResult& got = report.classes[c];
            QCOMPARE(got.index, e["index"].toInt());
            QCOMPARE(got.images, std::size_t(e["images"].toInt()));
            QCOMPARE(got.correct, std::size_t(e["correct"].toInt()));
            QCOMPARE(got.predicted, std::size_t(e["predicted"].toInt()));
            QCOMPARE(got.errors, std::size_t(e["errors"].toInt()));
            QCOMPARE(got.confusedWith, e["confused_with"].toInt());
            QVERIFY(near(got.precision, e["precision"].toDouble(), 1e-12));
            QVERIFY(near(got.recall, e["recall"].toDouble(), 1e-12));
            QVERIFY(near(got.f1, e["f1"].toDouble(), 1e-12));
        }
        const QJsonObject confusion = expected["confusion"].toObject();
        QCOMPARE(report.predictedClasses.size(), std::size_t(confusion["columns"].toArray().size()));
        for (int j = 0; j < confusion["columns"].toArray().size(); ++j)
            QCOMPARE(report.predictedClasses[j], confusion["columns"].toArray()[j].toInt());
        const QJsonArray counts = confusion["counts"].toArray();
        QCOMPARE(report.confusion.size(), std::size_t(counts.size()));
        for (int i = 0; i < counts.size(); ++i) {
            for (int j = 0; j < counts[i].toArray().size(); ++j)
                QCOMPARE(report.confusion[i][j], std::size_t(counts[i].toArray()[j].toInt()));
        }
        // The images of one cell: those of its true class predicted as its column's class.
        for (std::size_t i = 0; i < report.classes.size(); ++i) {
            for (std::size_t j = 0; j < report.predictedClasses.size(); ++j) {
                QCOMPARE(lens::cellImages(report, report.classes[i].index, report.predictedClasses[j]).size(),
                         report.confusion[i][j]);
            }
        }
    }

    // Three shards merged give the unsharded report, byte for byte (and its confusion matrix).
    void mergeOfShardsEqualsWhole_data()
    {
        QTest::addColumn<QString>("extension");
        QTest::newRow("CSV predictions") << "csv";
        QTest::newRow("JSON Lines predictions") << "jsonl";
    }

    void mergeOfShardsEqualsWhole()
    {
        QFETCH(QString, extension);
        QTemporaryDir dir;
        const QString folder = referenceFile("evaluation/imagenet");
        const QStringList common
            = {"evaluate", folder, "--weights", referenceFile("resnet18.pth"), "--quiet"};
        const auto whole = runCli(common
                                  + QStringList {"-o", dir.filePath("whole.json"), "--predictions",
                                                 dir.filePath("whole." + extension), "--confusion",
                                                 dir.filePath("whole_confusion.csv")});
        QCOMPARE(whole.exitCode, 3); // the broken file
        QStringList shards;
        std::size_t images = 0;
        for (int i = 0; i < 3; ++i) {
            shards << dir.filePath(QString("shard%1.").arg(i) + extension);
            const auto run
                = runCli(common
                         + QStringList {"--shard", QString("%1/3").arg(i), "--predictions", shards.last(),
                                        "-o", dir.filePath(QString("shard%1.json").arg(i))});
            QVERIFY(run.exitCode == 0 || run.exitCode == 3);
            images
                += lens::test::readJsonFile(dir.filePath(QString("shard%1.json").arg(i)))["images"].toInt();
        }
        const QJsonObject full = lens::test::readJsonFile(dir.filePath("whole.json"));
        QCOMPARE(images, std::size_t(full["images"].toInt())); // the shards partition the images
        const auto merged = runCli(QStringList {"evaluate", "--merge"} + shards
                                   + QStringList {"-o", dir.filePath("merged.json"), "--confusion",
                                                  dir.filePath("merged_confusion.csv"), "--quiet"});
        QCOMPARE(merged.exitCode, 3);
        QCOMPARE(readAll(dir.filePath("merged.json")), readAll(dir.filePath("whole.json")));
        QCOMPARE(readAll(dir.filePath("merged_confusion.csv")), readAll(dir.filePath("whole_confusion.csv")));
        QCOMPARE(full["images"].toInt(), expectedCases()["imagenet"].toObject()["images"].toInt());

        // A shard twice is refused: its images would count twice.
        const auto twice
            = runCli({"evaluate", "--merge", shards[0], shards[0], "-o", dir.filePath("x.json")});
        QCOMPARE(twice.exitCode, 1);
        QVERIFY(twice.err.contains("has a row in"));
        // A batch output is not an evaluation's predictions.
        const auto batch = runCli({"batch", folder + "/ocarina", "-o", dir.filePath("batch.csv"), "--weights",
                                   referenceFile("resnet18.pth"), "--quiet"});
        QCOMPARE(batch.exitCode, 3); // its broken file
        const auto notPredictions
            = runCli({"evaluate", "--merge", dir.filePath("batch.csv"), "-o", dir.filePath("y.json")});
        QCOMPARE(notPredictions.exitCode, 1);
        QVERIFY(notPredictions.err.contains("true_index"));
    }

    // SIGKILL in the middle, then --resume: the same report as one uninterrupted run.
    void killAndResume()
    {
        QTemporaryDir dir;
        const QString folder = referenceFile("evaluation/imagenet");
        const QString predictions = dir.filePath("p.csv");
        const QStringList arguments = {"evaluate",     folder,     "--weights", referenceFile("resnet18.pth"),
                                       "--batch-size", "2",        "--quiet",   "--predictions",
                                       predictions,    "--resume", "-o",        dir.filePath("resumed.json")};
        QProcess process;
        process.start(qEnvironmentVariable("LENS_CLI"), arguments);
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(readAll(predictions).count('\n') >= 2 + 9, 120000);
        ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
        QVERIFY(process.waitForFinished());
        QCOMPARE(process.exitStatus(), QProcess::CrashExit);
        QVERIFY(!QFile::exists(dir.filePath("resumed.json")));
        const int rowsBefore = readAll(predictions).count('\n') - 2;
        QVERIFY(rowsBefore < expectedCases()["imagenet"].toObject()["images"].toInt()); // killed mid-run

        const auto resumed = runCli(arguments);
        QCOMPARE(resumed.exitCode, 3);
        const auto once = runCli({"evaluate", folder, "--weights", referenceFile("resnet18.pth"), "--quiet",
                                  "--batch-size", "2", "--predictions", dir.filePath("once.csv"), "-o",
                                  dir.filePath("once.json")});
        QCOMPARE(once.exitCode, 3);
        QCOMPARE(readAll(dir.filePath("resumed.json")), readAll(dir.filePath("once.json")));
    }

    // Folders that name no class are refused, by name; --ignore-unknown leaves them out.
    void unknownFolders()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath("set");
        makeClassFolders(root, {"tabby", "Egyptian_Cat", "not a class", "zzz"});
        const QStringList arguments
            = {"evaluate", root, "--weights", referenceFile("resnet18.pth"), "-o", dir.filePath("r.json")};
        const auto refused = runCli(arguments);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("'not a class', 'zzz'"), refused.err.constData());
        QVERIFY(!QFile::exists(dir.filePath("r.json")));

        const auto ignored = runCli(arguments + QStringList {"--ignore-unknown"});
        QCOMPARE(ignored.exitCode, 0);
        const QJsonObject report = lens::test::readJsonFile(dir.filePath("r.json"));
        QCOMPARE(report["images"].toInt(), 2);
        QCOMPARE(report["mapping"].toObject()["rule"].toString(), QString("names"));
        const QJsonArray folders = report["mapping"].toObject()["folders"].toArray();
        QCOMPARE(folders.size(), 2);
        QCOMPARE(folders[0].toObject()["folder"].toString(), QString("Egyptian_Cat"));
        QCOMPARE(folders[0].toObject()["index"].toInt(), 285);
        QCOMPARE(folders[1].toObject()["index"].toInt(), 281);
    }

    // The rules in their order: checkpoint classes, then the class map, then names, else ImageFolder's.
    void classMapRules_data()
    {
        QTest::addColumn<QStringList>("folders");
        QTest::addColumn<QByteArray>("classMap");
        QTest::addColumn<QStringList>("checkpointClasses");
        QTest::addColumn<QString>("expected"); // "folder=index/rule ..." or "error: <text>"

        const QStringList ab {"a", "b"};
        QTest::newRow("index lines") << ab << QByteArray("a\t281\nb\t812\n") << QStringList()
                                     << "a=281/class-map b=812/class-map";
        QTest::newRow("class name lines, case and _ ignored")
            << ab << QByteArray("# comment\n\na\tTabby\r\nb\tspace_shuttle\n") << QStringList()
            << "a=281/class-map b=812/class-map";
        QTest::newRow("names beside the map") << QStringList {"a", "tabby"} << QByteArray("a\t5\n")
                                              << QStringList() << "a=5/class-map tabby=281/names";
        QTest::newRow("checkpoint classes before the map")
            << QStringList {"cat", "dog"} << QByteArray("cat\t0\ndog\t0\n") << QStringList {"dog", "cat"}
            << "cat=1/checkpoint dog=0/checkpoint";
        QTest::newRow("index out of range") << ab << QByteArray("a\t1000\n") << QStringList()
                                            << "error: line 1: class 1000 is not one of the model's 1000";
        QTest::newRow("unknown class name") << ab << QByteArray("a\t281\nb\tno such class\n") << QStringList()
                                            << "error: line 2: 'no such class' is not the name";
        QTest::newRow("no tab") << ab << QByteArray("a 281\n") << QStringList() << "error: line 1: expected";
        QTest::newRow("folder twice") << ab << QByteArray("a\t1\na\t2\n") << QStringList()
                                      << "error: line 2: folder 'a' is mapped already on line 1";
        QTest::newRow("unmapped folder named") << ab << QByteArray("a\t1\n") << QStringList()
                                               << "error: 1 folder matches no class of the model: 'b'";
        QTest::newRow("ImageFolder's rule needs N folders")
            << QStringList {"x", "y", "z"} << QByteArray() << QStringList()
            << "error: there are 3 folders for the model's 1000 classes";
    }

    void classMapRules()
    {
        QFETCH(QStringList, folders);
        QFETCH(QByteArray, classMap);
        QFETCH(QStringList, checkpointClasses);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        for (const auto& folder : folders)
            QVERIFY(QDir().mkpath(dir.filePath("set/" + folder)));
        lens::MappingOptions options;
        options.modelLabels = lens::imagenetLabels();
        for (const auto& name : checkpointClasses)
            options.checkpointLabels.push_back(name.toStdString());
        if (!classMap.isEmpty()) {
            writeText(dir.filePath("map.tsv"), classMap);
            options.classMapFile = dir.filePath("map.tsv").toStdString();
        }
        auto mapping = lens::mapClassFolders({dir.filePath("set").toStdString()}, options);
        if (expected.startsWith("error: ")) {
            QVERIFY(!mapping);
            QVERIFY2(QString::fromStdString(mapping.message()).contains(expected.mid(7)),
                     mapping.message().c_str());
            return;
        }
        QVERIFY2(mapping, mapping ? "" : mapping.message().c_str());
        QStringList got;
        for (const auto& folder : mapping->folders)
            got << QString::fromStdString(folder.name) + "=" + QString::number(folder.index) + "/"
                    + lens::mappingRuleName(folder.rule);
        QCOMPARE(got.join(' '), expected);
    }

    // ImageFolder's rule on exactly N folders: sorted names are 0..N-1 (ImageNet's validation set in wnids).
    void imageFolderRule()
    {
        QTemporaryDir dir;
        QStringList names;
        for (int i = 0; i < 10; ++i)
            names << QString("n%1").arg(9 - i, 8, 10, QChar('0'));
        for (const auto& name : names)
            QVERIFY(QDir().mkpath(dir.filePath("set/" + name)));
        lens::MappingOptions options;
        options.modelLabels = lens::defaultLabels(10);
        auto mapping = lens::mapClassFolders({dir.filePath("set").toStdString()}, options);
        QVERIFY2(mapping, mapping ? "" : mapping.message().c_str());
        QCOMPARE(QString::fromStdString(mapping->rule), QString("imagefolder"));
        for (std::size_t i = 0; i < mapping->folders.size(); ++i) {
            QCOMPARE(mapping->folders[i].index, int(i));
            QCOMPARE(QString::fromStdString(mapping->folders[i].name),
                     QString("n%1").arg(i, 8, 10, QChar('0')));
        }
    }

    // The predictions file as a user's script reads it: the batch row plus the evaluation's columns.
    void predictionsFile_data()
    {
        QTest::addColumn<QString>("extension");
        QTest::newRow("CSV") << "csv";
        QTest::newRow("JSON Lines") << "jsonl";
    }

    void predictionsFile()
    {
        QFETCH(QString, extension);
        QTemporaryDir dir;
        const QJsonObject expected = expectedCases()["tencls_class_to_idx"].toObject();
        const QString root = referenceFile("evaluation/tencls");
        const QString out = dir.filePath("p." + extension);
        const auto run
            = runCli({"evaluate", root, "--weights", referenceFile("evaluation/class_to_idx10.pth"),
                      "--predictions", out, "--quiet"});
        QCOMPARE(run.exitCode, 3);
        const QString script = extension == "csv"
            ? "import csv, json, sys\nf = open(sys.argv[1], newline='', encoding='utf-8')\nf.readline()\n"
              "print(json.dumps(list(csv.DictReader(f))))"
            : "import json, sys\nlines = open(sys.argv[1], encoding='utf-8').read().splitlines()\n"
              "print(json.dumps([json.loads(l) for l in lines[1:]]))";
        const QJsonArray rows = pythonJson(script, {out}).array();
        QCOMPARE(rows.size(), expected["images"].toInt() + expected["errors"].toInt());
        QMap<QString, QJsonObject> byPath;
        for (const auto& row : rows)
            byPath[row.toObject()["path"].toString()] = row.toObject();
        const auto number
            = [](const QJsonValue& v) { return v.isString() ? v.toString().toDouble() : v.toDouble(); };
        for (const auto& value : expected["records"].toArray()) {
            const QJsonObject e = value.toObject();
            const QJsonObject row = byPath.value(root + "/" + e["path"].toString());
            QVERIFY2(!row.isEmpty(), qPrintable(e["path"].toString()));
            QCOMPARE(row["status"].toString(), QString("ok"));
            QCOMPARE(int(number(row["true_index"])), e["true_index"].toInt());
            QCOMPARE(row["true_label"].toString(), row["true_folder"].toString()); // the checkpoint's names
            QCOMPARE(row["mapped_by"].toString(), QString("checkpoint"));
            QCOMPARE(int(number(row["rank_of_true"])), e["rank_of_true"].toInt());
            QCOMPARE(int(number(row["correct"])), e["predicted"].toInt() == e["true_index"].toInt() ? 1 : 0);
            QVERIFY(near(number(row["true_prob"]), e["true_prob"].toDouble(), 1e-5));
            QVERIFY(near(number(row["confidence"]), e["confidence"].toDouble(), 1e-5));
        }
        const QJsonObject broken = byPath.value(root + "/cat/broken.png");
        QCOMPARE(broken["status"].toString(), QString("error"));
        QCOMPARE(int(number(broken["true_index"])), 1);
    }

    // --plots: both pictures as PNG (Pillow opens them) and SVG (an XML parser reads them), in the same
    // colours.
    void plots()
    {
        QTemporaryDir dir;
        const auto run = runCli({"evaluate", referenceFile("evaluation/tencls"), "--weights",
                                 referenceFile("evaluation/class_to_idx10.pth"), "--quiet", "--plots",
                                 dir.filePath("plots")});
        QCOMPARE(run.exitCode, 3);
        const QJsonObject sizes
            = pythonJson("import json, sys, xml.etree.ElementTree as ET\nfrom PIL import Image\nout = {}\n"
                         "for name in ('confusion', 'reliability'):\n"
                         "    out[name + '.png'] = list(Image.open(sys.argv[1] + '/' + name + '.png').size)\n"
                         "    root = ET.parse(sys.argv[1] + '/' + name + '.svg').getroot()\n"
                         "    out[name + '.svg'] = [root.get('width'), len(list(root.iter()))]\n"
                         "    png = Image.open(sys.argv[1] + '/' + name + '.png').convert('RGB')\n"
                         "    same = total = 0\n"
                         "    for rect in root.iter('{http://www.w3.org/2000/svg}rect'):\n"
                         "        fill = rect.get('fill', '')\n"
                         "        if not fill.startswith('rgb(') or rect.get('stroke'):\n"
                         "            continue\n"
                         "        colour = tuple(int(v) for v in fill[4:-1].split(','))\n"
                         "        x, y, w, h = (float(rect.get(k)) for k in ('x', 'y', 'width', 'height'))\n"
                         "        if w < 5 or h < 5 or colour[0] == colour[2]:\n"
                         "            continue\n"
                         "        total += 1\n"
                         "        same += png.getpixel((int(x + w / 2), int(y) + 3)) == colour\n"
                         "    out[name + ' fills'] = [same, total]\n"
                         "print(json.dumps(out))",
                         {dir.filePath("plots")})
                  .object();
        QCOMPARE(sizes.size(), 6);
        for (const auto& key : sizes.keys()) {
            const QJsonArray size = sizes[key].toArray();
            if (key.endsWith(" fills")) // the PNG shows the SVG's colours (RGB, not OpenCV's BGR)
                QVERIFY2(
                    size[1].toInt() > 0 && size[0] == size[1],
                    qPrintable(
                        QStringLiteral("%1: %2 of %3").arg(key).arg(size[0].toInt()).arg(size[1].toInt())));
            else if (key.endsWith(".png"))
                QVERIFY2(size[0].toInt() >= 300 && size[1].toInt() >= 300, qPrintable(key));
            else
                QVERIFY2(size[1].toInt() > 20, qPrintable(key)); // shapes and labels, not an empty picture
        }
    }

    void usage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no folder") << QStringList {"evaluate"};
        QTest::newRow("resume without predictions") << QStringList {"evaluate", "dir", "--resume"};
        QTest::newRow("merge without report") << QStringList {"evaluate", "--merge", "a.csv"};
        QTest::newRow("bad shard") << QStringList {"evaluate", "dir", "--shard", "3/3"};
        QTest::newRow("bad predictions extension")
            << QStringList {"evaluate", "dir", "--predictions", "p.txt"};
        QTest::newRow("not a folder")
            << QStringList {"evaluate", "/nonexistent/folder", "--weights", referenceFile("resnet18.pth")};
    }

    void usage()
    {
        QFETCH(QStringList, arguments);
        QCOMPARE(runCli(arguments).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestEvaluate)
#include "tst_evaluate.moc"
