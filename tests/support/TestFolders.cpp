#include "support/TestFolders.h"

#include "TestSupport.h"

#include <QDir>
#include <QFile>

namespace lens::test {

QStringList folderPhotos()
{
    return {"grace_hopper.jpg", "chelsea.png", "coffee.png", "rocket.jpg"};
}

QStringList makeFolder(const QString& dir, int copies, bool withBad, const QStringList& photos)
{
    if (!QDir().mkpath(dir))
        qFatal("cannot create %s", qPrintable(dir));
    QStringList files;
    for (int c = 0; c < copies; ++c) {
        for (const auto& photo : photos) {
            const QString target = QDir(dir).filePath(QString("%1_%2").arg(c, 3, 10, QChar('0')).arg(photo));
            if (!QFile::copy(photoFile(photo), target))
                qFatal("cannot copy %s to %s", qPrintable(photo), qPrintable(target));
            files << target;
        }
    }
    if (withBad) {
        QDir(dir).mkpath("sub");
        for (const char* bad : {"text.jpg", "truncated.jpg"}) {
            const QString target = QDir(dir).filePath(QString("sub/") + bad);
            if (!QFile::copy(referenceFile(QString("bad/") + bad), target))
                qFatal("cannot copy %s to %s (is the reference fixture generated?)", bad, qPrintable(target));
            files << target;
        }
    }
    return files;
}

} // namespace lens::test
