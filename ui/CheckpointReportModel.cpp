#include "CheckpointReportModel.h"

#include <QBrush>
#include <QColor>

namespace lens {

void CheckpointReportModel::setReport(CheckpointReport report)
{
    beginResetModel();
    m_report = std::move(report);
    endResetModel();
}

int CheckpointReportModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_report.rows.size());
}

int CheckpointReportModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CheckpointReportModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ReportRow& row = m_report.rows[index.row()];
    if (role == StatusRole)
        return static_cast<int>(row.status);
    if (role == Qt::ForegroundRole && index.column() == Status) {
        switch (row.status) {
        case KeyStatus::Matched:
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        case KeyStatus::Missing:
            return QBrush(QColor(0xc6, 0x28, 0x28));
        case KeyStatus::Unexpected:
            return QBrush(QColor(0xef, 0x6c, 0x00));
        case KeyStatus::ShapeMismatch:
            return QBrush(QColor(0x6a, 0x1b, 0x9a));
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case Key:
        return row.key;
    case Status:
        return keyStatusName(row.status);
    case Shape:
        return row.shape;
    case DType:
        return row.dtype;
    case Note:
        return row.note;
    }
    return {};
}

QVariant CheckpointReportModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Key:
        return tr("Key");
    case Status:
        return tr("Status");
    case Shape:
        return tr("Shape");
    case DType:
        return tr("dtype");
    case Note:
        return tr("Note");
    }
    return {};
}

} // namespace lens
