// resnet-lens-cli as a user runs it: output formats, exit codes, and bad input.

#include "TestSupport.h"
#include "io/Npy.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSize>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>

using namespace lens;

namespace {

using Run = lens::test::CliRun;
using lens::test::runCli;

const auto ref = test::referenceFile;
const auto data = test::photoFile;

QSize imageSize(const QString& path)
{
    const cv::Mat image = cv::imread(path.toStdString());
    return {image.cols, image.rows};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // --precision bf16 where oneDNN may not use the CPU's bf16 instructions (ONEDNN_MAX_CPU_ISA hides them
    // here; on a CPU without them it is refused anyway): a message naming the feature, for every command
    // that runs a model, and nothing written. A value other than fp32 or bf16 is a usage error.
    void precisionIsCheckedBeforeRunning_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("isa");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString weights = ref("resnet18.pth");
        const QString photo = data("grace_hopper.jpg");
        const QStringList classify = {"classify", "--weights", weights, photo, "--precision"};
        QTest::newRow("classify bf16 on avx512_core")
            << (classify + QStringList {"bf16"}) << "AVX512_CORE" << 2 << QString(test::kBf16Refusal);
        QTest::newRow("cam bf16 on avx2")
            << QStringList {"cam", photo, "-o", "OUT.npy", "--weights", weights, "--precision", "bf16"}
            << "AVX2" << 2 << QString(test::kBf16Refusal);
        QTest::newRow("batch bf16 on avx512_core")
            << QStringList {"batch",     test::dataDir(), "-o",          "OUT.csv",
                            "--weights", weights,         "--precision", "bf16"}
            << "AVX512_CORE" << 2 << QString(test::kBf16Refusal);
        QTest::newRow("evaluate bf16 on avx2")
            << QStringList {"evaluate",  "CLASSES", "-o",          "OUT.json",
                            "--weights", weights,   "--precision", "bf16"}
            << "AVX2" << 2 << QString(test::kBf16Refusal);
        QTest::newRow("classify fp16")
            << (classify + QStringList {"fp16"}) << "" << 1 << "--precision takes fp32 or bf16, not 'fp16'";
    }

    void precisionIsCheckedBeforeRunning()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, isa);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir dir;
        arguments.replaceInStrings("OUT", dir.filePath("out"));
        // A folder in ImageFolder's layout, named by ImageNet's classes.
        QTemporaryDir classes;
        QVERIFY(QDir(classes.path()).mkpath("tench"));
        QVERIFY(QFile::copy(data("grace_hopper.jpg"), classes.filePath("tench/grace_hopper.jpg")));
        arguments.replaceInStrings("CLASSES", classes.path());
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        if (!isa.isEmpty())
            environment.insert("ONEDNN_MAX_CPU_ISA", isa);
        const Run run = runCli(arguments, environment);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void classifyJsonMatchesTorchvision()
    {
        const QStringList photos = {"grace_hopper.jpg", "chelsea_rgba.png", "coffee_gray.jpg"};
        QStringList arguments = {"classify", "--weights", ref("resnet50.pth"), "--preset", "v2", "--json"};
        for (const auto& photo : photos)
            arguments << data(photo);
        const Run run = runCli(arguments);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), photos.size());
        for (int i = 0; i < photos.size(); ++i) {
            const QJsonObject object = QJsonDocument::fromJson(lines[i]).object();
            QCOMPARE(object["path"].toString(), data(photos[i]));
            const QJsonArray top = object["top"].toArray();
            const QJsonArray expected
                = test::reference()["photos"][photos[i]]["v2"]["top5"]["resnet50"].toArray();
            QCOMPARE(top.size(), 5);
            for (int r = 0; r < 5; ++r) {
                const QJsonObject entry = top[r].toObject();
                QCOMPARE(entry["rank"].toInt(), r + 1);
                QCOMPARE(entry["index"].toInt(), expected[r].toInt());
                QVERIFY(entry["probability"].toDouble() > 0 && entry["probability"].toDouble() <= 1);
                QVERIFY(entry.contains("logit"));
                QVERIFY(!entry["label"].toString().isEmpty());
            }
        }
    }

    // The commands that run no model answer without loading LibTorch (the engine module is loaded only for
    // the others): the dynamic loader names each library it loads when LD_DEBUG=files.
    void loadsLibTorchOnlyWhereItRuns_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("loadsLibTorch");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("--help") << QStringList {"--help"} << false << 0;
        QTest::newRow("--version") << QStringList {"--version"} << false << 0;
        QTest::newRow("inspect resnet18.pth") << QStringList {"inspect", ref("resnet18.pth")} << false << 0;
        QTest::newRow("weights list") << QStringList {"weights", "list"} << false << 0;
        // The CPU fast path runs on oneDNN alone.
        QTest::newRow("classify rocket.jpg")
            << QStringList {"classify", "--weights", ref("resnet18.pth"), data("rocket.jpg")} << false << 0;
        QTest::newRow("batch of a folder") << QStringList {
            "batch",
            test::dataDir(),
            "-o",
            QDir::temp().filePath(QStringLiteral("tst_cli-%1.csv").arg(QCoreApplication::applicationPid())),
            "--weights",
            ref("resnet18.pth"),
            "--quiet"} << false << 3; // SOURCES.md and make_derived.py are not images
        // Any other device is LibTorch's: it is loaded to tell whether the device can be used.
        QTest::newRow("classify --device cuda")
            << QStringList {"classify",  "--device",          "cuda",
                            "--weights", ref("resnet18.pth"), data("rocket.jpg")}
            << true << 2;
    }

    void loadsLibTorchOnlyWhereItRuns()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, loadsLibTorch);
        QFETCH(int, exitCode);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("LD_DEBUG", "files,libs");
        const Run run = runCli(arguments, environment);
        for (const QString& argument : arguments)
            if (argument.startsWith(QDir::temp().filePath(QStringLiteral("tst_cli-"))))
                QFile::remove(argument);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains("file=libc.so.6"), "LD_DEBUG had no effect");
        QCOMPARE(run.err.contains("libtorch_cpu"), loadsLibTorch);
        // Libraries come from where they were installed, never from the current directory.
        const QRegularExpression relative(QStringLiteral("trying file=[^/]"));
        QVERIFY2(!QString::fromUtf8(run.err).contains(relative),
                 "a library was looked for in the current directory");
    }

    void classifyHumanOutput()
    {
        const Run run
            = runCli({"classify", "--weights", ref("resnet18.pth"), "--topk", "3", data("chelsea.png")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out.trimmed().split('\n').size(), 4); // the path, then 3 ranks
        QVERIFY(run.out.contains("%"));
    }

    void preprocessWritesTorchvisionInput()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("input.npy");
        const Run run = runCli({"preprocess", data("grace_hopper.jpg"), "-o", out, "--preset", "v2"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        auto ours = readNpyFloat32(out.toStdString());
        QVERIFY2(ours.ok(), ours.message().c_str());
        QCOMPARE(ours->shape, (std::vector<std::int64_t> {1, 3, 224, 224}));
        auto theirs = readNpyFloat32(
            test::referencePath(test::reference()["photos"]["grace_hopper.jpg"]["v2"]["input"].toString()));
        QVERIFY(theirs.ok());
        QVERIFY(ours->data == theirs->data);
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mustSay");
        const QString weights = ref("resnet18.pth");
        QTest::newRow("missing image")
            << QStringList {"classify", "--weights", weights, ref("bad/missing.jpg")} << "missing.jpg";
        QTest::newRow("text file named .jpg")
            << QStringList {"classify", "--weights", weights, ref("bad/text.jpg")} << "text.jpg";
        QTest::newRow("truncated JPEG")
            << QStringList {"classify", "--weights", weights, ref("bad/truncated.jpg")} << "truncated";
        QTest::newRow("zero-byte checkpoint")
            << QStringList {"classify", "--weights", ref("bad/empty.pth"), data("chelsea.png")}
            << "empty.pth";
        QTest::newRow("pickled module")
            << QStringList {"classify", "--weights", ref("bad/module.pth"), data("chelsea.png")}
            << "torchvision.models.resnet.ResNet";
        QTest::newRow("pickle calling os.system")
            << QStringList {"classify", "--weights", ref("bad/evil.pth"), data("chelsea.png")} << "system";
        QTest::newRow("truncated checkpoint")
            << QStringList {"classify", "--weights", ref("bad/truncated.pth"), data("chelsea.png")}
            << "truncated.pth";
        QTest::newRow("text checkpoint")
            << QStringList {"classify", "--weights", ref("bad/not_a_checkpoint.pth"), data("chelsea.png")}
            << "not_a_checkpoint.pth";
        QTest::newRow("missing checkpoint")
            << QStringList {"classify", "--weights", ref("bad/missing.pth"), data("chelsea.png")}
            << "missing.pth";
        QTest::newRow("GPU not available")
            << QStringList {"classify", "--weights", weights, "--device", "cuda", data("chelsea.png")}
            << "no CUDA GPU is available";
    }

    void badInput()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mustSay);
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        const QList<QByteArray> lines = run.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1); // one clear line
        QVERIFY2(lines[0].startsWith("resnet-lens-cli: "), run.err.constData());
        QVERIFY2(QString::fromUtf8(lines[0]).contains(mustSay), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QVERIFY2(!QFileInfo::exists(ref("bad/pwned")), "a pickle executed code");
    }

    void someImagesFailingIsPartial()
    {
        const Run run = runCli({"classify", "--weights", ref("resnet18.pth"), "--json", data("chelsea.png"),
                                ref("bad/truncated.jpg")});
        QCOMPARE(run.exitCode, 3);
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(QJsonDocument::fromJson(lines[0]).object().contains("top"));
        const QJsonObject error = QJsonDocument::fromJson(lines[1]).object();
        QCOMPARE(error["path"].toString(), ref("bad/truncated.jpg"));
        QVERIFY(error["error"].toString().contains("truncated"));
    }

    void warnsAboutSlowRuntime_data()
    {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("warning");
        QTest::addColumn<bool>("warns");
        QTest::newRow("one thread") << "OMP_NUM_THREADS"
                                    << "1"
                                    << "1 thread" << true;
        // Debian's reference BLAS sits beside the alternatives; putting it first on the search path is what
        // a machine without OpenBLAS looks like. Only LibTorch's modules call BLAS: the CPU fast path, which
        // classify runs, does not, so nothing is slow and nothing is said.
        QTest::newRow("reference BLAS") << "LD_LIBRARY_PATH"
                                        << "/usr/lib/x86_64-linux-gnu/blas"
                                        << "reference BLAS" << false;
    }

    void warnsAboutSlowRuntime()
    {
        QFETCH(QString, variable);
        QFETCH(QString, value);
        QFETCH(QString, warning);
        QFETCH(bool, warns);
        if (variable == "LD_LIBRARY_PATH" && !QFileInfo::exists(value + "/libblas.so.3"))
            QSKIP("the reference BLAS is not installed here");
        const QStringList arguments = {"classify", "--weights", ref("resnet18.pth"), data("rocket.jpg")};
        QVERIFY2(!runCli(arguments).err.contains("warning"), "warns on a well set-up machine");
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(variable, value);
        const Run run = runCli(arguments, environment);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains(warning.toUtf8()) == warns, run.err.constData());
    }

    void camWritesTorchvisionsMap()
    {
        QJsonObject entry;
        for (const QJsonValue& value : test::reference()["cams"].toArray()) {
            const QJsonObject cam = value.toObject();
            if (cam["checkpoint"].toString() == "resnet18" && cam["preset"].toString() == "v2"
                && cam["rank"].toInt() == 3)
                entry = cam;
        }
        QVERIFY(!entry.isEmpty());
        QTemporaryDir dir;
        const QString out = dir.filePath("map.npy");
        const Run run = runCli({"cam", data(entry["photo"].toString()), "-o", out, "--weights",
                                ref("resnet18.pth"), "--preset", "v2", "--rank", "3"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.contains(QByteArray("class ") + QByteArray::number(entry["class"].toInt())),
                 run.out);
        auto ours = readNpyFloat32(out.toStdString());
        QVERIFY2(ours.ok(), ours.message().c_str());
        auto theirs = readNpyFloat32(test::referencePath(entry["map"].toString()));
        QVERIFY(theirs.ok());
        QCOMPARE(ours->shape, theirs->shape);
        const auto [lo, hi] = std::minmax_element(theirs->data.begin(), theirs->data.end());
        for (std::size_t i = 0; i < ours->data.size(); ++i)
            QVERIFY(std::abs(ours->data[i] - theirs->data[i]) <= 1e-3f * (*hi - *lo));
    }

    void camOverlaysThePhoto()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("map.png");
        const Run run = runCli({"cam", data("grace_hopper.jpg"), "-o", out, "--weights", ref("resnet18.pth"),
                                "--colormap", "inferno", "--alpha", "0.7"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(imageSize(out), imageSize(data("grace_hopper.jpg")));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList {"map.png"});

        QCOMPARE(runCli({"cam", data("grace_hopper.jpg"), "-o", out, "--weights", ref("resnet18.pth"),
                         "--colormap", "rainbow"})
                     .exitCode,
                 1);
        QCOMPARE(runCli({"cam", data("grace_hopper.jpg"), "-o", out, "--weights", ref("resnet18.pth"),
                         "--class", "5000"})
                     .exitCode,
                 1);
        QCOMPARE(runCli({"cam", data("grace_hopper.jpg"), "-o", dir.filePath("map.txt"), "--weights",
                         ref("resnet18.pth")})
                     .exitCode,
                 1);
    }

    void camDirWritesOneMapPerImage()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath("photos");
        QVERIFY(QDir().mkpath(folder));
        for (const char* photo : {"grace_hopper.jpg", "chelsea.png"})
            QVERIFY(QFile::copy(data(photo), folder + "/" + photo));
        QVERIFY(QFile::copy(ref("bad/truncated.jpg"), folder + "/broken.jpg"));
        const QString maps = folder + "/maps"; // inside the labelled folder: never labelled itself
        for (const char* out : {"out.csv", "again.csv"}) {
            const Run batch = runCli({"batch", folder, "-o", dir.filePath(out), "--weights",
                                      ref("resnet18.pth"), "--cam-dir", maps, "--quiet", "--recursive"});
            QCOMPARE(batch.exitCode, 3); // the broken file's error row
            QCOMPARE(QDir(maps).entryList(QDir::Files | QDir::Hidden),
                     (QStringList {"chelsea.png.cam.png", "grace_hopper.jpg.cam.png"}));
        }
        QFile first(dir.filePath("out.csv")), second(dir.filePath("again.csv"));
        QVERIFY(first.open(QIODevice::ReadOnly) && second.open(QIODevice::ReadOnly));
        QCOMPARE(second.readAll().count('\n'), first.readAll().count('\n'));
        QCOMPARE(imageSize(maps + "/chelsea.png.cam.png"), imageSize(data("chelsea.png")));

        const QString classified = dir.filePath("classified");
        const Run classify = runCli({"classify", "--weights", ref("resnet18.pth"), "--cam-dir", classified,
                                     data("chelsea.png"), folder + "/chelsea.png"});
        QVERIFY2(classify.exitCode == 0, classify.err.constData());
        QCOMPARE(QDir(classified).entryList(QDir::Files),
                 (QStringList {"chelsea.png.cam.png", "chelsea.png_1.cam.png"}));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no command") << QStringList {};
        QTest::newRow("unknown command") << QStringList {"frobnicate"};
        QTest::newRow("unknown option") << QStringList {"classify", "--bogus", "x.jpg"};
        QTest::newRow("bad topk") << QStringList {"classify", "--topk", "zero", "x.jpg"};
        QTest::newRow("bad preset") << QStringList {"preprocess", "x.jpg", "-o", "x.npy", "--preset", "v9"};
        QTest::newRow("no image") << QStringList {"classify", "--weights", "w.pth"};
        QTest::newRow("unknown device") << QStringList {"classify", "--weights", ref("resnet18.pth"),
                                                        "--device", "tpu",       data("chelsea.png")};
        QTest::newRow("unknown weights name")
            << QStringList {"classify", "--weights", "resnet51.v1", "x.jpg"};
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QCOMPARE(runCli(arguments).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
