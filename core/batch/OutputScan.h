#pragma once

// Reading an existing batch output for a resumed run (BatchWriter::open uses it). The file is streamed, so
// memory stays bounded by the longest row (1 MiB) plus the set of paths done, whatever the file's size.
//
// - The header must be the one this run would write (CSV: the comment line and the header row; JSON Lines:
//   the run line): a different model, weights, preset or topk is refused with the difference named. The
//   device may differ. A file that holds only the start of this run's header is started over.
// - Every row is checked as strictly as the writer writes it (quoting, column count, status, numbers, the
//   reversible text form of CsvCell.h; JSON syntax and escapes). A row that fails, or a second row for a
//   path already seen, is a dropped range: its line is set aside and its file is labelled again. A CSV row
//   spans several lines only while a quoted cell holds a line break; after a damaged line the reader starts
//   again at the next line, so one stray quote never swallows the rows after it.
// - A last line without its line feed is a row cut short by a crash: it is cut (keepEnd), not set aside.
//
// Threading: reentrant; the caller holds the output's lock.

#include "Result.h"
#include "batch/BatchWriter.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lens {

/// A stretch of the output that a resume removes: one damaged line, or a whole duplicate row.
struct DroppedRange {
    std::uint64_t offset = 0;
    std::uint64_t length = 0; ///< including its line feed
    std::uint64_t line = 0; ///< 1-based line number of its first line
    std::string reason;
};

struct OutputScan {
    /// No complete header (an empty file, or a header cut short): the output is written anew.
    bool startOver = false;
    /// Size of the file when it was read.
    std::uint64_t size = 0;
    /// Where a row cut short by a crash begins (size when there is none).
    std::uint64_t keepEnd = 0;
    std::vector<DroppedRange> dropped;
    PriorRows rows;
};

/// At most this many dropped ranges: beyond, the file is not a damaged batch output but something else.
constexpr std::size_t kMaxDroppedRows = 100000;

/// Splits one CSV record (without its line feed) as RFC 4180 says, strictly as the batch writer writes: a
/// quoted field is followed by a comma or the end; an unquoted one holds no quote and no CR. fields keeps
/// its strings between calls (their buffers are reused); count is set to the number of fields. False when
/// the record is not such a row.
bool splitCsvRecord(std::string_view record, std::vector<std::string>& fields, std::size_t& count);

/// The run info of an output's first line (the CSV comment line or the JSON Lines run line), without
/// RunInfo::extraColumns; nothing when it is not one.
std::optional<RunInfo> parseRunHeader(const std::string& firstLine, BatchWriter::Format format);

/// Reads the output open on fd from the start. name is the output as the user named it, for messages.
Result<OutputScan> scanBatchOutput(int fd, const std::string& name, BatchWriter::Format format,
                                   const RunInfo& run);

} // namespace lens
