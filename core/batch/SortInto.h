#pragma once

// Sorting labelled images into one folder per top-1 label: batch --sort-into DIR.

#include "Result.h"

#include <string>

namespace lens {

struct SortOptions {
    enum class Mode {
        Link, ///< a symbolic link to the original (no extra space)
        Copy, ///< a copy
        DryRun, ///< nothing changes; describe() says what would happen
    };
    Mode mode = Mode::Link;
};

/// Places image into <folder>/<label>/ (label made safe as a folder name), keeping its file name; when
/// that name is taken by another file, appends _1, _2, ... An image already placed there is left alone, so
/// a resumed run can sort again. Returns the path it used (or would use, for a dry run).
Result<std::string> sortInto(const std::string& folder, const std::string& image, const std::string& label,
                             const SortOptions& options);

/// A label as a folder name: '/' and NUL replaced, "." and ".." and empty names avoided.
std::string safeFolderName(const std::string& label);

} // namespace lens
