#pragma once

// Paints a probability (PredictionModel::ProbabilityRole, 0..1) as a horizontal bar with its percentage.

#include <QStyledItemDelegate>

namespace lens {

class ProbabilityDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace lens
