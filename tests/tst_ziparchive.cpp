// The zip reader against Python's own zipfile module: every archive tests/reference/make_formats.py wrote
// with zipfile (stored and deflated entries, data descriptors, zip64 end records, comments, torch.save's
// archive/ prefix) lists the entries zipfile lists, with their sizes and CRC-32s, and reads their bytes as
// zipfile does; as ZipArchive.h says, a compressed entry is reported as unreadable, a repeated entry name
// is refused (names are unique) and a damaged CRC-32 is refused on every read.

#include "TestSupport.h"
#include "checkpoint/Pickle.h"
#include "checkpoint/ZipArchive.h"
#include "support/FormatsReference.h"

#include <QSet>

using namespace lens;

namespace {

QJsonObject zipRow(const QString& name)
{
    for (const auto& value : test::formatsManifest()["zips"].toArray()) {
        if (value.toObject()["name"].toString() == name)
            return value.toObject();
    }
    qFatal("no zip archive %s in the manifest", qPrintable(name));
}

QString archivePath(const QJsonObject& row)
{
    return test::referenceFile("formats/" + row["file"].toString());
}

} // namespace

class TestZipArchive : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // make_formats.py writes nine archives; each of the tests below needs its own.
        const qsizetype archives = test::formatsManifest()["zips"].toArray().size();
        QVERIFY2(archives >= 9, qPrintable(QString("only %1 zip archives in the manifest").arg(archives)));
    }

    void sameEntriesAsZipfile_data()
    {
        QTest::addColumn<QJsonObject>("row");
        int rows = 0;
        for (const auto& value : test::formatsManifest()["zips"].toArray()) {
            const QJsonObject row = value.toObject();
            const QStringList names = row["names"].toVariant().toStringList();
            if (QSet<QString>(names.begin(), names.end()).size() != names.size())
                continue; // repeatedNameIsRefused
            QTest::newRow(qPrintable(row["name"].toString())) << row;
            ++rows;
        }
        QVERIFY2(rows >= 8, qPrintable(QString("only %1 zip archives with unique names").arg(rows)));
    }

    void sameEntriesAsZipfile()
    {
        QFETCH(QJsonObject, row);
        QVERIFY2(!row.contains("python_error"), qPrintable(row["python_error"].toString()));
        const QStringList names = row["names"].toVariant().toStringList();
        const QString path = archivePath(row);
        const QByteArray bytes = test::readFormatsFile(row["file"].toString());
        QVERIFY(ZipArchive::looksLikeZip(bytes.constData(), std::size_t(bytes.size())));

        for (const bool fromFile : {true, false}) {
            auto archive = fromFile ? ZipArchive::open(path.toStdString())
                                    : ZipArchive::fromBuffer(bytes.toStdString(), "buffer.zip");
            QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
            QCOMPARE(archive->fileSize(), std::uint64_t(bytes.size()));
            QCOMPARE(qsizetype(archive->entries().size()), row["entry_count"].toInteger());
            QStringList listed;
            for (const ZipArchive::Entry& entry : archive->entries())
                listed << QString::fromStdString(entry.name);
            QCOMPARE(listed, names);

            for (const auto& value : row["entries"].toArray()) {
                const QJsonObject want = value.toObject();
                const std::string name = want["name"].toString().toStdString();
                const ZipArchive::Entry* entry = archive->find(name);
                QVERIFY2(entry, name.c_str());
                QCOMPARE(entry->size, std::uint64_t(want["size"].toInteger()));
                QCOMPARE(entry->crc32, std::uint32_t(want["crc32"].toInteger()));
                QCOMPARE(int(entry->method), want["method"].toInt());
                if (entry->method != 0) { // compressed: listed, never read
                    QVERIFY(!archive->readable(*entry).ok());
                    auto read = archive->read(*entry);
                    QVERIFY(!read.ok());
                    QVERIFY2(read.message().find("'" + name + "'") != std::string::npos,
                             read.message().c_str());
                    continue;
                }
                QVERIFY(archive->readable(*entry).ok());
                if (want.contains("python_error")) // zipfile refuses the bytes: a bad CRC-32
                    continue;
                auto read = archive->read(*entry);
                QVERIFY2(read.ok(), read.ok() ? "" : read.message().c_str());
                QVERIFY2(*read == test::fromHex(want["content"]), name.c_str());
                std::string into(static_cast<std::size_t>(entry->size), '\0');
                QVERIFY(archive->readInto(*entry, into.data()).ok());
                QVERIFY(into == *read);
            }
        }
    }

    void storedAndDeflatedEntries()
    {
        const QJsonObject row = zipRow("deflated");
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
        const ZipArchive::Entry* stored = archive->find("stored.bin");
        const ZipArchive::Entry* deflated = archive->find("deflated.bin");
        QVERIFY(stored && deflated);
        QCOMPARE(stored->method, std::uint16_t(0));
        QCOMPARE(deflated->method, std::uint16_t(8));
        QVERIFY(deflated->compressedSize < deflated->size);
        QVERIFY(archive->readable(*stored).ok());
        auto refused = archive->readable(*deflated);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.message().find("compressed") != std::string::npos, refused.message().c_str());
        std::string into(static_cast<std::size_t>(deflated->size), '\0');
        QVERIFY(!archive->readInto(*deflated, into.data()).ok());
        QVERIFY(archive->read(*stored).ok());
    }

    void dataDescriptorsUseTheCentralDirectory()
    {
        // zipfile writing to a stream it cannot seek in leaves the local headers' sizes zero and puts them
        // in data descriptors after the data.
        const QJsonObject row = zipRow("data_descriptors");
        int described = 0;
        for (const auto& entry : row["entries"].toArray())
            described += entry.toObject()["data_descriptor"].toBool() ? 1 : 0;
        QCOMPARE(described, 2);
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
        auto read = archive->read(*archive->find("opened.bin"));
        QVERIFY2(read.ok(), read.ok() ? "" : read.message().c_str());
        QCOMPARE(QByteArray::fromStdString(*read), QByteArray("written through ZipFile.open"));
    }

    void zip64EndRecords()
    {
        const QJsonObject row = zipRow("zip64_many_entries");
        QVERIFY(row["entry_count"].toInteger() > 0xFFFF); // beyond the 16-bit count of the classic record
        const QByteArray bytes = test::readFormatsFile(row["file"].toString());
        QVERIFY(bytes.contains(QByteArray("PK\x06\x06", 4))); // zipfile wrote a zip64 end record
        QVERIFY(bytes.contains(QByteArray("PK\x06\x07", 4))); // and its locator
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
        QCOMPARE(qint64(archive->entries().size()), row["entry_count"].toInteger());
        QVERIFY(archive->find("e/65535"));
        // An entry with a zip64 extra field in its local header (force_zip64) starts after it.
        auto forced = archive->read(*archive->find("forced.bin"));
        QVERIFY2(forced.ok(), forced.ok() ? "" : forced.message().c_str());
        QCOMPARE(QByteArray::fromStdString(*forced).toHex(),
                 row["entries"][0]["content"].toString().toLatin1());
    }

    void commentsAreSkipped()
    {
        for (const char* name : {"comments", "long_comment"}) {
            const QJsonObject row = zipRow(name);
            QVERIFY2(!row["comment"].toString().isEmpty(), name);
            auto archive = ZipArchive::open(archivePath(row).toStdString());
            QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
            QCOMPARE(qsizetype(archive->entries().size()), row["entry_count"].toInteger());
        }
        QCOMPARE(zipRow("long_comment")["comment"].toString().size(), 2 * 0xFFFF); // the longest a zip holds
    }

    void torchSavePrefix()
    {
        const QJsonObject row = zipRow("torch_prefix");
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
        QVERIFY(!archive->find("data.pkl")); // names are whole paths
        const ZipArchive::Entry* data = archive->find("archive/data.pkl");
        QVERIFY(data);
        QVERIFY(archive->find("archive/data/0"));
        auto pickle = archive->read(*data);
        QVERIFY(pickle.ok());
        auto document = unpickle(pickle->data(), pickle->size(), {});
        QVERIFY2(document.ok(), document.ok() ? "" : document.message().c_str());
        const PickleValue* w = document->root().find("w");
        QVERIFY(w && w->isInt());
        QCOMPARE(w->integer, std::int64_t(1));
    }

    void repeatedNameIsRefused()
    {
        // zipfile writes the name twice (with a warning) and reads the later entry; entries() promises
        // unique names, so the archive is refused, naming the entry.
        const QJsonObject row = zipRow("repeated_name");
        QCOMPARE(row["names"].toVariant().toStringList(), (QStringList {"dup", "dup"}));
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY(!archive.ok());
        QVERIFY2(archive.message().find("'dup'") != std::string::npos, archive.message().c_str());
        const QByteArray bytes = test::readFormatsFile(row["file"].toString());
        QVERIFY(!ZipArchive::fromBuffer(bytes.toStdString(), "buffer.zip").ok());
    }

    void crcMismatchIsRefused()
    {
        const QJsonObject row = zipRow("crc_mismatch");
        const QJsonObject want = row["entries"][0].toObject();
        QVERIFY2(want["python_error"].toString().contains("CRC"),
                 qPrintable(want["python_error"].toString()));
        auto archive = ZipArchive::open(archivePath(row).toStdString());
        QVERIFY2(archive.ok(), archive.ok() ? "" : archive.message().c_str());
        const ZipArchive::Entry* entry = archive->find("archive/data.pkl");
        QVERIFY(entry);
        auto read = archive->read(*entry);
        QVERIFY(!read.ok());
        QVERIFY2(read.message().find("CRC-32") != std::string::npos, read.message().c_str());
        std::string into(static_cast<std::size_t>(entry->size), '\0');
        QVERIFY(!archive->readInto(*entry, into.data()).ok());
    }
};

QTEST_GUILESS_MAIN(TestZipArchive)
#include "tst_ziparchive.moc"
