#pragma once

// Shows an image scaled to fit (never up-scaled past 4x), optionally with a rectangle drawn over it in the
// image's own pixel coordinates, and a caption underneath, elided to the width with the whole caption as
// the tooltip. A zoomable view also zooms as photo viewers do: fit, 100% (of the logical size), the mouse
// wheel around the pointer, and dragging to pan. A double-click emits activated() (e.g. to open the image at
// full size).
//
// Threading: GUI thread.

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QWidget>

namespace lens {

class ImageView : public QWidget {
    Q_OBJECT

public:
    explicit ImageView(QWidget* parent = nullptr);

    /// logicalSize: the size the overlay coordinates (and 100% zoom) refer to (the full-size image when
    /// `image` is a downscaled copy); invalid = the image's size. Resets the zoom to fit.
    void setImage(const QImage& image, QSize logicalSize = {});
    void setOverlay(const QRectF& rect) { m_overlay = rect, update(); }
    /// A layer drawn over the whole image (a class activation map's colours), scaled as the image is, at
    /// opacity 0..1; a null image removes it.
    void setHeat(const QImage& layer, double opacity) { m_heat = layer, m_heatOpacity = opacity, update(); }
    const QImage& heat() const { return m_heat; }
    void setCaption(const QString& caption);
    void setPlaceholder(const QString& text) { m_placeholder = text, update(); }
    /// Pixelated scaling (nearest neighbour) for small tensors, so that pixels stay visible.
    void setPixelated(bool on) { m_pixelated = on; }
    void clear();

    /// Lets the wheel, dragging and setZoom() change the scale.
    void setZoomable(bool on) { m_zoomable = on; }
    /// Screen pixels per logical pixel; 0 = fit the widget.
    void setZoom(double zoom);
    /// Multiplies the current scale (from fit when fitted).
    void zoomBy(double factor);
    double zoom() const { return m_zoom; }
    /// The scale in use now (the fitted one when zoom() is 0).
    double scale() const;

    const QImage& image() const { return m_image; }
    const QSize& logicalSize() const { return m_logical; }
    const QRectF& overlay() const { return m_overlay; }
    const QString& caption() const { return m_caption; }
    /// True when the caption does not fit the width and is shown elided.
    bool captionElided() const;
    /// What the view's tooltip shows: the whole caption when it is elided, then the tooltip set.
    QString shownToolTip() const;

    QSize sizeHint() const override { return {240, 240}; }
    /// Narrow enough that the seven preprocessing stages leave room for a docked checkpoint report (the
    /// caption elides, its tooltip and a double-click show the rest).
    QSize minimumSizeHint() const override { return {40, 80}; }

Q_SIGNALS:
    void activated();
    void zoomChanged(double zoom);

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRect imageArea() const;
    double fitScale() const;
    /// Where the image is drawn at the current zoom and pan, in widget coordinates.
    QRectF placedRect() const;
    void zoomAround(double zoom, QPointF anchor);

    QImage m_image;
    QImage m_scaled; // cache for the current widget size, when fitted
    QImage m_heat;
    double m_heatOpacity = 0.5;
    QSize m_logical;
    QRectF m_overlay;
    QString m_caption;
    QString m_placeholder;
    bool m_pixelated = false;
    bool m_zoomable = false;
    double m_zoom = 0;
    QPointF m_centre; ///< the logical point at the centre of the view when zoomed
    QPoint m_dragFrom;
};

} // namespace lens
