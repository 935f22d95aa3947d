#pragma once

// The machine-readable form of a classification, shared by `classify --json` and `batch` so that the two
// always agree: {"path": ..., "top": [{"rank", "index", "label", "probability", "logit"}, ...]} or
// {"path": ..., "error": ...}. Batch rows add "status": "ok" | "error".

#include "model/Classification.h"

#include <string>

namespace lens {

/// One JSON object, no trailing newline. withStatus adds "status": "ok".
std::string classificationJson(const std::string& path, const std::vector<ClassScore>& top,
                               bool withStatus = false);

/// One JSON object for a file that could not be classified. withStatus adds "status": "error".
std::string errorJson(const std::string& path, const std::string& message, bool withStatus = false);

} // namespace lens
