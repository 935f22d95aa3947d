#pragma once

// The evaluation's two pictures as widgets, painted with QPainter from an EvaluationReport (the same shades
// and layout rules as the --plots files: a cell's shade is its share of its row).
// - ConfusionMatrixView: rows are the true classes present, columns the predicted classes; hovering a cell
//   shows its count and the true and predicted names; a click (or Enter on the keyboard's cell, moved with
//   the arrow keys) emits cellActivated.
// - ReliabilityView: accuracy against confidence per calibration bin, the diagonal of perfect calibration,
//   each bin's image count below its bar.
//
// Threading: GUI thread only; the report is shared read-only.

#include <QWidget>
#include <memory>

namespace lens {

struct EvaluationReport;

class ConfusionMatrixView : public QWidget {
    Q_OBJECT

public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);

    void setReport(std::shared_ptr<const EvaluationReport> report);
    int rows() const;
    int columns() const;
    /// The count of a cell (report.confusion[row][column]).
    std::size_t count(int row, int column) const;
    /// The cell's rectangle in widget coordinates; empty when out of range.
    QRect cellRect(int row, int column) const;
    /// The cell under pos: (row, column), or (-1, -1).
    QPoint cellAt(const QPoint& pos) const;
    /// What hovering the cell shows.
    QString cellToolTip(int row, int column) const;
    /// The cell chosen last (click or keyboard), or (-1, -1).
    QPoint currentCell() const { return m_current; }
    void setCurrentCell(int row, int column);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// The user chose a cell: its true class index and predicted class index (model indices).
    void cellActivated(int row, int column, int trueIndex, int predictedIndex);

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    int cellSize() const;
    QRect gridRect() const;
    void activate(int row, int column);

    std::shared_ptr<const EvaluationReport> m_report;
    QPoint m_current {-1, -1};
};

class ReliabilityView : public QWidget {
    Q_OBJECT

public:
    explicit ReliabilityView(QWidget* parent = nullptr);
    void setReport(std::shared_ptr<const EvaluationReport> report);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRectF plotRect() const;
    std::shared_ptr<const EvaluationReport> m_report;
};

} // namespace lens
