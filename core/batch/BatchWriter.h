#pragma once

// Batch results on disk, one row per image, appended and handed to the operating system as each finishes,
// so that a run killed at any moment (kill -9 included) loses at most rows that were never written.
// A resumed run first cuts a half-written last row, then reports which paths are already done.
//
// Formats (chosen by the file extension):
// - CSV (.csv): a first line "# resnet-lens batch: model=... weights=... preset=... device=... topk=K",
//   a header row "path,status,error,top1_index,top1_label,top1_prob,...,topK_prob", then one row per image.
//   Read it with pandas.read_csv(path, skiprows=1), or csv.reader after skipping the first line.
// - JSON Lines (.jsonl): a first line {"run": {"model": ..., ...}}, then one object per image, the same as
//   `classify --json` prints plus "status": "ok" | "error".
//
// Threading: one thread writes at a time.

#include "Result.h"
#include "inference/Classifier.h"

#include <set>
#include <string>

namespace lens {

/// Recorded once per run, at the top of the output.
struct RunInfo {
    std::string model;
    std::string weights;
    std::string preset;
    std::string device;
    int topk = 5;
};

class BatchWriter {
public:
    enum class Format { Csv, JsonLines };

    /// Picks the format from the extension (.csv, .jsonl / .json); the error names the file.
    static Result<Format> formatFor(const std::string& path);

    /// Creates the output (refusing to overwrite an existing file unless resuming). With resume, an
    /// existing file is kept: a half-written last row is cut, and alreadyDone receives every path it holds.
    static Result<BatchWriter> open(const std::string& path, const RunInfo& run, bool resume,
                                    std::set<std::string>& alreadyDone);

    BatchWriter(BatchWriter&& other) noexcept;
    BatchWriter& operator=(BatchWriter&&) = delete;
    ~BatchWriter();

    Result<void> writeResult(const std::string& path, const Classification& result);
    Result<void> writeError(const std::string& path, const std::string& message);
    /// Flushes to stable storage (fsync).
    Result<void> sync();

    const std::string& path() const { return m_path; }

private:
    BatchWriter(std::string path, Format format, int fd, int topk);
    Result<void> append(const std::string& row);

    std::string m_path;
    Format m_format;
    int m_fd = -1;
    int m_topk = 5;
};

/// CSV field quoting (RFC 4180): quoted when it holds a comma, quote, CR/LF or leading/trailing space.
std::string csvField(const std::string& text);

} // namespace lens
