#pragma once

// The evaluation's two pictures, readable at a glance: the confusion matrix as a heat map (rows true
// classes, columns predicted classes, a cell's shade its share of its row, counts written in the cells
// when they fit) and the reliability diagram (accuracy against confidence per bin, the diagonal of perfect
// calibration, the bins' image counts below). Each is laid out once as a list of shapes, then drawn as SVG
// text and as a PNG (OpenCV), so the two files always show the same picture.
//
// Threading: reentrant.

#include "Result.h"
#include "jobs/Evaluation.h"

#include <string>

namespace lens {

/// Writes confusion.svg, confusion.png, reliability.svg and reliability.png into folder (created when
/// missing), each through a temporary file. Errors name the file.
Result<void> writeEvaluationPlots(const EvaluationReport& report, const std::string& folder);

/// The SVG text of each picture (what the files hold).
std::string confusionSvg(const EvaluationReport& report);
std::string reliabilitySvg(const EvaluationReport& report);

} // namespace lens
