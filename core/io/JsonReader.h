#pragma once

// A small, bounded JSON parser (RFC 8259) for untrusted input such as safetensors headers. No LibTorch, no
// Qt: it is fuzzed on its own. Nesting depth and input size are bounded, so a hostile document cannot
// exhaust the stack; numbers are kept both as double and, when integral and in range, as int64 so that
// byte offsets up to 2^63 stay exact.
//
// Threading: parseJson() is reentrant; a JsonValue is a plain value.

#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lens {

enum class JsonKind { Null, Bool, Number, String, Array, Object };

struct JsonValue {
    JsonKind kind = JsonKind::Null;
    bool boolean = false;
    double number = 0.0;
    /// Number only: true when the literal is an integer (no fraction or exponent) that fits in int64.
    bool isInteger = false;
    std::int64_t integer = 0;
    std::string text; ///< String: UTF-8
    std::vector<JsonValue> items; ///< Array
    std::vector<std::pair<std::string, JsonValue>> members; ///< Object, in document order

    /// Object only: the first member called `key`, or nullptr.
    const JsonValue* find(std::string_view key) const;
};

struct JsonReadOptions {
    /// Deepest nesting of arrays and objects accepted.
    std::size_t maxDepth = 64;
    /// Refuse an object that names the same key twice (safetensors requires unique tensor names).
    bool rejectDuplicateKeys = true;
    /// Most bytes the parsed values may take (a JsonValue is about a hundred bytes, so a document of small
    /// numbers expands some fifty-fold); a document that needs more is refused.
    std::size_t maxMemory = std::size_t(256) << 20;
    /// Keep only the first item of each array; the others are checked, not kept (a resumed batch run needs
    /// only the top-1 label of each row, and reads millions of rows).
    bool firstItemsOnly = false;
    /// A lone low surrogate escape \udc80-\udcff stands for the raw byte 0x80-0xff: the form JsonWriter
    /// gives a byte that is not UTF-8 (Python's os.fsdecode form), so file names come back as the bytes they
    /// were on disk. Any other lone surrogate stays an error.
    bool surrogateEscapesAsBytes = false;
};

/// Parses one JSON document that must fill `text` (surrounding whitespace allowed). Strings must be valid
/// UTF-8 (RFC 8259). Errors say what and at which byte.
Result<JsonValue> parseJson(std::string_view text, const JsonReadOptions& options = {});

/// Parses a document that must be one JSON object, handing each member to `onMember` as soon as it is
/// parsed and dropping it afterwards, so memory stays bounded by the largest member (options.maxMemory
/// applies to each member on its own). An error from onMember stops the parse and is returned.
Result<void>
parseJsonObjectMembers(std::string_view text, const JsonReadOptions& options,
                       const std::function<Result<void>(std::string key, JsonValue value)>& onMember);

} // namespace lens
