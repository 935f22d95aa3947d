#pragma once

// A status-bar item for a long job: what is happening, a progress bar (busy or n of total) and Cancel.

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace lens {

class BusyIndicator : public QWidget {
    Q_OBJECT

public:
    explicit BusyIndicator(QWidget* parent = nullptr);

    /// total 0 = indeterminate.
    void start(const QString& text, int total = 0);
    void setProgress(int done, int total);
    void stop();
    bool running() const { return m_running; }
    QString text() const;

Q_SIGNALS:
    void cancelRequested();

private:
    QLabel* m_label = nullptr;
    QProgressBar* m_bar = nullptr;
    QToolButton* m_cancel = nullptr;
    bool m_running = false;
};

} // namespace lens
