#include "EvaluationViews.h"

#include "jobs/Evaluation.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <algorithm>

namespace lens {

namespace {

constexpr int kLabelWidth = 150; ///< room for the true classes' names, left of the grid
constexpr int kHeaderHeight = 110; ///< room for the predicted classes' names (turned), above it
constexpr int kMargin = 8;
constexpr int kMinCell = 4;
constexpr int kMaxCell = 44;

QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

// White for none of the row, deep blue for all of it.
QColor shade(double share)
{
    const QColor low(247, 251, 255), high(8, 48, 107);
    const auto mix = [share](int a, int b) { return int(a + (b - a) * share + 0.5); };
    return QColor(mix(low.red(), high.red()), mix(low.green(), high.green()), mix(low.blue(), high.blue()));
}

} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("confusionMatrix"));
    setAccessibleName(tr("Confusion matrix"));
    setAccessibleDescription(tr("Rows are the true classes, columns the predicted ones. Arrow keys move "
                                "between cells; Enter lists the images of a cell."));
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ConfusionMatrixView::setReport(std::shared_ptr<const EvaluationReport> report)
{
    m_report = std::move(report);
    m_current = {-1, -1};
    updateGeometry();
    update();
}

int ConfusionMatrixView::rows() const
{
    return m_report ? int(m_report->classes.size()) : 0;
}

int ConfusionMatrixView::columns() const
{
    return m_report ? int(m_report->predictedClasses.size()) : 0;
}

std::size_t ConfusionMatrixView::count(int row, int column) const
{
    if (row < 0 || column < 0 || row >= rows() || column >= columns())
        return 0;
    return m_report->confusion[std::size_t(row)][std::size_t(column)];
}

int ConfusionMatrixView::cellSize() const
{
    if (rows() == 0 || columns() == 0)
        return kMaxCell;
    const int across = (width() - kLabelWidth - 2 * kMargin) / columns();
    const int down = (height() - kHeaderHeight - 2 * kMargin) / rows();
    return std::clamp(std::min(across, down), kMinCell, kMaxCell);
}

QRect ConfusionMatrixView::gridRect() const
{
    const int cell = cellSize();
    return {kMargin + kLabelWidth, kMargin + kHeaderHeight, cell * columns(), cell * rows()};
}

QRect ConfusionMatrixView::cellRect(int row, int column) const
{
    if (row < 0 || column < 0 || row >= rows() || column >= columns())
        return {};
    const int cell = cellSize();
    const QRect grid = gridRect();
    return {grid.left() + column * cell, grid.top() + row * cell, cell, cell};
}

QPoint ConfusionMatrixView::cellAt(const QPoint& pos) const
{
    const QRect grid = gridRect();
    if (!grid.contains(pos))
        return {-1, -1};
    const int cell = cellSize();
    return {(pos.y() - grid.top()) / cell, (pos.x() - grid.left()) / cell};
}

QString ConfusionMatrixView::cellToolTip(int row, int column) const
{
    if (row < 0 || column < 0 || row >= rows() || column >= columns())
        return {};
    const ClassResult& truth = m_report->classes[std::size_t(row)];
    const std::size_t n = count(row, column);
    const double share = truth.images > 0 ? double(n) / double(truth.images) : 0;
    return tr("True: %1 (%2)\nPredicted: %3 (%4)\n%n image(s), %5% of the true class", nullptr, int(n))
        .arg(text(truth.name))
        .arg(truth.index)
        .arg(text(m_report->predictedNames[std::size_t(column)]))
        .arg(m_report->predictedClasses[std::size_t(column)])
        .arg(share * 100, 0, 'f', 1);
}

void ConfusionMatrixView::setCurrentCell(int row, int column)
{
    m_current = {row, column};
    update();
}

void ConfusionMatrixView::activate(int row, int column)
{
    if (row < 0 || column < 0 || row >= rows() || column >= columns())
        return;
    setCurrentCell(row, column);
    Q_EMIT cellActivated(row, column, m_report->classes[std::size_t(row)].index,
                         m_report->predictedClasses[std::size_t(column)]);
}

QSize ConfusionMatrixView::sizeHint() const
{
    const int cell = 28;
    return {kLabelWidth + 2 * kMargin + std::max(1, columns()) * cell,
            kHeaderHeight + 2 * kMargin + std::max(1, rows()) * cell};
}

QSize ConfusionMatrixView::minimumSizeHint() const
{
    return {kLabelWidth + 2 * kMargin + std::max(1, columns()) * kMinCell,
            kHeaderHeight + 2 * kMargin + std::max(1, rows()) * kMinCell};
}

void ConfusionMatrixView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    if (rows() == 0 || columns() == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("The confusion matrix shows here after a run."));
        return;
    }
    const int cell = cellSize();
    const QFontMetrics metrics(font());
    const QRect grid = gridRect();
    painter.setPen(palette().color(QPalette::Text));
    for (int i = 0; i < rows(); ++i) {
        const ClassResult& truth = m_report->classes[std::size_t(i)];
        std::size_t rowTotal = 0;
        for (std::size_t n : m_report->confusion[std::size_t(i)])
            rowTotal += n;
        if (cell >= metrics.height() - 4) {
            const QRect label(kMargin, grid.top() + i * cell, kLabelWidth - 6, cell);
            painter.setPen(palette().color(QPalette::Text));
            painter.drawText(label, Qt::AlignRight | Qt::AlignVCenter,
                             metrics.elidedText(text(truth.name), Qt::ElideRight, label.width()));
        }
        for (int j = 0; j < columns(); ++j) {
            const std::size_t n = count(i, j);
            const double share = rowTotal > 0 ? double(n) / double(rowTotal) : 0;
            const QRect box = cellRect(i, j);
            painter.fillRect(box, shade(share));
            if (n > 0 && cell >= 18) {
                painter.setPen(share > 0.5 ? Qt::white : QColor(20, 20, 20));
                painter.drawText(box, Qt::AlignCenter, QString::number(n));
            }
        }
    }
    // Column names, turned so that long ones fit above narrow columns.
    if (cell >= metrics.height() - 4) {
        painter.setPen(palette().color(QPalette::Text));
        for (int j = 0; j < columns(); ++j) {
            painter.save();
            painter.translate(grid.left() + j * cell + cell / 2 + metrics.ascent() / 2 - 2, grid.top() - 4);
            painter.rotate(-60);
            painter.drawText(0, 0,
                             metrics.elidedText(text(m_report->predictedNames[std::size_t(j)]),
                                                Qt::ElideRight, kHeaderHeight + 10));
            painter.restore();
        }
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(grid.adjusted(0, 0, -1, -1));
    // The diagonal cells (true class = predicted class) are outlined.
    painter.setPen(QPen(QColor(230, 120, 0), 1));
    for (int i = 0; i < rows(); ++i)
        for (int j = 0; j < columns(); ++j)
            if (m_report->classes[std::size_t(i)].index == m_report->predictedClasses[std::size_t(j)])
                painter.drawRect(cellRect(i, j).adjusted(0, 0, -1, -1));
    if (m_current.x() >= 0) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
        painter.drawRect(cellRect(m_current.x(), m_current.y()).adjusted(1, 1, -1, -1));
    }
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRect(kMargin, kMargin, kLabelWidth, kHeaderHeight), Qt::AlignLeft | Qt::AlignBottom,
                     tr("true ↓  predicted →"));
}

bool ConfusionMatrixView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QPoint at = cellAt(help->pos());
        const QString tip = cellToolTip(at.x(), at.y());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this, cellRect(at.x(), at.y()));
        return true;
    }
    return QWidget::event(event);
}

void ConfusionMatrixView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    const QPoint at = cellAt(event->position().toPoint());
    activate(at.x(), at.y());
}

void ConfusionMatrixView::keyPressEvent(QKeyEvent* event)
{
    if (rows() == 0 || columns() == 0)
        return QWidget::keyPressEvent(event);
    QPoint at = m_current.x() < 0 ? QPoint(0, 0) : m_current;
    switch (event->key()) {
    case Qt::Key_Up:
        at.rx() = std::max(0, at.x() - 1);
        break;
    case Qt::Key_Down:
        at.rx() = std::min(rows() - 1, at.x() + 1);
        break;
    case Qt::Key_Left:
        at.ry() = std::max(0, at.y() - 1);
        break;
    case Qt::Key_Right:
        at.ry() = std::min(columns() - 1, at.y() + 1);
        break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        activate(at.x(), at.y());
        return;
    default:
        return QWidget::keyPressEvent(event);
    }
    setCurrentCell(at.x(), at.y());
    QToolTip::showText(mapToGlobal(cellRect(at.x(), at.y()).center()), cellToolTip(at.x(), at.y()), this);
}

ReliabilityView::ReliabilityView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("reliabilityDiagram"));
    setAccessibleName(tr("Reliability diagram"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ReliabilityView::setReport(std::shared_ptr<const EvaluationReport> report)
{
    m_report = std::move(report);
    update();
}

QSize ReliabilityView::sizeHint() const
{
    return {480, 420};
}

QRectF ReliabilityView::plotRect() const
{
    const double side = std::max(40.0, std::min(width() - 70.0, height() - 90.0));
    return {50, 16, side, side};
}

void ReliabilityView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    if (!m_report || m_report->reliability.empty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("The reliability diagram shows here after a run."));
        return;
    }
    const QRectF plot = plotRect();
    const auto x = [&](double v) { return plot.left() + v * plot.width(); };
    const auto y = [&](double v) { return plot.bottom() - v * plot.height(); };
    painter.setPen(palette().color(QPalette::Mid));
    for (int tick = 0; tick <= 5; ++tick) {
        const double v = tick / 5.0;
        painter.drawLine(QPointF(plot.left(), y(v)), QPointF(plot.right(), y(v)));
        painter.drawText(QRectF(0, y(v) - 8, 44, 16), Qt::AlignRight | Qt::AlignVCenter, QString::number(v));
        painter.drawText(QRectF(x(v) - 20, plot.bottom() + 2, 40, 16), Qt::AlignCenter, QString::number(v));
    }
    const QFontMetrics metrics(font());
    for (const ReliabilityBin& bin : m_report->reliability) {
        const QRectF bar(QPointF(x(bin.lower), y(bin.accuracy)), QPointF(x(bin.upper), y(0)));
        if (bin.count > 0) {
            painter.fillRect(bar.adjusted(1, 0, -1, 0), QColor(33, 113, 181));
            // The gap between the bar and the bin's mean confidence: the miscalibration.
            const QRectF gap(QPointF(x(bin.lower), y(std::max(bin.accuracy, bin.confidence))),
                             QPointF(x(bin.upper), y(std::min(bin.accuracy, bin.confidence))));
            painter.fillRect(gap.adjusted(1, 0, -1, 0), QColor(230, 85, 13, 110));
        }
        painter.setPen(palette().color(QPalette::Text));
        const QString n = QString::number(bin.count);
        if (metrics.horizontalAdvance(n) < bar.width())
            painter.drawText(QRectF(bar.left(), plot.bottom() + 18, bar.width(), 16), Qt::AlignCenter, n);
    }
    painter.setPen(QPen(palette().color(QPalette::Text), 1, Qt::DashLine));
    painter.drawLine(QPointF(x(0), y(0)), QPointF(x(1), y(1)));
    painter.setPen(palette().color(QPalette::Text));
    painter.drawRect(plot);
    painter.drawText(
        QRectF(plot.left(), plot.bottom() + 36, plot.width(), 18), Qt::AlignCenter,
        tr("confidence (top-1 probability); images per bin above · ECE %1").arg(m_report->ece, 0, 'f', 4));
    painter.save();
    painter.translate(12, plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-plot.height() / 2, -8, plot.height(), 16), Qt::AlignCenter, tr("accuracy"));
    painter.restore();
}

bool ReliabilityView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip && m_report) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QRectF plot = plotRect();
        const double v = (help->pos().x() - plot.left()) / plot.width();
        for (const ReliabilityBin& bin : m_report->reliability) {
            if (v >= bin.lower && v < bin.upper && plot.contains(help->pos())) {
                QToolTip::showText(help->globalPos(),
                                   tr("Confidence %1–%2: %n image(s), accuracy %3, mean confidence %4",
                                      nullptr, int(bin.count))
                                       .arg(bin.lower, 0, 'f', 3)
                                       .arg(bin.upper, 0, 'f', 3)
                                       .arg(bin.accuracy, 0, 'f', 3)
                                       .arg(bin.confidence, 0, 'f', 3),
                                   this);
                return true;
            }
        }
        QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace lens
