#pragma once

// Shows an image scaled to fit (never up-scaled past 4x), optionally with a rectangle drawn over it in the
// image's own pixel coordinates, and a caption underneath.

#include <QImage>
#include <QRectF>
#include <QWidget>

namespace lens {

class ImageView : public QWidget {
    Q_OBJECT

public:
    explicit ImageView(QWidget* parent = nullptr);

    /// logicalSize: the size the overlay coordinates refer to (the full-size image when `image` is a
    /// downscaled copy); invalid = the image's size.
    void setImage(const QImage& image, QSize logicalSize = {});
    void setOverlay(const QRectF& rect) { m_overlay = rect, update(); }
    /// A layer drawn over the whole image (a class activation map's colours), scaled as the image is, at
    /// opacity 0..1; a null image removes it.
    void setHeat(const QImage& layer, double opacity)
    {
        m_heat = layer, m_heatOpacity = opacity, m_scaledHeat = {}, update();
    }
    const QImage& heat() const { return m_heat; }
    void setCaption(const QString& caption) { m_caption = caption, update(); }
    void setPlaceholder(const QString& text) { m_placeholder = text, update(); }
    /// Pixelated scaling (nearest neighbour) for small tensors, so that pixels stay visible.
    void setPixelated(bool on) { m_pixelated = on; }
    void clear();

    const QImage& image() const { return m_image; }
    const QRectF& overlay() const { return m_overlay; }
    const QString& caption() const { return m_caption; }

    QSize sizeHint() const override { return {240, 240}; }
    QSize minimumSizeHint() const override { return {80, 80}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage m_image;
    QImage m_scaled; // cache for the current widget size
    QImage m_heat;
    QImage m_scaledHeat;
    double m_heatOpacity = 0.5;
    QSize m_logical;
    QRectF m_overlay;
    QString m_caption;
    QString m_placeholder;
    bool m_pixelated = false;
};

} // namespace lens
