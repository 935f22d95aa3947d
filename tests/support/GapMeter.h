#pragma once

// Measures how responsive the GUI thread stays: the longest gap between ticks of a 10 ms timer on the
// thread that creates it (tests check it stays under 100 ms while work runs on worker threads).

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <algorithm>

namespace lens::test {

class GapMeter : public QObject {
public:
    GapMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.elapsed();
            m_maxGap = std::max(m_maxGap, now - m_last);
            m_last = now;
        });
        m_clock.start();
        m_timer.start();
    }
    qint64 maxGap() const { return std::max(m_maxGap, m_clock.elapsed() - m_last); }
    qint64 elapsed() const { return m_clock.elapsed(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_maxGap = 0;
};

} // namespace lens::test
