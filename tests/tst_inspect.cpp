// resnet-lens-cli inspect as a user runs it: statistics equal numpy's, --against equals numpy's
// comparison, exit codes 0/3/2, the documented --json schema, and hostile files. Training checkpoints: the
// structure and the weight sets equal what Python sees in the same file (tests/reference/make_training.py),
// --weights-key picks one for inspect, classify and batch, and hostile shapes stay bounded.

#include "TestSupport.h"

#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <cmath>

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;

const auto ref = lens::test::referenceFile;

const QJsonObject& checkpoints()
{
    static const QJsonObject json = lens::test::readJsonFile(ref("checkpoints/checkpoints.json"));
    return json;
}

QJsonObject inspectJson(const QStringList& arguments, int expectedExit)
{
    const Run run = runCli(QStringList {"inspect", "--json"} + arguments);
    if (run.exitCode != expectedExit)
        qWarning("exit %d: %s", run.exitCode, run.err.constData());
    const QJsonDocument document = QJsonDocument::fromJson(run.out);
    return run.exitCode == expectedExit && document.isObject() ? document.object() : QJsonObject {};
}

bool close(double actual, double expected)
{
    return std::abs(actual - expected) <= 1e-12 + 1e-7 * std::abs(expected);
}

const QJsonObject& training()
{
    static const QJsonObject json = lens::test::readJsonFile(ref("training/training.json"));
    return json;
}

/// Every node of an inspect --json structure by its path.
void flatten(const QJsonObject& node, QMap<QString, QJsonObject>& out)
{
    out.insert(node["path"].toString(), node);
    for (const auto& child : node["children"].toArray())
        flatten(child.toObject(), out);
}

QJsonArray childPaths(const QJsonObject& node)
{
    QJsonArray paths;
    for (const auto& child : node["children"].toArray())
        paths << child.toObject()["path"];
    return paths;
}

/// Python's child keys joined to their parent's path.
QJsonArray expectedChildPaths(const QString& path, const QJsonArray& keys)
{
    QJsonArray paths;
    for (const auto& key : keys)
        paths << (path.isEmpty() ? key.toString() : path + "/" + key.toString());
    return paths;
}

QStringList trainingFiles()
{
    return training()["files"].toObject().keys();
}

/// The exit code inspect gives a training file: 0 when its default weight set loads strictly, 2 without one.
int trainingExit(const QString& file)
{
    // 0 when the default weight set loads into the architecture Python built it from, else 2.
    const QJsonValue key = training()["files"][file]["default"];
    for (const auto& set : training()["files"][file]["weight_sets"].toArray()) {
        if (!key.isNull() && set.toObject()["key"] == key)
            return set.toObject()["arch"].isNull() ? 2 : 0;
    }
    return 2;
}

} // namespace

class TestInspect : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void statsMatchNumpy_data()
    {
        QTest::addColumn<QString>("file");
        const QJsonObject stats = checkpoints()["stats"].toObject();
        for (auto it = stats.begin(); it != stats.end(); ++it)
            QTest::newRow(qPrintable(QFileInfo(it.key()).fileName())) << it.key();
        QCOMPARE(stats.size(), 3);
    }

    // Every tensor of a file with resnet18, one tensor of each dtype and NaN/Inf values.
    void statsMatchNumpy()
    {
        QFETCH(QString, file);
        const QJsonObject expected = checkpoints()["stats"][file].toObject();
        const QJsonObject json = inspectJson({ref(file)}, 3); // the extra tensors are unexpected keys
        QVERIFY(!json.isEmpty());
        const QJsonArray tensors = json["tensors"].toArray();
        // resnet18's 122 tensors and the extras: 133 at least (the safetensors file has one fewer).
        QVERIFY2(expected.size() >= 133,
                 qPrintable(QString("only %1 tensors in the reference").arg(expected.size())));
        QCOMPARE(tensors.size(), expected.size());
        int withNan = 0;
        for (const auto& value : tensors) {
            const QJsonObject t = value.toObject();
            const QString name = t["name"].toString();
            QVERIFY2(expected.contains(name), qPrintable(name));
            const QJsonObject e = expected[name].toObject();
            QCOMPARE(t["shape"].toArray(), e["shape"].toArray());
            QCOMPARE(t["numel"].toInteger(), e["numel"].toInteger());
            QCOMPARE(t["nan"].toInteger(), e["nan"].toInteger());
            QCOMPARE(t["inf"].toInteger(), e["inf"].toInteger());
            QCOMPARE(t["dtype"].toString(), e["dtype"].toString());
            withNan += t["nan"].toInteger() > 0;
            for (const char* stat : {"min", "max", "mean", "std"}) {
                QCOMPARE(t[stat].isNull(), e[stat].isNull());
                if (!e[stat].isNull())
                    QVERIFY2(close(t[stat].toDouble(), e[stat].toDouble()),
                             qPrintable(name + " " + stat + ": "
                                        + QString::number(t[stat].toDouble(), 'g', 17) + " vs numpy "
                                        + QString::number(e[stat].toDouble(), 'g', 17)));
            }
        }
        QCOMPARE(withNan, 2);
    }

    void againstMatchesNumpy_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("partial: keys, shapes, perturbed tensors") << "partial";
        QTest::newRow("float16 rounding") << "half";
    }

    void againstMatchesNumpy()
    {
        QFETCH(QString, name);
        const QJsonObject expected = checkpoints()["comparisons"][name].toObject();
        const QJsonObject json = inspectJson(
            {ref(expected["first"].toString()), "--against", ref(expected["second"].toString())}, 0);
        QVERIFY(!json.isEmpty());
        const QJsonObject against = json["against"].toObject();
        QCOMPARE(against["path"].toString(), ref(expected["second"].toString()));
        QCOMPARE(against["only_in_checkpoint"].toArray(), expected["only_in_first"].toArray());
        QCOMPARE(against["only_in_other"].toArray(), expected["only_in_second"].toArray());
        const QJsonArray changes = against["shape_changes"].toArray();
        const QJsonArray expectedChanges = expected["shape_changes"].toArray();
        QCOMPARE(changes.size(), expectedChanges.size());
        for (int i = 0; i < changes.size(); ++i) {
            QCOMPARE(changes[i].toObject()["key"], expectedChanges[i].toObject()["key"]);
            QCOMPARE(changes[i].toObject()["checkpoint_shape"].toArray(),
                     expectedChanges[i].toObject()["first"].toArray());
            QCOMPARE(changes[i].toObject()["other_shape"].toArray(),
                     expectedChanges[i].toObject()["second"].toArray());
        }
        const QJsonObject diffs = expected["max_abs_diff"].toObject();
        const QJsonArray ours = against["max_abs_diff"].toArray();
        // Every tensor the two files share: 119 for the partial checkpoint, 122 for the float16 one.
        QVERIFY2(diffs.size() >= 119,
                 qPrintable(QString("only %1 shared tensors in the reference").arg(diffs.size())));
        QCOMPARE(ours.size(), diffs.size());
        int nonzero = 0;
        for (const auto& value : ours) {
            const QString key = value.toObject()["key"].toString();
            QVERIFY2(diffs.contains(key), qPrintable(key));
            QVERIFY2(close(value.toObject()["value"].toDouble(), diffs[key].toDouble()), qPrintable(key));
            nonzero += diffs[key].toDouble() != 0;
        }
        QVERIFY(nonzero >= 2);
        int identical = 0;
        for (const auto& value : ours)
            identical += value.toObject()["identical"].toBool();
        QCOMPARE(identical, expected["identical"].toArray().size());
        QCOMPARE(against["identical"].toInt(), identical);
    }

    void exitCodes_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("verdict");
        QTest::newRow("strict match") << QStringList {ref("resnet18.pth")} << 0 << "strict";
        QTest::newRow("strict after fixes")
            << QStringList {ref("checkpoints/lightning.pth")} << 0 << "strict";
        QTest::newRow("partial") << QStringList {ref("checkpoints/partial.pth")} << 3 << "partial";
        QTest::newRow("partial, --partial")
            << QStringList {ref("checkpoints/partial.pth"), "--partial"} << 3 << "partial";
        QTest::newRow("partial, --strict")
            << QStringList {ref("checkpoints/partial.pth"), "--strict"} << 2 << "failed";
        QTest::newRow("other --arch")
            << QStringList {ref("resnet18.pth"), "--arch", "resnet50"} << 3 << "partial";
        QTest::newRow("other --arch, --strict")
            << QStringList {ref("resnet18.pth"), "--arch", "resnet50", "--strict"} << 2 << "failed";
        QTest::newRow("unknown --arch")
            << QStringList {ref("resnet18.pth"), "--arch", "resnet9"} << 2 << "failed";
    }

    void exitCodes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, verdict);
        const Run human = runCli(QStringList {"inspect"} + arguments);
        QCOMPARE(human.exitCode, exitCode);
        QVERIFY2(human.out.contains("loads:"), human.err.constData());
        if (arguments.contains("--strict") && arguments.first().endsWith("partial.pth")) {
            for (const char* key : {"fc.weight", "fc.bias", "extra.weight", "layer1.0.conv1.weight"})
                QVERIFY2(human.err.contains(key), human.err.constData());
        }
        const QJsonObject json = inspectJson(arguments, exitCode);
        QCOMPARE(json["verdict"].toString(), verdict);
    }

    // The fields README.md documents under "inspect --json schema".
    void jsonSchema()
    {
        const QJsonObject json = inspectJson({ref("checkpoints/classes10.pth")}, 0);
        QCOMPARE(json["schema_version"].toInt(), 1);
        for (const char* key :
             {"path", "format", "verdict", "problem", "architecture", "tensor_count", "total_elements",
              "fixes", "warnings", "labels", "load", "tensors", "weights_key", "weight_sets",
              "weight_sets_complete", "structure", "structure_complete", "metadata"})
            QVERIFY2(json.contains(key), key);
        QCOMPARE(json["weights_key"].toString(), QString("model"));
        QCOMPARE(json["weight_sets"].toArray().size(), 1);
        for (const char* key : {"key", "tensors", "elements", "dtypes", "default", "inspected",
                                "architecture", "verdict", "problem"})
            QVERIFY2(json["weight_sets"][0].toObject().contains(key), key);
        QCOMPARE(json["structure"]["kind"].toString(), QString("dict"));
        for (const char* key : {"key", "path", "kind", "type", "entries", "omitted", "children"})
            QVERIFY2(json["structure"].toObject().contains(key), key);
        QCOMPARE(json["architecture"]["name"].toString(), QString("resnet18"));
        QCOMPARE(json["architecture"]["num_classes"].toInt(), 10);
        QCOMPARE(json["labels"]["source"].toString(), QString("checkpoint"));
        QCOMPARE(json["labels"]["count"].toInt(), 10);
        QCOMPARE(json["tensor_count"].toInt(), 122);
        QCOMPARE(json["load"]["matched"].toArray().size(), 122);
        for (const char* key : {"missing", "unexpected", "mismatched", "converted"})
            QVERIFY2(json["load"][key].toArray().isEmpty(), key);
        for (const char* key : {"name", "shape", "dtype", "numel", "min", "max", "mean", "std", "nan", "inf"})
            QVERIFY2(json["tensors"][0].toObject().contains(key), key);

        const QJsonObject shapes = lens::test::readJsonFile(ref("arch_shapes.json"));
        const QJsonObject full = inspectJson({ref("resnet18.pth")}, 0);
        QCOMPARE(full["architecture"]["parameters"].toInteger(),
                 shapes["archs"]["resnet18"]["params"].toInteger());
        QCOMPARE(full["labels"]["source"].toString(), QString("imagenet"));
    }

    void structureMatchesPython_data()
    {
        QTest::addColumn<QString>("file");
        for (const QString& file : trainingFiles())
            QTest::newRow(qPrintable(QFileInfo(file).fileName())) << file;
        QCOMPARE(trainingFiles().size(), 5);
    }

    // Every path Python reaches, with its kind, type and value; optimizers and state dicts summarised as
    // Python counts them.
    void structureMatchesPython()
    {
        QFETCH(QString, file);
        const QJsonObject expected = training()["files"][file]["structure"].toObject();
        const QJsonObject json = inspectJson({ref(file)}, trainingExit(file));
        QVERIFY(!json.isEmpty());
        QVERIFY(json["structure_complete"].toBool());
        QMap<QString, QJsonObject> ours;
        flatten(json["structure"].toObject(), ours);
        QCOMPARE(ours.size(), expected.size());
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const QString path = it.key();
            const QJsonObject python = it.value().toObject();
            QVERIFY2(ours.contains(path), qPrintable("no node at '" + path + "'"));
            const QJsonObject node = ours[path];
            const QString kind = python["kind"].toString();
            QVERIFY2(node["kind"].toString() == kind, qPrintable(path + ": " + node["kind"].toString()));
            if (kind == "scalar") {
                QVERIFY2(node["type"] == python["type"], qPrintable(path));
                QVERIFY2(node["value"] == python["value"],
                         qPrintable(path + ": " + QJsonDocument(QJsonArray {node["value"]}).toJson()));
            } else if (kind == "tensor") {
                QCOMPARE(node["dtype"], python["dtype"]);
                QCOMPARE(node["shape"], python["shape"]);
            } else if (kind == "weights" || kind == "tensors") {
                for (const char* field : {"tensors", "elements", "dtypes"})
                    QVERIFY2(node[field] == python[field], qPrintable(path + " " + field));
            } else if (kind == "optimizer") {
                const QJsonObject a = node["optimizer"].toObject(), b = python["optimizer"].toObject();
                for (const char* field : {"param_group_count", "param_groups", "state_entries", "state"})
                    QVERIFY2(
                        a[field] == b[field],
                        qPrintable(path + " " + field + ": " + QJsonDocument(a[field].toArray()).toJson()));
            } else {
                QCOMPARE(node["entries"], python["entries"]);
                QCOMPARE(node["omitted"].toInt(), 0);
                QCOMPARE(childPaths(node), expectedChildPaths(path, python["children"].toArray()));
                if (kind == "object")
                    QCOMPARE(node["type"], python["type"]);
            }
        }
    }

    void weightSetsMatchPython_data() { structureMatchesPython_data(); }

    // Every state dict Python finds (none inside an optimizer), the architecture it was built from, and the
    // default one by the documented order.
    void weightSetsMatchPython()
    {
        QFETCH(QString, file);
        const QJsonObject expected = training()["files"][file].toObject();
        const QJsonObject json = inspectJson({ref(file)}, trainingExit(file));
        QVERIFY(!json.isEmpty());
        QVERIFY(json["weight_sets_complete"].toBool());
        const QJsonArray ours = json["weight_sets"].toArray();
        const QJsonArray python = expected["weight_sets"].toArray();
        QCOMPARE(ours.size(), python.size());
        for (int i = 0; i < ours.size(); ++i) {
            const QJsonObject a = ours[i].toObject(), b = python[i].toObject();
            QCOMPARE(a["key"], b["key"]);
            for (const char* field : {"tensors", "elements", "dtypes"})
                QVERIFY2(a[field] == b[field], qPrintable(b["key"].toString() + " " + field));
            QCOMPARE(a["default"].toBool(), expected["default"] == b["key"]);
            QCOMPARE(a["inspected"].toBool(), expected["default"] == b["key"]);
            if (b["arch"].isNull()) {
                QVERIFY(a["architecture"].isNull());
                continue;
            }
            QCOMPARE(a["architecture"]["name"], b["arch"]);
            QCOMPARE(a["architecture"]["num_classes"], b["num_classes"]);
            QCOMPARE(a["verdict"].toString(), QString("strict"));
        }
        QCOMPARE(json["weights_key"].toString(), expected["default"].toString());
    }

    void weightsKey_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("numClasses");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<QStringList>("fixes");
        QTest::newRow("EMA copy of torchvision's train.py: n_averaged and module. dropped")
            << "training/torchvision_style.pth"
            << "model_ema" << 1000 << "imagenet"
            << QStringList {"weights found under 'model_ema'", "dropped 'n_averaged'",
                            "removed the key prefix 'module.'"};
        QTest::newRow("timm's EMA") << "training/timm_style.pth"
                                    << "state_dict_ema" << 1000 << "imagenet"
                                    << QStringList {"weights found under 'state_dict_ema'"};
        QTest::newRow("nested wrapper")
            << "training/nested.pth"
            << "checkpoint/model" << 1000 << "imagenet" << QStringList {"removed the key prefix 'module.'"};
        QTest::newRow("teacher with class names beside it")
            << "training/nested.pth"
            << "teacher/state_dict" << 10 << "checkpoint"
            << QStringList {"class names taken from the checkpoint"};
        QTest::newRow("list item") << "training/ensemble.pth"
                                   << "models/1" << 10 << "generic" << QStringList {};
        QTest::newRow("escaped '/' and '~'") << "training/ensemble.pth"
                                             << "run~11/weights~0" << 1000 << "imagenet" << QStringList {};
    }

    void weightsKey()
    {
        QFETCH(QString, file);
        QFETCH(QString, key);
        QFETCH(int, numClasses);
        QFETCH(QString, labels);
        QFETCH(QStringList, fixes);
        const QJsonObject json = inspectJson({ref(file), "--weights-key", key}, 0);
        QVERIFY(!json.isEmpty());
        QCOMPARE(json["weights_key"].toString(), key);
        QCOMPARE(json["verdict"].toString(), QString("strict"));
        QCOMPARE(json["architecture"]["num_classes"].toInt(), numClasses);
        QCOMPARE(json["tensor_count"].toInt(), 122);
        QCOMPARE(json["labels"]["source"].toString(), labels);
        const QString allFixes = QJsonDocument(json["fixes"].toArray()).toJson();
        for (const QString& fix : fixes)
            QVERIFY2(allFixes.contains(fix), qPrintable(allFixes));
        int inspected = 0;
        for (const auto& set : json["weight_sets"].toArray()) {
            inspected += set.toObject()["inspected"].toBool();
            if (set.toObject()["inspected"].toBool())
                QCOMPARE(set.toObject()["key"].toString(), key);
        }
        QCOMPARE(inspected, 1);
    }

    void badWeightsKey_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("mustSay");
        QTest::newRow("nothing there") << "training/timm_style.pth"
                                       << "model"
                                       << "nothing is stored under";
        QTest::newRow("an optimizer") << "training/timm_style.pth"
                                      << "optimizer"
                                      << "an optimizer's state";
        QTest::newRow("a number") << "training/timm_style.pth"
                                  << "epoch"
                                  << "holds 7 (int)";
        QTest::newRow("inside an optimizer") << "training/torchvision_style.pth"
                                             << "optimizer/state/0"
                                             << "part of an optimizer's state";
        QTest::newRow("unescaped '/'") << "training/ensemble.pth"
                                       << "run/1/weights~"
                                       << "nothing is stored under";
        QTest::newRow("a key in a safetensors file") << "checkpoints/resnet18.safetensors"
                                                     << "model"
                                                     << "one weight set";
    }

    // The error names what is there instead, and lists the weight sets.
    void badWeightsKey()
    {
        QFETCH(QString, file);
        QFETCH(QString, key);
        QFETCH(QString, mustSay);
        const Run run = runCli({"inspect", ref(file), "--weights-key", key});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(mustSay.toUtf8()), run.err.constData());
        if (!file.endsWith(".safetensors"))
            QVERIFY2(run.err.contains("its weight sets are"), run.err.constData());
        const QJsonObject json = inspectJson({ref(file), "--weights-key", key}, 2);
        QCOMPARE(json["verdict"].toString(), QString("failed"));
        QVERIFY(json["error"].toString().contains(mustSay));
    }

    // classify and batch take --weights-key too; without one, a file whose weights are not at a documented
    // key is refused with the keys to choose from.
    void weightsKeyInOtherCommands()
    {
        const QString file = ref("training/nested.pth");
        const QString photo = QDir(lens::test::dataDir()).filePath("grace_hopper.jpg");
        const Run refused = runCli({"classify", "--weights", file, photo});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("'checkpoint/model' and 'teacher/state_dict'"),
                 refused.err.constData());
        QVERIFY2(refused.err.contains("--weights-key"), refused.err.constData());

        const Run run
            = runCli({"classify", "--weights", file, "--weights-key", "checkpoint/model", "--json", photo});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray top = QJsonDocument::fromJson(run.out).object()["top"].toArray();
        const QJsonArray expected
            = lens::test::reference()["photos"]["grace_hopper.jpg"]["v1"]["top5"]["resnet18"].toArray();
        QCOMPARE(top.size(), 5);
        for (int r = 0; r < 5; ++r)
            QCOMPARE(top[r].toObject()["index"].toInt(), expected[r].toInt());
        const Run noted = runCli({"classify", "--weights", file, "--weights-key", "checkpoint/model", photo});
        QVERIFY2(noted.err.contains("also holds the weight set 'teacher/state_dict'"), noted.err.constData());

        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath("photos"));
        QVERIFY(QFile::copy(photo, dir.filePath("photos/a.jpg")));
        const QString output = dir.filePath("labels.jsonl");
        const Run batch = runCli({"batch", dir.filePath("photos"), "-o", output, "--weights", file,
                                  "--weights-key", "teacher/state_dict", "--quiet"});
        QVERIFY2(batch.exitCode == 0, batch.err.constData());
        const QJsonObject rows = lens::test::readBatchOutput(output);
        QCOMPARE(rows["rows"].toArray().size(), 1);
        QVERIFY(rows["run"]["weights"].toString().endsWith("#teacher/state_dict"));
        // The teacher's own class names label the rows.
        QVERIFY(rows["rows"][0]["labels"][0].toString().startsWith("kind "));
    }

    // Two weight sets of one file compared as numpy compares them.
    void againstWeightSet()
    {
        const QJsonObject expected = training()["comparisons"]["model against model_ema"].toObject();
        const QString file = ref(expected["file"].toString());
        const QJsonObject json
            = inspectJson({file, "--weights-key", expected["first_key"].toString(), "--against", file,
                           "--against-key", expected["second_key"].toString()},
                          0);
        QVERIFY(!json.isEmpty());
        const QJsonObject against = json["against"].toObject();
        QCOMPARE(against["weights_key"].toString(), expected["second_key"].toString());
        QCOMPARE(against["only_in_checkpoint"].toArray(), expected["only_in_first"].toArray());
        QCOMPARE(against["only_in_other"].toArray(), expected["only_in_second"].toArray());
        const QJsonObject diffs = expected["max_abs_diff"].toObject();
        QCOMPARE(against["max_abs_diff"].toArray().size(), diffs.size());
        QStringList identical;
        for (const auto& value : against["max_abs_diff"].toArray()) {
            const QJsonObject d = value.toObject();
            QVERIFY2(close(d["value"].toDouble(), diffs[d["key"].toString()].toDouble()),
                     qPrintable(d["key"].toString()));
            if (d["identical"].toBool())
                identical << d["key"].toString();
        }
        QStringList numpyIdentical;
        for (const auto& key : expected["identical"].toArray())
            numpyIdentical << key.toString();
        QCOMPARE(identical, numpyIdentical);
        QCOMPARE(against["identical"].toInt(), numpyIdentical.size());
        QVERIFY(!numpyIdentical.isEmpty() && numpyIdentical.size() < diffs.size());
    }

    void hostileShapes_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("2^40 paths to one state dict") << "training/bad/paths_dag.pth";
        QTest::newRow("3000 keys holding weight sets") << "training/bad/wide.pth";
    }

    // Shared values cannot make the walk exponential: the structure and the search stop at their limits
    // and say so.
    void hostileShapes()
    {
        QFETCH(QString, file);
        QTemporaryDir dir;
        const lens::test::MeasuredRun run
            = lens::test::runCliMeasured({"inspect", "--json", ref(file)}, dir.path(), 60);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.seconds < 20, qPrintable(QString::number(run.seconds)));
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QVERIFY(!json.isEmpty());
        QVERIFY(!json["weight_sets_complete"].toBool());
        QVERIFY(json["weight_sets"].toArray().size() <= 1000);
        QVERIFY(!json["weight_sets"].toArray().isEmpty());
        QVERIFY(run.out.size() < 20'000'000);
    }

    // A key whose bytes are not UTF-8 (torch.load: UnicodeDecodeError) is refused with its position, in
    // text and in JSON, which stays valid UTF-8.
    void keyNotUtf8()
    {
        const Run run = runCli({"inspect", "--json", ref("training/bad/key_not_utf8.pth")});
        QCOMPARE(run.exitCode, 2);
        QJsonParseError error;
        const QJsonObject json = QJsonDocument::fromJson(run.out, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY2(QString::fromUtf8(run.out).toUtf8() == run.out, "the JSON is not valid UTF-8");
        QCOMPARE(json["verdict"].toString(), QString("failed"));
        // "ep\xffch": the bad byte is the string's third.
        QVERIFY2(json["error"].toString().contains("not valid UTF-8 (byte 0xff at position 2)"),
                 qPrintable(json["error"].toString()));
        QVERIFY(run.err.contains("UnicodeDecodeError"));
    }

    void hostileFile_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("mustSay");
        const QJsonObject hostile = checkpoints()["hostile"].toObject();
        for (auto it = hostile.begin(); it != hostile.end(); ++it)
            QTest::newRow(qPrintable(QFileInfo(it.key()).fileName())) << it.key() << it.value().toString();
        // make_checkpoints.py writes 8 hostile files; with none, every row would pass vacuously.
        QVERIFY2(hostile.size() >= 8, qPrintable(QString("only %1 hostile files").arg(hostile.size())));
    }

    void hostileFile()
    {
        QFETCH(QString, file);
        QFETCH(QString, mustSay);
        const Run run = runCli({"inspect", ref(file)});
        QCOMPARE(run.exitCode, 2);
        const QList<QByteArray> lines = run.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].contains(QFileInfo(file).fileName().toUtf8()), run.err.constData());
        QVERIFY2(lines[0].contains(mustSay.toUtf8()), run.err.constData());

        const QJsonObject json = inspectJson({ref(file)}, 2);
        QCOMPARE(json["schema_version"].toInt(), 1);
        if (json["verdict"].toString() == "dangerous") {
            // A pickled object: everything the file holds is shown, the danger first.
            QVERIFY(!json["dangers"].toArray().isEmpty());
            QCOMPARE(json["dangers"][0]["global"].toString(), mustSay);
            QVERIFY(json["problem"].toString().contains(mustSay));
        } else {
            QVERIFY(json["error"].toString().contains(mustSay));
        }

        const Run classify = runCli(
            {"classify", "--weights", ref(file), QDir(lens::test::dataDir()).filePath("chelsea.png")});
        QCOMPARE(classify.exitCode, 2);
    }

    // classify --weights takes every format.
    void classifyAcceptsFormats_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* file : {"checkpoints/legacy.pth", "checkpoints/resnet18.safetensors",
                                 "checkpoints/scripted.pt", "checkpoints/cuda.pth"})
            QTest::newRow(file) << QString(file);
    }

    void classifyAcceptsFormats()
    {
        QFETCH(QString, file);
        const QString photo = "grace_hopper.jpg";
        const Run run = runCli(
            {"classify", "--weights", ref(file), "--json", QDir(lens::test::dataDir()).filePath(photo)});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray top = QJsonDocument::fromJson(run.out).object()["top"].toArray();
        const QJsonArray expected
            = lens::test::reference()["photos"][photo]["v1"]["top5"]["resnet18"].toArray();
        QCOMPARE(top.size(), 5);
        for (int r = 0; r < 5; ++r)
            QCOMPARE(top[r].toObject()["index"].toInt(), expected[r].toInt());
    }

    void usage()
    {
        QCOMPARE(runCli({"inspect"}).exitCode, 1);
        QCOMPARE(runCli({"inspect", "a.pth", "--strict", "--partial"}).exitCode, 1);
        QCOMPARE(runCli({"inspect", "a.pth", "--bogus"}).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestInspect)
#include "tst_inspect.moc"
