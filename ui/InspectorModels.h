#pragma once

// The checkpoint inspector's tables as Qt item models: a weight set's tensors with their statistics
// (rows with NaN or Inf values flagged), and the comparison of two checkpoints (keys only in one, changed
// shapes, the max absolute difference per common tensor). Both sort numerically through SortRole (wrap
// them in a QSortFilterProxyModel with setSortRole(SortRole)).
//
// Threading: GUI thread only; the data comes from the InspectorWorker's results.

#include "inspect/Inspection.h"

#include <QAbstractTableModel>
#include <vector>

namespace lens {

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Shape, DTypeColumn, Elements, Min, Max, Mean, Std, NaNs, Infs, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    /// True for a row whose tensor holds NaN or Inf values.
    static constexpr int FlaggedRole = Qt::UserRole + 2;

    explicit TensorTableModel(QObject* parent = nullptr);

    void setTensors(std::vector<TensorSummary> tensors);
    const std::vector<TensorSummary>& tensors() const { return m_tensors; }
    int flaggedCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<TensorSummary> m_tensors;
};

class ComparisonModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Key, Status, FirstShape, SecondShape, MaxAbsDiff, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    enum class RowStatus { Identical, Different, ShapeChanged, OnlyInFirst, OnlyInSecond };
    struct Row {
        QString key;
        RowStatus status = RowStatus::Identical;
        std::vector<std::int64_t> first;
        std::vector<std::int64_t> second;
        double maxAbsDiff = 0; ///< for common tensors of the same shape
    };

    explicit ComparisonModel(QObject* parent = nullptr);

    void setComparison(const Comparison& comparison);
    const std::vector<Row>& rows() const { return m_rows; }
    static QString statusName(RowStatus status);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<Row> m_rows;
};

/// "[64, 3, 7, 7]"
QString shapeText(const std::vector<std::int64_t>& shape);

} // namespace lens
