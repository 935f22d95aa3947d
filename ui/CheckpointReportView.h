#pragma once

// The checkpoint report: summary counts, the error in words, the fixes applied, and a filterable,
// sortable table of every key.

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace lens {

class CheckpointReportModel;
struct CheckpointReport;

class CheckpointReportView : public QWidget {
    Q_OBJECT

public:
    explicit CheckpointReportView(QWidget* parent = nullptr);

    void setReport(const CheckpointReport& report);

    CheckpointReportModel* model() const { return m_model; }
    /// The rows as filtered and sorted for display.
    QSortFilterProxyModel* filtered() const { return m_byText; }
    QLineEdit* filterEdit() const { return m_filter; }
    QTableView* table() const { return m_table; }
    /// The error, fixes and warnings under the summary, as shown.
    QString detailsText() const;
    QComboBox* statusFilter() const { return m_status; }
    QString summaryText() const;
    /// The width that shows every column of the report unelided, its longest key included.
    int idealWidth() const;

private:
    CheckpointReportModel* m_model = nullptr;
    QSortFilterProxyModel* m_byStatus = nullptr;
    QSortFilterProxyModel* m_byText = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_details = nullptr;
    QLineEdit* m_filter = nullptr;
    QComboBox* m_status = nullptr;
    QTableView* m_table = nullptr;
};

} // namespace lens
