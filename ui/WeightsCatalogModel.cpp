#include "WeightsCatalogModel.h"

#include "weights/HubCache.h"

#include <QFileInfo>
#include <QFont>

namespace lens {

WeightsCatalogModel::WeightsCatalogModel(std::vector<WeightsInfo> entries, QObject* parent)
    : QAbstractTableModel(parent)
    , m_entries(std::move(entries))
    , m_cached(m_entries.size())
{
    refresh();
}

void WeightsCatalogModel::refresh()
{
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        const auto found = findCached(m_entries[i]);
        m_cached[i] = found ? QString::fromStdString(*found) : QString();
    }
    if (!m_entries.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int WeightsCatalogModel::rowOf(const QString& name) const
{
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        if (QString::fromStdString(m_entries[i].name) == name)
            return int(i);
    }
    return -1;
}

void WeightsCatalogModel::setInUse(const QString& path)
{
    const QString canonical = path.isEmpty() ? QString() : QFileInfo(path).canonicalFilePath();
    if (canonical == m_inUse)
        return;
    m_inUse = canonical;
    if (!m_entries.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int WeightsCatalogModel::inUseRow() const
{
    if (m_inUse.isEmpty())
        return -1;
    for (std::size_t i = 0; i < m_cached.size(); ++i)
        if (!m_cached[i].isEmpty() && QFileInfo(m_cached[i]).canonicalFilePath() == m_inUse)
            return int(i);
    return -1;
}

int WeightsCatalogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int WeightsCatalogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WeightsCatalogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const WeightsInfo& w = m_entries[std::size_t(index.row())];
    const QString& cached = m_cached[std::size_t(index.row())];
    const bool inUse
        = !cached.isEmpty() && !m_inUse.isEmpty() && QFileInfo(cached).canonicalFilePath() == m_inUse;
    if (role == ValueRole) {
        switch (index.column()) {
        case Name:
            return QString::fromStdString(w.name);
        case Arch:
            return QString::fromStdString(w.arch);
        case Preset:
            return QString::fromStdString(w.preset);
        case Acc1:
            return w.acc1;
        case Acc5:
            return w.acc5;
        case Params:
            return qlonglong(w.params);
        case GFlops:
            return w.gflops;
        case Size:
            return qlonglong(w.sizeBytes);
        case Cached:
            return !cached.isEmpty();
        case Path:
            return cached;
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name:
            return QString::fromStdString(w.name);
        case Arch:
            return QString::fromStdString(w.arch);
        case Preset:
            return QString::fromStdString(w.preset);
        case Acc1:
            return QString::number(w.acc1, 'f', 3);
        case Acc5:
            return QString::number(w.acc5, 'f', 3);
        case Params:
            return tr("%1 M").arg(w.params / 1e6, 0, 'f', 1);
        case GFlops:
            return QString::number(w.gflops, 'f', 2);
        case Size:
            return w.sizeBytes > 0 ? tr("%1 MB").arg(w.sizeBytes / 1e6, 0, 'f', 1) : QString();
        case Cached:
            return inUse ? tr("in use") : cached.isEmpty() ? tr("not cached") : tr("cached");
        case Path:
            return cached;
        }
    }
    if (role == Qt::ToolTipRole) {
        if (inUse && index.column() == Cached)
            return tr("The window classifies with these weights: %1").arg(cached);
        if (index.column() == Path || index.column() == Cached)
            return cached.isEmpty() ? tr("Not in the cache; it would be downloaded from %1")
                                          .arg(QString::fromStdString(weightsUrl(w)))
                                    : cached;
        return QString::fromStdString(w.torchvisionName);
    }
    if (role == Qt::FontRole && (inUse || (index.column() == Cached && !cached.isEmpty()))) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Acc1 && index.column() <= Size)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant WeightsCatalogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Arch:
        return tr("Architecture");
    case Preset:
        return tr("Preset");
    case Acc1:
        return tr("Acc@1");
    case Acc5:
        return tr("Acc@5");
    case Params:
        return tr("Params");
    case GFlops:
        return tr("GFLOPs");
    case Size:
        return tr("Size");
    case Cached:
        return tr("Cache");
    case Path:
        return tr("Path");
    }
    return {};
}

} // namespace lens
