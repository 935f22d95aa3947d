#include "model/LoadReport.h"

namespace lens {

namespace {

void appendList(std::string& out, const char* what, const std::vector<std::string>& keys)
{
    if (keys.empty())
        return;
    out += "\n  " + std::to_string(keys.size()) + " " + what + ":";
    for (const auto& key : keys)
        out += " " + key;
}

} // namespace

std::string shapeToString(const std::vector<std::int64_t>& shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

std::string LoadReport::describeProblems() const
{
    std::string out;
    appendList(out, "missing from the checkpoint", missing);
    appendList(out, "unexpected in the checkpoint", unexpected);
    if (!mismatched.empty()) {
        out += "\n  " + std::to_string(mismatched.size()) + " with a different shape:";
        for (const auto& m : mismatched)
            out += " " + m.key + " (model " + shapeToString(m.expected) + ", checkpoint "
                + shapeToString(m.actual) + ")";
    }
    return out;
}

Error strictMismatchError(const LoadReport& report, const std::string& sourceName)
{
    return Error {sourceName + ": does not match the model strictly:" + report.describeProblems(),
                  ErrorKind::Mismatch, sourceName};
}

} // namespace lens
