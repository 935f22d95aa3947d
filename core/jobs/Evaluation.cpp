#include "jobs/Evaluation.h"

#include "batch/CsvCell.h"
#include "batch/JsonLine.h"
#include "batch/OutputScan.h"
#include "io/Json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace fs = std::filesystem;

namespace lens {

namespace {

// The class-map file is small text; a larger file is not one.
constexpr std::uintmax_t kMaxClassMapBytes = std::uintmax_t(16) << 20;
// A predictions row is short; a longer line is not one.
constexpr std::size_t kMaxRowBytes = std::size_t(1) << 20;

// Folder names compared with class names: ASCII case and '_' versus ' ' do not matter.
std::string normalised(const std::string& name)
{
    std::string out;
    for (char c : name) {
        if (c == '_')
            c = ' ';
        else if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        out += c;
    }
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos)
        return {};
    return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// The index of name among names: an exact match, else the only normalised one; -1 when none (or several).
int findName(const std::string& name, const std::vector<std::string>& names)
{
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name)
            return static_cast<int>(i);
    }
    const std::string key = normalised(name);
    int found = -1;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (normalised(names[i]) == key) {
            if (found >= 0)
                return -1;
            found = static_cast<int>(i);
        }
    }
    return found;
}

std::string listNames(const std::vector<std::string>& names)
{
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i == 10) {
            text += " and " + std::to_string(names.size() - 10) + " more";
            break;
        }
        text += (i == 0 ? "" : ", ") + ("'" + names[i] + "'");
    }
    return text;
}

bool parseInt(std::string_view text, int& out)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

bool parseFloat(std::string_view text, float& out)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// 9 significant digits: reads back as the same float, in C++ and in Python.
std::string floatText(float value)
{
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 9).ptr;
    return std::string(buffer, end);
}

// folder -> index, from the class-map file's lines that name folders present.
Result<std::map<std::string, int>> readClassMap(const std::string& path,
                                                const std::vector<std::string>& labels)
{
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (error || !fs::is_regular_file(path, error))
        return Error {path + ": cannot read the class map (not a regular file)", ErrorKind::Usage, path};
    if (size > kMaxClassMapBytes)
        return Error {path + ": larger than a class map can be (" + std::to_string(kMaxClassMapBytes >> 20)
                          + " MiB)",
                      ErrorKind::Usage, path};
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error {path + ": cannot read the class map", ErrorKind::Usage, path};
    std::map<std::string, int> map;
    std::map<std::string, int> lineOf;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        const std::string where = path + " line " + std::to_string(number) + ": ";
        const auto tab = line.find('\t');
        if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
            return Error {where + "expected 'folder<TAB>index' or 'folder<TAB>class name'", ErrorKind::Usage,
                          path};
        const std::string folder = line.substr(0, tab);
        const std::string target = line.substr(tab + 1);
        int index = -1;
        if (std::all_of(target.begin(), target.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            if (!parseInt(target, index) || index >= static_cast<int>(labels.size()))
                return Error {where + "class " + target + " is not one of the model's "
                                  + std::to_string(labels.size()) + " classes (0.."
                                  + std::to_string(labels.size() - 1) + ")",
                              ErrorKind::Usage, path};
        } else {
            index = findName(target, labels);
            if (index < 0)
                return Error {where + "'" + target + "' is not the name of one of the model's classes",
                              ErrorKind::Usage, path};
        }
        if (auto [it, added] = lineOf.emplace(folder, number); !added)
            return Error {where + "folder '" + folder + "' is mapped already on line "
                              + std::to_string(it->second),
                          ErrorKind::Usage, path};
        map[folder] = index;
    }
    return map;
}

struct Accumulator {
    std::size_t images = 0, correct = 0, predicted = 0, errors = 0;
    std::string name;
    std::set<std::string> folders;
};

} // namespace

const char* mappingRuleName(MappingRule rule)
{
    switch (rule) {
    case MappingRule::Checkpoint:
        return "checkpoint";
    case MappingRule::ClassMap:
        return "class-map";
    case MappingRule::Names:
        return "names";
    case MappingRule::ImageFolder:
        break;
    }
    return "imagefolder";
}

Result<ClassMapping> mapClassFolders(const std::vector<std::string>& roots, const MappingOptions& options,
                                     std::size_t* looseFiles)
{
    std::map<std::string, ClassFolder> byName;
    std::size_t loose = 0;
    for (const auto& root : roots) {
        std::error_code error;
        if (!fs::is_directory(root, error))
            return Error {root + ": not a folder; evaluate takes folders with one subfolder per class",
                          ErrorKind::Usage, root};
        fs::directory_iterator it(root, error), end;
        if (error)
            return Error {root + ": cannot read the folder (" + error.message() + ")", ErrorKind::Failed,
                          root};
        for (; it != end; it.increment(error)) {
            if (error)
                return Error {root + ": cannot read the folder (" + error.message() + ")", ErrorKind::Failed,
                              root};
            const std::string name = it->path().filename().string();
            if (name.empty() || name[0] == '.')
                continue;
            std::error_code statError;
            if (it->is_directory(statError)) {
                ClassFolder& folder = byName[name];
                folder.name = name;
                folder.paths.push_back((fs::path(root) / name).string());
            } else {
                ++loose;
            }
        }
    }
    if (looseFiles)
        *looseFiles = loose;
    if (byName.empty()) {
        std::string list;
        for (const auto& root : roots)
            list += (list.empty() ? "" : ", ") + root;
        return Error {list
                          + ": no class subfolders; evaluate expects one subfolder per class (ImageFolder's "
                            "layout)",
                      ErrorKind::Usage};
    }

    std::map<std::string, int> classMap;
    if (!options.classMapFile.empty()) {
        auto read = readClassMap(options.classMapFile, options.modelLabels);
        if (!read)
            return read.error();
        classMap = std::move(*read);
    }

    ClassMapping mapping;
    std::vector<std::string> unknown;
    std::size_t mapped = 0;
    for (auto& [name, folder] : byName) {
        folder.index = -1;
        if (!options.checkpointLabels.empty()) {
            folder.index = findName(name, options.checkpointLabels);
            folder.rule = MappingRule::Checkpoint;
        }
        if (folder.index < 0) {
            if (auto it = classMap.find(name); it != classMap.end()) {
                folder.index = it->second;
                folder.rule = MappingRule::ClassMap;
            }
        }
        if (folder.index < 0) {
            folder.index = findName(name, options.modelLabels);
            folder.rule = MappingRule::Names;
        }
        if (folder.index >= 0)
            ++mapped;
    }

    const std::size_t classes = options.modelLabels.size();
    if (mapped == 0) {
        if (byName.size() != classes)
            return Error {
                "no folder is named after a class of the model, so ImageFolder's rule (sorted folder "
                "names are the classes 0..N-1) applies, but there are "
                    + std::to_string(byName.size()) + " folders for the model's " + std::to_string(classes)
                    + " classes; name the folders after the classes or give --class-map FILE",
                ErrorKind::Usage};
        int index = 0;
        for (auto& [name, folder] : byName) {
            folder.index = index++;
            folder.rule = MappingRule::ImageFolder;
            mapping.folders.push_back(std::move(folder));
        }
        mapping.rule = mappingRuleName(MappingRule::ImageFolder);
        mapping.description = std::to_string(mapping.folders.size())
            + " folders mapped by ImageFolder's rule (sorted names are the classes 0.."
            + std::to_string(classes - 1) + ")";
        return mapping;
    }

    std::set<std::string> rules;
    for (auto& [name, folder] : byName) {
        if (folder.index < 0) {
            unknown.push_back(name);
            continue;
        }
        rules.insert(mappingRuleName(folder.rule));
        mapping.folders.push_back(std::move(folder));
    }
    if (!unknown.empty() && !options.ignoreUnknown)
        return Error {std::to_string(unknown.size()) + " folder" + (unknown.size() == 1 ? "" : "s")
                          + (unknown.size() == 1 ? " matches" : " match")
                          + " no class of the model: " + listNames(unknown)
                          + "; map them with --class-map FILE, or leave them out with --ignore-unknown",
                      ErrorKind::Usage};
    mapping.ignored = std::move(unknown);
    mapping.rule = rules.size() == 1 ? *rules.begin() : "mixed";
    const std::map<std::string, std::string> how {{"checkpoint", "to the checkpoint's classes"},
                                                  {"class-map", "by the class map"},
                                                  {"names", "by their names to the model's classes"}};
    mapping.description = std::to_string(mapping.folders.size()) + " folders mapped "
        + (rules.size() == 1 ? how.at(*rules.begin()) : "by several rules (checkpoint, class map, names)");
    if (!mapping.ignored.empty())
        mapping.description += "; " + std::to_string(mapping.ignored.size()) + " left out";
    return mapping;
}

const std::vector<std::string>& evaluationColumns()
{
    static const std::vector<std::string> columns {"true_index", "true_label",    "true_folder",
                                                   "mapped_by",  "correct",       "rank_of_true",
                                                   "true_prob",  "true_log_prob", "confidence"};
    return columns;
}

std::vector<ExtraCell> evaluationCells(const EvaluationRecord& record)
{
    std::vector<ExtraCell> cells {{std::to_string(record.trueIndex), true},
                                  {record.trueLabel, false},
                                  {record.folder, false},
                                  {record.rule, false}};
    if (!record.error.empty()) {
        for (int i = 0; i < 5; ++i)
            cells.push_back({"", true});
        return cells;
    }
    cells.push_back({record.predicted == record.trueIndex ? "1" : "0", true});
    cells.push_back({std::to_string(record.rankOfTrue), true});
    cells.push_back({floatText(record.trueProbability), true});
    cells.push_back({floatText(record.trueLogProbability), true});
    cells.push_back({floatText(record.confidence), true});
    return cells;
}

EvaluationRecord evaluationRecord(const BatchRow& row, const ClassFolder& folder,
                                  const std::vector<std::string>& labels)
{
    EvaluationRecord record;
    record.path = row.path;
    record.trueIndex = folder.index;
    record.trueLabel = folder.index >= 0 && folder.index < static_cast<int>(labels.size())
        ? labels[folder.index]
        : "class " + std::to_string(folder.index);
    record.folder = folder.name;
    record.rule = mappingRuleName(folder.rule);
    record.error = row.error;
    if (!row.error.empty())
        return record;
    if (row.top.empty() || folder.index < 0 || folder.index >= static_cast<int>(row.logits.size())) {
        record.error = "no logits for the true class";
        return record;
    }
    record.predicted = row.top.front().index;
    record.predictedLabel = row.top.front().label;
    record.confidence = row.top.front().probability;
    // The softmax as topK() computes it (double, shifted by the maximum), and its log.
    const auto& logits = row.logits;
    const float trueLogit = logits[folder.index];
    const double maxLogit = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    int above = 0;
    for (std::size_t j = 0; j < logits.size(); ++j) {
        sum += std::exp(static_cast<double>(logits[j]) - maxLogit);
        if (logits[j] > trueLogit || (logits[j] == trueLogit && static_cast<int>(j) < folder.index))
            ++above;
    }
    record.rankOfTrue = above + 1;
    const double shifted = static_cast<double>(trueLogit) - maxLogit;
    record.trueProbability = static_cast<float>(std::exp(shifted) / sum);
    record.trueLogProbability = static_cast<float>(shifted - std::log(sum));
    return record;
}

namespace {

Proportion proportion(std::size_t hits, std::size_t total)
{
    Proportion p;
    p.hits = hits;
    p.total = total;
    if (total == 0)
        return p;
    // Wilson score interval at 95% (z = the 0.975 quantile of the standard normal).
    const double z = 1.959963984540054;
    const double n = static_cast<double>(total);
    const double phat = static_cast<double>(hits) / n;
    const double denominator = 1 + z * z / n;
    const double centre = (phat + z * z / (2 * n)) / denominator;
    const double half = z * std::sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denominator;
    p.value = phat;
    p.low = hits == 0 ? 0.0 : std::max(0.0, centre - half);
    p.high = hits == total ? 1.0 : std::min(1.0, centre + half);
    return p;
}

} // namespace

EvaluationReport buildReport(std::vector<EvaluationRecord> records, const RunInfo& run, int topk)
{
    std::sort(records.begin(), records.end(),
              [](const EvaluationRecord& a, const EvaluationRecord& b) { return a.path < b.path; });
    EvaluationReport report;
    report.run = run;
    report.topk = topk;

    std::map<std::string, ClassFolder> folders;
    std::set<std::string> rules;
    std::map<int, Accumulator> byTrue;
    std::map<int, std::string> predictedNames;
    std::map<std::pair<int, int>, std::size_t> cells;
    std::size_t top1 = 0, top5 = 0, topK = 0;
    double nll = 0;
    std::vector<ReliabilityBin> bins(kCalibrationBins);
    std::vector<double> binConfidence(kCalibrationBins, 0.0);
    std::vector<std::size_t> binCorrect(kCalibrationBins, 0);

    for (const auto& record : records) {
        ClassFolder& folder = folders[record.folder];
        folder.name = record.folder;
        folder.index = record.trueIndex;
        folder.rule = record.rule == "checkpoint" ? MappingRule::Checkpoint
            : record.rule == "class-map"          ? MappingRule::ClassMap
            : record.rule == "names"              ? MappingRule::Names
                                                  : MappingRule::ImageFolder;
        rules.insert(record.rule);
        Accumulator& truth = byTrue[record.trueIndex];
        truth.name = record.trueLabel;
        truth.folders.insert(record.folder);
        if (!record.error.empty()) {
            ++truth.errors;
            report.failed.push_back({record.path, record.error});
            continue;
        }
        ++report.images;
        ++truth.images;
        const bool correct = record.predicted == record.trueIndex;
        if (correct)
            ++truth.correct;
        predictedNames[record.predicted] = record.predictedLabel;
        ++cells[{record.trueIndex, record.predicted}];
        top1 += record.rankOfTrue == 1;
        top5 += record.rankOfTrue <= 5;
        topK += record.rankOfTrue <= topk;
        nll -= static_cast<double>(record.trueLogProbability);
        const double confidence = record.confidence;
        const int bin = std::clamp(static_cast<int>(confidence * kCalibrationBins), 0, kCalibrationBins - 1);
        ++bins[bin].count;
        binConfidence[bin] += confidence;
        binCorrect[bin] += correct;
    }
    report.errors = report.failed.size();
    report.mappingRule = rules.empty() ? "" : rules.size() == 1 ? *rules.begin() : "mixed";
    for (auto& [name, folder] : folders)
        report.mapping.push_back(std::move(folder));

    const std::size_t n = report.images;
    report.top1 = proportion(top1, n);
    report.top5 = proportion(top5, n);
    report.topK = proportion(topK, n);
    report.nll = n ? nll / static_cast<double>(n) : 0;
    double ece = 0;
    for (int b = 0; b < kCalibrationBins; ++b) {
        ReliabilityBin& bin = bins[b];
        bin.lower = static_cast<double>(b) / kCalibrationBins;
        bin.upper = static_cast<double>(b + 1) / kCalibrationBins;
        if (bin.count == 0)
            continue;
        bin.confidence = binConfidence[b] / static_cast<double>(bin.count);
        bin.accuracy = static_cast<double>(binCorrect[b]) / static_cast<double>(bin.count);
        ece += static_cast<double>(bin.count) / static_cast<double>(n)
            * std::abs(bin.accuracy - bin.confidence);
    }
    report.ece = ece;
    report.reliability = std::move(bins);

    for (const auto& [index, name] : predictedNames) {
        report.predictedClasses.push_back(index);
        report.predictedNames.push_back(name);
    }
    std::map<int, std::size_t> predictedCount;
    for (const auto& [cell, count] : cells)
        predictedCount[cell.second] += count;

    double recallSum = 0;
    std::size_t classesWithImages = 0;
    for (const auto& [index, truth] : byTrue) {
        ClassResult result;
        result.index = index;
        result.name = truth.name;
        for (const auto& folder : truth.folders)
            result.folder += (result.folder.empty() ? "" : ", ") + folder;
        result.images = truth.images;
        result.correct = truth.correct;
        result.errors = truth.errors;
        result.predicted = predictedCount.count(index) ? predictedCount[index] : 0;
        result.recall
            = truth.images ? static_cast<double>(truth.correct) / static_cast<double>(truth.images) : 0;
        result.precision = result.predicted
            ? static_cast<double>(truth.correct) / static_cast<double>(result.predicted)
            : 0;
        result.f1 = result.precision + result.recall > 0
            ? 2 * result.precision * result.recall / (result.precision + result.recall)
            : 0;
        std::vector<std::size_t> row;
        for (int predicted : report.predictedClasses) {
            const auto it = cells.find({index, predicted});
            const std::size_t count = it == cells.end() ? 0 : it->second;
            row.push_back(count);
            if (predicted != index && count > result.confusedCount) {
                result.confusedCount = count;
                result.confusedWith = predicted;
                result.confusedWithName = predictedNames[predicted];
            }
        }
        report.confusion.push_back(std::move(row));
        if (truth.images) {
            recallSum += result.recall;
            ++classesWithImages;
        }
        report.classes.push_back(std::move(result));
    }
    report.meanClassAccuracy = classesWithImages ? recallSum / static_cast<double>(classesWithImages) : 0;
    report.records = std::move(records);
    return report;
}

std::vector<std::string> cellImages(const EvaluationReport& report, int trueIndex, int predictedIndex)
{
    std::vector<std::string> paths;
    for (const auto& record : report.records) {
        if (record.error.empty() && record.trueIndex == trueIndex && record.predicted == predictedIndex)
            paths.push_back(record.path);
    }
    return paths;
}

std::vector<const ClassResult*> worstClasses(const EvaluationReport& report, std::size_t count)
{
    std::vector<const ClassResult*> order;
    for (const auto& result : report.classes) {
        if (result.images > 0)
            order.push_back(&result);
    }
    std::stable_sort(order.begin(), order.end(), [](const ClassResult* a, const ClassResult* b) {
        if (a->recall != b->recall)
            return a->recall < b->recall;
        if (a->images != b->images)
            return a->images > b->images;
        return a->index < b->index;
    });
    if (order.size() > count)
        order.resize(count);
    return order;
}

namespace {

// One predictions file, row by row: CSV records may span lines while a quoted cell holds a line break.
class PredictionsReader {
public:
    PredictionsReader(std::string path, BatchWriter::Format format)
        : m_path(std::move(path))
        , m_format(format)
        , m_in(m_path, std::ios::binary)
    { }

    Result<PredictionsFile> read()
    {
        if (!m_in)
            return Error {m_path + ": cannot read it", ErrorKind::Failed, m_path};
        std::string first;
        if (!nextLine(first))
            return Error {m_path + ": empty; not the predictions of an evaluation", ErrorKind::Usage, m_path};
        auto run = parseRunHeader(first, m_format);
        if (!run)
            return Error {m_path
                              + ": does not begin with a resnet-lens header, so it is not the predictions of "
                                "an evaluation",
                          ErrorKind::Usage, m_path};
        PredictionsFile file;
        file.run = *run;
        if (m_format == BatchWriter::Format::Csv) {
            if (auto columns = readCsvColumns(); !columns)
                return columns.error();
        } else if (auto columns = jsonColumns(first); !columns) {
            return columns.error();
        }
        std::set<std::string> seen;
        for (;;) {
            std::string line;
            const std::size_t number = m_line + 1;
            if (!nextLine(line))
                break;
            if (line.empty())
                continue;
            auto record = m_format == BatchWriter::Format::Csv ? csvRecord(line) : jsonRecord(line);
            if (!record)
                return Error {m_path + " line " + std::to_string(number) + ": " + record.message(),
                              ErrorKind::Failed, m_path};
            if (!seen.insert(record->path).second)
                return Error {m_path + " line " + std::to_string(number) + ": a second row for "
                                  + record->path,
                              ErrorKind::Failed, m_path};
            file.records.push_back(std::move(*record));
        }
        file.run.extraColumns = evaluationColumns();
        return file;
    }

private:
    bool nextLine(std::string& line)
    {
        if (!std::getline(m_in, line))
            return false;
        ++m_line;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return true;
    }

    Result<void> readCsvColumns()
    {
        std::string header;
        std::vector<std::string> names;
        std::size_t count = 0;
        if (!nextLine(header) || !splitCsvRecord(header, names, count))
            return Error {m_path + ": line 2 is not a header row", ErrorKind::Usage, m_path};
        names.resize(count);
        for (std::size_t i = 0; i < names.size(); ++i)
            m_column[names[i]] = i;
        m_columns = count;
        for (const char* name : {"path", "status", "error", "top1_index", "top1_label"}) {
            if (!m_column.count(name))
                return Error {m_path + ": no column '" + name + "'; not a batch output", ErrorKind::Usage,
                              m_path};
        }
        return evaluationColumnsIn([&](const std::string& name) { return m_column.count(name) > 0; });
    }

    // Every column of evaluationColumns() is there; else the file is a batch output, not predictions.
    template <typename Has> Result<void> evaluationColumnsIn(const Has& has) const
    {
        for (const auto& name : evaluationColumns()) {
            if (!has(name))
                return Error {m_path + ": no column '" + name
                                  + "'; it is a batch output, not the predictions of an evaluation (evaluate "
                                    "--predictions writes those)",
                              ErrorKind::Usage, m_path};
        }
        return {};
    }

    Result<void> jsonColumns(const std::string& first)
    {
        auto parsed = parseJsonLine(first);
        const JsonValue* run = parsed ? parsed->find("run") : nullptr;
        const JsonValue* columns = run ? run->find("columns") : nullptr;
        std::set<std::string> names;
        if (columns && columns->kind == JsonKind::Array) {
            for (const auto& item : columns->items)
                names.insert(item.text);
        }
        return evaluationColumnsIn([&](const std::string& name) { return names.count(name) > 0; });
    }

    Result<EvaluationRecord> csvRecord(std::string record)
    {
        std::size_t count = 0;
        while (!splitCsvRecord(record, m_fields, count)) {
            // A quoted cell with a line break continues on the next line.
            std::string more;
            if (std::count(record.begin(), record.end(), '"') % 2 == 0 || record.size() > kMaxRowBytes
                || !nextLine(more))
                return Error {"not a CSV row as evaluate writes it"};
            record += "\n" + more;
        }
        if (count != m_columns)
            return Error {std::to_string(count) + " columns instead of " + std::to_string(m_columns)};
        const auto cell = [&](const char* name) -> const std::string& { return m_fields[m_column.at(name)]; };
        const auto text = [&](const char* name) -> Result<std::string> {
            auto original = csvCellOriginal(cell(name));
            if (!original)
                return Error {std::string("the ") + name + " cell is not text evaluate writes"};
            return *original;
        };
        EvaluationRecord r;
        auto path = text("path");
        auto trueLabel = text("true_label");
        auto folder = text("true_folder");
        auto rule = text("mapped_by");
        for (auto* part : {&path, &trueLabel, &folder, &rule}) {
            if (!*part)
                return part->error();
        }
        r.path = *path;
        r.trueLabel = *trueLabel;
        r.folder = *folder;
        r.rule = *rule;
        if (!parseInt(cell("true_index"), r.trueIndex) || r.path.empty())
            return Error {"no path or true class"};
        if (cell("status") == "error") {
            auto error = text("error");
            if (!error)
                return error.error();
            r.error = error->empty() ? "error" : *error;
            return r;
        }
        if (cell("status") != "ok")
            return Error {"status is neither ok nor error"};
        auto predictedLabel = text("top1_label");
        if (!predictedLabel)
            return predictedLabel.error();
        r.predictedLabel = *predictedLabel;
        if (!parseInt(cell("top1_index"), r.predicted) || !parseInt(cell("rank_of_true"), r.rankOfTrue)
            || !parseFloat(cell("true_prob"), r.trueProbability)
            || !parseFloat(cell("true_log_prob"), r.trueLogProbability)
            || !parseFloat(cell("confidence"), r.confidence))
            return Error {"the evaluation's numbers are not numbers"};
        return r;
    }

    Result<EvaluationRecord> jsonRecord(const std::string& line)
    {
        auto parsed = parseJsonLine(line);
        if (!parsed)
            return Error {"not JSON: " + parsed.message()};
        if (parsed->kind != JsonKind::Object)
            return Error {"not a JSON object"};
        const auto string = [&](const char* key, std::string& out) {
            const JsonValue* v = parsed->find(key);
            if (!v || v->kind != JsonKind::String)
                return false;
            out = v->text;
            return true;
        };
        const auto integer = [&](const JsonValue* v, int& out) {
            if (!v || v->kind != JsonKind::Number || !v->isInteger || v->integer < INT32_MIN
                || v->integer > INT32_MAX)
                return false;
            out = static_cast<int>(v->integer);
            return true;
        };
        const auto number = [&](const char* key, float& out) {
            const JsonValue* v = parsed->find(key);
            if (!v || v->kind != JsonKind::Number)
                return false;
            out = static_cast<float>(v->number);
            return true;
        };
        EvaluationRecord r;
        std::string status;
        if (!string("path", r.path) || r.path.empty() || !string("status", status)
            || !integer(parsed->find("true_index"), r.trueIndex) || !string("true_label", r.trueLabel)
            || !string("true_folder", r.folder) || !string("mapped_by", r.rule))
            return Error {"no path, status or true class"};
        if (status == "error") {
            if (!string("error", r.error))
                return Error {"an error row without \"error\""};
            if (r.error.empty())
                r.error = "error";
            return r;
        }
        if (status != "ok")
            return Error {"status is neither ok nor error"};
        const JsonValue* top = parsed->find("top");
        if (!top || top->kind != JsonKind::Array || top->items.empty())
            return Error {"an ok row without \"top\""};
        const JsonValue& best = top->items.front();
        const JsonValue* label = best.find("label");
        if (!integer(best.find("index"), r.predicted) || !label || label->kind != JsonKind::String)
            return Error {"a class without index or label"};
        r.predictedLabel = label->text;
        if (!integer(parsed->find("rank_of_true"), r.rankOfTrue) || !number("true_prob", r.trueProbability)
            || !number("true_log_prob", r.trueLogProbability) || !number("confidence", r.confidence))
            return Error {"the evaluation's numbers are not numbers"};
        return r;
    }

    std::string m_path;
    BatchWriter::Format m_format;
    std::ifstream m_in;
    std::size_t m_line = 0;
    std::map<std::string, std::size_t> m_column;
    std::size_t m_columns = 0;
    std::vector<std::string> m_fields;
};

void writeProportion(JsonWriter& json, const Proportion& p)
{
    json.beginArray().preciseValue(p.low).preciseValue(p.high).endArray();
}

} // namespace

Result<PredictionsFile> readPredictions(const std::string& path)
{
    auto format = BatchWriter::formatFor(path);
    if (!format)
        return format.error();
    return PredictionsReader(path, *format).read();
}

Result<EvaluationReport> mergePredictions(const std::vector<std::string>& files)
{
    if (files.empty())
        return Error {"no predictions files to merge", ErrorKind::Usage};
    std::vector<EvaluationRecord> records;
    std::map<std::string, std::string> fileOf;
    RunInfo run;
    for (const auto& path : files) {
        auto file = readPredictions(path);
        if (!file)
            return file.error();
        if (path == files.front()) {
            run = file->run;
        } else if (file->run.model != run.model || file->run.weights != run.weights
                   || file->run.preset != run.preset || file->run.topk != run.topk) {
            return Error {path + " was written with model=" + file->run.model
                              + " weights=" + file->run.weights + " preset=" + file->run.preset
                              + " topk=" + std::to_string(file->run.topk) + ", " + files.front()
                              + " with model=" + run.model + " weights=" + run.weights
                              + " preset=" + run.preset + " topk=" + std::to_string(run.topk)
                              + ": only the shards of one evaluation can be merged",
                          ErrorKind::Usage};
        }
        for (auto& record : file->records) {
            if (auto [it, added] = fileOf.emplace(record.path, path); !added)
                return Error {record.path + " has a row in " + it->second + " and in " + path
                                  + ": only shards that share no image can be merged",
                              ErrorKind::Usage};
            records.push_back(std::move(record));
        }
    }
    return buildReport(std::move(records), run, run.topk);
}

std::string reportJson(const EvaluationReport& report)
{
    JsonWriter json;
    json.beginObject();
    json.key("images").value(static_cast<std::int64_t>(report.images));
    json.key("errors").value(static_cast<std::int64_t>(report.errors));
    json.key("top1").preciseValue(report.top1.value);
    json.key("top5").preciseValue(report.top5.value);
    json.key("top_k")
        .beginObject()
        .key("k")
        .value(report.topk)
        .key("accuracy")
        .preciseValue(report.topK.value);
    json.key("interval");
    writeProportion(json, report.topK);
    json.endObject();
    json.key("intervals").beginObject().key("method").value("wilson").key("level").preciseValue(0.95);
    json.key("top1");
    writeProportion(json, report.top1);
    json.key("top5");
    writeProportion(json, report.top5);
    json.endObject();
    json.key("mean_class_accuracy").preciseValue(report.meanClassAccuracy);
    json.key("ece").preciseValue(report.ece);
    json.key("nll").preciseValue(report.nll);
    json.key("mapping").beginObject().key("rule").value(report.mappingRule).key("folders").beginArray();
    for (const auto& folder : report.mapping) {
        json.beginObject().key("folder").value(folder.name).key("index").value(folder.index);
        json.key("rule").value(mappingRuleName(folder.rule)).endObject();
    }
    json.endArray().endObject();
    json.key("run")
        .beginObject()
        .key("model")
        .value(report.run.model)
        .key("weights")
        .value(report.run.weights);
    json.key("preset").value(report.run.preset).key("device").value(report.run.device);
    json.key("topk").value(report.run.topk).endObject();
    json.key("classes").beginArray();
    for (const auto& c : report.classes) {
        json.beginObject().key("name").value(c.name).key("index").value(c.index).key("folder").value(
            c.folder);
        json.key("images").value(static_cast<std::int64_t>(c.images));
        json.key("correct").value(static_cast<std::int64_t>(c.correct));
        json.key("predicted").value(static_cast<std::int64_t>(c.predicted));
        json.key("precision").preciseValue(c.precision).key("recall").preciseValue(c.recall);
        json.key("f1").preciseValue(c.f1).key("errors").value(static_cast<std::int64_t>(c.errors));
        json.key("confused_with");
        if (c.confusedWith < 0) {
            json.null();
        } else {
            json.beginObject().key("index").value(c.confusedWith).key("name").value(c.confusedWithName);
            json.key("count").value(static_cast<std::int64_t>(c.confusedCount)).endObject();
        }
        json.endObject();
    }
    json.endArray();
    json.key("confusion").beginObject().key("rows").beginArray();
    for (const auto& c : report.classes)
        json.value(c.index);
    json.endArray().key("columns").beginArray();
    for (int index : report.predictedClasses)
        json.value(index);
    json.endArray().key("column_names").beginArray();
    for (const auto& name : report.predictedNames)
        json.value(name);
    json.endArray().key("counts").beginArray();
    for (const auto& row : report.confusion) {
        json.beginArray();
        for (std::size_t count : row)
            json.value(static_cast<std::int64_t>(count));
        json.endArray();
    }
    json.endArray().endObject();
    json.key("reliability").beginArray();
    for (const auto& bin : report.reliability) {
        json.beginObject().key("lower").preciseValue(bin.lower).key("upper").preciseValue(bin.upper);
        json.key("count").value(static_cast<std::int64_t>(bin.count));
        json.key("confidence").preciseValue(bin.confidence).key("accuracy").preciseValue(bin.accuracy);
        json.endObject();
    }
    json.endArray();
    json.key("failed").beginArray();
    for (const auto& failure : report.failed)
        json.beginObject().key("path").value(failure.path).key("error").value(failure.error).endObject();
    json.endArray();
    json.endObject();
    return json.str() + "\n";
}

std::string confusionCsv(const EvaluationReport& report)
{
    std::string out = "true_index,true_label";
    for (std::size_t j = 0; j < report.predictedClasses.size(); ++j)
        out += "," + csvField(std::to_string(report.predictedClasses[j]) + " " + report.predictedNames[j]);
    out += "\n";
    for (std::size_t i = 0; i < report.classes.size(); ++i) {
        out += std::to_string(report.classes[i].index) + "," + csvField(report.classes[i].name);
        for (std::size_t count : report.confusion[i])
            out += "," + std::to_string(count);
        out += "\n";
    }
    return out;
}

} // namespace lens
