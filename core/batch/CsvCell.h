#pragma once

// How batch CSV files write text (paths, labels, error messages), and how a resumed run reads it back.
// Text from disk and from checkpoints is hostile: a class name "=HYPERLINK(...)" would run as a formula in a
// spreadsheet, and a file name need not be UTF-8. Every text cell therefore goes through three steps:
//
// 1. A reversible UTF-8 form: a byte that is not part of valid UTF-8 becomes the six characters \udcXX
//    (the lone surrogate Python's os.fsdecode gives it), and a backslash followed by 'u' becomes \u005c + u,
//    so every \u in a cell is an escape. Python gets the original back with one pass:
//    re.sub(r"\\u(005c|dc[89a-f][0-9a-f])", lambda m: chr(int(m[1], 16)), cell), then os.fsencode.
// 2. Formula neutralisation (OWASP): a cell that begins with = + - @ tab or CR gets a leading single quote,
//    and so does a cell that already begins with one, so a reader drops exactly one leading quote.
// 3. RFC 4180 quoting: quoted when it holds a comma, quote, CR/LF or a leading/trailing space.
//
// LibTorch- and Qt-free; reentrant.

#include <optional>
#include <string>
#include <string_view>

namespace lens {

/// Steps 1 and 2: the cell's text as a CSV reader returns it.
std::string csvCellText(std::string_view text);

/// Steps 1 to 3: the cell as it is written into the file.
std::string csvField(std::string_view text);

/// The inverse of csvCellText: the original bytes, or nullopt when cell is not text that csvCellText could
/// have written (an escape that is not \u005c or \udc80-\udcff, raw bytes that are not UTF-8, or a leading
/// = + - @ tab or CR without the quote).
std::optional<std::string> csvCellOriginal(std::string_view cell);

/// Whether csvCellOriginal(cell) has a value, without making it.
bool isCsvCellText(std::string_view cell);

/// A value in the CSV file's first line (# resnet-lens batch: key=value ...): step 1, and besides that
/// commas, quotes and control characters as \u00XX, so that the line stays one line and one cell.
std::string csvCommentValue(std::string_view text);

/// The inverse of csvCommentValue; nullopt when value holds an escape csvCommentValue does not write.
std::optional<std::string> csvCommentValueOriginal(std::string_view value);

} // namespace lens
