// libFuzzer target: a batch run's text rules and resume reader on arbitrary bytes (first byte: 0 = the rest
// is a CSV output, 1 = a JSON Lines output). Checks what the README promises: every text gives itself back
// from a CSV cell, a first-line value and a JSON string, and no CSV cell begins with a formula character;
// a resume of any file keeps or drops whole lines, inside the file, in order.

#include "batch/CsvCell.h"
#include "batch/JsonLine.h"
#include "batch/OutputScan.h"
#include "io/Json.h"

#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

    const std::string cell = lens::csvCellText(text);
    const auto back = lens::csvCellOriginal(cell);
    if (!back || *back != text || !lens::isCsvCellText(cell))
        std::abort();
    if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos)
        std::abort();
    const std::string value = lens::csvCommentValue(text);
    if (value.find_first_of(",\"\r\n") != std::string::npos || lens::csvCommentValueOriginal(value) != text)
        std::abort();
    const auto json = lens::parseJsonLine(lens::JsonWriter::escape(text));
    if (!json || json->text != text)
        std::abort();

    const int fd = ::memfd_create("output", 0);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        std::abort();
    const lens::RunInfo run {"resnet18", "/models/resnet18.pth", "v1", "cpu", 2};
    const auto format = data[0] & 1 ? lens::BatchWriter::Format::JsonLines : lens::BatchWriter::Format::Csv;
    const auto scan = lens::scanBatchOutput(fd, "fuzz", format, run);
    ::close(fd);
    if (!scan)
        return 0;
    if (scan->size != text.size() || scan->keepEnd > scan->size)
        std::abort();
    if (scan->startOver) { // only the start of a header: written anew, nothing kept
        if (!scan->dropped.empty() || !scan->rows.done.empty())
            std::abort();
        return 0;
    }
    if (scan->keepEnd > 0 && text[scan->keepEnd - 1] != '\n')
        std::abort();
    std::uint64_t end = 0;
    for (const auto& range : scan->dropped) {
        if (range.offset < end || range.length == 0 || range.offset + range.length > scan->keepEnd)
            std::abort();
        if ((range.offset > 0 && text[range.offset - 1] != '\n')
            || text[range.offset + range.length - 1] != '\n')
            std::abort();
        end = range.offset + range.length;
    }
    for (const auto& [path, label] : scan->rows.done) {
        if (path.empty())
            std::abort();
    }
    return 0;
}
