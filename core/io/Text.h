#pragma once

// Text that comes from files (tensor names, class names, file names on disk) is untrusted: it may hold bytes
// that are not UTF-8 or control characters that a terminal obeys. These functions decide how such text is
// shown; JsonWriter uses the same UTF-8 rule. LibTorch- and Qt-free.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lens {

/// The byte offset of the first byte that does not start a valid UTF-8 sequence (overlong forms, surrogates
/// and code points above U+10FFFF are invalid, as in Python); nullopt when the whole text is valid. With
/// allowSurrogates, encoded surrogates U+D800..U+DFFF pass (Python's "surrogatepass", which pickle's
/// BINUNICODE opcodes use).
std::optional<std::size_t> firstInvalidUtf8(std::string_view text, bool allowSurrogates = false);

inline bool isValidUtf8(std::string_view text)
{
    return !firstInvalidUtf8(text);
}

/// The text as a terminal may show it: control characters (C0 except none, DEL, C1), bidirectional
/// overrides and bytes that are not UTF-8 are written as visible escapes (\n, \t, \x1b, \u202e, \xff);
/// a backslash stays itself. Everything else is unchanged, so ordinary text prints as it is. With
/// keepNewlines a line feed stays a line break (for messages that span lines by design).
std::string terminalSafe(std::string_view text, bool keepNewlines = false);

/// A duration as a clock shows it: "0:07", "12:34", "1:02:03" (rounded to the second).
std::string formatDuration(double seconds);

/// Decodes one UTF-8 sequence at text[pos]: its code point and length, or nullopt when invalid.
struct Utf8Char {
    char32_t codePoint = 0;
    std::size_t length = 0;
};
std::optional<Utf8Char> decodeUtf8(std::string_view text, std::size_t pos, bool allowSurrogates = false);

} // namespace lens
