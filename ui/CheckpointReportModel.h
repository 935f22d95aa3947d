#pragma once

// The keys of a checkpoint report as a table: key, status, shape, dtype, note. Sort and filter it with a
// QSortFilterProxyModel (StatusRole holds the KeyStatus as an int).

#include "CheckpointReport.h"

#include <QAbstractTableModel>

namespace lens {

class CheckpointReportModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Key, Status, Shape, DType, Note, ColumnCount };
    static constexpr int StatusRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    void setReport(CheckpointReport report);
    const CheckpointReport& report() const { return m_report; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    CheckpointReport m_report;
};

} // namespace lens
