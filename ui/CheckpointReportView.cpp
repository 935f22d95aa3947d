#include "CheckpointReportView.h"

#include "CheckpointReportModel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace lens {

CheckpointReportView::CheckpointReportView(QWidget* parent)
    : QWidget(parent)
{
    m_model = new CheckpointReportModel(this);
    m_byStatus = new QSortFilterProxyModel(this);
    m_byStatus->setSourceModel(m_model);
    m_byStatus->setFilterRole(CheckpointReportModel::StatusRole);
    m_byStatus->setFilterKeyColumn(CheckpointReportModel::Status);
    m_byText = new QSortFilterProxyModel(this);
    m_byText->setSourceModel(m_byStatus);
    m_byText->setFilterKeyColumn(CheckpointReportModel::Key);
    m_byText->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_summary = new QLabel(tr("No checkpoint loaded yet."), this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_details = new QLabel(this);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->hide();

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter keys (e.g. layer4, fc, running_var)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter keys"));
    m_status = new QComboBox(this);
    m_status->setAccessibleName(tr("Filter by status"));
    m_status->addItem(tr("All statuses"), -1);
    for (KeyStatus s :
         {KeyStatus::Matched, KeyStatus::Missing, KeyStatus::Unexpected, KeyStatus::ShapeMismatch})
        m_status->addItem(keyStatusName(s), static_cast<int>(s));

    m_table = new QTableView(this);
    m_table->setModel(m_byText);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setAccessibleName(tr("Checkpoint keys"));
    m_table->setTabKeyNavigation(false);
    // The key takes the room the other columns leave; a key too long for it keeps both ends (the layer
    // and the parameter), with the whole key in its tooltip.
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setWordWrap(false);
    QHeaderView* header = m_table->horizontalHeader();
    header->setMinimumSectionSize(48);
    header->setSectionResizeMode(CheckpointReportModel::Key, QHeaderView::Stretch);
    header->setSectionResizeMode(CheckpointReportModel::Status, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(CheckpointReportModel::Shape, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(CheckpointReportModel::DType, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(CheckpointReportModel::Note, QHeaderView::ResizeToContents);
    header->setStretchLastSection(false);

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_filter, 1);
    filters->addWidget(m_status);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_details);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);

    connect(m_filter, &QLineEdit::textChanged, m_byText, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_status, &QComboBox::currentIndexChanged, this, [this](int index) {
        const int status = m_status->itemData(index).toInt();
        m_byStatus->setFilterRegularExpression(status < 0 ? QString() : QStringLiteral("^%1$").arg(status));
    });
}

void CheckpointReportView::setReport(const CheckpointReport& report)
{
    // A new report starts unfiltered: the filters of the last one could hide every row of this one.
    m_filter->clear();
    m_status->setCurrentIndex(0);
    m_model->setReport(report);
    const QString file = QFileInfo(report.weights).fileName();
    const QString mode = report.mode == LoadMode::Strict ? tr("strict") : tr("partial");
    QString summary = report.loaded
        ? tr("<b>%1</b> loaded as <b>%2</b> (%3)").arg(file.toHtmlEscaped(), report.arch, mode)
        : report.arch.isEmpty()
        ? tr("<b>%1</b> was not loaded").arg(file.toHtmlEscaped())
        : tr("<b>%1</b> was not loaded as <b>%2</b> (%3)").arg(file.toHtmlEscaped(), report.arch, mode);
    if (!report.rows.empty())
        summary += tr("<br>%1 matched · %2 missing · %3 unexpected · %4 shape mismatch")
                       .arg(report.count(KeyStatus::Matched))
                       .arg(report.count(KeyStatus::Missing))
                       .arg(report.count(KeyStatus::Unexpected))
                       .arg(report.count(KeyStatus::ShapeMismatch));
    m_summary->setText(summary);

    QStringList details;
    if (!report.error.isEmpty()) {
        // The loader's message lists every bad key; the table shows those, so keep its first line here.
        QString error = report.error.section(QLatin1Char('\n'), 0, 0).trimmed();
        if (error.startsWith(report.weights + QStringLiteral(": ")))
            error = error.mid(report.weights.size() + 2);
        // A first line that introduces the list ("does not match the model strictly:") says what follows.
        if (error.endsWith(QLatin1Char(':')) && !report.rows.empty())
            error = tr("%1 %2 missing, %3 unexpected, %4 with another shape (listed below).")
                        .arg(error)
                        .arg(report.count(KeyStatus::Missing))
                        .arg(report.count(KeyStatus::Unexpected))
                        .arg(report.count(KeyStatus::ShapeMismatch));
        else if (error.endsWith(QLatin1Char(':')))
            error.chop(1);
        details << tr("Error: %1").arg(error);
    }
    for (const QString& fix : report.fixes)
        details << tr("Fix applied: %1").arg(fix);
    for (const QString& warning : report.warnings)
        details << tr("Warning: %1").arg(warning);
    m_details->setText(details.join(QLatin1Char('\n')));
    m_details->setToolTip(report.error);
    m_details->setVisible(!details.isEmpty());
}

QString CheckpointReportView::detailsText() const
{
    return m_details->text();
}

QString CheckpointReportView::summaryText() const
{
    return m_summary->text();
}

int CheckpointReportView::idealWidth() const
{
    const QFontMetrics metrics = m_table->fontMetrics();
    int key = m_table->horizontalHeader()->sectionSizeHint(CheckpointReportModel::Key);
    for (int row = 0; row < m_byText->rowCount(); ++row)
        key = std::max(
            key,
            metrics.horizontalAdvance(m_byText->index(row, CheckpointReportModel::Key).data().toString()));
    // The cell's padding on both sides, as the other columns' contents sizes include it.
    int columns = key + 2 * metrics.averageCharWidth();
    for (int c = CheckpointReportModel::Key + 1; c < CheckpointReportModel::ColumnCount; ++c)
        columns += m_table->horizontalHeader()->sectionSize(c);
    const QMargins margins = layout()->contentsMargins();
    return columns + 2 * m_table->frameWidth() + m_table->verticalScrollBar()->sizeHint().width()
        + margins.left() + margins.right();
}

} // namespace lens
