#pragma once

// The toolbar's and menus' icons: the desktop theme's when it has them, else icons drawn here with vector
// strokes, so that they stay sharp at any scale (2x, 1.5x) without an SVG plugin or bitmaps to ship.
//
// Threading: GUI thread (QIcon).

#include <QIcon>

namespace lens {

enum class IconKind {
    Open,
    Folder,
    Paste,
    Copy,
    Checkpoint,
    Previous,
    Next,
    LabelFolder,
    Weights,
    ZoomIn,
    ZoomOut
};

/// The theme's icon named as freedesktop.org names it, falling back to the drawn one.
QIcon themedIcon(IconKind kind);

/// The drawn icon alone (the fallback), for tests and the screenshot tool.
QIcon drawnIcon(IconKind kind);

} // namespace lens
