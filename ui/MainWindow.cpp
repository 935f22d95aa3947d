#include "MainWindow.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>

namespace lens {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("ResNet Lens"));
    m_placeholder = new QLabel(tr("Open an image to classify it."), this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(m_placeholder);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    resize(1000, 700);
}

} // namespace lens
