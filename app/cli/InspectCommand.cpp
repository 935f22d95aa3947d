#include "cli/Args.h"
#include "cli/Commands.h"
#include "inspect/Inspection.h"
#include "io/Json.h"
#include "io/Text.h"
#include "labels/Labels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

namespace lens::cli {

namespace {

const char* kInspectUsage
    = "usage: resnet-lens-cli inspect CHECKPOINT [--arch A] [--strict|--partial] [--json] "
      "[--against OTHER] [--labels FILE] [--ignore-unsafe-objects]\n"
      "Exit 0 when it loads strictly, 3 when it loads only partially, 2 when it cannot be loaded or when\n"
      "loading it in Python would run code (it is shown either way; --ignore-unsafe-objects judges its\n"
      "tensors alone).";

std::string withCommas(std::int64_t value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

void shapeJson(JsonWriter& json, const std::vector<std::int64_t>& shape)
{
    json.beginArray();
    for (auto size : shape)
        json.value(size);
    json.endArray();
}

void stringsJson(JsonWriter& json, const std::string& key, const std::vector<std::string>& values)
{
    json.key(key).beginArray();
    for (const auto& value : values)
        json.value(value);
    json.endArray();
}

void statJson(JsonWriter& json, const char* key, bool has, double value)
{
    json.key(key);
    if (has)
        json.value(value);
    else
        json.null();
}

std::string toJson(const Inspection& inspection, const Comparison* comparison)
{
    JsonWriter json;
    json.beginObject();
    json.key("schema_version").value(1);
    json.key("path").value(inspection.path);
    json.key("format").value(inspection.format);
    json.key("verdict").value(loadVerdictName(inspection.verdict));
    json.key("problem").value(verdictProblem(inspection));
    json.key("architecture");
    if (inspection.architectureFound) {
        json.beginObject();
        json.key("name").value(inspection.architecture.name);
        json.key("num_classes").value(inspection.architecture.numClasses);
        json.key("parameters").value(inspection.parameterCount);
        json.endObject();
    } else {
        json.null();
    }
    json.key("tensor_count").value(static_cast<std::int64_t>(inspection.tensors.size()));
    json.key("total_elements").value(inspection.totalElements);
    json.key("dangers").beginArray();
    for (const auto& danger : inspection.dangers)
        json.beginObject().key("global").value(danger.global).key("action").value(danger.action).endObject();
    json.endArray();
    stringsJson(json, "fixes", inspection.fixes);
    stringsJson(json, "warnings", inspection.warnings);
    json.key("labels").beginObject();
    json.key("source").value(inspection.labelSource);
    json.key("count").value(static_cast<std::int64_t>(inspection.labels.size()));
    json.endObject();

    const LoadReport& report = inspection.report;
    json.key("load").beginObject();
    stringsJson(json, "matched", report.matched);
    stringsJson(json, "missing", report.missing);
    stringsJson(json, "unexpected", report.unexpected);
    json.key("mismatched").beginArray();
    for (const auto& m : report.mismatched) {
        json.beginObject().key("key").value(m.key).key("model_shape");
        shapeJson(json, m.expected);
        json.key("checkpoint_shape");
        shapeJson(json, m.actual);
        json.endObject();
    }
    json.endArray();
    stringsJson(json, "converted", report.converted);
    json.endObject();

    json.key("tensors").beginArray();
    for (const auto& t : inspection.tensors) {
        json.beginObject();
        json.key("name").value(t.name);
        json.key("shape");
        shapeJson(json, t.shape);
        json.key("dtype").value(t.dtype);
        json.key("numel").value(t.numel);
        statJson(json, "min", t.hasStats, t.min);
        statJson(json, "max", t.hasStats, t.max);
        statJson(json, "mean", t.hasStats, t.mean);
        statJson(json, "std", t.hasStats, t.std);
        json.key("nan").value(t.nanCount);
        json.key("inf").value(t.infCount);
        json.endObject();
    }
    json.endArray();

    if (comparison) {
        json.key("against").beginObject();
        json.key("path").value(comparison->second);
        stringsJson(json, "only_in_checkpoint", comparison->onlyInFirst);
        stringsJson(json, "only_in_other", comparison->onlyInSecond);
        json.key("shape_changes").beginArray();
        for (const auto& change : comparison->shapeChanges) {
            json.beginObject().key("key").value(change.key).key("checkpoint_shape");
            shapeJson(json, change.first);
            json.key("other_shape");
            shapeJson(json, change.second);
            json.endObject();
        }
        json.endArray();
        json.key("max_abs_diff").beginArray();
        for (const auto& diff : comparison->differences) {
            json.beginObject().key("key").value(diff.key).key("value").value(diff.maxAbsDiff).endObject();
        }
        json.endArray();
        json.endObject();
    }
    json.endObject();
    return json.str();
}

void printList(const char* title, const std::vector<std::string>& keys)
{
    if (keys.empty())
        return;
    std::cout << "  " << title << " (" << keys.size() << "):";
    for (const auto& key : keys)
        std::cout << " " << terminalSafe(key);
    std::cout << "\n";
}

void printHuman(const Inspection& inspection, const Comparison* comparison)
{
    // Every name and message comes from the file: terminalSafe() keeps its control characters inert.
    const auto safe = [](const std::string& text) { return terminalSafe(text); };
    std::cout << safe(inspection.path) << "\n";
    for (std::size_t i = 0; i < inspection.dangers.size(); ++i) {
        if (i == 5) {
            std::cout << "  DANGER:        and " << inspection.dangers.size() - 5 << " more\n";
            break;
        }
        std::cout << "  DANGER:        loading it in Python would " << safe(inspection.dangers[i].action)
                  << " (nothing was run)\n";
    }
    std::cout << "  format:        " << inspection.format << "\n";
    if (inspection.architectureFound)
        std::cout << "  architecture:  " << inspection.architecture.name << ", "
                  << inspection.architecture.numClasses << " classes, "
                  << withCommas(inspection.parameterCount) << " parameters\n";
    else
        std::cout << "  architecture:  not found (" << terminalSafe(inspection.problem, true) << ")\n";
    std::cout << "  tensors:       " << inspection.tensors.size() << ", "
              << withCommas(inspection.totalElements) << " elements\n";
    if (!inspection.labelSource.empty())
        std::cout << "  class names:   " << inspection.labelSource << " (" << inspection.labels.size()
                  << ")\n";
    for (const auto& fix : inspection.fixes)
        std::cout << "  fixed:         " << safe(fix) << "\n";
    for (const auto& warning : inspection.warnings)
        std::cout << "  warning:       " << safe(warning) << "\n";
    std::cout << "  loads:         " << loadVerdictName(inspection.verdict) << " ("
              << inspection.report.matched.size() << " keys matched)\n";
    printList("missing", inspection.report.missing);
    printList("unexpected", inspection.report.unexpected);
    for (const auto& m : inspection.report.mismatched)
        std::cout << "  shape mismatch: " << safe(m.key) << " model " << shapeToString(m.expected)
                  << ", checkpoint " << shapeToString(m.actual) << "\n";

    std::size_t nameWidth = 4;
    for (const auto& t : inspection.tensors)
        nameWidth = std::max(nameWidth, std::min<std::size_t>(safe(t.name).size(), 120));
    char line[512];
    std::snprintf(line, sizeof line, "\n%-*s  %-18s %-8s %10s %12s %12s %12s %12s %5s %5s\n",
                  static_cast<int>(nameWidth), "name", "shape", "dtype", "elements", "min", "max", "mean",
                  "std", "nan", "inf");
    std::cout << line;
    for (const auto& t : inspection.tensors) {
        const auto stat = [&](double v) { return t.hasStats ? number(v) : std::string("-"); };
        std::cout << safe(t.name);
        const std::size_t shown = safe(t.name).size();
        std::snprintf(line, sizeof line, "%*s  %-18s %-8s %10lld %12s %12s %12s %12s %5lld %5lld\n",
                      static_cast<int>(nameWidth > shown ? nameWidth - shown : 0), "",
                      shapeToString(t.shape).c_str(), t.dtype.c_str(), static_cast<long long>(t.numel),
                      stat(t.min).c_str(), stat(t.max).c_str(), stat(t.mean).c_str(), stat(t.std).c_str(),
                      static_cast<long long>(t.nanCount), static_cast<long long>(t.infCount));
        std::cout << line;
    }

    if (comparison) {
        std::cout << "\ncompared with " << safe(comparison->second) << "\n";
        printList("only in this checkpoint", comparison->onlyInFirst);
        printList("only in the other", comparison->onlyInSecond);
        for (const auto& change : comparison->shapeChanges)
            std::cout << "  shape changed: " << safe(change.key) << " " << shapeToString(change.first)
                      << " -> " << shapeToString(change.second) << "\n";
        double largest = 0;
        std::string largestKey;
        int differing = 0;
        for (const auto& diff : comparison->differences) {
            if (diff.maxAbsDiff != 0)
                ++differing;
            if (std::isnan(diff.maxAbsDiff) || diff.maxAbsDiff > largest) {
                largest = diff.maxAbsDiff;
                largestKey = diff.key;
            }
        }
        std::cout << "  common tensors: " << comparison->differences.size() << ", " << differing
                  << " differ; largest max |a - b| " << number(largest)
                  << (largestKey.empty() ? "" : " (" + safe(largestKey) + ")") << "\n";
        for (const auto& diff : comparison->differences) {
            if (diff.maxAbsDiff != 0)
                std::cout << "    " << safe(diff.key) << "  max |a - b| = " << number(diff.maxAbsDiff)
                          << "\n";
        }
    }
}

} // namespace

int inspectCommand(const std::vector<std::string>& words)
{
    Args args({"--arch", "--against", "--labels"},
              {"--strict", "--partial", "--json", "--ignore-unsafe-objects", "--help"});
    if (auto exit = parseCommandLine(args, words, kInspectUsage))
        return *exit;
    if (args.positionals().size() != 1) {
        printError(std::string("give exactly one checkpoint\n") + kInspectUsage);
        return Usage;
    }
    if (args.flag("--strict") && args.flag("--partial")) {
        printError(std::string("--strict and --partial exclude each other\n") + kInspectUsage);
        return Usage;
    }

    InspectOptions options;
    options.path = args.positionals().front();
    options.arch = args.value("--arch", "");
    options.loadMode = args.flag("--strict") ? LoadMode::Strict : LoadMode::Partial;
    options.ignoreUnsafeObjects = args.flag("--ignore-unsafe-objects");
    if (auto labelFile = args.value("--labels")) {
        auto labels = readLabelFile(*labelFile);
        if (!labels)
            return fail(labels.error());
        options.labels = *labels;
    }
    const bool asJson = args.flag("--json");
    const auto fail = [&](const std::string& message) {
        if (asJson) {
            JsonWriter json;
            json.beginObject().key("schema_version").value(1).key("path").value(options.path);
            json.key("verdict").value("failed").key("error").value(message).endObject();
            std::cout << json.str() << std::endl;
        }
        printError(message);
        return Failure;
    };

    auto inspection = inspectCheckpoint(options);
    if (!inspection)
        return fail(inspection.message());
    std::optional<Comparison> comparison;
    if (auto other = args.value("--against")) {
        auto compared = compareCheckpoints(options.path, *other);
        if (!compared)
            return fail(compared.message());
        comparison = std::move(*compared);
    }

    if (asJson)
        std::cout << toJson(*inspection, comparison ? &*comparison : nullptr) << std::endl;
    else
        printHuman(*inspection, comparison ? &*comparison : nullptr);
    switch (inspection->verdict) {
    case LoadVerdict::Strict:
        return Success;
    case LoadVerdict::Partial:
        return Partial;
    case LoadVerdict::Dangerous:
    case LoadVerdict::Failed:
        break;
    }
    if (!asJson)
        printError(inspection->path + ": " + verdictProblem(*inspection)
                   + (inspection->verdict == LoadVerdict::Dangerous
                          ? " (only if you trust the file, --ignore-unsafe-objects judges its tensors alone)"
                          : ""));
    return Failure;
}

} // namespace lens::cli
