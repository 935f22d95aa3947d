#include "checkpoint/SafeTensors.h"

#include "io/JsonReader.h"

#include <algorithm>
#include <cstring>

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

std::size_t safeTensorsElementSize(const std::string& dtype)
{
    static const std::pair<const char*, std::size_t> sizes[] = {
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
        {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1},
    };
    for (const auto& [name, size] : sizes) {
        if (dtype == name)
            return size;
    }
    return 0;
}

bool looksLikeSafeTensors(const char* head, std::size_t headSize, std::uint64_t fileSize)
{
    if (headSize < 9 || fileSize < 9)
        return false;
    const std::uint64_t length = readLe64(head);
    return head[8] == '{' && length >= 2 && length <= fileSize - 8;
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
    auto json = parseJson(std::string_view(data + 8, static_cast<std::size_t>(length)), options);
    if (!json)
        return fail("header is not valid JSON: " + json.message());
    if (json->kind != JsonKind::Object)
        return fail("header is not a JSON object");

    SafeTensorsHeader header;
    header.dataStart = 8 + length;
    const std::uint64_t dataSize = fileSize - header.dataStart;
    for (const auto& member : json->members) {
        const std::string& name = member.first;
        const JsonValue& value = member.second;
        if (name == "__metadata__") {
            if (value.kind != JsonKind::Object)
                return fail("__metadata__ is not an object");
            for (const auto& [key, text] : value.members) {
                if (text.kind != JsonKind::String)
                    return fail("__metadata__ value of '" + key + "' is not a string");
                header.metadata.emplace_back(key, text.text);
            }
            continue;
        }
        const auto bad = [&](const std::string& what) { return fail("tensor '" + name + "': " + what); };
        if (value.kind != JsonKind::Object)
            return bad("its entry is not an object");
        SafeTensorsEntry entry;
        entry.name = name;
        const JsonValue* dtype = value.find("dtype");
        const JsonValue* shape = value.find("shape");
        const JsonValue* offsets = value.find("data_offsets");
        if (!dtype || dtype->kind != JsonKind::String)
            return bad("no dtype");
        entry.dtype = dtype->text;
        const std::size_t elementSize = safeTensorsElementSize(entry.dtype);
        if (elementSize == 0)
            return bad("unsupported dtype '" + entry.dtype + "'");
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
        entry.begin = header.dataStart + begin;
        entry.end = header.dataStart + end;
        header.tensors.push_back(std::move(entry));
    }

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
