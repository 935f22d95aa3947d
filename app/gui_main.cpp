// resnet-lens: the desktop application. Parses the command line and opens the window.

#include "LensVersion.h"
#include "MainWindow.h"
#include "PredictionModel.h"
#include "ThumbnailStrip.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLoggingCategory>
#include <QTimer>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

// Seconds since this process started (the kernel's count, so dynamic loading and the OpenMP restart count).
double secondsSinceProcessStart()
{
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) { // field 22: start time in clock ticks after boot
    }
    double uptime = 0;
    std::ifstream("/proc/uptime") >> uptime;
    return uptime - std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

int main(int argc, char** argv)
{
    // Thumbnails read photos through Qt's image plugins, whose libpng prints harmless colour-profile
    // warnings on some PNGs ("known incorrect sRGB profile"); a thumbnail that fails shows as such anyway.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.gui.imageio*=false"));
    QCoreApplication::setApplicationName(QStringLiteral("resnet-lens"));
    QCoreApplication::setOrganizationName(QStringLiteral("resnet-lens"));
    QCoreApplication::setApplicationVersion(QStringLiteral(RESNET_LENS_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Classify images with torchvision's ResNet family and see "
                       "what the network sees."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption weights(QStringLiteral("weights"), QStringLiteral("Checkpoint to load."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption arch(QStringLiteral("arch"),
                                  QStringLiteral("Architecture (default: detect from the checkpoint)."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("cpu or cuda."),
                                    QStringLiteral("DEVICE"));
    const QCommandLineOption preset(QStringLiteral("preset"),
                                    QStringLiteral("v1 (resize 256) or v2 (resize 232)."),
                                    QStringLiteral("NAME"));
    const QCommandLineOption recursive({QStringLiteral("r"), QStringLiteral("recursive")},
                                       QStringLiteral("Open folders with their subfolders."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the window to FILE once the first image is "
                                                       "classified, then quit."),
                                        QStringLiteral("FILE"));
    QCommandLineOption startupTime(QStringLiteral("startup-time"),
                                   QStringLiteral("Print the seconds from start until the window is on "
                                                  "screen, then quit (for benchmarks)."));
    startupTime.setFlags(QCommandLineOption::HiddenFromHelp);
    const QCommandLineOption map(QStringLiteral("map"),
                                 QStringLiteral("Show the class activation map of the selected class."));
    parser.addOptions({weights, arch, device, preset, recursive, screenshot, startupTime, map});
    parser.addPositionalArgument(QStringLiteral("paths"), QStringLiteral("Images or folders to open."),
                                 QStringLiteral("[FILES or FOLDERS...]"));

    // --help and --version only print text: answer them without QApplication, which needs a display (the
    // man page is made from --help at build time). process() prints, then exits.
    QStringList words;
    for (int i = 0; i < argc; ++i)
        words << QString::fromLocal8Bit(argv[i]);
    parser.parse(words);
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all")) || parser.isSet(version)) {
        QCoreApplication textOnly(argc, argv);
        parser.process(textOnly);
    }

    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("ResNet Lens"));
    parser.process(app);

    lens::MainWindowOptions options;
    options.weights = parser.value(weights);
    options.arch = parser.value(arch);
    options.device = parser.value(device);
    options.preset = parser.value(preset);
    options.recursive = parser.isSet(recursive);
    options.open = parser.positionalArguments();
    lens::MainWindow window(options);
    if (parser.isSet(map))
        window.camAction()->setChecked(true);
    window.show();
    if (parser.isSet(startupTime)) {
        // Runs once the event loop has handled the window's first expose and paint.
        QTimer::singleShot(0, &app, [] {
            std::printf("%.3f\n", secondsSinceProcessStart());
            QApplication::exit(0);
        });
    }

    if (parser.isSet(screenshot)) {
        const QString out = parser.value(screenshot);
        auto grab = [&window, out] {
            const bool saved = window.grab().save(out);
            QApplication::exit(saved ? 0 : 2);
        };
        // Grab once the first result is on screen (with predictions, unless there is no model to make
        // them) and the thumbnails are made.
        QObject::connect(&window, &lens::MainWindow::resultShown, &app, [&window, grab](bool classified) {
            if (!classified && (window.modelLoading() || !window.modelArch().isEmpty()))
                return;
            auto whenThumbnailsDone = [&window, grab] {
                if (!window.thumbnails()->busy())
                    QTimer::singleShot(300, grab);
                else
                    QObject::connect(window.thumbnails(), &lens::ThumbnailStrip::progress, &window,
                                     [grab](int done, int total) {
                                         if (done >= total)
                                             QTimer::singleShot(300, grab);
                                     });
            };
            whenThumbnailsDone();
        });
        QTimer::singleShot(120000, &app, [] { QApplication::exit(3); });
    }
    return QApplication::exec();
}
