// resnet-lens-cli inspect as a user runs it: statistics equal numpy's, --against equals numpy's
// comparison, exit codes 0/3/2, the documented --json schema, and hostile files.

#include "TestSupport.h"

#include <QFileInfo>
#include <QProcess>
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
        for (const char* key : {"path", "format", "verdict", "problem", "architecture", "tensor_count",
                                "total_elements", "fixes", "warnings", "labels", "load", "tensors"})
            QVERIFY2(json.contains(key), key);
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
