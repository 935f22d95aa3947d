#pragma once

// A small command-line parser for the CLI's sub-commands: --name VALUE, --name=VALUE, flags, positionals.
// Unknown options are usage errors that name the option.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lens::cli {

class Args {
public:
    /// valueOptions take a value ("--topk 5"); flags do not ("--json").
    Args(std::set<std::string> valueOptions, std::set<std::string> flags);

    /// Parses argv-style words (without the program and command names). Returns an error message or "".
    std::string parse(const std::vector<std::string>& words);

    bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::string value(const std::string& name, const std::string& fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

    /// Parses an integer option in [min, max]; returns an error message or "" (and the value in out).
    std::string intValue(const std::string& name, int fallback, int min, int max, int& out) const;

private:
    std::set<std::string> m_valueOptions;
    std::set<std::string> m_flagOptions;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_flags;
    std::vector<std::string> m_positionals;
};

} // namespace lens::cli
