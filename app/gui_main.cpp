// resnet-lens: the desktop application.

#include "MainWindow.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("resnet-lens"));
    QApplication::setOrganizationName(QStringLiteral("resnet-lens"));
    QApplication::setApplicationVersion(QStringLiteral(RESNET_LENS_VERSION));
    lens::MainWindow window;
    window.show();
    return QApplication::exec();
}
