#pragma once

// Sorting labelled images into one folder per top-1 label: batch --sort-into DIR.
//
// A copy is written under a temporary name in the label folder, flushed to disk, then renamed into place,
// so a run killed mid-copy never leaves a truncated image under a real name; its temporary file (a hidden
// ".resnet-lens-copy.*", locked while it is written) is removed by the next run. Placing never replaces
// another file: a name taken by a different image gets _1, _2, ..., also when two runs sort into one
// folder at the same time.
//
// Threading: reentrant; several processes may sort into one folder.

#include "Result.h"
#include "batch/RowSink.h"

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lens {

struct SortOptions {
    enum class Mode {
        Link, ///< a symbolic link to the original (no extra space)
        Copy, ///< a copy
        DryRun, ///< nothing changes; the result says what would happen
    };
    Mode mode = Mode::Link;
};

struct Placement {
    std::string path; ///< where the image is (or would be, for a dry run)
    bool changed = false; ///< false when it was already there
};

/// Places image into <folder>/<label>/ (label made safe as a folder name), keeping its file name; when
/// that name is taken by another file, appends _1, _2, ... An image already placed there is left alone (a
/// link to it, or a copy with its size and modification time, or else its content), so a resumed run can
/// sort again; a copy cut short by an earlier version (a file that is the start of the image) is redone.
Result<Placement> sortInto(const std::string& folder, const std::string& image, const std::string& label,
                           const SortOptions& options);

/// Checks a --sort-into folder before a run: it must be a folder (after following links) or not exist yet.
Result<void> checkSortFolder(const std::string& folder);

/// Removes the temporary files of copies that a killed run left in folder's label folders (those no live
/// process holds); returns how many.
std::size_t removeLeftoverCopies(const std::string& folder);

/// A batch run's sorting, as a sink of its rows: each labelled image is placed in its top-1 label's folder.
/// Before the first row, start() finishes what an interrupted run left: it removes leftover temporary copies
/// and places the images the output already held. A failed placement is reported through onPlaced and
/// counted; the run goes on.
class SortSink : public RowSink {
public:
    using Report = std::function<void(const std::string& image, const Result<Placement>& placement)>;

    SortSink(std::string folder, SortOptions options, Report onPlaced = {});

    /// Removes leftover copies (not for a dry run) and places the images of earlier rows (image, label).
    void start(const std::vector<std::pair<std::string, std::string>>& earlier);

    Result<void> write(const BatchRow& row) override;

    std::size_t failures() const { return m_failures; }

private:
    void place(const std::string& image, const std::string& label);

    std::string m_folder;
    SortOptions m_options;
    Report m_report;
    std::size_t m_failures = 0;
};

/// A label as a folder name: '/' and NUL replaced, "." and ".." and empty names avoided.
std::string safeFolderName(const std::string& label);

} // namespace lens
