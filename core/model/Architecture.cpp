#include "model/Architecture.h"

#include <algorithm>
#include <map>
#include <set>

namespace lens {

const std::vector<ResNetSpec>& knownArchitectures()
{
    static const std::vector<ResNetSpec> specs = {
        {"resnet18", BlockKind::Basic, {2, 2, 2, 2}, 1, 64, 1000},
        {"resnet34", BlockKind::Basic, {3, 4, 6, 3}, 1, 64, 1000},
        {"resnet50", BlockKind::Bottleneck, {3, 4, 6, 3}, 1, 64, 1000},
        {"resnet101", BlockKind::Bottleneck, {3, 4, 23, 3}, 1, 64, 1000},
        {"resnet152", BlockKind::Bottleneck, {3, 8, 36, 3}, 1, 64, 1000},
        {"resnext50_32x4d", BlockKind::Bottleneck, {3, 4, 6, 3}, 32, 4, 1000},
        {"resnext101_32x8d", BlockKind::Bottleneck, {3, 4, 23, 3}, 32, 8, 1000},
        {"resnext101_64x4d", BlockKind::Bottleneck, {3, 4, 23, 3}, 64, 4, 1000},
        {"wide_resnet50_2", BlockKind::Bottleneck, {3, 4, 6, 3}, 1, 128, 1000},
        {"wide_resnet101_2", BlockKind::Bottleneck, {3, 4, 23, 3}, 1, 128, 1000},
    };
    return specs;
}

std::string knownArchitectureNames()
{
    std::string names;
    for (const auto& spec : knownArchitectures())
        names += (names.empty() ? "" : ", ") + spec.name;
    return names;
}

Result<ResNetSpec> architectureByName(const std::string& name)
{
    for (const auto& spec : knownArchitectures()) {
        if (spec.name == name)
            return spec;
    }
    return Error {"unknown architecture '" + name + "'; known: " + knownArchitectureNames()};
}

namespace {

using Shape = std::vector<std::int64_t>;

void addConv(ShapeList& out, const std::string& name, std::int64_t outCh, std::int64_t inCh, std::int64_t k)
{
    out.push_back({name + ".weight", {outCh, inCh, k, k}});
}

void addBatchNorm(ShapeList& out, const std::string& name, std::int64_t channels)
{
    for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"})
        out.push_back({name + suffix, {channels}});
    out.push_back({name + ".num_batches_tracked", {}});
}

int expansion(BlockKind block)
{
    return block == BlockKind::Bottleneck ? 4 : 1;
}

} // namespace

ShapeList expectedShapes(const ResNetSpec& spec)
{
    ShapeList out;
    addConv(out, "conv1", 64, 3, 7);
    addBatchNorm(out, "bn1", 64);
    std::int64_t inplanes = 64;
    const int exp = expansion(spec.block);
    for (int stage = 0; stage < 4; ++stage) {
        const std::int64_t planes = 64LL << stage;
        const std::int64_t width = planes * spec.widthPerGroup / 64 * spec.groups;
        for (int b = 0; b < spec.layers[stage]; ++b) {
            const std::string prefix = "layer" + std::to_string(stage + 1) + "." + std::to_string(b);
            if (spec.block == BlockKind::Basic) {
                addConv(out, prefix + ".conv1", planes, inplanes, 3);
                addBatchNorm(out, prefix + ".bn1", planes);
                addConv(out, prefix + ".conv2", planes, planes, 3);
                addBatchNorm(out, prefix + ".bn2", planes);
            } else {
                addConv(out, prefix + ".conv1", width, inplanes, 1);
                addBatchNorm(out, prefix + ".bn1", width);
                addConv(out, prefix + ".conv2", width, width / spec.groups, 3);
                addBatchNorm(out, prefix + ".bn2", width);
                addConv(out, prefix + ".conv3", planes * exp, width, 1);
                addBatchNorm(out, prefix + ".bn3", planes * exp);
            }
            const bool stride = stage > 0 && b == 0;
            if (b == 0 && (stride || inplanes != planes * exp)) {
                addConv(out, prefix + ".downsample.0", planes * exp, inplanes, 1);
                addBatchNorm(out, prefix + ".downsample.1", planes * exp);
            }
            inplanes = planes * exp;
        }
    }
    out.push_back({"fc.weight", {spec.numClasses, 512LL * exp}});
    out.push_back({"fc.bias", {spec.numClasses}});
    return out;
}

Result<ResNetSpec> detectArchitecture(const ShapeList& shapes)
{
    std::map<std::string, Shape> byKey(shapes.begin(), shapes.end());
    const auto shapeOf = [&](const std::string& key) -> const Shape* {
        auto it = byKey.find(key);
        return it == byKey.end() ? nullptr : &it->second;
    };

    const Shape* conv1 = shapeOf("conv1.weight");
    if (!conv1 || !shapeOf("layer1.0.conv1.weight"))
        return Error {"not a ResNet state dict: no 'conv1.weight' or 'layer1.0.conv1.weight' key"};

    ResNetSpec spec;
    spec.name = "resnet (custom)";
    spec.block = shapeOf("layer1.0.conv3.weight") ? BlockKind::Bottleneck : BlockKind::Basic;

    // Blocks per stage: the highest block index present in each layer.
    for (int stage = 0; stage < 4; ++stage) {
        const std::string prefix = "layer" + std::to_string(stage + 1) + ".";
        int blocks = 0;
        for (const auto& [key, shape] : shapes) {
            if (key.compare(0, prefix.size(), prefix) != 0)
                continue;
            const auto dot = key.find('.', prefix.size());
            try {
                blocks = std::max(blocks, std::stoi(key.substr(prefix.size(), dot - prefix.size())) + 1);
            } catch (const std::exception&) {
                return Error {"unexpected key '" + key + "': expected a block number after '" + prefix + "'"};
            }
        }
        if (blocks == 0)
            return Error {"not a ResNet state dict: no keys for 'layer" + std::to_string(stage + 1) + "'"};
        spec.layers[stage] = blocks;
    }

    if (spec.block == BlockKind::Bottleneck) {
        // Bottleneck conv2 is [width, width / groups, 3, 3] with width = widthPerGroup * groups in stage 1.
        const Shape* conv2 = shapeOf("layer1.0.conv2.weight");
        if (!conv2 || conv2->size() != 4 || (*conv2)[1] <= 0 || (*conv2)[0] % (*conv2)[1] != 0)
            return Error {"not a ResNet state dict: 'layer1.0.conv2.weight' is missing or not a conv weight"};
        spec.groups = static_cast<int>((*conv2)[0] / (*conv2)[1]);
        spec.widthPerGroup = static_cast<int>((*conv2)[1]);
    }

    const Shape* fc = shapeOf("fc.weight");
    if (fc && fc->size() == 2)
        spec.numClasses = static_cast<int>(std::min<std::int64_t>((*fc)[0], std::int64_t(kMaxClasses) + 1));

    for (const auto& known : knownArchitectures()) {
        if (known.block == spec.block && known.layers == spec.layers && known.groups == spec.groups
            && known.widthPerGroup == spec.widthPerGroup) {
            spec.name = known.name;
            break;
        }
    }
    return spec;
}

std::int64_t parameterCount(const ResNetSpec& spec)
{
    std::int64_t total = 0;
    for (const auto& [key, shape] : expectedShapes(spec)) {
        const auto dot = key.rfind('.');
        const std::string leaf = key.substr(dot + 1);
        if (leaf != "weight" && leaf != "bias")
            continue; // running_mean, running_var, num_batches_tracked are buffers
        std::int64_t numel = 1;
        for (auto size : shape)
            numel *= size;
        total += numel;
    }
    return total;
}

Result<ResNetSpec> resolveArchitecture(const ShapeList& checkpoint, const std::string& name,
                                       std::vector<std::string>& fixes)
{
    Result<ResNetSpec> spec = name.empty() ? detectArchitecture(checkpoint) : architectureByName(name);
    if (!spec)
        return spec;
    if (!name.empty()) {
        // An explicit architecture keeps the checkpoint's class count.
        if (auto detected = detectArchitecture(checkpoint))
            spec->numClasses = detected->numClasses;
    }
    if (spec->numClasses < 1)
        return Error {"the head (fc) has 0 classes: not a classifier"};
    if (spec->numClasses > kMaxClasses)
        return Error {"the head (fc) has more than " + std::to_string(kMaxClasses)
                      + " classes, more than any classifier this program accepts"};
    if (spec->numClasses != 1000)
        fixes.push_back("fc resized to " + std::to_string(spec->numClasses)
                        + " classes, the size of the checkpoint's head");
    return spec;
}

namespace {

bool isOptionalKey(const std::string& key)
{
    static const std::string suffix = "num_batches_tracked";
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

LoadReport matchStateDict(const ShapeList& model, const ShapeList& checkpoint)
{
    std::map<std::string, const Shape*> targets;
    for (const auto& [key, shape] : model)
        targets.emplace(key, &shape);
    LoadReport report;
    std::set<std::string> loadable;
    std::set<std::string> mismatched;
    for (const auto& [key, shape] : checkpoint) {
        auto it = targets.find(key);
        if (it == targets.end()) {
            report.unexpected.push_back(key);
        } else if (*it->second != shape) {
            report.mismatched.push_back({key, *it->second, shape});
            mismatched.insert(key);
        } else {
            loadable.insert(key);
        }
    }
    for (const auto& [key, shape] : model) {
        if (loadable.count(key))
            report.matched.push_back(key);
        else if (!isOptionalKey(key) && !mismatched.count(key))
            report.missing.push_back(key);
    }
    return report;
}

} // namespace lens
