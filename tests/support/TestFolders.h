#pragma once

// Folders of test images for the batch suites (the CLI's batch command and the desktop batch panel): copies
// of the committed photos, and the unreadable images the reference fixture generates.

#include <QString>
#include <QStringList>

namespace lens::test {

/// The photos makeFolder() copies unless told otherwise.
QStringList folderPhotos();

/// Creates `dir` and copies each of `photos` (files in tests/data) into it `copies` times, as
/// NNN_<photo>; with `withBad` also the reference's bad/text.jpg and bad/truncated.jpg into dir/sub.
/// Returns every file it wrote, in that order. A copy that fails ends the test run (qFatal).
QStringList makeFolder(const QString& dir, int copies, bool withBad,
                       const QStringList& photos = folderPhotos());

} // namespace lens::test
