#include "ProbabilityDelegate.h"

#include "PredictionModel.h"

#include <QApplication>
#include <QPainter>
#include <algorithm>

namespace lens {

void ProbabilityDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                const QModelIndex& index) const
{
    const QVariant value = index.data(PredictionModel::ProbabilityRole);
    if (!value.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const double p = std::clamp(value.toDouble(), 0.0, 1.0);
    const QRect track = option.rect.adjusted(4, 5, -4, -5);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(option.palette.color(QPalette::Midlight));
    painter->drawRoundedRect(track, 3, 3);
    QRect bar = track;
    bar.setWidth(std::max(2, int(track.width() * p)));
    painter->setBrush(QColor::fromHsv(int(120 * p) + 90, 170, 200));
    painter->drawRoundedRect(bar, 3, 3);
    painter->setPen(option.palette.color(QPalette::Text));
    painter->drawText(track.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignRight,
                      index.data(Qt::DisplayRole).toString());
    painter->restore();
}

QSize ProbabilityDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    return {std::max(size.width(), 160), std::max(size.height(), 26)};
}

} // namespace lens
