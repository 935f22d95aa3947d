#pragma once

// Shared helpers for the test suites: where the fixtures are, and reading the torchvision reference that
// tests/reference/make_reference.py generates at test time (CTest fixture "reference").

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTest>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace lens::test {

/// tests/data: committed photos.
inline QString dataDir()
{
    return qEnvironmentVariable("LENS_TEST_DATA");
}

/// The generated reference (checkpoints, reference.json, inputs/, bad/).
inline QString referenceDir()
{
    return qEnvironmentVariable("LENS_REFERENCE_DIR");
}

inline std::string referencePath(const QString& relative)
{
    return QDir(referenceDir()).filePath(relative).toStdString();
}

inline QJsonObject readJsonFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s (is the reference fixture generated?)", qPrintable(path));
    return QJsonDocument::fromJson(file.readAll()).object();
}

/// reference.json
inline const QJsonObject& reference()
{
    static const QJsonObject json = readJsonFile(QDir(referenceDir()).filePath("reference.json"));
    return json;
}

inline std::vector<float> toFloats(const QJsonArray& array)
{
    std::vector<float> out;
    out.reserve(array.size());
    for (const auto& v : array)
        out.push_back(static_cast<float>(v.toDouble()));
    return out;
}

inline std::vector<std::int64_t> toInts(const QJsonArray& array)
{
    std::vector<std::int64_t> out;
    for (const auto& v : array)
        out.push_back(v.toInteger());
    return out;
}

/// Points TORCH_HOME at an empty folder under dir: no torch.hub cache, so default weights are never found,
/// whatever this machine has.
inline void useEmptyTorchHome(const QString& dir)
{
    QDir(dir).mkpath(QStringLiteral("torch_home"));
    qputenv("TORCH_HOME", QDir(dir).filePath(QStringLiteral("torch_home")).toUtf8());
}

/// A file in tests/data, absolute.
inline QString photoFile(const QString& name)
{
    return QDir(dataDir()).absoluteFilePath(name);
}

/// A file in the generated reference, absolute.
inline QString referenceFile(const QString& name)
{
    return QDir(referenceDir()).absoluteFilePath(name);
}

/// torchvision's top-5 class indices for a photo, preset and architecture (reference.json).
inline QList<int> referenceTop5(const QString& photo, const QString& preset, const QString& arch)
{
    QList<int> out;
    for (const auto& v : reference()["photos"][photo][preset]["top5"][arch].toArray())
        out << v.toInt();
    return out;
}

/// A batch output (CSV or JSONL) as Python's csv/json modules read it (support/read_batch_output.py):
/// {"run": ..., "rows": [{"path", "status", "error", "top"}], "malformed": [line...]}.
inline QJsonObject readBatchOutput(const QString& path)
{
    QProcess python;
    python.start(qEnvironmentVariable("LENS_PYTHON"),
                 {QDir(qEnvironmentVariable("LENS_TEST_SUPPORT")).filePath("read_batch_output.py"), path});
    if (!python.waitForFinished(60000) || python.exitCode() != 0)
        qFatal("reading %s failed: %s", qPrintable(path), python.readAllStandardError().constData());
    return QJsonDocument::fromJson(python.readAllStandardOutput()).object();
}

/// The paths of readBatchOutput()'s rows, in file order.
inline QStringList batchOutputPaths(const QJsonObject& output)
{
    QStringList paths;
    for (const auto& row : output["rows"].toArray())
        paths << row.toObject()["path"].toString();
    return paths;
}

/// What a run of resnet-lens-cli (LENS_CLI) printed and returned; exitCode is -1 when it crashed.
struct CliRun {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

inline CliRun runCli(const QStringList& arguments,
                     const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(qEnvironmentVariable("LENS_CLI"), arguments);
    if (!process.waitForFinished(600000))
        qFatal("resnet-lens-cli did not finish");
    CliRun run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

/// A run of resnet-lens-cli with what it cost: its peak resident memory and wall time.
struct MeasuredRun {
    int exitCode = -1; ///< -1 when it was killed (by a signal, or for running past the time limit)
    QByteArray out;
    QByteArray err;
    double peakRssMb = 0;
    double seconds = 0;
};

/// The high-water mark of a running process's resident memory (VmHWM), in MB; 0 once it has exited.
inline double peakRssMb(pid_t pid)
{
    QFile status(QString("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0;
    }
    return 0;
}

/// Runs resnet-lens-cli (LENS_CLI) with stdout and stderr in files under `dir`, killing it after
/// `timeLimitSeconds`. The peak RSS is sampled from /proc every 10 ms while it runs: wait4's rusage would
/// include this process's own peak, which the kernel hands to a child at exec.
inline MeasuredRun runCliMeasured(const QStringList& arguments, const QString& dir, double timeLimitSeconds)
{
    const QByteArray program = qEnvironmentVariable("LENS_CLI").toLocal8Bit();
    std::vector<QByteArray> words {program};
    for (const auto& argument : arguments)
        words.push_back(argument.toLocal8Bit());
    std::vector<char*> argv;
    for (auto& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    const QByteArray outPath = QDir(dir).filePath("stdout").toLocal8Bit();
    const QByteArray errPath = QDir(dir).filePath("stderr").toLocal8Bit();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, outPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, errPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const auto start = std::chrono::steady_clock::now();
    const int spawned = posix_spawn(&pid, program.constData(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    MeasuredRun run;
    if (spawned != 0)
        qFatal("cannot start %s", program.constData());
    int status = 0;
    for (;;) {
        run.peakRssMb = std::max(run.peakRssMb, peakRssMb(pid));
        const pid_t done = waitpid(pid, &status, WNOHANG);
        run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (done == pid)
            break;
        if (run.seconds > timeLimitSeconds)
            kill(pid, SIGKILL);
        QTest::qSleep(10); // a child process, not the event loop: nothing to wait on but the child
    }
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    QFile out(QString::fromLocal8Bit(outPath)), err(QString::fromLocal8Bit(errPath));
    if (out.open(QIODevice::ReadOnly))
        run.out = out.readAll();
    if (err.open(QIODevice::ReadOnly))
        run.err = err.readAll();
    return run;
}

/// Whether the CPU has bfloat16 dot products (AVX512_BF16 or AMX), from the kernel's CPU flags, so that the
/// bf16 tests know whether to expect results or the refusal: an answer independent of oneDNN's own check.
inline bool cpuHasBf16()
{
    QFile cpuinfo("/proc/cpuinfo");
    if (!cpuinfo.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray& line : cpuinfo.readAll().split('\n')) {
        if (line.startsWith("flags")) {
            const QList<QByteArray> flags = line.split(' ');
            return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
        }
    }
    return false;
}

/// What the CLI and the classifier say where bf16 cannot run.
inline const char* kBf16Refusal = "bf16 inference needs a CPU with AVX512_BF16";

} // namespace lens::test
