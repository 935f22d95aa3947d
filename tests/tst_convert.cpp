// resnet-lens-cli convert as a user runs it, checked by Python: every output read back with Debian's torch
// (torch.load(weights_only=True), or the safetensors header and numpy) and loaded strictly into
// torchvision's model, every tensor equal to the source's after the dtype cast, bit for bit, and the
// formats' own rules checked (tests/support/check_export.py). Also what convert refuses: its own input,
// outputs that are not regular files, unknown extensions, dtypes and weight sets; and that a failed
// conversion leaves an existing output as it was and no temporary file behind.

#include "TestSupport.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <unistd.h>

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;

const auto ref = lens::test::referenceFile;

const QJsonObject& training()
{
    static const QJsonObject json = lens::test::readJsonFile(ref("training/training.json"));
    return json;
}

/// check_export.py's verdict on an output.
QJsonObject pythonCheck(const QStringList& arguments)
{
    QProcess python;
    python.start(qEnvironmentVariable("LENS_PYTHON"),
                 QStringList {QDir(qEnvironmentVariable("LENS_TEST_SUPPORT")).filePath("check_export.py")}
                     + arguments);
    if (!python.waitForFinished(300000))
        qFatal("check_export.py did not finish");
    const QJsonObject result = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    if (result.isEmpty())
        qWarning("check_export.py: %s", python.readAllStandardError().constData());
    return result;
}

QStringList leftovers(const QString& dir)
{
    return QDir(dir).entryList({"*.partial*"}, QDir::Files | QDir::Hidden);
}

} // namespace

class TestConvert : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void roundTripThroughPython_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("extension");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("numClasses");
        const QJsonArray rows = training()["conversions"].toArray();
        for (const auto& value : rows) {
            const QJsonObject row = value.toObject();
            const QString name
                = QString("%1%2 -> %3 %4")
                      .arg(QFileInfo(row["source"].toString()).fileName(),
                           row["key"].toString().isEmpty() ? QString() : " " + row["key"].toString(),
                           row["ext"].toString(), row["dtype"].toString());
            QTest::newRow(qPrintable(name))
                << row["source"].toString() << row["key"].toString() << row["ext"].toString()
                << row["dtype"].toString() << row["arch"].toString() << row["num_classes"].toInt();
        }
        QVERIFY(rows.size() >= 20);
    }

    void roundTripThroughPython()
    {
        QFETCH(QString, source);
        QFETCH(QString, key);
        QFETCH(QString, extension);
        QFETCH(QString, dtype);
        QFETCH(QString, arch);
        QFETCH(int, numClasses);
        const QString output = m_dir.filePath(QString("out_%1%2")
                                                  .arg(QTest::currentDataTag())
                                                  .replace(' ', '_')
                                                  .replace('/', '_')
                                                  .replace('>', '_')
                                              + extension);
        QStringList arguments {"convert", ref(source), output};
        if (!key.isEmpty())
            arguments << "--weights-key" << key;
        if (dtype != "keep")
            arguments << "--dtype" << dtype;
        const Run run = runCli(arguments);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.startsWith("wrote "), run.out.constData());
        if (!arch.isEmpty())
            QVERIFY2(run.out.contains(QString("loads strictly into torchvision.models.%1(num_classes=%2)")
                                          .arg(arch)
                                          .arg(numClasses)
                                          .toUtf8()),
                     run.out.constData());

        QStringList check {"--source", ref(source), "--output", output, "--dtype", dtype};
        if (!key.isEmpty())
            check << "--key" << key;
        if (!arch.isEmpty())
            check << "--arch" << arch << "--num-classes" << QString::number(numClasses);
        const QJsonObject verdict = pythonCheck(check);
        QVERIFY2(verdict["ok"].toBool(), qPrintable(verdict["error"].toString()));
        qInfo("%s", qPrintable(QJsonDocument(verdict["checks"].toArray()).toJson(QJsonDocument::Compact)));
        QVERIFY(leftovers(m_dir.path()).isEmpty());
        QFile::remove(output);
    }

    // The class names a checkpoint stores travel in safetensors' metadata, as a JSON list.
    void classNamesInMetadata()
    {
        const QString output = m_dir.filePath("teacher.safetensors");
        const Run run
            = runCli({"convert", ref("training/nested.pth"), output, "--weights-key", "teacher/state_dict"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile file(output);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray head = file.read(8);
        quint64 length = 0;
        for (int i = 7; i >= 0; --i)
            length = (length << 8) | static_cast<unsigned char>(head[i]);
        const QJsonObject header = QJsonDocument::fromJson(file.read(static_cast<qint64>(length))).object();
        const QJsonObject metadata = header["__metadata__"].toObject();
        QCOMPARE(metadata["format"].toString(), QString("pt"));
        QCOMPARE(metadata["architecture"].toString(), QString("resnet18"));
        QCOMPARE(metadata["num_classes"].toString(), QString("10"));
        const QJsonArray classes = QJsonDocument::fromJson(metadata["classes"].toString().toUtf8()).array();
        QCOMPARE(classes.size(), 10);
        QCOMPARE(classes[3].toString(), QString("kind 3"));
        // And the inspector reads them back as the checkpoint's.
        const Run inspect = runCli({"inspect", "--json", output});
        QCOMPARE(QJsonDocument::fromJson(inspect.out).object()["labels"].toObject()["source"].toString(),
                 QString("checkpoint"));
        // torch.save's format holds tensors only: the names are not kept, and convert says so.
        const Run pth = runCli({"convert", ref("training/nested.pth"), m_dir.filePath("teacher.pth"),
                                "--weights-key", "teacher/state_dict"});
        QVERIFY2(pth.err.contains("class names are not kept"), pth.err.constData());
    }

    void refusals_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mustSay");
        const QString source = ref("checkpoints/legacy.pth");
        QTest::newRow("its own input")
            << QStringList {source, source} << 1 << "is the checkpoint being exported";
        QTest::newRow("no output") << QStringList {source} << 1 << "give a checkpoint and an output";
        QTest::newRow("unknown extension") << QStringList {source, "out.onnx"} << 1 << ".safetensors";
        QTest::newRow("unknown dtype")
            << QStringList {source, "out.pth", "--dtype", "int8"} << 1 << "float32, float16 or bfloat16";
        QTest::newRow("a directory") << QStringList {source, "/tmp/"} << 1 << ".safetensors";
        QTest::newRow("a link to a device")
            << QStringList {source, "device.pth"} << 2 << "is not a regular file";
        QTest::newRow("an unknown weight set")
            << QStringList {ref("training/timm_style.pth"), "x.pth", "--weights-key", "teacher"} << 2
            << "its weight sets are";
        QTest::newRow("no default weight set")
            << QStringList {ref("training/nested.pth"), "x.pth"} << 2 << "--weights-key";
        QTest::newRow("a pickled model object") << QStringList {ref("checkpoints/bad/module.pth"), "x.pth"}
                                                << 2 << "torchvision.models.resnet.ResNet";
    }

    void refusals()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, mustSay);
        QFile::remove(m_dir.filePath("device.pth"));
        QVERIFY(QFile::link("/dev/null", m_dir.filePath("device.pth")));
        QStringList words {"convert"};
        for (const QString& argument : arguments)
            words << ((argument == "x.pth" || argument == "device.pth") ? m_dir.filePath(argument)
                                                                        : argument);
        const Run run = runCli(words);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(mustSay.toUtf8()), run.err.constData());
        QVERIFY(!QFileInfo::exists(m_dir.filePath("x.pth")));
        QVERIFY(leftovers(m_dir.path()).isEmpty());
    }

    // The input reached through a symbolic link or a hard link is still the input.
    void sameFileThroughLinks()
    {
        const QString copy = m_dir.filePath("source.pth");
        QVERIFY(QFile::copy(ref("checkpoints/legacy.pth"), copy));
        const QString symbolic = m_dir.filePath("symbolic.pth");
        const QString hard = m_dir.filePath("hard.pth");
        QVERIFY(QFile::link(copy, symbolic));
        QCOMPARE(::link(copy.toLocal8Bit().constData(), hard.toLocal8Bit().constData()), 0);
        const QByteArray before = [&] {
            QFile f(copy);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        for (const QString& output : {symbolic, hard}) {
            const Run run = runCli({"convert", copy, output});
            QCOMPARE(run.exitCode, 1);
            QVERIFY2(run.err.contains("is the checkpoint being exported"), run.err.constData());
        }
        QFile f(copy);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    // A symbolic link to an output is followed (the link stays, the file it names is replaced); an existing
    // output is replaced only by a complete file.
    void replacesOnlyWhenComplete()
    {
        const QString target = m_dir.filePath("existing.safetensors");
        {
            QFile f(target);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("old contents");
        }
        const QString link = m_dir.filePath("link.safetensors");
        QVERIFY(QFile::link(target, link));
        const Run failed = runCli({"convert", ref("training/timm_style.pth"), link, "--weights-key", "nope"});
        QCOMPARE(failed.exitCode, 2);
        {
            QFile f(target);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(f.readAll(), QByteArray("old contents"));
        }
        const Run run = runCli({"convert", ref("checkpoints/legacy.pth"), link, "--dtype", "float16"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(QFileInfo(link).isSymLink());
        QVERIFY(QFileInfo(target).size() > 20'000'000);
        QVERIFY(leftovers(m_dir.path()).isEmpty());
        const Run inspect = runCli({"inspect", "--json", link});
        QCOMPARE(inspect.exitCode, 0);
        // safetensors sorts by alignment: find a floating-point tensor by name.
        QString dtype;
        for (const auto& tensor : QJsonDocument::fromJson(inspect.out).object()["tensors"].toArray()) {
            if (tensor.toObject()["name"] == QLatin1String("conv1.weight"))
                dtype = tensor.toObject()["dtype"].toString();
        }
        QCOMPARE(dtype, QString("float16"));
    }

    void usage()
    {
        QCOMPARE(runCli({"convert", "--help"}).exitCode, 0);
        QCOMPARE(runCli({"convert", "a.pth", "b.pth", "--bogus"}).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestConvert)
#include "tst_convert.moc"
