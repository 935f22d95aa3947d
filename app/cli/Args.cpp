#include "cli/Args.h"

namespace lens::cli {

Args::Args(std::set<std::string> valueOptions, std::set<std::string> flags)
    : m_valueOptions(std::move(valueOptions))
    , m_flagOptions(std::move(flags))
{ }

std::string Args::parse(const std::vector<std::string>& words)
{
    bool onlyPositionals = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (onlyPositionals || word.size() < 2 || word[0] != '-') {
            m_positionals.push_back(word);
            continue;
        }
        if (word == "--") {
            onlyPositionals = true;
            continue;
        }
        std::string name = word;
        std::optional<std::string> inlineValue;
        if (const auto eq = word.find('='); eq != std::string::npos) {
            name = word.substr(0, eq);
            inlineValue = word.substr(eq + 1);
        }
        if (m_flagOptions.count(name)) {
            if (inlineValue)
                return "option " + name + " takes no value";
            m_flags.insert(name);
        } else if (m_valueOptions.count(name)) {
            if (inlineValue) {
                m_values[name] = *inlineValue;
            } else if (i + 1 < words.size()) {
                m_values[name] = words[++i];
            } else {
                return "option " + name + " needs a value";
            }
        } else {
            return "unknown option " + name;
        }
    }
    return {};
}

std::optional<std::string> Args::value(const std::string& name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

std::string Args::value(const std::string& name, const std::string& fallback) const
{
    return value(name).value_or(fallback);
}

std::string Args::intValue(const std::string& name, int fallback, int min, int max, int& out) const
{
    out = fallback;
    auto text = value(name);
    if (!text)
        return {};
    try {
        std::size_t used = 0;
        const long parsed = std::stol(*text, &used);
        if (used == text->size() && parsed >= min && parsed <= max) {
            out = static_cast<int>(parsed);
            return {};
        }
    } catch (const std::exception&) { }
    return name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)
        + ", got '" + *text + "'";
}

} // namespace lens::cli
