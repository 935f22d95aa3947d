#include "Icons.h"

#include <QApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

namespace lens {

namespace {

const char* themeName(IconKind kind)
{
    switch (kind) {
    case IconKind::Open:
        return "document-open";
    case IconKind::Folder:
        return "folder-open";
    case IconKind::Paste:
        return "edit-paste";
    case IconKind::Copy:
        return "edit-copy";
    case IconKind::Checkpoint:
        return "document-import";
    case IconKind::Previous:
        return "go-previous";
    case IconKind::Next:
        return "go-next";
    case IconKind::LabelFolder:
        return "view-list-details";
    case IconKind::Weights:
        return "download";
    case IconKind::ZoomIn:
        return "zoom-in";
    case IconKind::ZoomOut:
        return "zoom-out";
    }
    return "";
}

/// Draws on a 24 x 24 canvas, scaled to whatever size is asked for.
class DrawnIconEngine : public QIconEngine {
public:
    explicit DrawnIconEngine(IconKind kind)
        : m_kind(kind)
    { }

    QIconEngine* clone() const override { return new DrawnIconEngine(m_kind); }

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override
    {
        const QPalette palette = QApplication::palette();
        QColor ink = mode == QIcon::Disabled ? palette.color(QPalette::Disabled, QPalette::WindowText)
                                             : palette.color(QPalette::Active, QPalette::WindowText);
        QColor accent = mode == QIcon::Disabled ? ink : QColor(0x2a, 0x7a, 0xd8);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->translate(rect.topLeft());
        painter->scale(rect.width() / 24.0, rect.height() / 24.0);
        QPen pen(ink, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        const auto arrow = [&](bool left) {
            QPainterPath path;
            const double dir = left ? -1 : 1;
            const double tip = 12 + 7 * dir;
            path.moveTo(12 - 7 * dir, 12);
            path.lineTo(tip, 12);
            path.moveTo(tip - 6 * dir, 5);
            path.lineTo(tip, 12);
            path.lineTo(tip - 6 * dir, 19);
            painter->setPen(QPen(accent, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            painter->drawPath(path);
        };
        const auto page = [&](QRectF r) {
            QPainterPath path;
            path.moveTo(r.left(), r.top());
            path.lineTo(r.right() - 4, r.top());
            path.lineTo(r.right(), r.top() + 4);
            path.lineTo(r.right(), r.bottom());
            path.lineTo(r.left(), r.bottom());
            path.closeSubpath();
            painter->setBrush(palette.color(QPalette::Base));
            painter->drawPath(path);
            painter->setBrush(Qt::NoBrush);
        };
        const auto folder = [&] {
            QPainterPath path;
            path.moveTo(3, 6);
            path.lineTo(9, 6);
            path.lineTo(11, 8);
            path.lineTo(21, 8);
            path.lineTo(21, 19);
            path.lineTo(3, 19);
            path.closeSubpath();
            painter->setBrush(QColor(0xf0, 0xc0, 0x50));
            painter->drawPath(path);
            painter->setBrush(Qt::NoBrush);
        };
        const auto lens = [&](bool plus) {
            painter->drawEllipse(QPointF(10, 10), 6, 6);
            painter->setPen(QPen(ink, 2.6, Qt::SolidLine, Qt::RoundCap));
            painter->drawLine(QPointF(14.5, 14.5), QPointF(20, 20));
            painter->setPen(QPen(accent, 1.8, Qt::SolidLine, Qt::RoundCap));
            painter->drawLine(QPointF(7, 10), QPointF(13, 10));
            if (plus)
                painter->drawLine(QPointF(10, 7), QPointF(10, 13));
        };
        switch (m_kind) {
        case IconKind::Open:
            page(QRectF(5, 3, 14, 18));
            painter->setPen(QPen(accent, 1.6, Qt::SolidLine, Qt::RoundCap));
            painter->drawLine(QPointF(8, 10), QPointF(16, 10));
            painter->drawLine(QPointF(8, 13.5), QPointF(16, 13.5));
            painter->drawLine(QPointF(8, 17), QPointF(13, 17));
            break;
        case IconKind::Folder:
            folder();
            break;
        case IconKind::Paste:
            painter->setBrush(QColor(0xc8, 0x9a, 0x60));
            painter->drawRoundedRect(QRectF(4, 4, 16, 18), 2, 2);
            painter->setBrush(palette.color(QPalette::Base));
            painter->drawRoundedRect(QRectF(8, 2.5, 8, 4), 1.5, 1.5);
            painter->drawRect(QRectF(7, 9, 10, 10));
            break;
        case IconKind::Copy:
            page(QRectF(4, 3, 11, 14));
            page(QRectF(9, 7, 11, 14));
            break;
        case IconKind::Checkpoint: {
            painter->setBrush(palette.color(QPalette::Base));
            painter->drawRoundedRect(QRectF(6, 6, 12, 12), 1.5, 1.5);
            for (double t : {9.0, 12.0, 15.0}) {
                painter->drawLine(QPointF(t, 3), QPointF(t, 6));
                painter->drawLine(QPointF(t, 18), QPointF(t, 21));
                painter->drawLine(QPointF(3, t), QPointF(6, t));
                painter->drawLine(QPointF(18, t), QPointF(21, t));
            }
            painter->setBrush(accent);
            painter->setPen(Qt::NoPen);
            painter->drawRoundedRect(QRectF(9, 9, 6, 6), 1, 1);
            break;
        }
        case IconKind::Previous:
            arrow(true);
            break;
        case IconKind::Next:
            arrow(false);
            break;
        case IconKind::LabelFolder:
            for (int row = 0; row < 3; ++row) {
                const double y = 6 + row * 6;
                painter->setPen(QPen(accent, 2.4, Qt::SolidLine, Qt::RoundCap));
                painter->drawPoint(QPointF(4.5, y));
                painter->setPen(QPen(ink, 1.8, Qt::SolidLine, Qt::RoundCap));
                painter->drawLine(QPointF(8, y), QPointF(20, y));
            }
            break;
        case IconKind::Weights: {
            painter->setPen(QPen(ink, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            QPainterPath tray;
            tray.moveTo(4, 15);
            tray.lineTo(4, 20);
            tray.lineTo(20, 20);
            tray.lineTo(20, 15);
            painter->drawPath(tray);
            painter->setPen(QPen(accent, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            QPainterPath down;
            down.moveTo(12, 3);
            down.lineTo(12, 15);
            down.moveTo(7, 10);
            down.lineTo(12, 15);
            down.lineTo(17, 10);
            painter->drawPath(down);
            break;
        }
        case IconKind::ZoomIn:
            lens(true);
            break;
        case IconKind::ZoomOut:
            lens(false);
            break;
        }
        painter->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override
    {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override
    {
        QPixmap out(size * scale);
        out.fill(Qt::transparent);
        {
            QPainter painter(&out);
            paint(&painter, QRect(QPoint(0, 0), out.size()), mode, state);
        }
        out.setDevicePixelRatio(scale);
        return out;
    }

private:
    IconKind m_kind;
};

} // namespace

QIcon drawnIcon(IconKind kind)
{
    return QIcon(new DrawnIconEngine(kind));
}

QIcon themedIcon(IconKind kind)
{
    return QIcon::fromTheme(QLatin1String(themeName(kind)), drawnIcon(kind));
}

} // namespace lens
