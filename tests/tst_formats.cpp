// The LibTorch-free parsing cores on their own: the bounded JSON reader, the safetensors header validator
// and the legacy container walker (every truncation of a real legacy file is refused cleanly).

#include "TestSupport.h"
#include "checkpoint/LegacyFormat.h"
#include "checkpoint/Pickle.h"
#include "checkpoint/SafeTensors.h"
#include "io/JsonReader.h"

#include <QElapsedTimer>
#include <algorithm>
#include <cstring>
#include <unordered_map>

using namespace lens;

namespace {

std::string safetensors(const std::string& header, std::size_t dataBytes)
{
    std::string file(8, '\0');
    const std::uint64_t length = header.size();
    for (int i = 0; i < 8; ++i)
        file[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    return file + header + std::string(dataBytes, '\x01');
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(path));
    return file.readAll();
}

} // namespace

class TestFormats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void json_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("object") << "{\"a\": [1, 2.5, -3e2, true, false, null, \"x\\u00e9\\n\"]}" << true;
        QTest::newRow("surrogate pair") << "[\"\\ud83d\\ude00\"]" << true;
        QTest::newRow("big integer") << "[9223372036854775807]" << true;
        QTest::newRow("trailing comma") << "[1,]" << false;
        QTest::newRow("leading zero") << "[01]" << false;
        QTest::newRow("unterminated") << "{\"a\": \"b" << false;
        QTest::newRow("duplicate key") << "{\"a\": 1, \"a\": 2}" << false;
        QTest::newRow("lone surrogate") << "[\"\\ud83d\"]" << false;
        QTest::newRow("control character") << "[\"a\tb\"]" << false;
        QTest::newRow("text after value") << "{} {}" << false;
        QTest::newRow("too deep") << QString(100, '[') + QString(100, ']') << false;
        QTest::newRow("deep but allowed") << QString(60, '[') + QString(60, ']') << true;
    }

    void json()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const std::string bytes = text.toStdString();
        auto parsed = parseJson(bytes);
        QVERIFY2(parsed.ok() == valid, parsed.ok() ? "accepted" : parsed.message().c_str());
    }

    void jsonValues()
    {
        auto parsed = parseJson("{\"n\": 9007199254740993, \"s\": \"\\u00e9\", \"f\": 0.5}");
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->find("n")->integer, std::int64_t(9007199254740993)); // exact beyond 2^53
        QCOMPARE(parsed->find("s")->text, std::string("\xc3\xa9"));
        QVERIFY(!parsed->find("f")->isInteger);
        QCOMPARE(parsed->find("f")->number, 0.5);
    }

    void safetensorsHeader_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<QString>("error"); // empty = valid
        QTest::newRow("valid")
            << "{\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},\"a\":{\"dtype\":\"F32\","
               "\"shape\":[2,2],\"data_offsets\":[0,16]},\"__metadata__\":{\"format\":\"pt\"}}"
            << 20 << "";
        QTest::newRow("overlap") << "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{"
                                    "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}"
                                 << 16 << "overlap";
        QTest::newRow("outside the file")
            << "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}" << 8 << "past the end";
        QTest::newRow("size mismatch")
            << "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}" << 16 << "span";
        QTest::newRow("numel overflow")
            << "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}"
            << 16 << "2^64";
        QTest::newRow("unknown dtype")
            << "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}" << 8 << "dtype";
        QTest::newRow("negative shape")
            << "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}" << 4 << "non-negative";
        QTest::newRow("reversed offsets")
            << "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}" << 4 << "after end";
        QTest::newRow("metadata not strings") << "{\"__metadata__\":{\"a\":1}}" << 0 << "not a string";
        QTest::newRow("not json") << "{\"a\":" << 0 << "JSON";
    }

    void safetensorsHeader()
    {
        QFETCH(QString, header);
        QFETCH(int, dataBytes);
        QFETCH(QString, error);
        const std::string file = safetensors(header.toStdString(), static_cast<std::size_t>(dataBytes));
        auto parsed = parseSafeTensorsHeader(file.data(), file.size(), file.size(), "t.safetensors");
        if (error.isEmpty()) {
            QVERIFY2(parsed.ok(), parsed.message().c_str());
            QCOMPARE(parsed->tensors.size(), std::size_t(2));
            QCOMPARE(parsed->tensors[0].name, std::string("a")); // data order
            QCOMPARE(parsed->tensors[0].begin, static_cast<std::uint64_t>(8 + header.toStdString().size()));
            QCOMPARE(parsed->metadata.size(), std::size_t(1));
        } else {
            QVERIFY(!parsed.ok());
            QVERIFY2(parsed.message().find("t.safetensors") != std::string::npos, parsed.message().c_str());
            QVERIFY2(parsed.message().find(error.toStdString()) != std::string::npos,
                     parsed.message().c_str());
        }
    }

    void safetensorsHeaderLength()
    {
        std::string file = safetensors("{}", 0);
        const std::uint64_t huge = 200'000'000;
        std::memcpy(file.data(), &huge, 8);
        auto parsed = parseSafeTensorsHeader(file.data(), file.size(), file.size(), "h");
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.message().find("100 MB") != std::string::npos, parsed.message().c_str());
    }

    // A real legacy file (the 10-class checkpoint with class_to_idx) parses; every prefix of it is refused
    // with a message and without a crash.
    // Memo indices all in one bucket of a hash table with identity hashing (as std::unordered_map of
    // integers is), then looked up again and again: quadratic in such a table, linear in an ordered map.
    void pickleMemoIsNotFlooded()
    {
        constexpr std::uint32_t count = 40000;
        std::unordered_map<std::uint64_t, int> probe;
        for (std::uint32_t i = 0; i < count; ++i)
            probe.emplace(i, 0);
        const std::uint64_t buckets = probe.bucket_count();
        QVERIFY(buckets * count < (std::uint64_t(1) << 32)); // LONG_BINPUT takes 32-bit indices
        const auto index = [&](std::uint32_t i) {
            const auto key = static_cast<std::uint32_t>(i * buckets);
            return std::string {char(key & 0xFF), char((key >> 8) & 0xFF), char((key >> 16) & 0xFF),
                                char(key >> 24)};
        };
        std::string pickle = "\x80\x02";
        for (std::uint32_t i = 0; i < count; ++i)
            pickle += "Nr" + index(i) + "0"; // NONE, LONG_BINPUT, POP
        for (std::uint32_t n = 0; n < 5 * count; ++n)
            pickle += "j" + index(n % 64) + "0"; // LONG_BINGET of the first keys (a chain's far end), POP
        pickle += "N.";
        lens::UnpickleOptions options;
        options.displayName = "memo.pkl";
        QElapsedTimer timer;
        timer.start();
        auto document = lens::unpickle(pickle.data(), pickle.size(), options);
        QVERIFY2(document.ok(), document.message().c_str());
        // 12.5 s with an unordered_map memo, 0.02 s with the ordered map.
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString("%1 ms").arg(timer.elapsed())));
    }

    void legacyTruncations()
    {
        const QByteArray whole
            = readFile(QDir(test::referenceDir()).filePath("checkpoints/class_to_idx10.pth"));
        QVERIFY(looksLikeLegacy(whole.constData(), static_cast<std::size_t>(whole.size())));
        auto parsed
            = parseLegacyContainer(whole.constData(), static_cast<std::size_t>(whole.size()), "x.pth");
        QVERIFY2(parsed.ok(), parsed.message().c_str());
        QCOMPARE(parsed->storages.size(), std::size_t(122));
        int refused = 0;
        const int total = static_cast<int>(whole.size());
        const int step = std::max(1, total / 3000);
        for (int size = 0; size < total; size += size < 4096 ? 1 : step) {
            auto cut = parseLegacyContainer(whole.constData(), static_cast<std::size_t>(size), "x.pth");
            QVERIFY2(!cut.ok(), qPrintable(QString("a prefix of %1 bytes was accepted").arg(size)));
            QVERIFY(cut.message().find("x.pth") != std::string::npos);
            ++refused;
        }
        QVERIFY(refused > 4000);
    }
};

QTEST_GUILESS_MAIN(TestFormats)
#include "tst_formats.moc"
