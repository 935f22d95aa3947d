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

ConvLayer convLayer(std::string name, std::string batchNorm, std::int64_t in, std::int64_t out,
                    std::int64_t kernel, std::int64_t stride = 1, std::int64_t groups = 1)
{
    return {std::move(name), std::move(batchNorm), in, out, kernel, stride, kernel / 2, groups};
}

void addConv(ShapeList& out, const ConvLayer& conv)
{
    out.push_back(
        {conv.name + ".weight", {conv.outChannels, conv.inChannels / conv.groups, conv.kernel, conv.kernel}});
    for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"})
        out.push_back({conv.batchNorm + suffix, {conv.outChannels}});
    out.push_back({conv.batchNorm + ".num_batches_tracked", {}, DType::Int64});
}

} // namespace

NetworkLayout networkLayout(const ResNetSpec& spec)
{
    NetworkLayout layout;
    layout.block = spec.block;
    layout.numClasses = spec.numClasses;
    layout.stem = {"conv1", "bn1", 3, 64, 7, 2, 3, 1};
    const std::int64_t expansion = spec.block == BlockKind::Bottleneck ? 4 : 1;
    std::int64_t inplanes = 64;
    for (int stage = 0; stage < 4; ++stage) {
        const std::int64_t planes = 64LL << stage;
        const std::int64_t width = planes * spec.widthPerGroup / 64 * spec.groups;
        for (int b = 0; b < spec.layers[stage]; ++b) {
            BlockLayers block;
            block.name = "layer" + std::to_string(stage + 1) + "." + std::to_string(b);
            block.stage = stage;
            const std::string& p = block.name;
            const std::int64_t stride = stage > 0 && b == 0 ? 2 : 1;
            if (spec.block == BlockKind::Basic) {
                block.conv1 = convLayer(p + ".conv1", p + ".bn1", inplanes, planes, 3, stride);
                block.conv2 = convLayer(p + ".conv2", p + ".bn2", planes, planes, 3);
            } else {
                block.conv1 = convLayer(p + ".conv1", p + ".bn1", inplanes, width, 1);
                block.conv2 = convLayer(p + ".conv2", p + ".bn2", width, width, 3, stride, spec.groups);
                block.conv3 = convLayer(p + ".conv3", p + ".bn3", width, planes * expansion, 1);
            }
            if (stride != 1 || inplanes != planes * expansion)
                block.downsample = convLayer(p + ".downsample.0", p + ".downsample.1", inplanes,
                                             planes * expansion, 1, stride);
            layout.blocks.push_back(std::move(block));
            inplanes = planes * expansion;
        }
    }
    layout.features = inplanes;
    return layout;
}

ShapeList expectedShapes(const ResNetSpec& spec)
{
    const NetworkLayout layout = networkLayout(spec);
    ShapeList out;
    addConv(out, layout.stem);
    for (const BlockLayers& block : layout.blocks) {
        addConv(out, block.conv1);
        addConv(out, block.conv2);
        if (block.conv3)
            addConv(out, *block.conv3);
        if (block.downsample)
            addConv(out, *block.downsample);
    }
    out.push_back({"fc.weight", {layout.numClasses, layout.features}});
    out.push_back({"fc.bias", {layout.numClasses}});
    return out;
}

Result<ResNetSpec> detectArchitecture(const ShapeList& shapes)
{
    std::map<std::string, Shape> byKey;
    for (const auto& entry : shapes)
        byKey.emplace(entry.key, entry.shape);
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
        for (const auto& [key, shape, dtype] : shapes) {
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
    for (const auto& [key, shape, dtype] : expectedShapes(spec)) {
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

bool isOptionalKey(const std::string& key)
{
    static const std::string suffix = "num_batches_tracked";
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoadReport matchStateDict(const ShapeList& model, const ShapeList& checkpoint)
{
    std::map<std::string, const KeyShape*> targets;
    for (const KeyShape& entry : model)
        targets.emplace(entry.key, &entry);
    LoadReport report;
    std::map<std::string, const KeyShape*> loadable;
    std::set<std::string> mismatched;
    for (const KeyShape& entry : checkpoint) {
        auto it = targets.find(entry.key);
        if (it == targets.end()) {
            report.unexpected.push_back(entry.key);
        } else if (it->second->shape != entry.shape) {
            report.mismatched.push_back({entry.key, it->second->shape, entry.shape});
            mismatched.insert(entry.key);
        } else {
            loadable.emplace(entry.key, &entry);
        }
    }
    for (const KeyShape& entry : model) {
        const auto found = loadable.find(entry.key);
        if (found != loadable.end()) {
            report.matched.push_back(entry.key);
            if (found->second->dtype != entry.dtype)
                report.converted.push_back(entry.key);
        } else if (!isOptionalKey(entry.key) && !mismatched.count(entry.key)) {
            report.missing.push_back(entry.key);
        }
    }
    return report;
}

std::string describeConversion(const ShapeList& checkpoint, const LoadReport& report)
{
    if (report.converted.empty())
        return {};
    const std::set<std::string> keys(report.converted.begin(), report.converted.end());
    std::set<std::string> from;
    for (const KeyShape& entry : checkpoint) {
        if (keys.count(entry.key))
            from.insert(dtypeName(entry.dtype));
    }
    std::string types;
    for (const auto& type : from)
        types += (types.empty() ? "" : "/") + type;
    return "converted " + std::to_string(report.converted.size()) + " tensors from " + types
        + " to float32 (the model's dtype)";
}

} // namespace lens
