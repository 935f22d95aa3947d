// Hostile and broken checkpoints, label files and outputs, as make_hostile.py generates them: files whose
// unpickling would run code in Python are refused by every command (and inspected with the danger first),
// inert objects still load, text from files never reaches the terminal or JSON raw, strings Python refuses
// are refused, and small files that would take huge memory or time are refused or handled within bounds.
// Each case runs resnet-lens-cli and measures its peak memory and time.

#include "TestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <sys/resource.h>

namespace {

const QJsonObject& hostile()
{
    static const QJsonObject json
        = lens::test::readJsonFile(lens::test::referenceFile("hostile/hostile.json"));
    return json;
}

} // namespace

class TestHostile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
#if !defined(__SANITIZE_ADDRESS__)
        // The CLI runs under an address-space limit, so memory it would only reserve counts too: a file
        // that makes it allocate 16 GiB fails that allocation instead of passing unnoticed.
        const rlimit limit {rlim_t(8) << 30, rlim_t(8) << 30};
        QVERIFY(setrlimit(RLIMIT_AS, &limit) == 0);
#endif
    }

    void cli_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        const QJsonArray cases = hostile()["cases"].toArray();
        for (const auto& value : cases)
            QTest::newRow(qPrintable(value.toObject()["name"].toString())) << value.toObject();
        QVERIFY2(cases.size() >= 70, "the generator wrote too few cases");
    }

    void cli()
    {
        QFETCH(QJsonObject, spec);
        QTemporaryDir dir;
        QStringList arguments;
        for (const auto& value : spec["args"].toArray()) {
            const QString word = value.toString();
            arguments << (word == "PHOTO"        ? lens::test::photoFile(hostile()["photo"].toString())
                              : word == "OUTPUT" ? dir.filePath("out.csv")
                                                 : word);
        }
        const double maxSeconds = spec["max_seconds"].toDouble();
        const auto run = lens::test::runCliMeasured(arguments, dir.path(), 3 * maxSeconds);
        const QByteArray both = run.out + run.err;
        const QString context = QString("exit %1, %2 MB, %3 s\nstderr: %4")
                                    .arg(run.exitCode)
                                    .arg(run.peakRssMb, 0, 'f', 0)
                                    .arg(run.seconds, 0, 'f', 1)
                                    .arg(QString::fromUtf8(run.err.left(2000)));
        QVERIFY2(run.exitCode == spec["exit"].toInt(), qPrintable(context));
        QVERIFY2(run.seconds <= maxSeconds, qPrintable(context));
        QVERIFY2(run.peakRssMb <= spec["max_rss_mb"].toDouble(), qPrintable(context));
        for (const auto& text : spec["says"].toArray())
            QVERIFY2(both.contains(text.toString().toUtf8()),
                     qPrintable("must say " + text.toString() + "\n" + context));
        for (const auto& text : spec["stdout_says"].toArray())
            QVERIFY2(run.out.contains(text.toString().toUtf8()),
                     qPrintable("stdout must say " + text.toString()));
        for (const auto& text : spec["not_says"].toArray())
            QVERIFY2(!both.contains(text.toString().toUtf8()), qPrintable("must not say " + text.toString()));
        if (spec["json"].toBool()) {
            QJsonParseError error;
            QJsonDocument::fromJson(run.out, &error);
            QVERIFY2(error.error == QJsonParseError::NoError,
                     qPrintable("invalid JSON: " + error.errorString()));
            QVERIFY2(QString::fromUtf8(run.out).toUtf8() == run.out, "the JSON is not valid UTF-8");
        }
        QVERIFY2(!QFileInfo::exists(lens::test::referenceFile("hostile/pwned")), "a pickle executed code");
        qInfo("%s: exit %d, %.0f MB, %.2f s", qPrintable(spec["name"].toString()), run.exitCode,
              run.peakRssMb, run.seconds);
    }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
