#pragma once

// The weights catalog as a table: name, architecture, preset, published accuracy, parameters, GFLOPs,
// download size, and whether (and where) the file is in the torch.hub cache.
//
// Threading: GUI thread. refresh() looks the files up again (one stat per entry).

#include "weights/Catalog.h"

#include <QAbstractTableModel>
#include <vector>

namespace lens {

class WeightsCatalogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Arch, Preset, Acc1, Acc5, Params, GFlops, Size, Cached, Path, ColumnCount };
    /// The raw value of a cell (numbers as numbers, Cached as bool): for sorting.
    static constexpr int ValueRole = Qt::UserRole + 1;

    explicit WeightsCatalogModel(std::vector<WeightsInfo> entries, QObject* parent = nullptr);

    /// Re-checks the cache for every entry.
    void refresh();

    const WeightsInfo& entry(int row) const { return m_entries.at(std::size_t(row)); }
    /// The cached file, empty when the entry is not in the cache.
    QString cachedPath(int row) const { return m_cached.at(std::size_t(row)); }
    /// The row of the entry with this catalog name, -1 when none.
    int rowOf(const QString& name) const;
    /// Marks the entry whose cached file is path (the weights the window classifies with); empty = none.
    void setInUse(const QString& path);
    /// The row of the weights in use, -1 when they are not a cached catalog entry.
    int inUseRow() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<WeightsInfo> m_entries;
    std::vector<QString> m_cached;
    QString m_inUse; ///< canonical path of the weights in use
};

} // namespace lens
