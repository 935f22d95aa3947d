#include "weights/Catalog.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

extern const char kWeightsCatalogText[];

namespace lens {

namespace {

const char* kDefaultBaseUrl = "https://download.pytorch.org/models/";

std::vector<std::string> splitTabs(const std::string& line)
{
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab - start));
        if (tab == std::string::npos)
            return fields;
        start = tab + 1;
    }
}

double toDouble(const std::string& text, const std::string& line)
{
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size())
        throw std::logic_error("weights catalog: bad number '" + text + "' in: " + line);
    return value;
}

std::int64_t toInt(const std::string& text, const std::string& line)
{
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size())
        throw std::logic_error("weights catalog: bad integer '" + text + "' in: " + line);
    return value;
}

// The catalog is compiled in: a malformed line is a build mistake, caught by tst_catalog, not a user error.
std::vector<WeightsInfo> parseCatalog(const char* text)
{
    std::vector<WeightsInfo> entries;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const std::vector<std::string> f = splitTabs(line);
        if (f.size() != 11)
            throw std::logic_error("weights catalog: expected 11 tab-separated fields in: " + line);
        WeightsInfo w;
        w.name = f[0];
        w.arch = f[1];
        w.torchvisionName = f[2];
        w.url = f[3];
        w.fileName = w.url.substr(w.url.rfind('/') + 1);
        w.hashPrefix = f[4];
        w.preset = f[5];
        w.acc1 = toDouble(f[6], line);
        w.acc5 = toDouble(f[7], line);
        w.params = toInt(f[8], line);
        w.gflops = toDouble(f[9], line);
        w.sizeBytes = toInt(f[10], line);
        entries.push_back(std::move(w));
    }
    return entries;
}

} // namespace

const std::vector<WeightsInfo>& weightsCatalog()
{
    static const std::vector<WeightsInfo> catalog = parseCatalog(kWeightsCatalogText);
    return catalog;
}

Result<WeightsInfo> weightsByName(const std::string& name)
{
    std::string known;
    for (const WeightsInfo& w : weightsCatalog()) {
        if (w.name == name)
            return w;
        known += (known.empty() ? "" : ", ") + w.name;
    }
    return Error {"unknown weights '" + name + "'; known weights: " + known, ErrorKind::Usage, name};
}

const WeightsInfo* weightsByFileName(const std::string& fileName)
{
    for (const WeightsInfo& w : weightsCatalog()) {
        if (w.fileName == fileName)
            return &w;
    }
    return nullptr;
}

std::string weightsBaseUrl()
{
    const char* mirror = std::getenv("RESNET_LENS_WEIGHTS_URL");
    std::string base = mirror && *mirror ? mirror : kDefaultBaseUrl;
    if (base.back() != '/')
        base += '/';
    return base;
}

std::string weightsUrl(const WeightsInfo& weights)
{
    const char* mirror = std::getenv("RESNET_LENS_WEIGHTS_URL");
    if (!mirror || !*mirror)
        return weights.url;
    return weightsBaseUrl() + weights.fileName;
}

std::string hashPrefixFromFileName(const std::string& fileName)
{
    const std::size_t dash = fileName.rfind('-');
    if (dash == std::string::npos)
        return {};
    std::size_t end = dash + 1;
    while (
        end < fileName.size()
        && ((fileName[end] >= '0' && fileName[end] <= '9') || (fileName[end] >= 'a' && fileName[end] <= 'f')))
        ++end;
    if (end == fileName.size() || fileName[end] != '.' || end - dash - 1 < 8)
        return {};
    return fileName.substr(dash + 1, end - dash - 1);
}

} // namespace lens
