#include "InspectorModels.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <cmath>
#include <limits>

namespace lens {

namespace {

QString number(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    return QString::number(value, 'g', 6);
}

} // namespace

QString shapeText(const std::vector<std::int64_t>& shape)
{
    QStringList parts;
    for (const std::int64_t size : shape)
        parts << QString::number(size);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

TensorTableModel::TensorTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void TensorTableModel::setTensors(std::vector<TensorSummary> tensors)
{
    beginResetModel();
    m_tensors = std::move(tensors);
    endResetModel();
}

int TensorTableModel::flaggedCount() const
{
    int count = 0;
    for (const auto& tensor : m_tensors)
        count += tensor.nanCount > 0 || tensor.infCount > 0;
    return count;
}

int TensorTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_tensors.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const TensorSummary& t = m_tensors[static_cast<std::size_t>(index.row())];
    const bool flagged = t.nanCount > 0 || t.infCount > 0;
    if (role == FlaggedRole)
        return flagged;
    if (role == Qt::BackgroundRole)
        return flagged ? QVariant(QBrush(QColor(255, 205, 205))) : QVariant();
    if (role == Qt::ForegroundRole)
        return flagged ? QVariant(QBrush(Qt::black)) : QVariant();
    if (role == Qt::ToolTipRole && flagged)
        return tr("%1 holds %n NaN value(s) and %2 infinite value(s)", nullptr, static_cast<int>(t.nanCount))
            .arg(QString::fromStdString(t.name))
            .arg(t.infCount);
    if (role == Qt::TextAlignmentRole && index.column() >= Elements)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    const bool sorting = role == SortRole;
    if (role != Qt::DisplayRole && !sorting)
        return {};
    const auto stat = [&](double value) -> QVariant {
        if (!t.hasStats)
            return sorting ? QVariant(-std::numeric_limits<double>::infinity())
                           : QVariant(QStringLiteral("–"));
        return sorting ? QVariant(value) : QVariant(number(value));
    };
    switch (index.column()) {
    case Name:
        return QString::fromStdString(t.name);
    case Shape:
        return sorting ? QVariant(static_cast<qlonglong>(t.numel)) : QVariant(shapeText(t.shape));
    case DTypeColumn:
        return QString::fromStdString(t.dtype);
    case Elements:
        return sorting ? QVariant(static_cast<qlonglong>(t.numel)) : QVariant(QLocale().toString(t.numel));
    case Min:
        return stat(t.min);
    case Max:
        return stat(t.max);
    case Mean:
        return stat(t.mean);
    case Std:
        return stat(t.std);
    case NaNs:
        return static_cast<qlonglong>(t.nanCount);
    case Infs:
        return static_cast<qlonglong>(t.infCount);
    default:
        return {};
    }
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Tensor");
    case Shape:
        return tr("Shape");
    case DTypeColumn:
        return tr("Dtype");
    case Elements:
        return tr("Elements");
    case Min:
        return tr("Min");
    case Max:
        return tr("Max");
    case Mean:
        return tr("Mean");
    case Std:
        return tr("Std");
    case NaNs:
        return tr("NaN");
    case Infs:
        return tr("Inf");
    default:
        return {};
    }
}

ComparisonModel::ComparisonModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void ComparisonModel::setComparison(const Comparison& comparison)
{
    beginResetModel();
    m_rows.clear();
    for (const auto& difference : comparison.differences) {
        Row row;
        row.key = QString::fromStdString(difference.key);
        row.status = difference.identical ? RowStatus::Identical : RowStatus::Different;
        row.maxAbsDiff = difference.maxAbsDiff;
        m_rows.push_back(std::move(row));
    }
    for (const auto& change : comparison.shapeChanges) {
        Row row;
        row.key = QString::fromStdString(change.key);
        row.status = RowStatus::ShapeChanged;
        row.first = change.first;
        row.second = change.second;
        m_rows.push_back(std::move(row));
    }
    for (const auto& key : comparison.onlyInFirst) {
        Row row;
        row.key = QString::fromStdString(key);
        row.status = RowStatus::OnlyInFirst;
        m_rows.push_back(std::move(row));
    }
    for (const auto& key : comparison.onlyInSecond) {
        Row row;
        row.key = QString::fromStdString(key);
        row.status = RowStatus::OnlyInSecond;
        m_rows.push_back(std::move(row));
    }
    endResetModel();
}

QString ComparisonModel::statusName(RowStatus status)
{
    switch (status) {
    case RowStatus::Identical:
        return tr("identical");
    case RowStatus::Different:
        return tr("different");
    case RowStatus::ShapeChanged:
        return tr("shape changed");
    case RowStatus::OnlyInFirst:
        return tr("only in this file");
    case RowStatus::OnlyInSecond:
        return tr("only in the other file");
    }
    return {};
}

int ComparisonModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ComparisonModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const bool common = row.status == RowStatus::Identical || row.status == RowStatus::Different;
    if (role == Qt::BackgroundRole && row.status != RowStatus::Identical
        && row.status != RowStatus::Different)
        return QBrush(QColor(255, 235, 190));
    if (role == Qt::ForegroundRole && !common)
        return QBrush(Qt::black);
    if (role == Qt::TextAlignmentRole && index.column() == MaxAbsDiff)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    const bool sorting = role == SortRole;
    if (role != Qt::DisplayRole && !sorting)
        return {};
    switch (index.column()) {
    case Key:
        return row.key;
    case Status:
        return sorting ? QVariant(static_cast<int>(row.status)) : QVariant(statusName(row.status));
    case FirstShape:
        return row.status == RowStatus::ShapeChanged ? shapeText(row.first) : QString();
    case SecondShape:
        return row.status == RowStatus::ShapeChanged ? shapeText(row.second) : QString();
    case MaxAbsDiff:
        if (!common)
            return sorting ? QVariant(-1.0) : QVariant(QString());
        if (sorting)
            return std::isnan(row.maxAbsDiff) ? std::numeric_limits<double>::infinity() : row.maxAbsDiff;
        return number(row.maxAbsDiff);
    default:
        return {};
    }
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Key:
        return tr("Tensor");
    case Status:
        return tr("Status");
    case FirstShape:
        return tr("Shape here");
    case SecondShape:
        return tr("Shape there");
    case MaxAbsDiff:
        return tr("Max |difference|");
    default:
        return {};
    }
}

} // namespace lens
