#pragma once

// Reads back one line of a batch JSON Lines output for a resumed run: parseJson (io/JsonReader.h) with the
// batch output's rules. A lone low surrogate escape \udc80-\udcff stands for the raw byte 0x80-0xff, the
// form JsonWriter gives a byte that is not UTF-8 (Python's os.fsdecode form), so file names come back as the
// bytes they were on disk. Any other lone surrogate, raw bytes that are not UTF-8, a bad escape or nesting
// deeper than maxDepth is an error that says what and at which byte; nothing throws.
//
// LibTorch- and Qt-free; reentrant.

#include "Result.h"
#include "io/JsonReader.h"

#include <cstddef>
#include <string_view>

namespace lens {

struct JsonLineOptions {
    /// Deepest nesting of arrays and objects accepted.
    std::size_t maxDepth = 16;
    /// Keep only the first item of each array; the others are checked, not kept (a resumed run needs only
    /// the top-1 label of each row, and reads millions of rows).
    bool firstItemsOnly = false;
};

Result<JsonValue> parseJsonLine(std::string_view line, const JsonLineOptions& options = {});

} // namespace lens
