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
      "[--weights-key PATH]\n"
      "       [--against OTHER [--against-key PATH]] [--labels FILE] [--ignore-unsafe-objects]\n"
      "Shows the whole file as a tree, every weight set in it, and every tensor of one weight set (the\n"
      "default one, or --weights-key PATH such as model_ema or checkpoint/model) with its statistics.\n"
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

void groupJson(JsonWriter& json, const TensorGroup& group)
{
    json.key("tensors").value(group.tensors);
    json.key("elements").value(group.elements);
    json.key("dtypes").beginObject();
    for (const auto& [dtype, count] : group.dtypes)
        json.key(dtype).value(count);
    json.endObject();
}

void scalarJson(JsonWriter& json, const ScalarValue& value)
{
    if (value.isSequence) {
        json.beginArray();
        for (const auto& item : value.items)
            scalarJson(json, item);
        json.endArray();
        return;
    }
    switch (value.type) {
    case ScalarValue::Type::None:
        json.null();
        break;
    case ScalarValue::Type::Bool:
        json.value(value.boolean);
        break;
    case ScalarValue::Type::Int:
        json.value(value.integer);
        break;
    case ScalarValue::Type::Float:
        json.preciseValue(value.real);
        break;
    case ScalarValue::Type::String:
        json.value(value.text);
        break;
    case ScalarValue::Type::Other:
        json.value(value.repr);
        break;
    }
}

void optimizerJson(JsonWriter& json, const OptimizerSummary& optimizer)
{
    json.beginObject();
    json.key("guess").value(optimizer.guess);
    json.key("param_group_count").value(static_cast<std::int64_t>(optimizer.groupCount));
    json.key("param_groups").beginArray();
    for (const auto& group : optimizer.groups) {
        json.beginObject().key("params").value(group.params).key("hyperparameters").beginObject();
        for (const auto& [name, value] : group.hyperparameters) {
            json.key(name);
            scalarJson(json, value);
        }
        json.endObject().endObject();
    }
    json.endArray();
    json.key("state_entries").value(static_cast<std::int64_t>(optimizer.stateEntries));
    json.key("state").beginArray();
    for (const auto& kind : optimizer.kinds) {
        json.beginObject().key("kind").value(kind.name);
        groupJson(json, kind.tensors);
        json.key("scalars").value(kind.scalars).key("others").value(kind.others).endObject();
    }
    json.endArray();
    json.endObject();
}

void structureJson(JsonWriter& json, const StructureNode& node)
{
    json.beginObject();
    json.key("key").value(node.key);
    json.key("path").value(node.path);
    json.key("kind").value(structureKindName(node.kind));
    json.key("type").value(node.type);
    switch (node.kind) {
    case StructureNode::Kind::Scalar:
        json.key("value");
        scalarJson(json, node.value);
        json.key("repr").value(node.value.repr);
        break;
    case StructureNode::Kind::Tensor:
        json.key("dtype").value(node.dtype).key("shape");
        shapeJson(json, node.shape);
        break;
    case StructureNode::Kind::Tensors:
    case StructureNode::Kind::Weights:
        groupJson(json, node.group);
        break;
    case StructureNode::Kind::Optimizer:
        json.key("optimizer");
        optimizerJson(json, node.optimizer);
        break;
    case StructureNode::Kind::Global:
        break;
    case StructureNode::Kind::Dict:
    case StructureNode::Kind::List:
    case StructureNode::Kind::Tuple:
    case StructureNode::Kind::Set:
    case StructureNode::Kind::Object:
        json.key("entries").value(static_cast<std::int64_t>(node.childCount));
        json.key("omitted").value(static_cast<std::int64_t>(node.childCount - node.children.size()));
        json.key("children").beginArray();
        for (const auto& child : node.children)
            structureJson(json, child);
        json.endArray();
        break;
    }
    json.endObject();
}

void weightSetsJson(JsonWriter& json, const std::vector<WeightSetReport>& sets)
{
    json.beginArray();
    for (const auto& set : sets) {
        json.beginObject();
        json.key("key").value(set.key);
        groupJson(json, set.group);
        json.key("default").value(set.isDefault);
        json.key("inspected").value(set.inspected);
        json.key("architecture");
        if (set.architectureFound)
            json.beginObject()
                .key("name")
                .value(set.architecture.name)
                .key("num_classes")
                .value(set.architecture.numClasses)
                .endObject();
        else
            json.null();
        json.key("verdict").value(loadVerdictName(set.verdict));
        json.key("problem").value(set.problem);
        json.endObject();
    }
    json.endArray();
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
    json.key("weights_key").value(inspection.weightsKey);
    json.key("weight_sets");
    weightSetsJson(json, inspection.weightSets);
    json.key("weight_sets_complete").value(!inspection.weightSetsIncomplete);
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

    json.key("structure");
    structureJson(json, inspection.structure.root);
    json.key("structure_complete").value(!inspection.structure.truncated);
    json.key("metadata").beginObject();
    for (const auto& [key, value] : inspection.metadata)
        json.key(key).value(value);
    json.endObject();

    if (comparison) {
        json.key("against").beginObject();
        json.key("path").value(comparison->second);
        json.key("weights_key").value(comparison->secondKey);
        json.key("identical").value(static_cast<std::int64_t>(comparison->identical));
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
            json.beginObject().key("key").value(diff.key).key("value").value(diff.maxAbsDiff);
            json.key("identical").value(diff.identical).endObject();
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

std::string groupText(const TensorGroup& group)
{
    return describeGroup(group);
}

std::string scalarText(const ScalarValue& value)
{
    return terminalSafe(value.repr);
}

void printNode(const StructureNode& node, int depth)
{
    const std::string indent(static_cast<std::size_t>(4 + 2 * depth), ' ');
    std::cout << indent;
    if (depth > 0 || !node.key.empty())
        std::cout << terminalSafe(node.key) << ": ";
    switch (node.kind) {
    case StructureNode::Kind::Scalar:
        std::cout << scalarText(node.value) << "\n";
        return;
    case StructureNode::Kind::Tensor:
        std::cout << "tensor " << terminalSafe(node.value.repr) << "\n";
        return;
    case StructureNode::Kind::Global:
        std::cout << "the Python name " << terminalSafe(node.type) << "\n";
        return;
    case StructureNode::Kind::Tensors:
        std::cout << "tensors: " << groupText(node.group) << "\n";
        return;
    case StructureNode::Kind::Weights:
        std::cout << "weights: " << groupText(node.group) << "\n";
        return;
    case StructureNode::Kind::Optimizer: {
        const OptimizerSummary& o = node.optimizer;
        std::cout << "optimizer state" << (o.guess.empty() ? "" : " (" + o.guess + ")") << ", "
                  << o.groupCount << (o.groupCount == 1 ? " param group" : " param groups") << "\n";
        for (std::size_t i = 0; i < o.groups.size(); ++i) {
            std::cout << indent << "  param group " << i << ": " << o.groups[i].params << " params";
            for (const auto& [name, value] : o.groups[i].hyperparameters)
                std::cout << ", " << terminalSafe(name) << "=" << scalarText(value);
            std::cout << "\n";
        }
        std::cout << indent << "  state for " << o.stateEntries << " params";
        for (const auto& kind : o.kinds) {
            std::cout << "; " << terminalSafe(kind.name) << ": ";
            if (kind.tensors.tensors > 0)
                std::cout << groupText(kind.tensors);
            if (kind.scalars > 0)
                std::cout << (kind.tensors.tensors > 0 ? ", " : "") << kind.scalars << " numbers";
            if (kind.others > 0)
                std::cout << (kind.tensors.tensors + kind.scalars > 0 ? ", " : "") << kind.others
                          << " other values (None)";
        }
        std::cout << "\n";
        return;
    }
    default:
        break;
    }
    const bool object = node.kind == StructureNode::Kind::Object;
    std::cout << terminalSafe(node.type) << ", " << node.childCount
              << (object ? (node.childCount == 1 ? " field" : " fields")
                         : (node.childCount == 1 ? " entry" : " entries"))
              << "\n";
    for (const auto& child : node.children)
        printNode(child, depth + 1);
    if (node.children.size() < node.childCount)
        std::cout << indent << "  ... and " << node.childCount - node.children.size() << " more\n";
}

void printWeightSets(const Inspection& inspection)
{
    if (inspection.weightSets.empty())
        return;
    std::cout << "  weight sets:   " << inspection.weightSets.size()
              << (inspection.weightSetsIncomplete ? " (the search stopped at a limit; there may be more)"
                                                  : "")
              << "\n";
    std::size_t width = 4;
    for (const auto& set : inspection.weightSets)
        width = std::max(width, std::min<std::size_t>(terminalSafe(set.key).size(), 60));
    for (const auto& set : inspection.weightSets) {
        const std::string key = set.key.empty() ? "(whole file)" : terminalSafe(set.key);
        std::cout << "    " << (set.inspected ? "* " : "  ") << key
                  << std::string(width + 2 > key.size() ? width + 2 - key.size() : 1, ' ');
        if (set.architectureFound)
            std::cout << set.architecture.name << ", " << set.architecture.numClasses << " classes";
        else
            std::cout << "no architecture";
        std::cout << ", " << loadVerdictName(set.verdict) << "; " << groupText(set.group);
        if (set.isDefault)
            std::cout << " (default)";
        std::cout << "\n";
    }
    const bool inspected = std::any_of(inspection.weightSets.begin(), inspection.weightSets.end(),
                                       [](const WeightSetReport& set) { return set.inspected; });
    if (!inspected)
        std::cout << "                 (pick one with --weights-key KEY)\n";
    else if (inspection.weightSets.size() > 1)
        std::cout << "                 (* inspected; pick another with --weights-key KEY)\n";
}

void printComparison(const Comparison* comparison)
{
    const auto safe = [](const std::string& text) { return terminalSafe(text); };
    if (!comparison)
        return;
    std::cout << "\ncompared with " << safe(comparison->second) << "\n";
    printList("only in this checkpoint", comparison->onlyInFirst);
    printList("only in the other", comparison->onlyInSecond);
    for (const auto& change : comparison->shapeChanges)
        std::cout << "  shape changed: " << safe(change.key) << " " << shapeToString(change.first) << " -> "
                  << shapeToString(change.second) << "\n";
    double largest = 0;
    std::string largestKey;
    const std::size_t differing = comparison->differences.size() - comparison->identical;
    for (const auto& diff : comparison->differences) {
        if (std::isnan(diff.maxAbsDiff) || diff.maxAbsDiff > largest) {
            largest = diff.maxAbsDiff;
            largestKey = diff.key;
        }
    }
    std::cout << "  common tensors: " << comparison->differences.size() << ", " << comparison->identical
              << " identical, " << differing << " differ; largest max |a - b| " << number(largest)
              << (largestKey.empty() ? "" : " (" + safe(largestKey) + ")") << "\n";
    for (const auto& diff : comparison->differences) {
        if (!diff.identical)
            std::cout << "    " << safe(diff.key) << "  max |a - b| = " << number(diff.maxAbsDiff)
                      << (diff.firstDtype != diff.secondDtype
                              ? " (" + diff.firstDtype + " vs " + diff.secondDtype + ")"
                              : "")
                      << "\n";
    }
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
    for (const auto& [key, value] : inspection.metadata)
        std::cout << "  metadata:      " << safe(key) << " = " << safe(value) << "\n";
    printWeightSets(inspection);
    std::cout << "  loads:         " << loadVerdictName(inspection.verdict) << " ("
              << inspection.report.matched.size() << " keys matched)\n";
    printList("missing", inspection.report.missing);
    printList("unexpected", inspection.report.unexpected);
    for (const auto& m : inspection.report.mismatched)
        std::cout << "  shape mismatch: " << safe(m.key) << " model " << shapeToString(m.expected)
                  << ", checkpoint " << shapeToString(m.actual) << "\n";

    std::cout << "  structure:" << (inspection.structure.truncated ? " (cut at a limit)" : "") << "\n";
    printNode(inspection.structure.root, 0);

    if (inspection.tensors.empty()) {
        printComparison(comparison);
        return;
    }
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

    printComparison(comparison);
}

} // namespace

int inspectCommand(const std::vector<std::string>& words)
{
    Args args({"--arch", "--against", "--labels", "--weights-key", "--against-key"},
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
    options.weightsKey = args.value("--weights-key", "");
    if (args.value("--against-key") && !args.value("--against")) {
        printError(std::string("--against-key needs --against OTHER\n") + kInspectUsage);
        return Usage;
    }
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
        return fail(weightsErrorMessage(inspection.error()));
    std::optional<Comparison> comparison;
    if (auto other = args.value("--against")) {
        auto compared = compareCheckpoints(
            CompareOptions {options.path, *other, options.weightsKey, args.value("--against-key", "")});
        if (!compared)
            return fail(weightsErrorMessage(compared.error()));
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
