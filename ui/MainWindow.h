#pragma once

#include <QMainWindow>

class QLabel;

namespace lens {

/// The application's main window.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

private:
    QLabel* m_placeholder = nullptr;
};

} // namespace lens
