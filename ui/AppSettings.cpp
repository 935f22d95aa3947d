#include "AppSettings.h"

#include <QSettings>
#include <QVariantList>

namespace lens {

AppSettings::AppSettings(const QString& iniPath)
    : m_settings(iniPath.isEmpty() ? std::make_unique<QSettings>()
                                   : std::make_unique<QSettings>(iniPath, QSettings::IniFormat))
{ }

AppSettings::~AppSettings() = default;

QString AppSettings::lastFolder() const
{
    return m_settings->value(QStringLiteral("files/lastFolder")).toString();
}
void AppSettings::setLastFolder(const QString& folder)
{
    m_settings->setValue(QStringLiteral("files/lastFolder"), folder);
}
bool AppSettings::recursive() const
{
    return m_settings->value(QStringLiteral("files/recursive"), false).toBool();
}
void AppSettings::setRecursive(bool on)
{
    m_settings->setValue(QStringLiteral("files/recursive"), on);
}
QString AppSettings::weights() const
{
    return m_settings->value(QStringLiteral("model/weights")).toString();
}
void AppSettings::setWeights(const QString& path)
{
    m_settings->setValue(QStringLiteral("model/weights"), path);
}
QString AppSettings::arch() const
{
    return m_settings->value(QStringLiteral("model/arch")).toString();
}
void AppSettings::setArch(const QString& arch)
{
    m_settings->setValue(QStringLiteral("model/arch"), arch);
}
QString AppSettings::device() const
{
    return m_settings->value(QStringLiteral("model/device"), QStringLiteral("cpu")).toString();
}
Precision AppSettings::precision() const
{
    const QString name = m_settings->value(QStringLiteral("model/precision")).toString();
    return precisionByName(name.toStdString()).value_or(Precision::Fp32);
}

void AppSettings::setPrecision(Precision precision)
{
    m_settings->setValue(QStringLiteral("model/precision"), QString::fromStdString(precisionName(precision)));
}

void AppSettings::setDevice(const QString& device)
{
    m_settings->setValue(QStringLiteral("model/device"), device);
}

QStringList AppSettings::batchFolders() const
{
    return m_settings->value(QStringLiteral("batch/folders")).toStringList();
}
void AppSettings::setBatchFolders(const QStringList& folders)
{
    m_settings->setValue(QStringLiteral("batch/folders"), folders);
}
QString AppSettings::batchOutput() const
{
    return m_settings->value(QStringLiteral("batch/output")).toString();
}
void AppSettings::setBatchOutput(const QString& path)
{
    m_settings->setValue(QStringLiteral("batch/output"), path);
}

bool AppSettings::hasPreset() const
{
    return m_settings->contains(QStringLiteral("preprocess/resize"));
}

PreprocessOptions AppSettings::preset() const
{
    PreprocessOptions options;
    options.resizeShort = m_settings->value(QStringLiteral("preprocess/resize"), options.resizeShort).toInt();
    options.crop = m_settings->value(QStringLiteral("preprocess/crop"), options.crop).toInt();
    const QVariantList mean = m_settings->value(QStringLiteral("preprocess/mean")).toList();
    const QVariantList std = m_settings->value(QStringLiteral("preprocess/std")).toList();
    for (int c = 0; c < 3; ++c) {
        if (mean.size() == 3)
            options.mean[c] = mean[c].toFloat();
        if (std.size() == 3 && std[c].toFloat() > 0)
            options.std[c] = std[c].toFloat();
    }
    if (options.resizeShort <= 0 || options.crop <= 0)
        return PreprocessOptions::v1();
    return options;
}

void AppSettings::setPreset(const PreprocessOptions& options)
{
    m_settings->setValue(QStringLiteral("preprocess/resize"), options.resizeShort);
    m_settings->setValue(QStringLiteral("preprocess/crop"), options.crop);
    QVariantList mean, std;
    for (int c = 0; c < 3; ++c) {
        mean << double(options.mean[c]);
        std << double(options.std[c]);
    }
    m_settings->setValue(QStringLiteral("preprocess/mean"), mean);
    m_settings->setValue(QStringLiteral("preprocess/std"), std);
}

void AppSettings::clearPreset()
{
    m_settings->remove(QStringLiteral("preprocess"));
}

QString AppSettings::labelsFor(const QString& weights) const
{
    const QVariantMap map = m_settings->value(QStringLiteral("model/labels")).toMap();
    return map.value(weights).toString();
}

void AppSettings::setLabelsFor(const QString& weights, const QString& labels)
{
    QVariantMap map = m_settings->value(QStringLiteral("model/labels")).toMap();
    if (labels.isEmpty())
        map.remove(weights);
    else
        map.insert(weights, labels);
    m_settings->setValue(QStringLiteral("model/labels"), map);
}

QByteArray AppSettings::geometry() const
{
    return m_settings->value(QStringLiteral("window/geometry")).toByteArray();
}
void AppSettings::setGeometry(const QByteArray& geometry)
{
    m_settings->setValue(QStringLiteral("window/geometry"), geometry);
}
QByteArray AppSettings::windowState() const
{
    return m_settings->value(QStringLiteral("window/state")).toByteArray();
}
void AppSettings::setWindowState(const QByteArray& state)
{
    m_settings->setValue(QStringLiteral("window/state"), state);
}

QStringList AppSettings::recentFiles() const
{
    return m_settings->value(QStringLiteral("files/recent")).toStringList();
}

void AppSettings::addRecentFile(const QString& path)
{
    QStringList list = recentFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    m_settings->setValue(QStringLiteral("files/recent"), list);
}

void AppSettings::clearRecentFiles()
{
    m_settings->remove(QStringLiteral("files/recent"));
}

void AppSettings::sync()
{
    m_settings->sync();
}

} // namespace lens
