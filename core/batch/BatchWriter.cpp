#include "batch/BatchWriter.h"

#include "batch/CsvCell.h"
#include "batch/OutputScan.h"
#include "io/Json.h"
#include "model/ResultFormat.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace fs = std::filesystem;

namespace lens {

namespace {

std::string systemError()
{
    return std::strerror(errno);
}

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size()
        && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A file descriptor closed when it goes out of scope.
class Fd {
public:
    explicit Fd(int fd = -1)
        : m_fd(fd)
    { }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd)
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = fd;
    }

private:
    int m_fd;
};

Result<void> writeAll(int fd, const char* data, std::size_t size, const std::string& name)
{
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error {name + ": write failed (" + systemError() + ")"};
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// Copies [offset, offset + length) of in to the end of out, through a fixed buffer.
Result<void> copyRange(int in, std::uint64_t offset, std::uint64_t length, int out, const std::string& inName,
                       const std::string& outName)
{
    std::vector<char> buffer(1 << 20);
    while (length > 0) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(length, buffer.size()));
        const ssize_t n = ::pread(in, buffer.data(), want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error {inName + ": cannot read it to resume (" + (n < 0 ? systemError() : "it shrank")
                          + ")"};
        if (auto written = writeAll(out, buffer.data(), static_cast<std::size_t>(n), outName); !written)
            return written;
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::uint64_t>(n);
    }
    return {};
}

void syncFolderOf(const std::string& path)
{
    const std::string folder = fs::path(path).parent_path().string();
    const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// Sets the dropped ranges aside into OUT.damaged, then replaces the output by a copy without them (written
// beside it and renamed over it, so a crash leaves either the old file or the new one).
Result<void> removeDropped(int in, const OutputScan& scan, const BatchOutputLock& lock, PriorRows& prior)
{
    const std::string& name = lock.output();
    const std::string damagedPath = batchDamagedPath(lock.realPath());
    {
        Fd damaged(::open(damagedPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (damaged.get() < 0)
            return Error {damagedPath + ": cannot write the damaged rows there (" + systemError() + ")"};
        for (const auto& range : scan.dropped) {
            const std::string intro
                = "# line " + std::to_string(range.line) + " of " + name + ": " + range.reason + "\n";
            if (auto written = writeAll(damaged.get(), intro.data(), intro.size(), damagedPath); !written)
                return written;
            if (auto copied = copyRange(in, range.offset, range.length, damaged.get(), name, damagedPath);
                !copied)
                return copied;
        }
        if (::fsync(damaged.get()) != 0)
            return Error {damagedPath + ": cannot flush to disk (" + systemError() + ")"};
    }

    const fs::path real(lock.realPath());
    const std::string temporary
        = (real.parent_path() / ("." + real.filename().string() + ".rewrite")).string();
    Fd out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (out.get() < 0)
        return Error {temporary + ": cannot write the repaired output (" + systemError() + ")"};
    struct stat info { };
    if (::fstat(in, &info) == 0)
        ::fchmod(out.get(), info.st_mode & 07777);
    std::uint64_t position = 0;
    for (const auto& range : scan.dropped) {
        if (auto copied = copyRange(in, position, range.offset - position, out.get(), name, temporary);
            !copied)
            return copied;
        position = range.offset + range.length;
    }
    if (auto copied = copyRange(in, position, scan.keepEnd - position, out.get(), name, temporary); !copied)
        return copied;
    if (::fsync(out.get()) != 0)
        return Error {temporary + ": cannot flush to disk (" + systemError() + ")"};
    if (::rename(temporary.c_str(), lock.realPath().c_str()) != 0)
        return Error {name + ": cannot replace it by the repaired output (" + systemError() + ")"};
    syncFolderOf(lock.realPath());

    for (const auto& range : scan.dropped)
        prior.notes.push_back(name + " line " + std::to_string(range.line) + ": " + range.reason
                              + "; set aside in " + damagedPath + ", its file is labelled again");
    prior.setAside = scan.dropped.size();
    return {};
}

} // namespace

std::string batchHeader(BatchWriter::Format format, const RunInfo& run)
{
    if (format == BatchWriter::Format::JsonLines) {
        JsonWriter json;
        json.beginObject().key("run").beginObject();
        json.key("model").value(run.model).key("weights").value(run.weights);
        json.key("preset").value(run.preset).key("device").value(run.device).key("topk").value(run.topk);
        json.key("precision").value(run.precision);
        if (!run.extraColumns.empty()) {
            json.key("columns").beginArray();
            for (const auto& column : run.extraColumns)
                json.value(column);
            json.endArray();
        }
        json.endObject().endObject();
        return json.str() + "\n";
    }
    std::string header = "# resnet-lens batch: model=" + csvCommentValue(run.model)
        + " weights=" + csvCommentValue(run.weights) + " preset=" + csvCommentValue(run.preset)
        + " device=" + csvCommentValue(run.device) + " topk=" + std::to_string(run.topk)
        + " precision=" + csvCommentValue(run.precision) + "\n";
    header += "path,status,error";
    for (int k = 1; k <= run.topk; ++k) {
        const std::string n = "top" + std::to_string(k);
        header += "," + n + "_index," + n + "_label," + n + "_prob";
    }
    for (const auto& column : run.extraColumns)
        header += "," + csvField(column);
    return header + "\n";
}

Result<BatchWriter::Format> BatchWriter::formatFor(const std::string& path)
{
    // The extension in any case: labels.CSV is a CSV file too.
    std::string lower = path.substr(path.size() > 6 ? path.size() - 6 : 0);
    for (char& c : lower)
        c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (endsWith(lower, ".csv"))
        return Format::Csv;
    if (endsWith(lower, ".jsonl") || endsWith(lower, ".json"))
        return Format::JsonLines;
    return Error {path + ": unknown output format; name the file .csv or .jsonl", ErrorKind::Usage, path};
}

BatchWriter::BatchWriter(BatchOutputLock lock, Format format, int fd, int topk,
                         std::vector<std::string> extraColumns)
    : m_lock(std::move(lock))
    , m_format(format)
    , m_fd(fd)
    , m_topk(topk)
    , m_extraColumns(std::move(extraColumns))
{ }

BatchWriter::BatchWriter(BatchWriter&& other) noexcept
    : m_lock(std::move(other.m_lock))
    , m_format(other.m_format)
    , m_fd(other.m_fd)
    , m_topk(other.m_topk)
    , m_extraColumns(std::move(other.m_extraColumns))
    , m_extraCells(std::move(other.m_extraCells))
{
    other.m_fd = -1;
}

BatchWriter::~BatchWriter()
{
    if (m_fd >= 0) {
        ::fsync(m_fd);
        ::close(m_fd);
    }
    // m_lock is released after this body: the output is complete on disk before another run may take it.
}

Result<BatchWriter> BatchWriter::open(const std::string& path, const RunInfo& run, bool resume,
                                      PriorRows& prior)
{
    auto lock = BatchOutputLock::acquire(path, resume);
    if (!lock)
        return lock.error();
    return open(std::move(*lock), run, prior);
}

Result<BatchWriter> BatchWriter::open(BatchOutputLock lock, const RunInfo& run, PriorRows& prior)
{
    auto format = formatFor(lock.output());
    if (!format)
        return format.error();
    const std::string name = lock.output();
    const std::string real = lock.realPath();

    // O_NONBLOCK: a FIFO put in place since the lock's check must not block the open; fstat then refuses it.
    Fd fd(::open(real.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644));
    if (fd.get() < 0)
        return Error {name + ": cannot write (" + systemError() + ")"};
    struct stat info { };
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
        return Error {name + ": is not a regular file; batch writes its output to a regular file only"};
    if (info.st_size > 0 && !lock.resume())
        return Error {name
                      + ": already exists; pass --resume to continue that run, or choose another output"};

    bool writeHeader = info.st_size == 0;
    if (info.st_size > 0) {
        auto scan = scanBatchOutput(fd.get(), name, *format, run);
        if (!scan)
            return scan.error();
        if (scan->startOver) {
            if (::ftruncate(fd.get(), 0) != 0)
                return Error {name + ": cannot prepare the file (" + systemError() + ")"};
            writeHeader = true;
        } else {
            if (!scan->dropped.empty()) {
                if (auto removed = removeDropped(fd.get(), *scan, lock, prior); !removed)
                    return removed.error();
                // The repaired file replaced the one open here.
                fd.reset(::open(real.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK));
                if (fd.get() < 0)
                    return Error {name + ": cannot write (" + systemError() + ")"};
            } else if (scan->keepEnd < scan->size
                       && ::ftruncate(fd.get(), static_cast<off_t>(scan->keepEnd)) != 0) {
                return Error {name + ": cannot cut the half-written last row (" + systemError() + ")"};
            }
            if (scan->keepEnd < scan->size)
                prior.notes.push_back(name + ": cut a half-written last row; its file is labelled again");
            prior.done = std::move(scan->rows.done);
            prior.errorRows = scan->rows.errorRows;
        }
    }
    if (::lseek(fd.get(), 0, SEEK_END) < 0)
        return Error {name + ": cannot prepare the file (" + systemError() + ")"};
    BatchWriter writer(std::move(lock), *format, fd.release(), run.topk, run.extraColumns);
    if (writeHeader) {
        if (auto written = writer.append(batchHeader(*format, run)); !written)
            return written.error();
    }
    return writer;
}

Result<void> BatchWriter::append(const std::string& row)
{
    // One write per row: a kill between rows never leaves a partial row, and a resume cuts one cut mid-write.
    return writeAll(m_fd, row.data(), row.size(), path());
}

Result<void> BatchWriter::write(const BatchRow& row)
{
    if (!m_extraCells)
        return row.error.empty() ? writeResult(row.path, row.top) : writeError(row.path, row.error);
    const std::vector<ExtraCell> cells = m_extraCells(row);
    if (m_format == Format::JsonLines) {
        std::string line = row.error.empty() ? classificationJson(row.path, row.top, /*withStatus=*/true)
                                             : errorJson(row.path, row.error, /*withStatus=*/true);
        // The object's members, then the extra ones before its closing brace.
        line.pop_back();
        for (std::size_t i = 0; i < cells.size() && i < m_extraColumns.size(); ++i) {
            JsonWriter json;
            json.value(m_extraColumns[i]);
            std::string value;
            if (cells[i].number) {
                value = cells[i].text.empty() ? "null" : cells[i].text;
            } else {
                JsonWriter text;
                text.value(cells[i].text);
                value = text.str();
            }
            line += ", " + json.str() + ": " + value;
        }
        return append(line + "}\n");
    }
    std::string line = row.error.empty() ? resultCsv(row.path, row.top) : errorCsv(row.path, row.error);
    for (const auto& cell : cells)
        line += "," + (cell.number ? cell.text : csvField(cell.text));
    return append(line + "\n");
}

Result<void> BatchWriter::writeResult(const std::string& path, const std::vector<ClassScore>& top)
{
    if (m_format == Format::JsonLines)
        return append(classificationJson(path, top, /*withStatus=*/true) + "\n");
    return append(resultCsv(path, top) + "\n");
}

std::string BatchWriter::resultCsv(const std::string& path, const std::vector<ClassScore>& top) const
{
    std::string row = csvField(path) + ",ok,";
    for (int k = 0; k < m_topk; ++k) {
        if (k < static_cast<int>(top.size())) {
            const auto& score = top[k];
            // to_chars: "%.6g" without the C locale's decimal comma (a Qt application sets the locale).
            char probability[32];
            const auto end
                = std::to_chars(probability, probability + sizeof probability,
                                static_cast<double>(score.probability), std::chars_format::general, 6)
                      .ptr;
            row += "," + std::to_string(score.index) + "," + csvField(score.label) + ","
                + std::string(probability, end);
        } else {
            row += ",,,";
        }
    }
    return row;
}

Result<void> BatchWriter::writeError(const std::string& path, const std::string& message)
{
    if (m_format == Format::JsonLines)
        return append(errorJson(path, message, /*withStatus=*/true) + "\n");
    return append(errorCsv(path, message) + "\n");
}

std::string BatchWriter::errorCsv(const std::string& path, const std::string& message) const
{
    std::string row = csvField(path) + ",error," + csvField(message);
    for (int k = 0; k < m_topk; ++k)
        row += ",,,";
    return row;
}

Result<void> BatchWriter::sync()
{
    if (::fsync(m_fd) != 0)
        return Error {path() + ": cannot flush to disk (" + systemError() + ")"};
    return {};
}

} // namespace lens
