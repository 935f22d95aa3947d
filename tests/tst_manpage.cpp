// The man pages against the executables they describe: resnet-lens-cli(1) has a section for every command
// that `resnet-lens-cli --help` lists, naming every option of that command's own --help, and resnet-lens(1)
// names every option of `resnet-lens --help`. Both executables print the configured version, the app without
// a display. The pages are the build's (packaging/make_manpage.py, target manpages; LENS_MAN_DIR).

#include "LensVersion.h"
#include "TestSupport.h"

#include <QRegularExpression>
#include <QSet>

namespace {

/// What a program printed on stdout for arguments; fails the test when it does not exit with 0.
QString output(const QString& program, const QStringList& arguments,
               const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForFinished(120000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0)
        qWarning("%s %s failed: %s", qPrintable(program), qPrintable(arguments.join(' ')),
                 process.readAllStandardError().constData());
    return process.exitCode() == 0 ? QString::fromUtf8(process.readAllStandardOutput()) : QString();
}

QString cli()
{
    return qEnvironmentVariable("LENS_CLI");
}

QString gui()
{
    return qEnvironmentVariable("LENS_GUI");
}

/// The commands of the CLI's usage: in its "Commands:" block, each line indented by exactly two spaces
/// starts with a command's name.
QStringList usageCommands(const QString& usage)
{
    QStringList commands;
    const QStringList lines = usage.split('\n');
    for (qsizetype i = lines.indexOf(QStringLiteral("Commands:")) + 1; i > 0 && i < lines.size(); ++i) {
        if (lines[i].trimmed().isEmpty())
            break;
        static const QRegularExpression entry(QStringLiteral("^  ([a-z][a-z0-9-]*)"));
        if (const auto match = entry.match(lines[i]); match.hasMatch())
            commands << match.captured(1);
    }
    return commands;
}

/// Every long option (--name) a help text mentions.
QSet<QString> longOptions(const QString& help)
{
    QSet<QString> options;
    static const QRegularExpression option(QStringLiteral("(?<![\\w-])--[a-z][a-z0-9-]*"));
    for (auto it = option.globalMatch(help); it.hasNext();)
        options << it.next().captured(0);
    return options;
}

/// A man page as text, without its roff escapes (\- is '-', \e is '\', fonts and \& dropped).
QString manPage(const QString& name)
{
    QFile file(QDir(qEnvironmentVariable("LENS_MAN_DIR")).filePath(name + QStringLiteral(".1")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(file.readAll());
    text.replace(QStringLiteral("\\-"), QStringLiteral("-"));
    text.replace(QStringLiteral("\\e"), QStringLiteral("\\"));
    text.replace(QStringLiteral("\\ "), QStringLiteral(" "));
    text.remove(QStringLiteral("\\&"));
    text.remove(QRegularExpression(QStringLiteral("\\\\f[BIRP]")));
    return text;
}

/// The text of a man page's subsection ".SS title", up to the next section or subsection.
QString subsection(const QString& page, const QString& title)
{
    const qsizetype start = page.indexOf(QStringLiteral("\n.SS ") + title + '\n');
    if (start < 0)
        return {};
    static const QRegularExpression next(QStringLiteral("\n\\.S[SH] "));
    const qsizetype end = page.indexOf(next, start + 1);
    return page.mid(start, end < 0 ? -1 : end - start);
}

} // namespace

class TestManPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cliCommand_data()
    {
        QTest::addColumn<QString>("command");
        const QStringList commands = usageCommands(output(cli(), {QStringLiteral("--help")}));
        // The usage the page is made from has commands at all (else every row would pass vacuously).
        QVERIFY2(commands.contains(QStringLiteral("classify")), qPrintable(commands.join(' ')));
        for (const QString& command : commands)
            QTest::newRow(qPrintable(command)) << command;
    }

    void cliCommand()
    {
        QFETCH(QString, command);
        const QString page = manPage(QStringLiteral("resnet-lens-cli"));
        QVERIFY2(!page.isEmpty(), "resnet-lens-cli.1 is missing (build the target manpages)");
        const QString section = subsection(page, command);
        QVERIFY2(!section.isEmpty(), qPrintable("no section '.SS " + command + "' in resnet-lens-cli.1"));
        const QString help = output(cli(), {command, QStringLiteral("--help")});
        QVERIFY(!help.isEmpty());
        for (const QString& option : longOptions(help))
            QVERIFY2(section.contains(option), qPrintable(command + " " + option + " is not in its section"));
    }

    void noSectionWithoutCommand()
    {
        const QStringList commands = usageCommands(output(cli(), {QStringLiteral("--help")}));
        static const QRegularExpression heading(QStringLiteral("\n\\.SS (\\S+)\n"));
        for (auto it = heading.globalMatch(manPage(QStringLiteral("resnet-lens-cli"))); it.hasNext();) {
            const QString title = it.next().captured(1);
            QVERIFY2(commands.contains(title),
                     qPrintable("section " + title + " is no command of the usage"));
        }
    }

    void guiOptions()
    {
        const QString page = manPage(QStringLiteral("resnet-lens"));
        QVERIFY2(!page.isEmpty(), "resnet-lens.1 is missing (build the target manpages)");
        const QSet<QString> options = longOptions(output(gui(), {QStringLiteral("--help")}));
        QVERIFY(options.contains(QStringLiteral("--weights")));
        for (const QString& option : options)
            QVERIFY2(page.contains(option), qPrintable(option + " is not in resnet-lens.1"));
    }

    void version_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("name");
        QTest::newRow("resnet-lens-cli") << cli() << QStringLiteral("resnet-lens-cli");
        QTest::newRow("resnet-lens without a display") << gui() << QStringLiteral("resnet-lens");
    }

    void version()
    {
        QFETCH(QString, program);
        QFETCH(QString, name);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char* variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            environment.remove(QString::fromLatin1(variable));
        QCOMPARE(output(program, {QStringLiteral("--version")}, environment),
                 name + QStringLiteral(" " RESNET_LENS_VERSION "\n"));
    }
};

QTEST_GUILESS_MAIN(TestManPage)
#include "tst_manpage.moc"
