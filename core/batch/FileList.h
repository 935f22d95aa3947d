#pragma once

// Which files a batch run covers: every regular file under the given folders (hidden ones excepted), in a
// deterministic sorted order, each file once, optionally one shard of them. Non-image files are included on
// purpose: each gets an error row, so a run accounts for every file it was given.
//
// Folders may overlap (batch A A/sub --recursive, a symbolic link to A): a file is listed once, under the
// first spelling met, compared by its canonical path. The walk never follows a symbolic link to a folder
// and never enters a folder twice, so a link loop cannot make it endless. A folder that cannot be read is
// skipped with a warning, never the end of the run. Hidden entries are not looked at at all.
//
// Threading: reentrant.

#include "Result.h"

#include <string>
#include <utility>
#include <vector>

namespace lens {

struct FileListOptions {
    /// Descend into sub-folders.
    bool recursive = false;
    /// This process's shard, 0-based, of shardCount. Shards split the list by a hash of each path, so N
    /// processes given the same arguments cover every file exactly once, whatever the machine.
    int shardIndex = 0;
    int shardCount = 1;
    /// Paths never listed (e.g. the output file, when it lies inside an input folder).
    std::vector<std::string> exclude;
    /// Folders whose files are never listed (what a run writes inside an input folder: maps, sorted copies).
    std::vector<std::string> excludeFolders;
};

struct FileListing {
    std::vector<std::string> files;
    /// Folders or entries skipped because they could not be read, one sentence each.
    std::vector<std::string> warnings;
};

/// Lists the files of roots (folders, or single files). Errors name a root that does not exist.
Result<FileListing> listFiles(const std::vector<std::string>& roots, const FileListOptions& options);

/// The shard (0..count-1) a path belongs to: a stable 64-bit FNV-1a hash of the path, modulo count.
int shardOf(const std::string& path, int count);

/// Parses "I/N" (0 <= I < N): the error names the bad value.
Result<std::pair<int, int>> parseShard(const std::string& text);

} // namespace lens
