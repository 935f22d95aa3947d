#include "batch/OutputScan.h"

#include "batch/CsvCell.h"
#include "batch/JsonLine.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <unistd.h>

namespace lens {

namespace {

constexpr std::size_t kChunk = 1 << 20;
/// Longest line kept in memory; a longer one is damaged (the writer never writes one: a path is at most
/// PATH_MAX bytes, and six times that escaped).
constexpr std::size_t kMaxLine = 1 << 20;
/// Most lines one CSV row may span (a cell with line breaks), and most bytes.
constexpr std::size_t kMaxRowLines = 64;
constexpr std::size_t kMaxRowBytes = 1 << 20;

struct Line {
    std::uint64_t offset = 0;
    std::uint64_t number = 0;
    std::uint64_t length = 0; ///< bytes, including the line feed
    std::string text; ///< without the line feed; at most kMaxLine bytes
    std::size_t quotes = 0; ///< '"' characters in the whole line
    bool newline = false;
    bool overlong = false;
};

// Reads a file line by line through a fixed buffer.
class LineReader {
public:
    LineReader(int fd, std::string name)
        : m_fd(fd)
        , m_name(std::move(name))
        , m_buffer(kChunk)
    { }

    /// The next line; false at the end of the file.
    Result<bool> next(Line& line)
    {
        line.offset = m_offset;
        line.number = 0;
        line.length = 0;
        line.text.clear(); // keeps its buffer for the next line
        line.quotes = 0;
        line.newline = false;
        line.overlong = false;
        for (;;) {
            if (m_begin == m_end) {
                auto more = fill();
                if (!more)
                    return more.error();
                if (!*more)
                    break;
            }
            const char* start = m_buffer.data() + m_begin;
            const std::size_t available = m_end - m_begin;
            const void* found = std::memchr(start, '\n', available);
            const std::size_t take = found ? static_cast<const char*>(found) - start : available;
            const std::size_t room = kMaxLine - std::min(kMaxLine, line.text.size());
            line.text.append(start, std::min(take, room));
            line.overlong = line.overlong || take > room;
            line.quotes += static_cast<std::size_t>(std::count(start, start + take, '"'));
            line.length += take;
            m_begin += take;
            m_offset += take;
            if (found) {
                ++m_begin;
                ++m_offset;
                ++line.length;
                line.newline = true;
                break;
            }
        }
        if (line.length == 0)
            return false;
        line.number = ++m_lines;
        return true;
    }

private:
    Result<bool> fill()
    {
        m_begin = m_end = 0;
        for (;;) {
            const ssize_t n = ::pread(m_fd, m_buffer.data(), m_buffer.size(), static_cast<off_t>(m_offset));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return Error {m_name + ": cannot read it to resume (" + std::strerror(errno) + ")"};
            m_end = static_cast<std::size_t>(n);
            return n > 0;
        }
    }

    int m_fd;
    std::string m_name;
    std::vector<char> m_buffer;
    std::size_t m_begin = 0, m_end = 0;
    std::uint64_t m_offset = 0;
    std::uint64_t m_lines = 0;
};

// The lines of the CSV row being assembled: a ring that keeps its lines' buffers.
class LineWindow {
public:
    explicit LineWindow(std::size_t capacity)
        : m_lines(capacity)
    { }

    bool empty() const { return m_count == 0; }
    std::size_t size() const { return m_count; }
    bool full() const { return m_count == m_lines.size(); }
    Line& operator[](std::size_t i) { return m_lines[(m_head + i) % m_lines.size()]; }
    Line& front() { return (*this)[0]; }
    /// The slot after the last line, to read into; push() keeps it.
    Line& spare() { return (*this)[m_count]; }
    void push() { ++m_count; }
    void pop(std::size_t n = 1)
    {
        m_head = (m_head + n) % m_lines.size();
        m_count -= n;
    }

private:
    std::vector<Line> m_lines;
    std::size_t m_head = 0, m_count = 0;
};

// ---- header ----

struct HeaderFields {
    std::string model, weights, preset, device, topk;
    std::string precision = "fp32"; ///< outputs written before it was recorded were fp32
};

// "# resnet-lens batch: model=M weights=W preset=P device=D topk=K precision=P" (older outputs end at
// topk). Only the weights may hold spaces, so the fields after it are found from the right.
std::optional<HeaderFields> parseComment(const std::string& line)
{
    const std::string prefix = "# resnet-lens batch: model=";
    if (line.compare(0, prefix.size(), prefix) != 0)
        return std::nullopt;
    const auto topk = line.rfind(" topk=");
    const auto precision = topk == std::string::npos ? topk : line.find(" precision=", topk);
    const auto device = topk == std::string::npos ? topk : line.rfind(" device=", topk);
    const auto preset = device == std::string::npos ? device : line.rfind(" preset=", device);
    const auto weights = line.find(" weights=", prefix.size());
    if (preset == std::string::npos || weights == std::string::npos || weights > preset)
        return std::nullopt;
    HeaderFields fields;
    const auto original
        = [](std::string_view value) { return csvCommentValueOriginal(value).value_or(std::string(value)); };
    fields.model = original(line.substr(prefix.size(), weights - prefix.size()));
    fields.weights = original(line.substr(weights + 9, preset - weights - 9));
    fields.preset = original(line.substr(preset + 8, device - preset - 8));
    fields.device = original(line.substr(device + 8, topk - device - 8));
    fields.topk
        = original(line.substr(topk + 6, precision == std::string::npos ? precision : precision - topk - 6));
    if (precision != std::string::npos)
        fields.precision = original(line.substr(precision + 11));
    return fields;
}

std::optional<HeaderFields> parseRunLine(const std::string& line)
{
    auto parsed = parseJsonLine(line);
    if (!parsed || parsed->kind != JsonKind::Object)
        return std::nullopt;
    const JsonValue* run = parsed->find("run");
    if (!run || run->kind != JsonKind::Object)
        return std::nullopt;
    HeaderFields fields;
    const auto text = [&](const char* key, std::string& out) {
        const JsonValue* v = run->find(key);
        if (v && v->kind == JsonKind::String)
            out = v->text;
        else if (v && v->kind == JsonKind::Number && v->isInteger)
            out = std::to_string(v->integer);
        else
            return false;
        return true;
    };
    if (!text("model", fields.model) || !text("weights", fields.weights) || !text("preset", fields.preset)
        || !text("topk", fields.topk))
        return std::nullopt;
    text("device", fields.device);
    text("precision", fields.precision);
    return fields;
}

// The header this run would write, against the one in the file: the differences a resume cannot mix.
Result<void> compareHeader(const std::string& name, const HeaderFields& file, const RunInfo& run)
{
    struct Field {
        const char* key;
        const char* option;
        std::string theirs, ours;
    };
    const Field fields[] = {{"model", "--arch", file.model, run.model},
                            {"weights", "--weights", file.weights, run.weights},
                            {"preset", "--preset", file.preset, run.preset},
                            {"topk", "--topk", file.topk, std::to_string(run.topk)},
                            {"precision", "--precision", file.precision, run.precision}};
    std::string theirs, ours, use;
    for (const auto& field : fields) {
        if (field.theirs == field.ours)
            continue;
        const std::string separator = theirs.empty() ? "" : ", ";
        theirs += separator + field.key + "=" + field.theirs;
        ours += separator + field.key + "=" + field.ours;
        use += std::string(use.empty() ? "" : " ") + field.option + " " + field.theirs;
    }
    if (theirs.empty())
        return {};
    return Error {name + " was written with " + theirs + ", this run has " + ours + ": use " + use
                  + ", or another output"};
}

// ---- rows ----

bool isIndex(const std::string& text)
{
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && value >= 0;
}

bool isProbability(const std::string& text)
{
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

struct Row {
    std::string path;
    bool ok = false;
    std::string label; ///< top-1, ok rows
};

// One CSV record (without its final line feed): the row, or why it is not one. fields is scratch space.
std::string readCsvRow(std::string_view record, int topk, std::size_t extraColumns,
                       std::vector<std::string>& fields, Row& row)
{
    if (!record.empty() && record.back() == '\r')
        record.remove_suffix(1); // a CRLF file (saved by another program) is still readable
    std::size_t count = 0;
    if (!splitCsvRecord(record, fields, count))
        return "a quote out of place";
    // The extra columns (RunInfo::extraColumns) are checked by whoever reads them.
    const std::size_t columns = 3 + 3 * static_cast<std::size_t>(topk);
    if (count != columns + extraColumns)
        return std::to_string(count) + " columns instead of " + std::to_string(columns + extraColumns);
    auto path = csvCellOriginal(fields[0]);
    if (!path || path->empty())
        return "the path cell is not text batch writes";
    row.path = std::move(*path);
    row.label.clear();
    if (fields[1] == "error") {
        if (!isCsvCellText(fields[2]))
            return "the error cell is not text batch writes";
        for (std::size_t i = 3; i < columns; ++i) {
            if (!fields[i].empty())
                return "an error row with class columns";
        }
        row.ok = false;
        return {};
    }
    if (fields[1] != "ok")
        return "status is neither ok nor error";
    if (!fields[2].empty())
        return "an ok row with an error";
    bool ended = false; // fewer classes than topk: the last columns are empty
    for (std::size_t k = 0; k < static_cast<std::size_t>(topk); ++k) {
        const std::string& index = fields[3 + 3 * k];
        const std::string& label = fields[4 + 3 * k];
        const std::string& probability = fields[5 + 3 * k];
        if (index.empty() && label.empty() && probability.empty() && k > 0) {
            ended = true;
            continue;
        }
        if (ended || !isIndex(index) || !isProbability(probability))
            return "class columns that are not index, label, probability";
        if (k > 0) {
            if (!isCsvCellText(label))
                return "a label cell that is not text batch writes";
            continue;
        }
        auto text = csvCellOriginal(label);
        if (!text)
            return "a label cell that is not text batch writes";
        row.label = std::move(*text);
    }
    row.ok = true;
    return {};
}

std::string readJsonRow(const std::string& line, Row& row)
{
    JsonLineOptions options;
    options.firstItemsOnly = true;
    auto parsed = parseJsonLine(line, options);
    if (!parsed)
        return "not JSON: " + parsed.message();
    if (parsed->kind != JsonKind::Object)
        return "not a JSON object";
    const JsonValue* path = parsed->find("path");
    const JsonValue* status = parsed->find("status");
    if (!path || path->kind != JsonKind::String || path->text.empty())
        return "no \"path\"";
    if (!status || status->kind != JsonKind::String)
        return "no \"status\"";
    row.path = path->text;
    if (status->text == "error") {
        const JsonValue* error = parsed->find("error");
        if (!error || error->kind != JsonKind::String)
            return "an error row without \"error\"";
        row.ok = false;
        return {};
    }
    if (status->text != "ok")
        return "status is neither ok nor error";
    const JsonValue* top = parsed->find("top");
    if (!top || top->kind != JsonKind::Array || top->items.empty())
        return "an ok row without \"top\"";
    const JsonValue* label = top->items.front().find("label");
    if (!label || label->kind != JsonKind::String)
        return "a class without a label";
    row.ok = true;
    row.label = label->text;
    return {};
}

class Scanner {
public:
    Scanner(int fd, const std::string& name, BatchWriter::Format format, const RunInfo& run)
        : m_reader(fd, name)
        , m_name(name)
        , m_format(format)
        , m_run(run)
    { }

    Result<OutputScan> scan(std::uint64_t size)
    {
        m_scan.size = size;
        m_scan.keepEnd = size;
        auto header = readHeader();
        if (!header)
            return header.error();
        if (m_scan.startOver)
            return std::move(m_scan);
        auto rows = m_format == BatchWriter::Format::Csv ? csvRows() : jsonRows();
        if (!rows)
            return rows.error();
        return std::move(m_scan);
    }

private:
    Result<void> readHeader()
    {
        const std::string expected = batchHeader(m_format, m_run);
        const int count = m_format == BatchWriter::Format::Csv ? 2 : 1;
        std::vector<Line> lines;
        std::string content;
        for (int i = 0; i < count; ++i) {
            Line line;
            auto more = m_reader.next(line);
            if (!more)
                return more.error();
            if (!*more)
                break;
            content += line.text + (line.newline ? "\n" : "");
            const bool last = !line.newline;
            lines.push_back(std::move(line));
            if (last)
                break;
        }
        const bool complete = static_cast<int>(lines.size()) == count && lines.back().newline;
        if (!complete) {
            // Only a header cut short by a crash, and nothing after it: start over.
            if (expected.compare(0, content.size(), content) == 0) {
                m_scan.startOver = true;
                return {};
            }
        } else if (content == expected) {
            return {};
        }
        const std::optional<HeaderFields> fields = lines.empty() ? std::nullopt
            : m_format == BatchWriter::Format::Csv               ? parseComment(lines[0].text)
                                                                 : parseRunLine(lines[0].text);
        if (!fields)
            return Error {m_name + ": does not begin with a resnet-lens batch header, so it is not an output "
                          + "to resume; choose another output"};
        if (auto same = compareHeader(m_name, *fields, m_run); !same)
            return same;
        if (!complete)
            return Error {m_name + ": its header is cut short; remove the file to start again"};
        if (m_format == BatchWriter::Format::Csv) {
            const std::string expectedRow = expected.substr(expected.find('\n') + 1);
            if (lines[1].text + "\n" != expectedRow)
                return Error {m_name + ": line 2 is not the header row batch writes for topk="
                              + std::to_string(m_run.topk) + "; choose another output"};
        }
        return {}; // only the device differs: the rows still agree
    }

    Result<void> drop(const Line& first, std::uint64_t length, std::string reason)
    {
        if (m_scan.dropped.size() >= kMaxDroppedRows)
            return Error {m_name + ": more than " + std::to_string(kMaxDroppedRows)
                          + " damaged rows; it does not look like a batch output any more; choose another "
                          + "output"};
        m_scan.dropped.push_back({first.offset, length, first.number, std::move(reason)});
        return {};
    }

    Result<void> accept(Row& row, const Line& first, std::uint64_t length)
    {
        const bool added
            = m_scan.rows.done.try_emplace(std::move(row.path), row.ok ? std::move(row.label) : std::string())
                  .second;
        if (!added)
            return drop(first, length, "a second row for a file already in the output");
        if (!row.ok)
            ++m_scan.rows.errorRows;
        return {};
    }

    Result<void> csvRows()
    {
        // Lines read ahead for the row being assembled: after a damaged line the next row starts at the
        // line that follows it, which may already be here.
        LineWindow window(kMaxRowLines);
        std::vector<std::string> fields;
        std::string joined;
        const auto readInto = [&]() -> Result<bool> {
            auto more = m_reader.next(window.spare());
            if (!more)
                return more.error();
            if (*more)
                window.push();
            return *more;
        };
        enum class Stop { Complete, Unclosed, TooLong, CutShort };
        for (;;) {
            if (window.empty()) {
                auto more = readInto();
                if (!more)
                    return more.error();
                if (!*more)
                    return {};
            }
            // Gather lines until the quotes balance: one row.
            std::size_t count = 0, bytes = 0;
            bool odd = false;
            std::optional<Stop> stop;
            while (!stop) {
                if (count == window.size()) {
                    if (window.full()) { // cannot happen: gathering stops at kMaxRowLines
                        stop = Stop::Unclosed;
                        break;
                    }
                    auto more = readInto();
                    if (!more)
                        return more.error();
                    if (!*more) {
                        stop = Stop::Unclosed; // the file ends inside a quoted cell
                        break;
                    }
                }
                const Line& line = window[count++];
                bytes += line.text.size();
                odd ^= (line.quotes & 1) != 0;
                if (!line.newline)
                    stop = Stop::CutShort;
                else if (line.overlong || bytes > kMaxRowBytes)
                    stop = Stop::TooLong;
                else if (!odd)
                    stop = Stop::Complete;
                else if (count >= kMaxRowLines)
                    stop = Stop::Unclosed;
            }
            const Line& first = window.front();
            std::string reason;
            if (*stop == Stop::CutShort && count == 1) {
                m_scan.keepEnd = first.offset; // the row a crash cut short
                return {};
            } else if (*stop == Stop::CutShort) {
                reason = "part of a row that a crash cut short";
            } else if (*stop == Stop::Unclosed) {
                reason = "a quote that is never closed";
            } else if (*stop == Stop::TooLong) {
                reason = "a line longer than any row batch writes";
            } else {
                std::string_view record = first.text;
                std::uint64_t length = first.length;
                if (count > 1) {
                    joined.clear();
                    for (std::size_t i = 0; i < count; ++i) {
                        joined += window[i].text;
                        if (i + 1 < count)
                            joined += '\n';
                    }
                    record = joined;
                    for (std::size_t i = 1; i < count; ++i)
                        length += window[i].length;
                }
                reason = readCsvRow(record, m_run.topk, m_run.extraColumns.size(), fields, m_row);
                if (reason.empty()) {
                    auto accepted = accept(m_row, first, length);
                    if (!accepted)
                        return accepted;
                    window.pop(count);
                    continue;
                }
            }
            auto dropped = drop(first, first.length, reason);
            if (!dropped)
                return dropped;
            window.pop();
        }
    }

    Result<void> jsonRows()
    {
        Line line;
        for (;;) {
            auto more = m_reader.next(line);
            if (!more)
                return more.error();
            if (!*more)
                return {};
            if (!line.newline) {
                m_scan.keepEnd = line.offset;
                return {};
            }
            const std::string reason
                = line.overlong ? "a line longer than any row batch writes" : readJsonRow(line.text, m_row);
            auto handled
                = reason.empty() ? accept(m_row, line, line.length) : drop(line, line.length, reason);
            if (!handled)
                return handled;
        }
    }

    LineReader m_reader;
    Row m_row; ///< the row being read (its buffers are reused)
    const std::string& m_name;
    BatchWriter::Format m_format;
    const RunInfo& m_run;
    OutputScan m_scan;
};

} // namespace

bool splitCsvRecord(std::string_view record, std::vector<std::string>& fields, std::size_t& count)
{
    count = 0;
    std::size_t pos = 0;
    for (;;) {
        if (count == fields.size())
            fields.emplace_back();
        std::string& field = fields[count++];
        field.clear();
        if (pos < record.size() && record[pos] == '"') {
            ++pos;
            for (;;) {
                const std::size_t quote = record.find('"', pos);
                if (quote == std::string_view::npos)
                    return false;
                field.append(record.substr(pos, quote - pos));
                pos = quote + 1;
                if (pos < record.size() && record[pos] == '"') {
                    field += '"';
                    ++pos;
                    continue;
                }
                break;
            }
        } else {
            const std::size_t end = std::min(record.find(',', pos), record.size());
            const std::string_view text = record.substr(pos, end - pos);
            if (text.find_first_of("\"\r\n") != std::string_view::npos)
                return false;
            field.assign(text);
            pos = end;
        }
        if (pos == record.size())
            return true;
        if (record[pos] != ',')
            return false;
        ++pos;
    }
}

std::optional<RunInfo> parseRunHeader(const std::string& firstLine, BatchWriter::Format format)
{
    const auto fields
        = format == BatchWriter::Format::Csv ? parseComment(firstLine) : parseRunLine(firstLine);
    if (!fields)
        return std::nullopt;
    RunInfo run {fields->model, fields->weights, fields->preset, fields->device, 0, {}};
    const auto [end, error]
        = std::from_chars(fields->topk.data(), fields->topk.data() + fields->topk.size(), run.topk);
    if (error != std::errc() || end != fields->topk.data() + fields->topk.size() || run.topk < 1)
        return std::nullopt;
    return run;
}

Result<OutputScan> scanBatchOutput(int fd, const std::string& name, BatchWriter::Format format,
                                   const RunInfo& run)
{
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size < 0)
        return Error {name + ": cannot read it to resume (" + std::strerror(errno) + ")"};
    return Scanner(fd, name, format, run).scan(static_cast<std::uint64_t>(size));
}

} // namespace lens
