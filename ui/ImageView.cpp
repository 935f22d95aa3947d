#include "ImageView.h"

#include <QPainter>

namespace lens {

ImageView::ImageView(QWidget* parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image, QSize logicalSize)
{
    m_image = image;
    m_scaled = {};
    m_logical = logicalSize.isValid() ? logicalSize : image.size();
    update();
}

void ImageView::clear()
{
    m_image = {};
    m_scaled = {};
    m_overlay = {};
    m_heat = {};
    m_scaledHeat = {};
    m_caption.clear();
    update();
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const int captionHeight = m_caption.isEmpty() ? 0 : fontMetrics().height() + 4;
    const QRect area = rect().adjusted(2, 2, -2, -2 - captionHeight);
    if (m_image.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    QSize target = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
    if (target.width() > m_image.width() * 4)
        target = m_image.size() * 4;
    if (m_scaled.size() != target)
        m_scaled = m_image.scaled(target, Qt::IgnoreAspectRatio,
                                  m_pixelated ? Qt::FastTransformation : Qt::SmoothTransformation);
    // The image and its caption form one block, centred in the widget.
    const int blockHeight = target.height() + captionHeight;
    const QRect placed(
        QPoint(area.x() + (area.width() - target.width()) / 2, 2 + (height() - 4 - blockHeight) / 2), target);
    if (!m_caption.isEmpty()) {
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(0, placed.bottom() + 1, width(), captionHeight), Qt::AlignCenter,
                         fontMetrics().elidedText(m_caption, Qt::ElideRight, width()));
    }
    painter.drawImage(placed.topLeft(), m_scaled);
    if (!m_heat.isNull()) {
        if (m_scaledHeat.size() != target)
            m_scaledHeat = m_heat.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        painter.setOpacity(m_heatOpacity);
        painter.drawImage(placed.topLeft(), m_scaledHeat);
        painter.setOpacity(1.0);
    }
    if (!m_overlay.isEmpty() && m_logical.width() > 0 && m_logical.height() > 0) {
        const double sx = double(placed.width()) / m_logical.width();
        const double sy = double(placed.height()) / m_logical.height();
        const QRectF r(placed.x() + m_overlay.x() * sx, placed.y() + m_overlay.y() * sy,
                       m_overlay.width() * sx, m_overlay.height() * sy);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(QColor(0, 0, 0, 160), 4));
        painter.drawRect(r);
        painter.setPen(QPen(QColor(255, 200, 0), 2, Qt::DashLine));
        painter.drawRect(r);
    }
}

} // namespace lens
