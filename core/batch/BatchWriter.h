#pragma once

// Batch results on disk, one row per image, appended and handed to the operating system as each finishes,
// so that a run killed at any moment (kill -9 included) loses at most rows that were never written.
//
// Formats (chosen by the file extension):
// - CSV (.csv): a first line
//   "# resnet-lens batch: model=... weights=... preset=... device=... topk=K precision=fp32|bf16",
//   a header row "path,status,error,top1_index,top1_label,top1_prob,...,topK_prob", then one row per image.
//   Text cells (path, error, labels) are written as CsvCell.h says: reversible for bytes that are not UTF-8,
//   neutralised against spreadsheet formulas. Read it with pandas.read_csv(path, skiprows=1), or
//   csv.reader after skipping the first line.
// - JSON Lines (.jsonl): a first line {"run": {"model": ..., ...}}, then one object per image, the same as
//   `classify --json` prints plus "status": "ok" | "error"; bytes that are not UTF-8 as \udcXX.
//
// Opening takes the output's lock (OutputLock.h) and keeps it until the writer is destroyed. A resumed run
// reads the existing output (OutputScan.h): it refuses a header that another configuration wrote, cuts a
// half-written last row, sets damaged and duplicate rows aside into OUT.damaged (with their line numbers)
// and removes them from the output, and reports which paths are already done.
//
// Threading: one thread writes at a time.

#include "Result.h"
#include "batch/CsvCell.h"
#include "batch/OutputLock.h"
#include "batch/RowSink.h"
#include "model/Classification.h"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lens {

/// Recorded once per run, at the top of the output.
struct RunInfo {
    std::string model;
    std::string weights;
    std::string preset;
    std::string device;
    int topk = 5;
    /// "fp32" or "bf16" (precisionName()). Outputs written before it was recorded were fp32.
    std::string precision = "fp32";
    /// Columns a use case adds after the batch columns (an evaluation's true class), in the CSV header row
    /// and the JSON Lines run line ("columns"); their values come from BatchWriter::setExtraCells.
    std::vector<std::string> extraColumns = {};
};

/// The value of one extra column: a number is written as it is (CSV and JSON), text as a CSV cell or a
/// JSON string; an empty number is an empty CSV cell and JSON null.
struct ExtraCell {
    std::string text;
    bool number = false;
};
using ExtraCells = std::function<std::vector<ExtraCell>(const BatchRow&)>;

/// What a resumed run found in its output.
struct PriorRows {
    /// Every path that has a row (as the bytes of the file name) and its top-1 label ("" for error rows).
    std::map<std::string, std::string> done;
    /// Error rows among them: a run's exit status reflects the whole output.
    std::size_t errorRows = 0;
    /// Lines set aside into OUT.damaged (their files are labelled again).
    std::size_t setAside = 0;
    /// What was repaired, one sentence each, for the user.
    std::vector<std::string> notes;
};

class BatchWriter : public RowSink {
public:
    enum class Format { Csv, JsonLines };

    /// Picks the format from the extension (.csv, .jsonl / .json); the error names the file.
    static Result<Format> formatFor(const std::string& path);

    /// Opens the locked output: creates it, or (resume) continues it as the header comment says.
    static Result<BatchWriter> open(BatchOutputLock lock, const RunInfo& run, PriorRows& prior);
    /// Takes the lock and opens: for callers with no work between the two.
    static Result<BatchWriter> open(const std::string& path, const RunInfo& run, bool resume,
                                    PriorRows& prior);

    BatchWriter(BatchWriter&& other) noexcept;
    BatchWriter& operator=(BatchWriter&&) = delete;
    ~BatchWriter() override;

    /// The row, as a result or an error row.
    Result<void> write(const BatchRow& row) override;
    /// The values of RunInfo::extraColumns for each row written by write() (one per column).
    void setExtraCells(ExtraCells cells) { m_extraCells = std::move(cells); }
    /// Flushes to stable storage (fsync).
    Result<void> finish() override { return sync(); }

    Result<void> writeResult(const std::string& path, const std::vector<ClassScore>& top);
    Result<void> writeError(const std::string& path, const std::string& message);
    /// Flushes to stable storage (fsync).
    Result<void> sync();

    /// The output as the user named it.
    const std::string& path() const { return m_lock.output(); }

private:
    BatchWriter(BatchOutputLock lock, Format format, int fd, int topk, std::vector<std::string> extraColumns);
    Result<void> append(const std::string& row);
    std::string resultCsv(const std::string& path, const std::vector<ClassScore>& top) const;
    std::string errorCsv(const std::string& path, const std::string& message) const;

    BatchOutputLock m_lock;
    Format m_format;
    int m_fd = -1;
    int m_topk = 5;
    std::vector<std::string> m_extraColumns;
    ExtraCells m_extraCells;
};

/// The header lines a run writes at the top of a new output (each ending in a line feed).
std::string batchHeader(BatchWriter::Format format, const RunInfo& run);

} // namespace lens
