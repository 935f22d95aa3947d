#pragma once

// A small streaming JSON writer for the CLI's machine-readable output (one object per line).
// Numbers are written with enough digits to round-trip a float; strings are escaped per RFC 8259, and a byte
// that is not part of valid UTF-8 (file names on disk may hold such bytes) is written as the escape of a lone
// surrogate U+DC80..U+DCFF, as Python's os.fsdecode represents it: the output is always valid UTF-8 JSON.

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

class JsonWriter {
public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    /// The key of the next value inside an object.
    JsonWriter& key(const std::string& name);
    JsonWriter& value(const std::string& text);
    JsonWriter& value(const char* text) { return value(std::string(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(double number);
    /// The shortest text that reads back as exactly this double (as Python's repr writes it); null when not
    /// finite. value(double) writes 9 significant digits, enough for a float.
    JsonWriter& preciseValue(double number);
    JsonWriter& value(bool flag);
    JsonWriter& null();

    const std::string& str() const { return m_out; }

    static std::string escape(const std::string& text);

private:
    void separate();

    std::string m_out;
    std::vector<bool> m_first; ///< per open container: no element written yet
    bool m_afterKey = false;
};

} // namespace lens
