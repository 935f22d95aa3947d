#include "labels/Labels.h"

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
    std::ifstream in(path);
    if (!in)
        return Error {path + ": cannot open the label file"};
    auto lines = splitLines(in);
    if (lines.empty())
        return Error {path + ": the label file is empty (expected one class name per line)"};
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

} // namespace lens
