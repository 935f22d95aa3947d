#pragma once

// What the checkpoint report view shows: every key with its status, shape and dtype, the fixes applied and
// the errors, as plain data built on the worker thread from core's matching (matchStateDict).

#include "model/Architecture.h"
#include "model/LoadReport.h"

#include <QString>
#include <QStringList>
#include <vector>

namespace lens {

enum class KeyStatus { Matched, Missing, Unexpected, ShapeMismatch };

QString keyStatusName(KeyStatus status);

struct ReportRow {
    QString key;
    KeyStatus status = KeyStatus::Matched;
    QString shape; ///< the checkpoint's shape where it has the key, else the model's
    QString dtype; ///< the checkpoint's dtype where known
    QString note; ///< e.g. "model expects [64, 3, 7, 7]", "converted to float32"
};

struct CheckpointReport {
    QString weights;
    QString arch;
    LoadMode mode = LoadMode::Strict;
    bool loaded = false;
    QString error; ///< why loading failed, in words
    std::vector<ReportRow> rows; ///< model keys in model order, then unexpected keys in file order
    QStringList fixes;
    QStringList warnings;

    int count(KeyStatus status) const;
};

/// Rows from a loader's report, annotated with the checkpoint's shapes and dtypes and the model's shapes.
std::vector<ReportRow> reportRows(const LoadReport& report, const ShapeList& checkpoint,
                                  const ShapeList& model);

} // namespace lens
