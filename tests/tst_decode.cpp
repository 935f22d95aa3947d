// Decoding against Debian's Pillow 9.4: every file of the image manifest (reference/make_images.py writes one
// per kind and variant, with Pillow's `Image.open(f).convert("RGB")`, torchvision's v1/v2 input tensors and
// ImageOps.exif_transpose for EXIF-rotated files) decodes to the very same bytes and tensors, and every file
// Pillow refuses is refused with a message naming it. Decompression bombs (headers claiming huge images, a
// sparse 2 GB file) are refused quickly within bounded memory.

#include "TestSupport.h"
#include "image/ImageDecoder.h"
#include "io/Npy.h"
#include "preprocess/Preprocess.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <cstring>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace lens;

namespace {

const QJsonObject& manifest()
{
    static const QJsonObject json
        = test::readJsonFile(QDir(test::referenceDir()).filePath("images/manifest.json"));
    return json;
}

QByteArray readBytes(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(path));
    return file.readAll();
}

void writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
}

// "N of M bytes differ, the largest by D levels (first at row R, column C)" for a failed comparison.
QByteArray difference(const cv::Mat& ours, const QByteArray& theirs)
{
    const auto* a = ours.data;
    const auto* b = reinterpret_cast<const std::uint8_t*>(theirs.constData());
    const std::size_t n = std::min<std::size_t>(ours.total() * 3, std::size_t(theirs.size()));
    std::size_t count = 0, first = n;
    int largest = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            ++count;
            first = std::min(first, i);
            largest = std::max(largest, std::abs(int(a[i]) - int(b[i])));
        }
    }
    const std::size_t pixel = first / 3;
    return QByteArray::number(qulonglong(count)) + " of " + QByteArray::number(qulonglong(n))
        + " bytes differ, the largest by " + QByteArray::number(largest) + " levels (first at row "
        + QByteArray::number(qulonglong(pixel / std::size_t(std::max(ours.cols, 1)))) + ", column "
        + QByteArray::number(qulonglong(pixel % std::size_t(std::max(ours.cols, 1)))) + ")";
}

bool sameBytes(const cv::Mat& ours, const QByteArray& theirs)
{
    return ours.isContinuous() && ours.total() * 3 == std::size_t(theirs.size())
        && std::memcmp(ours.data, theirs.constData(), std::size_t(theirs.size())) == 0;
}

// The process's peak resident memory, in KiB, after resetting it when the kernel allows (clear_refs 5).
long resetPeakMemory()
{
    std::ofstream("/proc/self/clear_refs") << "5";
    struct rusage usage { };
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

long statusKiB(const char* field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0)
            return std::stol(line.substr(std::strlen(field)));
    return -1;
}

// ----- Headers claiming huge images, built here byte by byte -----

QByteArray bytes(std::initializer_list<int> values)
{
    QByteArray out;
    for (int v : values)
        out.append(char(v & 0xFF));
    return out;
}
QByteArray be16(int v)
{
    return bytes({v >> 8, v});
}
QByteArray be32(quint32 v)
{
    return be16(int(v >> 16)) + be16(int(v & 0xFFFF));
}
QByteArray le16(int v)
{
    return bytes({v, v >> 8});
}
QByteArray le32(quint32 v)
{
    return le16(int(v & 0xFFFF)) + le16(int(v >> 16));
}

quint32 crc32(const QByteArray& data)
{
    quint32 crc = 0xFFFFFFFFu;
    for (char c : data) {
        crc ^= quint8(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

QByteArray pngChunk(const QByteArray& type, const QByteArray& data)
{
    return be32(quint32(data.size())) + type + data + be32(crc32(type + data));
}

QByteArray pngBomb()
{
    // 100000 x 100000 RGB; a few bytes of zlib data.
    const QByteArray ihdr = be32(100000) + be32(100000) + QByteArray("\x08\x02\x00\x00\x00", 5);
    const QByteArray idat = QByteArray::fromHex("789c636000000002000001");
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat)
        + pngChunk("IEND", {});
}

QByteArray jpegBomb()
{
    // SOF0 of 65500 x 65500, three components, then a scan header and a few bytes of data.
    QByteArray sof
        = QByteArray::fromHex("08") + be16(65500) + be16(65500) + QByteArray::fromHex("03011100021100031100");
    QByteArray sos = QByteArray::fromHex("03010002110311003f00");
    return QByteArray::fromHex("ffd8") + QByteArray::fromHex("ffc0") + be16(sof.size() + 2) + sof
        + QByteArray::fromHex("ffda") + be16(sos.size() + 2) + sos + QByteArray(64, '\0')
        + QByteArray::fromHex("ffd9");
}

QByteArray tiff(quint32 width, quint32 height, int compression, quint32 tileWidth = 0, quint32 tileLength = 0)
{
    // Little-endian, one directory of SHORT/LONG entries with inline values, 64 bytes of "data".
    struct Entry {
        int tag, type;
        quint32 value;
    };
    QList<Entry> entries = {{256, 4, width}, {257, 4, height}, {258, 3, 8}, {259, 3, quint32(compression)},
                            {262, 3, 1},     {277, 3, 1}};
    const quint32 dataAt = 8 + 2 + 12 * (entries.size() + (tileWidth ? 4 : 3)) + 4;
    if (tileWidth) {
        entries += {{322, 4, tileWidth}, {323, 4, tileLength}, {324, 4, dataAt}, {325, 4, 64}};
    } else {
        entries += {{273, 4, dataAt}, {278, 4, height}, {279, 4, 64}};
    }
    QByteArray out = QByteArray("II*\0", 4) + le32(8) + le16(int(entries.size()));
    for (const Entry& e : entries)
        out += le16(e.tag) + le16(e.type) + le32(1)
            + (e.type == 3 ? le16(int(e.value)) + le16(0) : le32(e.value));
    out += le32(0);
    out.resize(int(dataAt), '\0');
    return out + QByteArray(64, '\x78');
}

QByteArray gifBomb()
{
    // A 65535 x 65535 logical screen and image, two-colour palette, a tiny LZW stream.
    return QByteArray("GIF89a", 6) + le16(65535) + le16(65535) + QByteArray::fromHex("800000")
        + QByteArray(6, '\0') + QByteArray(",", 1) + le16(0) + le16(0) + le16(65535) + le16(65535)
        + QByteArray::fromHex("00") + QByteArray::fromHex("02024c0100") + QByteArray(";", 1);
}

QByteArray bmpBomb()
{
    const QByteArray info = le32(40) + le32(50000) + le32(50000) + le16(1) + le16(24) + le32(0) + le32(0)
        + le32(2835) + le32(2835) + le32(0) + le32(0);
    return QByteArray("BM", 2) + le32(14 + 40 + 64) + le32(0) + le32(14 + 40) + info + QByteArray(64, '\0');
}

QByteArray tgaBomb()
{
    return QByteArray::fromHex("000002000000000000000000") + le16(65535) + le16(65535)
        + QByteArray::fromHex("1820") + QByteArray(64, '\0');
}

QByteArray icoBomb()
{
    // One entry whose data is the PNG bomb.
    const QByteArray png = pngBomb();
    return QByteArray::fromHex("000001000100") + QByteArray::fromHex("0000000001002000")
        + le32(quint32(png.size())) + le32(22) + png;
}

// An animated WebP from the manifest with its canvas grown to 16383 x 16383: the frames still fit, so only
// the canvas claim makes it a bomb.
QByteArray webpBomb()
{
    QByteArray data = readBytes(test::referenceFile("images/webp_animated.webp"));
    const int at = data.indexOf("VP8X");
    if (at < 0)
        qFatal("webp_animated.webp has no VP8X chunk");
    const QByteArray size = QByteArray::fromHex("fe3f00fe3f00"); // width - 1 and height - 1, 24 bits each
    data.replace(at + 8 + 4, 6, size);
    return data;
}

} // namespace

class TestDecode : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_dir.isValid(), "no temporary folder"); }

    // First, while the process is small, so that its peak memory shows what one bomb costs.
    void bombsRefusedQuickly_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("PNG 100000x100000") << pngBomb() << "bomb.png"
                                           << "limit";
        QTest::newRow("JPEG 65500x65500") << jpegBomb() << "bomb.jpg"
                                          << "limit";
        QTest::newRow("TIFF 100000x100000") << tiff(100000, 100000, 1) << "bomb.tif"
                                            << "limit";
        QTest::newRow("TIFF 10x10 in 60000x60000 tiles") << tiff(10, 10, 8, 60000, 60000) << "tiles.tif"
                                                         << "limit";
        QTest::newRow("TIFF 10x10 in 12000x12000 tiles") << tiff(10, 10, 8, 12000, 12000) << "tiles2.tif"
                                                         << "bomb";
        QTest::newRow("WebP canvas 16383x16383") << webpBomb() << "bomb.webp"
                                                 << "limit";
        QTest::newRow("GIF 65535x65535") << gifBomb() << "bomb.gif"
                                         << "limit";
        QTest::newRow("BMP 50000x50000") << bmpBomb() << "bomb.bmp"
                                         << "limit";
        QTest::newRow("TGA 65535x65535") << tgaBomb() << "bomb.tga"
                                         << "limit";
        QTest::newRow("ICO holding a PNG bomb") << icoBomb() << "bomb.ico"
                                                << "limit";
    }

    void bombsRefusedQuickly()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, name);
        QFETCH(QString, expected);
        const QString path = m_dir.filePath(name);
        writeBytes(path, bytes);
        const long before = statusKiB("VmRSS:");
        resetPeakMemory();
        QElapsedTimer timer;
        timer.start();
        auto image = decodeImage(path.toStdString());
        const qint64 elapsed = timer.elapsed();
        const long peak = statusKiB("VmHWM:");
        QVERIFY2(!image.ok(), "a decompression bomb was decoded");
        const QString message = QString::fromStdString(image.message());
        QVERIFY2(message.contains(name), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(elapsed < 1000, qPrintable(QString("took %1 ms").arg(elapsed)));
        QVERIFY2(peak - before < 64 * 1024,
                 qPrintable(QString("peak memory grew by %1 KiB").arg(peak - before)));
        qInfo("%s: refused in %lld ms, peak memory +%ld KiB: %s", qPrintable(name), elapsed, peak - before,
              qPrintable(message));
    }

    void sparseFileRefusedUnread()
    {
        const QString path = m_dir.filePath("sparse.jpg");
        writeBytes(path, jpegBomb().left(200));
        QVERIFY(::truncate(path.toLocal8Bit().constData(), off_t(2) << 30) == 0);
        const long before = statusKiB("VmRSS:");
        resetPeakMemory();
        QElapsedTimer timer;
        timer.start();
        auto image = decodeImage(path.toStdString());
        const qint64 elapsed = timer.elapsed();
        const long peak = statusKiB("VmHWM:");
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains("sparse.jpg"), image.message().c_str());
        QVERIFY2(QString::fromStdString(image.message()).contains("limit"), image.message().c_str());
        QVERIFY2(elapsed < 1000, qPrintable(QString("took %1 ms").arg(elapsed)));
        QVERIFY2(peak - before < 16 * 1024,
                 qPrintable(QString("peak memory grew by %1 KiB").arg(peak - before)));
        qInfo("2 GiB sparse file: refused in %lld ms, peak memory +%ld KiB", elapsed, peak - before);
    }

    void fileSizeLimitIsAnOption()
    {
        DecodeOptions options;
        options.maxFileBytes = 1000;
        auto image = decodeImage(test::photoFile("grace_hopper.jpg").toStdString(), options);
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains("1000 bytes"), image.message().c_str());
        options.maxFileBytes = 1 << 20;
        QVERIFY(decodeImage(test::photoFile("grace_hopper.jpg").toStdString(), options).ok());
    }

    void pixelLimitIsAnOption()
    {
        DecodeOptions options;
        options.maxPixels = 512 * 600 - 1; // grace_hopper.jpg is 512 x 600
        auto image = decodeImage(test::photoFile("grace_hopper.jpg").toStdString(), options);
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains("512x600"), image.message().c_str());
        options.maxPixels = 512 * 600;
        QVERIFY(decodeImage(test::photoFile("grace_hopper.jpg").toStdString(), options).ok());
    }

    void manifestIsComplete()
    {
        const QJsonArray rows = manifest()["images"].toArray();
        // make_images.py writes over 500 files; a generator that wrote nothing must not pass.
        QVERIFY2(rows.size() >= 400, qPrintable(QString("only %1 files in the manifest").arg(rows.size())));
        QMap<QString, int> decoded, refused;
        for (const auto& v : rows) {
            const QJsonObject row = v.toObject();
            (row["refused"].toBool() ? refused : decoded)[row["kind"].toString()] += 1;
        }
        for (const char* kind : {"jpeg", "png", "tiff", "webp"})
            QVERIFY2(decoded.value(kind) >= 7, kind);
        QVERIFY(decoded.value("hand") + decoded.value("saved") >= 100);
        QVERIFY(refused.value("refused") >= 6);
        QVERIFY(decoded.value("tiff") >= 50);
    }

    void matchesPillow_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QJsonObject>("row");
        const QJsonArray rows = manifest()["images"].toArray();
        for (const auto& v : rows) {
            const QJsonObject row = v.toObject();
            QTest::newRow(qPrintable(row["file"].toString().mid(7) + " (" + row["variant"].toString() + ")"))
                << row["file"].toString() << row;
        }
        // make_images.py writes over 500 files (as manifestIsComplete checks).
        QVERIFY2(rows.size() >= 400, qPrintable(QString("only %1 files in the manifest").arg(rows.size())));
    }

    void matchesPillow()
    {
        QFETCH(QString, file);
        QFETCH(QJsonObject, row);
        const std::string path = test::referencePath(file);
        auto image = decodeImage(path);
        if (row["refused"].toBool()) {
            QVERIFY2(!image.ok(),
                     qPrintable("Pillow refuses it (" + row["error"].toString() + "), we decoded it"));
            QVERIFY2(QString::fromStdString(image.message()).startsWith(QString::fromStdString(path) + ": "),
                     image.message().c_str());
            return;
        }
        QVERIFY2(image.ok(),
                 qPrintable(QString::fromStdString(image.message()) + " (Pillow opens it as "
                            + row["pillow"].toObject()["format"].toString() + " "
                            + row["pillow"].toObject()["mode"].toString() + ")"));
        QCOMPARE(image->type(), CV_8UC3);
        QCOMPARE(image->cols, row["width"].toInt());
        QCOMPARE(image->rows, row["height"].toInt());
        const QByteArray theirs = readBytes(test::referenceFile(row["rgb"].toString()));
        QVERIFY2(sameBytes(*image, theirs), difference(*image, theirs));

        for (const char* preset : {"v1", "v2"}) {
            auto options = presetByName(preset);
            QVERIFY(options.ok());
            auto tensor = readNpyFloat32(test::referencePath(row[preset].toString()));
            QVERIFY2(tensor.ok(), tensor.message().c_str());
            const std::vector<float> ours = modelInput(*image, *options);
            QCOMPARE(ours.size(), tensor->data.size());
            QVERIFY2(ours == tensor->data, preset);
        }
    }

    void displayOrientation_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QJsonObject>("row");
        int rows = 0;
        for (const auto& v : manifest()["images"].toArray()) {
            const QJsonObject row = v.toObject();
            if (row.contains("display")) {
                QTest::newRow(qPrintable(row["file"].toString().mid(7))) << row["file"].toString() << row;
                ++rows;
            }
        }
        QVERIFY(rows >= 10);
    }

    // applyExifOrientation gives what ImageOps.exif_transpose gives.
    void displayOrientation()
    {
        QFETCH(QString, file);
        QFETCH(QJsonObject, row);
        DecodeOptions options;
        options.applyExifOrientation = true;
        auto image = decodeImage(test::referencePath(file), options);
        QVERIFY2(image.ok(), image.message().c_str());
        const QJsonObject display = row["display"].toObject();
        QCOMPARE(image->cols, display["width"].toInt());
        QCOMPARE(image->rows, display["height"].toInt());
        const QByteArray theirs = readBytes(test::referenceFile(display["rgb"].toString()));
        QVERIFY2(sameBytes(*image, theirs), difference(*image, theirs));
    }

    // Pillow 9.4 applies a TIFF's Orientation tag when it loads the file, so the model input is upright
    // already, and the display path leaves it so (exif_transpose would turn it a second time).
    void tiffOrientationAppliedOnce()
    {
        const QJsonArray rows = manifest()["images"].toArray();
        int checked = 0;
        for (const auto& v : rows) {
            const QJsonObject row = v.toObject();
            if (row["kind"].toString() != "tiff" || !row["file"].toString().contains("orientation"))
                continue;
            DecodeOptions options;
            options.applyExifOrientation = true;
            auto shown = decodeImage(test::referencePath(row["file"].toString()), options);
            QVERIFY2(shown.ok(), shown.message().c_str());
            const QByteArray theirs = readBytes(test::referenceFile(row["rgb"].toString()));
            QVERIFY2(sameBytes(*shown, theirs), qPrintable(row["file"].toString()));
            ++checked;
        }
        QVERIFY(checked >= 3);
    }

    void fastJpegModeReducesInTheDctDomain()
    {
        DecodeOptions options;
        options.reduceToShortSide = 100;
        auto image = decodeImage(test::photoFile("grace_hopper.jpg").toStdString(), options);
        QVERIFY2(image.ok(), image.message().c_str());
        QCOMPARE(image->cols, 128); // 512 x 600 at 1/4: the short side stays at least 100
        QCOMPARE(image->rows, 150);
    }

    void fileProblemsNamed_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << "missing.png"
                                 << "no such file";
        QTest::newRow("directory") << "."
                                   << "is a directory";
        QTest::newRow("empty") << "empty.jpg"
                               << "empty";
    }

    void fileProblemsNamed()
    {
        QFETCH(QString, relative);
        QFETCH(QString, expected);
        writeBytes(m_dir.filePath("empty.jpg"), {});
        const QString path = m_dir.filePath(relative);
        auto image = decodeImage(path.toStdString());
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains(expected), image.message().c_str());
        QVERIFY2(QString::fromStdString(image.message()).startsWith(path), image.message().c_str());
    }

    void fifoIsNotOpened()
    {
        const QString path = m_dir.filePath("fifo.png");
        QVERIFY(::mkfifo(path.toLocal8Bit().constData(), 0600) == 0);
        auto image = decodeImage(path.toStdString());
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.message()).contains("not a regular file"),
                 image.message().c_str());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestDecode)
#include "tst_decode.moc"
