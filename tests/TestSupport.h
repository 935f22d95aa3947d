#pragma once

// Shared helpers for the test suites: where the fixtures are, and reading the torchvision reference that
// tests/reference/make_reference.py generates at test time (CTest fixture "reference").

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QTest>
#include <cstdint>
#include <string>
#include <vector>

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

} // namespace lens::test
