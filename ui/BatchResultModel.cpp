#include "BatchResultModel.h"

#include "batch/BatchWriter.h"

#include <QColor>
#include <QFileInfo>
#include <QSaveFile>
#include <algorithm>

namespace lens {

BatchResultModel::BatchResultModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void BatchResultModel::append(const QList<BatchResultRow>& rows)
{
    if (rows.isEmpty())
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + int(rows.size()) - 1);
    m_rows.insert(m_rows.end(), rows.begin(), rows.end());
    endInsertRows();
}

void BatchResultModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int BatchResultModel::errorCount() const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [](const auto& r) { return !r.error.isEmpty(); }));
}

int BatchResultModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BatchResultModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchResultModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const BatchResultRow& row = m_rows[index.row()];
    const bool ok = row.error.isEmpty();
    if (role == ValueRole) {
        switch (index.column()) {
        case Path:
            return row.path;
        case Status:
            return ok ? QStringLiteral("ok") : QStringLiteral("error");
        case Label:
            return row.label;
        case Probability:
            return ok ? QVariant(double(row.probability)) : QVariant();
        case Error:
            return row.error;
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Path:
            return QFileInfo(row.path).fileName();
        case Status:
            return ok ? tr("ok") : tr("error");
        case Label:
            return row.label;
        case Probability:
            return ok ? QStringLiteral("%1 %").arg(row.probability * 100.0, 0, 'f', 1) : QString();
        case Error:
            return row.error;
        }
    }
    if (role == Qt::ToolTipRole)
        return index.column() == Error ? row.error : row.path;
    if (role == Qt::TextAlignmentRole && index.column() == Probability)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && !ok && index.column() == Status)
        return QColor(Qt::red);
    return {};
}

QVariant BatchResultModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Path:
        return tr("File");
    case Status:
        return tr("Status");
    case Label:
        return tr("Top-1 label");
    case Probability:
        return tr("Probability");
    case Error:
        return tr("Error");
    }
    return {};
}

BatchFilterModel::BatchFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(BatchResultModel::ValueRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void BatchFilterModel::setLabelFilter(const QString& text)
{
    m_label = text.trimmed();
    invalidateFilter();
}

void BatchFilterModel::setStatusFilter(StatusFilter filter)
{
    m_status = filter;
    invalidateFilter();
}

bool BatchFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* source = sourceModel();
    const bool ok = source->index(sourceRow, BatchResultModel::Status, sourceParent)
                        .data(BatchResultModel::ValueRole)
                        .toString()
        == QLatin1String("ok");
    if ((m_status == StatusFilter::Ok && !ok) || (m_status == StatusFilter::Errors && ok))
        return false;
    if (m_label.isEmpty())
        return true;
    return source->index(sourceRow, BatchResultModel::Label, sourceParent)
        .data(BatchResultModel::ValueRole)
        .toString()
        .contains(m_label, Qt::CaseInsensitive);
}

QString exportCsv(const QAbstractItemModel& model, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    std::string text = "path,status,label,probability,error\n";
    for (int r = 0; r < model.rowCount(); ++r) {
        for (int c = 0; c < BatchResultModel::ColumnCount; ++c) {
            const QVariant value = model.index(r, c).data(BatchResultModel::ValueRole);
            const QString cell = c == BatchResultModel::Probability && value.isValid()
                ? QString::number(value.toDouble(), 'g', 6)
                : value.toString();
            if (c > 0)
                text += ',';
            text += csvField(cell.toStdString());
        }
        text += '\n';
    }
    file.write(text.data(), qint64(text.size()));
    if (!file.commit())
        return QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

} // namespace lens
