#include "labels/Labels.h"

#include "io/FileChecks.h"
#include "io/Text.h"

#include <fstream>
#include <sstream>

extern const char kImagenetClassesText[];

namespace lens {

namespace {

std::vector<std::string> splitLines(std::istream& in)
{
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(line);
    }
    while (!lines.empty() && lines.back().empty())
        lines.pop_back();
    return lines;
}

} // namespace

const std::vector<std::string>& imagenetLabels()
{
    static const std::vector<std::string> labels = [] {
        std::istringstream in(kImagenetClassesText);
        return splitLines(in);
    }();
    return labels;
}

Result<std::vector<std::string>> readLabelFile(const std::string& path)
{
    auto size = regularFileSize(path);
    if (!size)
        return size.error();
    if (*size > kMaxLabelFileBytes)
        return Error {path + ": the label file is " + std::to_string(*size) + " bytes, more than the "
                      + std::to_string(kMaxLabelFileBytes >> 20) + " MiB a list of class names can need"};
    std::ifstream in(path);
    if (!in)
        return Error {path + ": cannot open the label file"};
    auto lines = splitLines(in);
    if (lines.empty())
        return Error {path + ": the label file is empty (expected one class name per line)"};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!isValidUtf8(lines[i]))
            return Error {path + ": line " + std::to_string(i + 1)
                          + " is not valid UTF-8 (save the label file as UTF-8)"};
    }
    return lines;
}

std::vector<std::string> defaultLabels(int numClasses)
{
    if (numClasses == static_cast<int>(imagenetLabels().size()))
        return imagenetLabels();
    std::vector<std::string> labels;
    for (int i = 0; i < numClasses; ++i)
        labels.push_back("class " + std::to_string(i));
    return labels;
}

LabelChoice chooseLabels(const std::vector<std::string>& given,
                         const std::vector<std::string>& fromCheckpoint, int numClasses)
{
    if (!given.empty())
        return {given, "file"};
    if (static_cast<int>(fromCheckpoint.size()) == numClasses)
        return {fromCheckpoint, "checkpoint"};
    return {defaultLabels(numClasses),
            numClasses == static_cast<int>(imagenetLabels().size()) ? "imagenet" : "generic"};
}

} // namespace lens
