#include "ImageView.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace lens {

namespace {

constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 32;

} // namespace

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
    m_centre = QPointF(m_logical.width() / 2.0, m_logical.height() / 2.0);
    if (m_zoom != 0) {
        m_zoom = 0;
        Q_EMIT zoomChanged(0);
    }
    update();
}

void ImageView::setCaption(const QString& caption)
{
    m_caption = caption;
    update();
}

void ImageView::clear()
{
    m_image = {};
    m_scaled = {};
    m_overlay = {};
    m_heat = {};
    m_caption.clear();
    update();
}

bool ImageView::captionElided() const
{
    return !m_caption.isEmpty() && fontMetrics().horizontalAdvance(m_caption) > width() - 4;
}

QRect ImageView::imageArea() const
{
    const int captionHeight = m_caption.isEmpty() ? 0 : fontMetrics().height() + 4;
    return rect().adjusted(2, 2, -2, -2 - captionHeight);
}

double ImageView::fitScale() const
{
    if (m_logical.isEmpty())
        return 1;
    const QRect area = imageArea();
    const double fit
        = std::min(double(area.width()) / m_logical.width(), double(area.height()) / m_logical.height());
    // Never blown up past 4x the pixels there are.
    const double most = 4.0 * m_image.width() / m_logical.width();
    return std::max(1e-6, std::min(fit, most));
}

double ImageView::scale() const
{
    return m_zoom > 0 ? m_zoom : fitScale();
}

void ImageView::setZoom(double zoom)
{
    zoomAround(zoom, QPointF(imageArea().center()));
}

void ImageView::zoomBy(double factor)
{
    zoomAround(scale() * factor, QPointF(imageArea().center()));
}

void ImageView::zoomAround(double zoom, QPointF anchor)
{
    if (!m_zoomable || m_image.isNull())
        return;
    if (zoom > 0) {
        zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
        // Keep the logical point under the anchor where it is.
        const QRectF placed = placedRect();
        const double old = scale();
        const QPointF under((anchor.x() - placed.x()) / old, (anchor.y() - placed.y()) / old);
        const QPointF centre = QPointF(imageArea().center());
        m_centre = under + (centre - anchor) / zoom;
    } else {
        m_centre = QPointF(m_logical.width() / 2.0, m_logical.height() / 2.0);
    }
    m_zoom = zoom > 0 ? zoom : 0;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

QRectF ImageView::placedRect() const
{
    const QRect area = imageArea();
    const double s = scale();
    const QSizeF size(m_logical.width() * s, m_logical.height() * s);
    if (m_zoom <= 0) {
        // Fitted: the image and its caption form one block, centred in the widget.
        const int captionHeight = m_caption.isEmpty() ? 0 : fontMetrics().height() + 4;
        const double blockHeight = std::round(size.height()) + captionHeight;
        return QRectF(std::round(area.x() + (area.width() - size.width()) / 2),
                      std::round(2 + (height() - 4 - blockHeight) / 2), std::round(size.width()),
                      std::round(size.height()));
    }
    QPointF topLeft = QPointF(area.center()) - m_centre * s;
    // An image smaller than the view stays centred on that axis.
    if (size.width() <= area.width())
        topLeft.setX(area.x() + (area.width() - size.width()) / 2);
    if (size.height() <= area.height())
        topLeft.setY(area.y() + (area.height() - size.height()) / 2);
    return QRectF(topLeft, size);
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const int captionHeight = m_caption.isEmpty() ? 0 : fontMetrics().height() + 4;
    const QRect area = imageArea();
    if (m_image.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    const QRectF placed = placedRect();
    if (m_zoom <= 0) {
        const QSize target = placed.size().toSize();
        if (m_scaled.size() != target)
            m_scaled = m_image.scaled(target, Qt::IgnoreAspectRatio,
                                      m_pixelated ? Qt::FastTransformation : Qt::SmoothTransformation);
        painter.drawImage(placed.topLeft(), m_scaled);
    } else {
        painter.save();
        painter.setClipRect(area);
        painter.setRenderHint(QPainter::SmoothPixmapTransform, !m_pixelated && scale() < 2);
        painter.drawImage(placed, m_image);
        painter.restore();
    }
    if (!m_caption.isEmpty()) {
        painter.setPen(palette().color(QPalette::WindowText));
        const int top = m_zoom <= 0 ? int(placed.bottom()) + 1 : area.bottom() + 1;
        painter.drawText(QRect(2, top, width() - 4, captionHeight), Qt::AlignCenter,
                         fontMetrics().elidedText(m_caption, Qt::ElideRight, width() - 4));
    }
    if (!m_heat.isNull()) {
        painter.save();
        painter.setClipRect(area);
        painter.setOpacity(m_heatOpacity);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        painter.drawImage(placed, m_heat);
        painter.restore();
    }
    if (!m_overlay.isEmpty() && m_logical.width() > 0 && m_logical.height() > 0) {
        const double sx = placed.width() / m_logical.width();
        const double sy = placed.height() / m_logical.height();
        const QRectF r(placed.x() + m_overlay.x() * sx, placed.y() + m_overlay.y() * sy,
                       m_overlay.width() * sx, m_overlay.height() * sy);
        // A crop larger than the image (torchvision pads it) is drawn where it lies on the image.
        painter.setClipRect(placed.intersected(QRectF(area)));
        const QRectF shown = r.intersected(placed).adjusted(1, 1, -1, -1);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(QColor(0, 0, 0, 160), 4));
        painter.drawRect(shown);
        painter.setPen(QPen(QColor(255, 200, 0), 2, Qt::DashLine));
        painter.drawRect(shown);
    }
}

void ImageView::wheelEvent(QWheelEvent* event)
{
    if (!m_zoomable || m_image.isNull()) {
        QWidget::wheelEvent(event);
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomAround(scale() * std::pow(1.25, steps), event->position());
    event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event)
{
    m_dragFrom = event->position().toPoint();
    QWidget::mousePressEvent(event);
}

void ImageView::mouseMoveEvent(QMouseEvent* event)
{
    if (m_zoomable && m_zoom > 0 && (event->buttons() & Qt::LeftButton)) {
        const QPoint now = event->position().toPoint();
        m_centre -= QPointF(now - m_dragFrom) / m_zoom;
        m_dragFrom = now;
        update();
    }
    QWidget::mouseMoveEvent(event);
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && !m_image.isNull())
        Q_EMIT activated();
    QWidget::mouseDoubleClickEvent(event);
}

QString ImageView::shownToolTip() const
{
    if (!captionElided())
        return toolTip();
    return toolTip().isEmpty() ? m_caption : m_caption + QLatin1Char('\n') + toolTip();
}

bool ImageView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        const QString tip = shownToolTip();
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(static_cast<QHelpEvent*>(event)->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace lens
