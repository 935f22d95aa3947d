#include "batch/JsonLine.h"

namespace lens {

Result<JsonValue> parseJsonLine(std::string_view line, const JsonLineOptions& options)
{
    JsonReadOptions read;
    read.maxDepth = options.maxDepth;
    read.rejectDuplicateKeys = false; // as Python's json module reads them: a row is never refused for it
    read.firstItemsOnly = options.firstItemsOnly;
    read.surrogateEscapesAsBytes = true;
    return parseJson(line, read);
}

} // namespace lens
