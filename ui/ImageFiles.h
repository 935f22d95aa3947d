#pragma once

// Which files are images, and finding them in folders. Thread-safe (plain functions).

#include <QString>
#include <QStringList>

namespace lens {

/// True for the extensions the decoder reads (jpg, jpeg, png, bmp, tif, tiff, webp), any case.
bool isImageFile(const QString& path);

/// Image files in folder (and its subfolders when recursive), sorted by path, naturally.
QStringList listImages(const QString& folder, bool recursive);

/// Name filters for file dialogs.
QString imageFileFilter();

/// Opens the folder holding path in the desktop's file manager.
void openContainingFolder(const QString& path);

} // namespace lens
