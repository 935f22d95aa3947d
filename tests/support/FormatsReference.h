#pragma once

// The pickles and zip archives tests/reference/make_formats.py writes (CTest fixture "formats"), and
// what Python's pickle and zipfile modules read from them (formats/manifest.json).

#include "TestSupport.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <string>

namespace lens::test {

/// formats/manifest.json.
inline const QJsonObject& formatsManifest()
{
    static const QJsonObject json = readJsonFile(QDir(referenceDir()).filePath("formats/manifest.json"));
    return json;
}

/// A file under formats/, by the path the manifest gives.
inline QByteArray readFormatsFile(const QString& file)
{
    QFile in(referenceFile("formats/" + file));
    if (!in.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(in.fileName()));
    return in.readAll();
}

/// The bytes the manifest writes as hex text.
inline std::string fromHex(const QJsonValue& value)
{
    return QByteArray::fromHex(value.toString().toLatin1()).toStdString();
}

} // namespace lens::test
