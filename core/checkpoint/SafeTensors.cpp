#include "checkpoint/SafeTensors.h"

#include "io/JsonReader.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace lens {

namespace {

std::uint64_t readLe64(const char* p)
{
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
        value = (value << 8) | static_cast<unsigned char>(p[i]);
    return value;
}

} // namespace

bool looksLikeSafeTensors(const char* head, std::size_t headSize, std::uint64_t fileSize)
{
    if (headSize < 9 || fileSize < 9)
        return false;
    // A header length past the end of the file still makes it a (broken) safetensors file: the parser
    // then says what is wrong instead of "not a checkpoint".
    return head[8] == '{' && readLe64(head) >= 2;
}

Result<SafeTensorsHeader> parseSafeTensorsHeader(const char* data, std::size_t size, std::uint64_t fileSize,
                                                 const std::string& displayName)
{
    const auto fail = [&](const std::string& what) { return Error {displayName + ": safetensors: " + what}; };
    if (size < 8 || fileSize < 8)
        return fail("file too short for a header length");
    const std::uint64_t length = readLe64(data);
    if (length > kSafeTensorsMaxHeader)
        return fail("header length " + std::to_string(length) + " exceeds the 100 MB limit");
    if (length > fileSize - 8)
        return fail("header length " + std::to_string(length) + " reaches past the end of the file ("
                    + std::to_string(fileSize) + " bytes)");
    if (length > size - 8)
        return fail("header is truncated");

    JsonReadOptions options;
    options.maxDepth = 8;
    // Each member is parsed, checked and dropped in turn: the header's values never exist all at once,
    // and no single member may take more than this.
    options.maxMemory = std::size_t(64) << 20;
    SafeTensorsHeader header;
    header.dataStart = 8 + length;
    const std::uint64_t dataSize = fileSize - header.dataStart;
    const auto check = [&](std::string name, JsonValue value) -> Result<void> {
        if (name == "__metadata__") {
            if (value.kind != JsonKind::Object)
                return fail("__metadata__ is not an object");
            for (auto& [key, text] : value.members) {
                if (text.kind != JsonKind::String)
                    return fail("__metadata__ value of '" + key + "' is not a string");
                header.metadata.emplace_back(std::move(key), std::move(text.text));
            }
            return {};
        }
        const auto bad = [&](const std::string& what) { return fail("tensor '" + name + "': " + what); };
        if (value.kind != JsonKind::Object)
            return bad("its entry is not an object");
        SafeTensorsEntry entry;
        const JsonValue* dtype = value.find("dtype");
        const JsonValue* shape = value.find("shape");
        const JsonValue* offsets = value.find("data_offsets");
        if (!dtype || dtype->kind != JsonKind::String)
            return bad("no dtype");
        const auto type = dtypeFromSafetensorsName(dtype->text);
        if (!type)
            return bad("unsupported dtype '" + dtype->text + "'");
        entry.dtype = *type;
        const std::size_t elementSize = dtypeInfo(*type).size;
        if (!shape || shape->kind != JsonKind::Array || shape->items.size() > 64)
            return bad("no shape, or more than 64 dimensions");
        std::uint64_t numel = 1;
        bool overflow = false;
        for (const JsonValue& dim : shape->items) {
            if (dim.kind != JsonKind::Number || !dim.isInteger || dim.integer < 0)
                return bad("shape has a size that is not a non-negative integer");
            entry.shape.push_back(dim.integer);
            overflow
                = overflow || __builtin_mul_overflow(numel, static_cast<std::uint64_t>(dim.integer), &numel);
        }
        std::uint64_t bytes = 0;
        overflow = overflow || __builtin_mul_overflow(numel, static_cast<std::uint64_t>(elementSize), &bytes);
        if (!offsets || offsets->kind != JsonKind::Array || offsets->items.size() != 2)
            return bad("data_offsets is not [begin, end]");
        for (const JsonValue& offset : offsets->items) {
            if (offset.kind != JsonKind::Number || !offset.isInteger || offset.integer < 0)
                return bad("data_offsets holds a value that is not a non-negative integer");
        }
        const auto begin = static_cast<std::uint64_t>(offsets->items[0].integer);
        const auto end = static_cast<std::uint64_t>(offsets->items[1].integer);
        if (begin > end)
            return bad("data_offsets begin " + std::to_string(begin) + " is after end "
                       + std::to_string(end));
        if (end > dataSize)
            return bad("data [" + std::to_string(begin) + ", " + std::to_string(end)
                       + ") reaches past the end of the file (" + std::to_string(dataSize) + " data bytes)");
        if (overflow || bytes != end - begin)
            return bad("shape and dtype need "
                       + (overflow ? std::string("more than 2^64") : std::to_string(bytes))
                       + " bytes but data_offsets span " + std::to_string(end - begin));
        entry.name = std::move(name);
        entry.begin = header.dataStart + begin;
        entry.end = header.dataStart + end;
        header.tensors.push_back(std::move(entry));
        return {};
    };
    std::optional<Error> invalid; // a member that parsed but is not a valid entry
    const auto onMember = [&](std::string name, JsonValue value) -> Result<void> {
        Result<void> checked = check(std::move(name), std::move(value));
        if (!checked)
            invalid = checked.error();
        return checked;
    };
    if (auto parsed = parseJsonObjectMembers(std::string_view(data + 8, static_cast<std::size_t>(length)),
                                             options, onMember);
        !parsed)
        return invalid ? *invalid : fail("header is not valid JSON: " + parsed.message());

    std::stable_sort(header.tensors.begin(), header.tensors.end(),
                     [](const SafeTensorsEntry& a, const SafeTensorsEntry& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < header.tensors.size(); ++i) {
        const auto& previous = header.tensors[i - 1];
        const auto& current = header.tensors[i];
        if (current.begin < previous.end)
            return fail("tensors '" + previous.name + "' and '" + current.name + "' overlap");
    }
    return header;
}

} // namespace lens
