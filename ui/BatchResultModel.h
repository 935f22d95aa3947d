#pragma once

// The batch panel's results: one row per labelled file (path, status, top-1 label and probability, error),
// appended while a run goes on; and the proxy that sorts them and filters by label text and by status.

#include "BatchWorker.h"
#include "batch/BatchWriter.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <vector>

namespace lens {

class BatchResultModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Path, Status, Label, Probability, Error, ColumnCount };
    /// The raw value of a cell (probability as a number, status "ok" / "error"): for sorting and export.
    static constexpr int ValueRole = Qt::UserRole + 1;

    explicit BatchResultModel(QObject* parent = nullptr);

    void append(const QList<BatchResultRow>& rows);
    void clear();
    const std::vector<BatchResultRow>& rows() const { return m_rows; }
    int errorCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<BatchResultRow> m_rows;
};

class BatchFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

public:
    enum class StatusFilter { All, Ok, Errors };

    explicit BatchFilterModel(QObject* parent = nullptr);

    /// Rows whose top-1 label contains text (case-insensitive); empty = all.
    void setLabelFilter(const QString& text);
    void setStatusFilter(StatusFilter filter);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_label;
    StatusFilter m_status = StatusFilter::All;
};

/// Writes the rows of view (a BatchFilterModel over a BatchResultModel) to path, in the order shown, exactly
/// as `resnet-lens-cli batch` writes them for that run (its header, every top-k column), as CSV or JSON
/// Lines by the file's extension. Replaces an existing file. Returns an error message, empty on success.
QString exportRows(const BatchFilterModel& view, const QString& path, const RunInfo& run);

/// The error of a row without the file's path in front (the File column shows it).
QString errorWithoutPath(const BatchResultRow& row);

} // namespace lens
