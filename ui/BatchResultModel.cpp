#include "BatchResultModel.h"

#include "batch/BatchWriter.h"

#include <QColor>
#include <QFile>
#include <QFileInfo>
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
            return errorWithoutPath(row);
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

QString errorWithoutPath(const BatchResultRow& row)
{
    for (const QString& prefix :
         {row.path + QStringLiteral(": "), QFileInfo(row.path).fileName() + QStringLiteral(": ")})
        if (row.error.startsWith(prefix))
            return row.error.mid(prefix.size());
    return row.error;
}

QString exportRows(const BatchFilterModel& view, const QString& path, const RunInfo& run)
{
    const auto* source = qobject_cast<const BatchResultModel*>(view.sourceModel());
    if (!source)
        return QObject::tr("Nothing to export.");
    if (QFileInfo::exists(path) && !QFile::remove(path))
        return QObject::tr("Cannot replace %1.").arg(path);
    PriorRows prior;
    auto writer = BatchWriter::open(path.toStdString(), run, false, prior);
    if (!writer)
        return QString::fromStdString(writer.message());
    for (int r = 0; r < view.rowCount(); ++r) {
        const int row = view.mapToSource(view.index(r, 0)).row();
        const BatchResultRow& item = source->rows().at(std::size_t(row));
        const std::string file = item.path.toStdString();
        const auto written = item.error.isEmpty() ? writer->writeResult(file, item.top)
                                                  : writer->writeError(file, item.error.toStdString());
        if (!written)
            return QString::fromStdString(written.message());
    }
    if (auto synced = writer->sync(); !synced)
        return QString::fromStdString(synced.message());
    return {};
}

} // namespace lens
