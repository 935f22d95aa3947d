#include "ImageFiles.h"

#include <QCollator>
#include <QDesktopServices>
#include <QDirIterator>
#include <QFileInfo>
#include <QUrl>
#include <algorithm>

namespace lens {

namespace {

// The extensions Pillow 9.4 registers for the formats the decoder reads (Image.EXTENSION).
const QStringList& extensions()
{
    static const QStringList list = [] {
        QStringList out;
        for (const char* ext :
             {"jpg",  "jpeg", "jpe", "jfif", "mpo",  "png", "apng", "bmp", "dib", "gif",  "tif",
              "tiff", "webp", "tga", "icb",  "vda",  "vst", "ico",  "cur", "pbm", "pgm",  "ppm",
              "pnm",  "pcx",  "dcx", "dds",  "icns", "msp", "sgi",  "bw",  "rgb", "rgba", "ras",
              "xbm",  "xpm",  "psd", "gbr",  "pxr",  "ftc", "ftu",  "jp2", "j2k", "j2c",  "jpc",
              "jpf",  "jpx",  "fit", "fits", "fli",  "flc", "im",   "blp", "pcd"})
            out << QString::fromLatin1(ext);
        return out;
    }();
    return list;
}

} // namespace

bool isImageFile(const QString& path)
{
    return extensions().contains(QFileInfo(path).suffix().toLower());
}

QStringList listImages(const QString& folder, bool recursive)
{
    QStringList filters;
    for (const QString& ext : extensions())
        filters << QStringLiteral("*.") + ext << QStringLiteral("*.") + ext.toUpper();
    QDirIterator it(folder, filters, QDir::Files | QDir::Readable,
                    recursive ? QDirIterator::Subdirectories | QDirIterator::FollowSymlinks
                              : QDirIterator::NoIteratorFlags);
    QStringList out;
    while (it.hasNext())
        out << it.next();
    out.removeDuplicates();
    QCollator collator;
    collator.setNumericMode(true);
    std::sort(out.begin(), out.end(),
              [&collator](const QString& a, const QString& b) { return collator.compare(a, b) < 0; });
    return out;
}

QString imageFileFilter()
{
    QStringList patterns;
    for (const QString& ext : extensions())
        patterns << QStringLiteral("*.") + ext;
    return QStringLiteral("Images (%1);;All files (*)").arg(patterns.join(QLatin1Char(' ')));
}

void openContainingFolder(const QString& path)
{
    if (!path.isEmpty())
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath()));
}

} // namespace lens
