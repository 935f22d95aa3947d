// The restricted unpickler against Python's own pickle module: every stream that tests/reference/
// make_formats.py wrote with pickle.dumps at protocols 0 to 5, or by hand (protocol 0 text opcodes, a dict
// with a repeated key, memo reuse), must give the values pickle.loads gave for the same bytes; where
// pickle.loads made two items one object, so must the memo here; and a stream that builds a cycle (a list
// that contains itself) is refused, as Pickle.h says.

#include "TestSupport.h"
#include "checkpoint/Pickle.h"
#include "support/FormatsReference.h"

#include <cstdlib>
#include <cstring>

using namespace lens;

namespace {

/// Two's complement little-endian bytes without the sign-extension bytes a longer encoding adds.
std::string minimalTwosComplement(std::string bytes)
{
    while (bytes.size() > 1) {
        const auto last = static_cast<unsigned char>(bytes.back());
        const bool previousNegative = (static_cast<unsigned char>(bytes[bytes.size() - 2]) & 0x80) != 0;
        if ((last == 0x00 && !previousNegative) || (last == 0xFF && previousNegative))
            bytes.pop_back();
        else
            break;
    }
    return bytes;
}

/// Where `actual` differs from make_formats.py's description of pickle.loads' value; empty when it does not.
QString mismatch(const PickleValue& actual, const QJsonObject& expected, const QString& path);

QString mismatchItems(const std::vector<const PickleValue*>& items, const QJsonArray& expected,
                      const QString& path)
{
    if (items.size() != std::size_t(expected.size()))
        return QString("%1: %2 items, Python has %3").arg(path).arg(items.size()).arg(expected.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const QString inner
            = mismatch(*items[i], expected[qsizetype(i)].toObject(), QString("%1[%2]").arg(path).arg(i));
        if (!inner.isEmpty())
            return inner;
    }
    return {};
}

QString mismatch(const PickleValue& actual, const QJsonObject& expected, const QString& path)
{
    const QString kind = expected["kind"].toString();
    const QString got = QString::fromLatin1(pickleKindName(actual.kind));
    const auto wrongKind = [&] { return QString("%1: a %2, Python has a %3").arg(path, got, kind); };
    if (kind == "none")
        return actual.kind == PickleKind::None ? QString() : wrongKind();
    if (kind == "bool") {
        if (actual.kind != PickleKind::Bool)
            return wrongKind();
        return actual.boolean == expected["value"].toBool() ? QString() : path + ": the other boolean";
    }
    if (kind == "int") {
        if (actual.kind != PickleKind::Int)
            return wrongKind();
        const qint64 want = expected["value"].toString().toLongLong();
        return actual.integer == want
            ? QString()
            : QString("%1: %2, Python has %3").arg(path).arg(actual.integer).arg(want);
    }
    if (kind == "bigint") {
        if (actual.kind != PickleKind::BigInt)
            return wrongKind();
        const std::string want = minimalTwosComplement(test::fromHex(expected["value"]));
        const std::string have = minimalTwosComplement(actual.text);
        return have == want ? QString()
                            : QString("%1: bytes %2, Python has %3")
                                  .arg(path, QString::fromLatin1(QByteArray::fromStdString(have).toHex()),
                                       QString::fromLatin1(QByteArray::fromStdString(want).toHex()));
    }
    if (kind == "float") {
        if (actual.kind != PickleKind::Float)
            return wrongKind();
        const double want = std::strtod(expected["value"].toString().toLatin1().constData(), nullptr);
        return std::memcmp(&actual.real, &want, sizeof want) == 0
            ? QString()
            : QString("%1: %2, Python has %3").arg(path).arg(actual.real, 0, 'g', 17).arg(want, 0, 'g', 17);
    }
    if (kind == "string" || kind == "bytes") {
        if (actual.kind != (kind == "string" ? PickleKind::String : PickleKind::Bytes))
            return wrongKind();
        const std::string want = test::fromHex(expected["value"]);
        return actual.text == want
            ? QString()
            : QString("%1: '%2', Python has '%3'")
                  .arg(path, QString::fromStdString(actual.text), QString::fromStdString(want));
    }
    if (kind == "tuple" || kind == "list") {
        if (actual.kind != (kind == "tuple" ? PickleKind::Tuple : PickleKind::List))
            return wrongKind();
        return mismatchItems(actual.items, expected["items"].toArray(), path);
    }
    if (kind == "set") { // Python's set order is not the pickle's: compare as a multiset
        if (actual.kind != PickleKind::Set)
            return wrongKind();
        const QJsonArray want = expected["items"].toArray();
        if (actual.items.size() != std::size_t(want.size()))
            return QString("%1: %2 items, Python has %3").arg(path).arg(actual.items.size()).arg(want.size());
        std::vector<bool> used(actual.items.size(), false);
        for (const auto& item : want) {
            bool found = false;
            for (std::size_t i = 0; i < actual.items.size() && !found; ++i) {
                if (!used[i] && mismatch(*actual.items[i], item.toObject(), path).isEmpty())
                    used[i] = found = true;
            }
            if (!found)
                return path + ": an item of Python's set is missing";
        }
        return {};
    }
    if (kind == "dict") {
        if (actual.kind != PickleKind::Dict)
            return wrongKind();
        const QJsonArray want = expected["entries"].toArray();
        if (actual.entries.size() != std::size_t(want.size()))
            return QString("%1: %2 entries, Python has %3")
                .arg(path)
                .arg(actual.entries.size())
                .arg(want.size());
        for (std::size_t i = 0; i < actual.entries.size(); ++i) {
            const QJsonArray pair = want[qsizetype(i)].toArray();
            const QString at = QString("%1{%2}").arg(path).arg(i);
            QString inner = mismatch(*actual.entries[i].first, pair[0].toObject(), at + ".key");
            if (inner.isEmpty())
                inner = mismatch(*actual.entries[i].second, pair[1].toObject(), at + ".value");
            if (!inner.isEmpty())
                return inner;
        }
        return {};
    }
    return QString("%1: the manifest has an unknown kind %2").arg(path, kind);
}

} // namespace

class TestPickle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // make_formats.py writes 37 values at 6 protocols, 4 cycles at 6 protocols and 27 streams by hand.
        const QJsonArray rows = test::formatsManifest()["pickles"].toArray();
        QVERIFY2(rows.size() >= 273, qPrintable(QString("only %1 pickles in the manifest").arg(rows.size())));
    }

    void sameValuesAsPickleLoads_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QJsonObject>("row");
        int rows = 0;
        for (const auto& value : test::formatsManifest()["pickles"].toArray()) {
            const QJsonObject row = value.toObject();
            if (!row.contains("value"))
                continue;
            QTest::newRow(qPrintable(row["name"].toString())) << row["file"].toString() << row;
            ++rows;
        }
        QVERIFY2(rows >= 245, qPrintable(QString("only %1 pickles with a value").arg(rows)));
    }

    void sameValuesAsPickleLoads()
    {
        QFETCH(QString, file);
        QFETCH(QJsonObject, row);
        const QByteArray bytes = test::readFormatsFile(file);
        UnpickleOptions options;
        options.displayName = file.toStdString();
        auto document = unpickle(bytes.constData(), std::size_t(bytes.size()), options);
        QVERIFY2(document.ok(), document.ok() ? "" : document.message().c_str());
        QCOMPARE(document->protocol(), row["protocol"].toInt());
        QCOMPARE(document->endOffset(), std::size_t(bytes.size()));
        const QString difference = mismatch(document->root(), row["value"].toObject(), "value");
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
        // Where pickle.loads made two items one object, the memo gives one value too.
        for (const auto& pair : row["identical"].toArray()) {
            const auto i = std::size_t(pair[0].toInt()), j = std::size_t(pair[1].toInt());
            QVERIFY(document->root().items.size() > std::max(i, j));
            QVERIFY2(document->root().items[i] == document->root().items[j],
                     qPrintable(QString("items %1 and %2 are one object in Python").arg(i).arg(j)));
        }
    }

    void cyclesAreRefused_data()
    {
        QTest::addColumn<QString>("file");
        int rows = 0;
        for (const auto& value : test::formatsManifest()["pickles"].toArray()) {
            const QJsonObject row = value.toObject();
            if (row["cyclic"].toBool()) {
                QTest::newRow(qPrintable(row["name"].toString())) << row["file"].toString();
                ++rows;
            }
        }
        QVERIFY2(rows >= 26, qPrintable(QString("only %1 cyclic pickles").arg(rows)));
    }

    void cyclesAreRefused()
    {
        QFETCH(QString, file);
        const QByteArray bytes = test::readFormatsFile(file);
        UnpickleOptions options;
        options.displayName = file.toStdString();
        auto document = unpickle(bytes.constData(), std::size_t(bytes.size()), options);
        QVERIFY2(!document.ok(), "a cyclic structure was accepted");
        const std::string& message = document.message();
        QVERIFY2(message.rfind(options.displayName, 0) == 0, message.c_str());
        QVERIFY2(message.find("cyclic") != std::string::npos || message.find("itself") != std::string::npos,
                 message.c_str());
    }

    void memoReuseSharesValues()
    {
        // [shared, shared, t, t, d, d, "same", "same"]: pickle.loads makes the pairs one object, at every
        // protocol; the manifest must say so, or the check above would have nothing to check.
        int checked = 0;
        for (const auto& value : test::formatsManifest()["pickles"].toArray()) {
            const QJsonObject row = value.toObject();
            if (row["name"].toString().startsWith("memo_reuse.p")) {
                QVERIFY2(row["identical"].toArray().size() >= 3, qPrintable(row["name"].toString()));
                ++checked;
            }
        }
        QCOMPARE(checked, 6);
    }
};

QTEST_GUILESS_MAIN(TestPickle)
#include "tst_pickle.moc"
