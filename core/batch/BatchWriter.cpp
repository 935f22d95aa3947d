#include "batch/BatchWriter.h"

#include "io/Json.h"
#include "io/ResultFormat.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Parses one CSV record starting at `pos`; returns false when the data ends before the record does.
// On success `pos` is just past the record's line break and `first` holds its first field.
bool nextCsvRecord(const std::string& data, std::size_t& pos, std::string& first)
{
    first.clear();
    bool inQuotes = false, firstField = true;
    for (std::size_t i = pos; i < data.size(); ++i) {
        const char c = data[i];
        if (inQuotes) {
            if (c == '"' && i + 1 < data.size() && data[i + 1] == '"') {
                if (firstField)
                    first += '"';
                ++i;
            } else if (c == '"') {
                inQuotes = false;
            } else if (firstField) {
                first += c;
            }
        } else if (c == '"') {
            inQuotes = true;
        } else if (c == ',') {
            firstField = false;
        } else if (c == '\n') {
            pos = i + 1;
            return true;
        } else if (firstField && c != '\r') {
            first += c;
        }
    }
    return false;
}

// The value of the leading "path" member of one of our JSON lines.
bool jsonPath(const std::string& line, std::string& path)
{
    const std::string prefix = "{\"path\": \"";
    if (line.compare(0, prefix.size(), prefix) != 0)
        return false;
    path.clear();
    for (std::size_t i = prefix.size(); i < line.size(); ++i) {
        char c = line[i];
        if (c == '"')
            return true;
        if (c == '\\' && i + 1 < line.size()) {
            c = line[++i];
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u':
                if (i + 4 >= line.size())
                    return false;
                c = static_cast<char>(std::stoi(line.substr(i + 1, 4), nullptr, 16));
                i += 4;
                break;
            default:
                break; // \" and \\ stand for themselves
            }
        }
        path += c;
    }
    return false;
}

std::string headerFor(BatchWriter::Format format, const RunInfo& run)
{
    if (format == BatchWriter::Format::JsonLines) {
        JsonWriter json;
        json.beginObject().key("run").beginObject();
        json.key("model").value(run.model).key("weights").value(run.weights);
        json.key("preset").value(run.preset).key("device").value(run.device).key("topk").value(run.topk);
        json.endObject().endObject();
        return json.str() + "\n";
    }
    std::string header = "# resnet-lens batch: model=" + run.model + " weights=" + run.weights
        + " preset=" + run.preset + " device=" + run.device + " topk=" + std::to_string(run.topk) + "\n";
    header += "path,status,error";
    for (int k = 1; k <= run.topk; ++k) {
        const std::string n = "top" + std::to_string(k);
        header += "," + n + "_index," + n + "_label," + n + "_prob";
    }
    return header + "\n";
}

} // namespace

std::string csvField(const std::string& text)
{
    const bool quote = text.find_first_of(",\"\r\n") != std::string::npos
        || (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

Result<BatchWriter::Format> BatchWriter::formatFor(const std::string& path)
{
    if (endsWith(path, ".csv"))
        return Format::Csv;
    if (endsWith(path, ".jsonl") || endsWith(path, ".json"))
        return Format::JsonLines;
    return Error {path + ": unknown output format; name the file .csv or .jsonl"};
}

BatchWriter::BatchWriter(std::string path, Format format, int fd, int topk)
    : m_path(std::move(path))
    , m_format(format)
    , m_fd(fd)
    , m_topk(topk)
{ }

BatchWriter::BatchWriter(BatchWriter&& other) noexcept
    : m_path(std::move(other.m_path))
    , m_format(other.m_format)
    , m_fd(other.m_fd)
    , m_topk(other.m_topk)
{
    other.m_fd = -1;
}

BatchWriter::~BatchWriter()
{
    if (m_fd >= 0) {
        ::fsync(m_fd);
        ::close(m_fd);
    }
}

Result<BatchWriter> BatchWriter::open(const std::string& path, const RunInfo& run, bool resume,
                                      std::set<std::string>& alreadyDone)
{
    auto format = formatFor(path);
    if (!format)
        return format.error();

    std::string existing;
    struct stat info { };
    const bool exists = ::stat(path.c_str(), &info) == 0;
    if (exists && !resume)
        return Error {path
                      + ": already exists; pass --resume to continue that run, or choose another output"};
    if (exists) {
        FILE* in = std::fopen(path.c_str(), "rb");
        if (!in)
            return Error {path + ": cannot read it to resume (" + systemError() + ")"};
        char buffer[1 << 16];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;)
            existing.append(buffer, n);
        std::fclose(in);
    }

    // Keep only complete rows; count the header lines.
    std::size_t keep = 0;
    int lines = 0;
    const int headerLines = *format == Format::Csv ? 2 : 1;
    if (*format == Format::Csv) {
        std::string first;
        for (std::size_t pos = 0; nextCsvRecord(existing, pos, first); keep = pos) {
            if (++lines > headerLines)
                alreadyDone.insert(first);
        }
    } else {
        for (std::size_t pos = 0, end; (end = existing.find('\n', pos)) != std::string::npos; pos = keep) {
            keep = end + 1;
            std::string rowPath;
            if (++lines > headerLines && jsonPath(existing.substr(pos, end - pos), rowPath))
                alreadyDone.insert(rowPath);
        }
    }
    if (lines < headerLines) {
        keep = 0; // the header itself was cut short: start over
        alreadyDone.clear();
    }

    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error {path + ": cannot write (" + systemError() + ")"};
    BatchWriter writer(path, *format, fd, run.topk);
    if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::lseek(fd, 0, SEEK_END) < 0)
        return Error {path + ": cannot prepare the file (" + systemError() + ")"};
    if (keep == 0) {
        if (auto written = writer.append(headerFor(*format, run)); !written)
            return written.error();
    }
    return writer;
}

Result<void> BatchWriter::append(const std::string& row)
{
    // One write per row: a kill between rows never leaves a partial row, and a resume cuts one cut mid-write.
    std::size_t done = 0;
    while (done < row.size()) {
        const ssize_t n = ::write(m_fd, row.data() + done, row.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error {m_path + ": write failed (" + systemError() + ")"};
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Result<void> BatchWriter::writeResult(const std::string& path, const Classification& result)
{
    if (m_format == Format::JsonLines)
        return append(classificationJson(path, result, /*withStatus=*/true) + "\n");
    std::string row = csvField(path) + ",ok,";
    for (int k = 0; k < m_topk; ++k) {
        if (k < static_cast<int>(result.top.size())) {
            const auto& score = result.top[k];
            char probability[32];
            std::snprintf(probability, sizeof probability, "%.6g", static_cast<double>(score.probability));
            row += "," + std::to_string(score.index) + "," + csvField(score.label) + "," + probability;
        } else {
            row += ",,,";
        }
    }
    return append(row + "\n");
}

Result<void> BatchWriter::writeError(const std::string& path, const std::string& message)
{
    if (m_format == Format::JsonLines)
        return append(errorJson(path, message, /*withStatus=*/true) + "\n");
    std::string row = csvField(path) + ",error," + csvField(message);
    for (int k = 0; k < m_topk; ++k)
        row += ",,,";
    return append(row + "\n");
}

Result<void> BatchWriter::sync()
{
    if (::fsync(m_fd) != 0)
        return Error {m_path + ": cannot flush to disk (" + systemError() + ")"};
    return {};
}

} // namespace lens
