#include "checkpoint/Structure.h"

#include "checkpoint/PickleSafety.h"
#include "tensor/DType.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

namespace lens {

namespace {

constexpr std::size_t kMaxKeyShown = 120;
constexpr std::size_t kMaxReprLength = 120;
constexpr std::size_t kMaxTextKept = 1000;

/// text cut to at most `limit` bytes without splitting a UTF-8 sequence, "..." added when cut.
std::string cutText(const std::string& text, std::size_t limit)
{
    if (text.size() <= limit)
        return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end) + "...";
}

bool isScalar(const PickleValue& value)
{
    switch (value.kind) {
    case PickleKind::None:
    case PickleKind::Bool:
    case PickleKind::Int:
    case PickleKind::BigInt:
    case PickleKind::Float:
    case PickleKind::String:
    case PickleKind::Bytes:
        return true;
    default:
        return false;
    }
}

/// A child of a container, named by its key or its index.
struct Child {
    const PickleValue* key = nullptr; ///< dict key (or an object field's name); nullptr: use index
    std::size_t index = 0;
    const char* name = nullptr; ///< a fixed name instead ("__state__")
    const PickleValue* value = nullptr;

    std::string segment() const
    {
        if (name)
            return name;
        return key ? keySegment(*key) : indexSegment(index);
    }
};

/// The positional arguments of an object when they are its contents: the single container a
/// collections.Counter or deque is built from.
const PickleValue* objectContents(const PickleValue& object)
{
    if (object.items.size() != 1 && object.items.size() != 2)
        return nullptr;
    const PickleValue* first = object.items.front();
    if (first->kind != PickleKind::Dict && !first->isSequence() && first->kind != PickleKind::Set)
        return nullptr;
    // deque(items, maxlen): the second argument is a number or None.
    if (object.items.size() == 2 && !isScalar(*object.items[1]))
        return nullptr;
    return first;
}

/// Calls f(Child) for each child of a container: dict entries, sequence items, and an object's contents,
/// items set on it, recorded fields (its BUILD state) and appended items. Returns false when f does.
template <typename F> bool forEachChild(const PickleValue& value, F&& f)
{
    const auto entries = [&](const PickleValue& dict) {
        for (const auto& [key, item] : dict.entries) {
            if (!f(Child {key, 0, nullptr, item}))
                return false;
        }
        return true;
    };
    const auto items = [&](const std::vector<const PickleValue*>& list) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (!f(Child {nullptr, i, nullptr, list[i]}))
                return false;
        }
        return true;
    };
    switch (value.kind) {
    case PickleKind::Dict:
        return entries(value);
    case PickleKind::List:
    case PickleKind::Tuple:
    case PickleKind::Set:
        return items(value.items);
    case PickleKind::Object: {
        if (const PickleValue* contents = objectContents(value)) {
            if (!(contents->kind == PickleKind::Dict ? entries(*contents) : items(contents->items)))
                return false;
        } else if (!items(value.items)) {
            return false;
        }
        if (!entries(value))
            return false;
        if (value.kwargs && value.kwargs->kind == PickleKind::Dict && !entries(*value.kwargs))
            return false;
        if (const PickleValue* state = value.state) {
            if (state->kind == PickleKind::Dict) {
                if (!entries(*state))
                    return false;
            } else if (state->kind == PickleKind::Tuple && state->items.size() == 2
                       && std::all_of(state->items.begin(), state->items.end(), [](const PickleValue* part) {
                              return part->isNone() || part->isDict();
                          })) {
                // (instance dict, slots dict), as objects with __slots__ pickle their state
                for (const PickleValue* part : state->items) {
                    if (part->isDict() && !entries(*part))
                        return false;
                }
            } else if (!state->isNone() && !f(Child {nullptr, 0, "__state__", state})) {
                return false;
            }
        }
        for (std::size_t i = 0; i < value.listItems.size(); ++i) {
            if (!f(Child {nullptr, i, nullptr, value.listItems[i]}))
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

std::size_t childCount(const PickleValue& value)
{
    switch (value.kind) {
    case PickleKind::Dict:
        return value.entries.size();
    case PickleKind::List:
    case PickleKind::Tuple:
    case PickleKind::Set:
        return value.items.size();
    case PickleKind::Object: {
        std::size_t count = 0;
        forEachChild(value, [&](const Child&) {
            ++count;
            return true;
        });
        return count;
    }
    default:
        return 0;
    }
}

std::string dtypeLabel(const TensorRef& tensor)
{
    if (const auto type = dtypeFromStorageName(tensor.dtype))
        return dtypeName(*type);
    return tensor.dtype + "Storage";
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string withCommas(std::int64_t value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

std::string joinPath(const std::string& parent, const std::string& segment)
{
    return parent.empty() ? segment : parent + "/" + segment;
}

bool unsafeObject(const PickleValue& value)
{
    return value.kind == PickleKind::Object && globalSafety(value.text) == GlobalSafety::Unsafe;
}

/// What a container holds, decided once per value (the tree is a DAG: a value may be reached many times).
enum class Shape { Other, StateDict, Optimizer, TensorsOnly, ScalarsOnly };

class Classifier {
public:
    Shape shape(const PickleValue* value)
    {
        if (value->kind != PickleKind::Dict && !value->isSequence() && value->kind != PickleKind::Set)
            return Shape::Other;
        auto [it, inserted] = m_shapes.emplace(value, Shape::Other);
        if (!inserted)
            return it->second;
        Shape result = Shape::Other;
        if (isStateDict(value)) {
            result = Shape::StateDict;
        } else if (isOptimizerState(value)) {
            result = Shape::Optimizer;
        } else {
            bool tensors = true, scalars = true, any = false;
            forEachChild(*value, [&](const Child& child) {
                any = true;
                tensors = tensors && child.value->isTensor();
                scalars = scalars && isScalar(*child.value);
                return tensors || scalars;
            });
            if (any && tensors)
                result = Shape::TensorsOnly;
            else if (any && scalars && value->kind != PickleKind::Dict)
                result = Shape::ScalarsOnly;
        }
        m_shapes[value] = result;
        return result;
    }

    /// Whether a weight set may lie below: a state dict, or a container (never an optimizer's state or an
    /// object that would run code) with such a child. Recursion is bounded by the document's depth.
    bool holdsWeights(const PickleValue* value)
    {
        const bool container = value->kind == PickleKind::Dict || value->isSequence()
            || value->kind == PickleKind::Set || value->kind == PickleKind::Object;
        if (!container || unsafeObject(*value))
            return false;
        auto it = m_holds.find(value);
        if (it != m_holds.end())
            return it->second;
        bool holds = false;
        const Shape kind = shape(value);
        if (kind == Shape::StateDict) {
            holds = true;
        } else if (kind == Shape::Other) {
            forEachChild(*value, [&](const Child& child) {
                holds = holdsWeights(child.value);
                return !holds;
            });
        }
        m_holds.emplace(value, holds);
        return holds;
    }

private:
    // Keyed by address, not by anything the file chooses.
    std::map<const PickleValue*, Shape> m_shapes;
    std::map<const PickleValue*, bool> m_holds;
};

void summarizeOptimizer(const PickleValue& dict, OptimizerSummary& out)
{
    const PickleValue* groups = dict.find("param_groups");
    out.groupCount = groups->items.size();
    for (const PickleValue* group : groups->items) {
        if (out.groups.size() == kMaxChildrenShown)
            break;
        OptimizerSummary::ParamGroup summary;
        for (const auto& [key, value] : group->entries) {
            if (!key->isString())
                continue;
            if (key->text == "params") {
                summary.params = value->isSequence() ? static_cast<std::int64_t>(value->items.size()) : 0;
                continue;
            }
            if (summary.hyperparameters.size() < kMaxChildrenShown)
                summary.hyperparameters.emplace_back(cutText(key->text, kMaxKeyShown), scalarValue(*value));
        }
        out.groups.push_back(std::move(summary));
    }

    const PickleValue* state = dict.find("state");
    out.stateEntries = state->entries.size();
    std::map<std::string, std::size_t> kindIndex; // names come from the file: an ordered map
    for (const auto& [param, perParam] : state->entries) {
        if (!perParam->isDict())
            continue;
        for (const auto& [key, value] : perParam->entries) {
            if (!key->isString())
                continue;
            auto it = kindIndex.find(key->text);
            if (it == kindIndex.end()) {
                if (out.kinds.size() == kMaxChildrenShown)
                    continue;
                it = kindIndex.emplace(key->text, out.kinds.size()).first;
                out.kinds.push_back({cutText(key->text, kMaxKeyShown), {}, 0});
            }
            OptimizerSummary::StateKind& kind = out.kinds[it->second];
            if (value->isTensor())
                addToGroup(kind.tensors, *value->tensor);
            else if (value->kind == PickleKind::Int || value->kind == PickleKind::Float)
                ++kind.scalars;
            else
                ++kind.others;
        }
    }

    const auto has = [&](const char* name) { return kindIndex.count(name) > 0; };
    const auto tensorsOf = [&](const char* name) {
        const auto it = kindIndex.find(name);
        return it == kindIndex.end() ? 0 : out.kinds[it->second].tensors.tensors;
    };
    // SGD keeps a None momentum buffer per parameter when its momentum is 0.
    if (tensorsOf("momentum_buffer") > 0)
        out.guess = "SGD with momentum";
    else if (has("momentum_buffer"))
        out.guess = "SGD without momentum";
    else if (has("exp_avg") && has("exp_avg_sq"))
        out.guess = "Adam or AdamW";
    else if (has("square_avg") && has("acc_delta"))
        out.guess = "Adadelta";
    else if (has("square_avg"))
        out.guess = "RMSprop";
    else if (has("sum"))
        out.guess = "Adagrad";
    else if (state->entries.empty() && !groups->items.empty() && groups->items.front()->find("momentum")
             && groups->items.front()->find("nesterov"))
        out.guess = "SGD without momentum";
}

class StructureBuilder {
public:
    Structure build(const PickleValue& root)
    {
        Structure structure;
        structure.root = describe(root, "", "", true);
        structure.nodes = m_nodes;
        structure.truncated = m_truncated;
        return structure;
    }

private:
    StructureNode describe(const PickleValue& value, const std::string& key, const std::string& path,
                           bool named)
    {
        ++m_nodes;
        StructureNode node;
        node.key = cutText(key, kMaxKeyShown);
        node.path = named ? path : std::string();
        switch (value.kind) {
        case PickleKind::Tensor:
            node.kind = StructureNode::Kind::Tensor;
            node.type = "tensor";
            node.dtype = dtypeLabel(*value.tensor);
            node.shape = value.tensor->sizes;
            node.value.repr = node.dtype + " " + shapeText(node.shape);
            return node;
        case PickleKind::Storage:
            node.type = "storage";
            node.value.repr = pythonRepr(value, kMaxReprLength);
            return node;
        case PickleKind::Global:
            node.kind = StructureNode::Kind::Global;
            node.type = value.text;
            node.value.repr = cutText(value.text, kMaxReprLength);
            return node;
        default:
            break;
        }
        if (isScalar(value)) {
            node.value = scalarValue(value);
            node.type = scalarType(value);
            return node;
        }

        node.childCount = cachedChildCount(value);
        const Shape shape = m_classes.shape(&value);
        node.type = value.kind == PickleKind::Object ? value.text : pickleKindName(value.kind);
        if (shape != Shape::Other) {
            // A summary costs a pass over the children: made once per value, however often it is reached.
            auto it = m_summaries.find(&value);
            if (it == m_summaries.end())
                it = m_summaries.emplace(&value, summarize(value, shape)).first;
            StructureNode summary = it->second;
            summary.key = std::move(node.key);
            summary.path = std::move(node.path);
            summary.type = std::move(node.type);
            summary.childCount = node.childCount;
            return summary;
        }
        node.kind = value.kind == PickleKind::Dict ? StructureNode::Kind::Dict
            : value.kind == PickleKind::List       ? StructureNode::Kind::List
            : value.kind == PickleKind::Tuple      ? StructureNode::Kind::Tuple
            : value.kind == PickleKind::Set        ? StructureNode::Kind::Set
                                                   : StructureNode::Kind::Object;
        if (m_nodes >= kMaxStructureNodes) {
            m_truncated = m_truncated || node.childCount > 0;
            return node;
        }
        forEachChild(value, [&](const Child& child) {
            if (node.children.size() == kMaxChildrenShown || m_nodes >= kMaxStructureNodes) {
                m_truncated = m_truncated || m_nodes >= kMaxStructureNodes;
                return false;
            }
            std::string segment = child.segment();
            const bool childNamed = named && path.size() + 1 + segment.size() <= kMaxKeyPathLength;
            const std::string display = child.name ? child.name
                : child.key ? (child.key->isString() ? child.key->text : pythonRepr(*child.key, kMaxKeyShown))
                            : std::to_string(child.index);
            node.children.push_back(describe(
                *child.value, display, childNamed ? joinPath(path, segment) : std::string(), childNamed));
            return true;
        });
        return node;
    }

    static StructureNode summarize(const PickleValue& value, Shape shape)
    {
        StructureNode node;
        if (shape == Shape::StateDict || shape == Shape::TensorsOnly) {
            node.kind
                = shape == Shape::StateDict ? StructureNode::Kind::Weights : StructureNode::Kind::Tensors;
            forEachChild(value, [&](const Child& child) {
                if (child.value->isTensor())
                    addToGroup(node.group, *child.value->tensor);
                return true;
            });
            return node;
        }
        if (shape == Shape::Optimizer) {
            node.kind = StructureNode::Kind::Optimizer;
            summarizeOptimizer(value, node.optimizer);
            return node;
        }
        node.kind = StructureNode::Kind::Scalar;
        node.value = scalarValue(value);
        return node;
    }

    std::size_t cachedChildCount(const PickleValue& value)
    {
        if (value.kind != PickleKind::Object)
            return childCount(value);
        auto it = m_childCounts.find(&value);
        if (it == m_childCounts.end())
            it = m_childCounts.emplace(&value, childCount(value)).first;
        return it->second;
    }

    static std::string scalarType(const PickleValue& value)
    {
        switch (value.kind) {
        case PickleKind::None:
            return "None";
        case PickleKind::Bool:
            return "bool";
        case PickleKind::Int:
        case PickleKind::BigInt:
            return "int";
        case PickleKind::Float:
            return "float";
        case PickleKind::String:
            return "str";
        case PickleKind::Bytes:
            return "bytes";
        default:
            return pickleKindName(value.kind);
        }
    }

    Classifier m_classes;
    std::map<const PickleValue*, StructureNode> m_summaries;
    std::map<const PickleValue*, std::size_t> m_childCounts;
    std::size_t m_nodes = 0;
    bool m_truncated = false;
};

class WeightSetFinder {
public:
    WeightSetSearch find(const PickleValue& root)
    {
        visit(root, "");
        return std::move(m_search);
    }

private:
    /// Returns false once the search has to stop.
    bool visit(const PickleValue& value, const std::string& path)
    {
        if (!m_classes.holdsWeights(&value))
            return true;
        if (++m_visits > kMaxSearchVisits) {
            m_search.incomplete = true;
            return false;
        }
        if (m_classes.shape(&value) == Shape::StateDict) {
            if (m_search.sets.size() == kMaxWeightSets) {
                m_search.incomplete = true;
                return false;
            }
            WeightSetLocation location;
            location.path = path;
            location.dict = &value;
            for (const auto& [key, item] : value.entries) {
                if (item->isTensor())
                    addToGroup(location.group, *item->tensor);
            }
            m_search.sets.push_back(std::move(location));
            return true;
        }
        return forEachChild(value, [&](const Child& child) {
            if (++m_visits > kMaxSearchVisits) {
                m_search.incomplete = true;
                return false;
            }
            if (!m_classes.holdsWeights(child.value))
                return true;
            const std::string segment = child.segment();
            if (path.size() + 1 + segment.size() > kMaxKeyPathLength) {
                m_search.incomplete = true;
                return true;
            }
            return visit(*child.value, joinPath(path, segment));
        });
    }

    Classifier m_classes;
    WeightSetSearch m_search;
    std::size_t m_visits = 0;
};

} // namespace

const char* structureKindName(StructureNode::Kind kind)
{
    switch (kind) {
    case StructureNode::Kind::Dict:
        return "dict";
    case StructureNode::Kind::List:
        return "list";
    case StructureNode::Kind::Tuple:
        return "tuple";
    case StructureNode::Kind::Set:
        return "set";
    case StructureNode::Kind::Object:
        return "object";
    case StructureNode::Kind::Global:
        return "global";
    case StructureNode::Kind::Tensor:
        return "tensor";
    case StructureNode::Kind::Tensors:
        return "tensors";
    case StructureNode::Kind::Weights:
        return "weights";
    case StructureNode::Kind::Optimizer:
        return "optimizer";
    case StructureNode::Kind::Scalar:
        break;
    }
    return "scalar";
}

bool isStateDict(const PickleValue* value)
{
    if (!value || value->kind != PickleKind::Dict || value->entries.empty())
        return false;
    bool tensors = false;
    for (const auto& [key, item] : value->entries) {
        if (key->kind != PickleKind::String
            || (item->kind != PickleKind::Tensor && item->kind != PickleKind::Object
                && item->kind != PickleKind::Global))
            return false;
        tensors = tensors || item->kind == PickleKind::Tensor;
    }
    return tensors;
}

bool isOptimizerState(const PickleValue* value)
{
    if (!value || !value->isDict())
        return false;
    const PickleValue* state = value->find("state");
    const PickleValue* groups = value->find("param_groups");
    if (!state || !state->isDict() || !groups || groups->kind != PickleKind::List)
        return false;
    return std::all_of(groups->items.begin(), groups->items.end(),
                       [](const PickleValue* group) { return group->isDict() && group->find("params"); });
}

std::string keySegment(const PickleValue& key)
{
    std::string text;
    switch (key.kind) {
    case PickleKind::String:
        text = key.text;
        break;
    case PickleKind::Int:
        return std::to_string(key.integer);
    default:
        text = pythonRepr(key, kMaxKeyPathLength);
        break;
    }
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string indexSegment(std::size_t index)
{
    return std::to_string(index);
}

std::string unescapeSegment(std::string_view segment)
{
    std::string out;
    out.reserve(segment.size());
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '~' && i + 1 < segment.size() && (segment[i + 1] == '0' || segment[i + 1] == '1')) {
            out += segment[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += segment[i];
        }
    }
    return out;
}

const PickleValue* resolveKeyPath(const PickleValue& root, std::string_view path)
{
    const PickleValue* current = &root;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (slash != std::string_view::npos && path.empty())
            return nullptr; // a trailing '/'
        const PickleValue* next = nullptr;
        forEachChild(*current, [&](const Child& child) {
            if (child.segment() != segment)
                return true;
            next = child.value;
            return false;
        });
        if (!next)
            return nullptr;
        current = next;
    }
    return current;
}

void addToGroup(TensorGroup& group, const TensorRef& tensor)
{
    ++group.tensors;
    std::int64_t numel = 1;
    for (const std::int64_t size : tensor.sizes) {
        if (__builtin_mul_overflow(numel, size, &numel)) {
            numel = std::numeric_limits<std::int64_t>::max();
            break;
        }
    }
    if (__builtin_add_overflow(group.elements, numel, &group.elements))
        group.elements = std::numeric_limits<std::int64_t>::max();
    const std::string dtype = dtypeLabel(tensor);
    for (auto& [name, count] : group.dtypes) {
        if (name == dtype) {
            ++count;
            return;
        }
    }
    group.dtypes.emplace_back(dtype, 1);
}

std::string describeGroup(const TensorGroup& group)
{
    std::string text = withCommas(group.tensors) + (group.tensors == 1 ? " tensor, " : " tensors, ")
        + withCommas(group.elements) + (group.elements == 1 ? " element" : " elements");
    if (!group.dtypes.empty()) {
        text += " (";
        for (std::size_t i = 0; i < group.dtypes.size(); ++i)
            text += (i ? ", " : "") + group.dtypes[i].first + " " + withCommas(group.dtypes[i].second);
        text += ")";
    }
    return text;
}

ScalarValue scalarValue(const PickleValue& value)
{
    ScalarValue out;
    out.repr = pythonRepr(value, kMaxReprLength);
    switch (value.kind) {
    case PickleKind::None:
        out.type = ScalarValue::Type::None;
        break;
    case PickleKind::Bool:
        out.type = ScalarValue::Type::Bool;
        out.boolean = value.boolean;
        break;
    case PickleKind::Int:
        out.type = ScalarValue::Type::Int;
        out.integer = value.integer;
        break;
    case PickleKind::Float:
        out.type = ScalarValue::Type::Float;
        out.real = value.real;
        break;
    case PickleKind::String:
        out.type = ScalarValue::Type::String;
        out.text = cutText(value.text, kMaxTextKept);
        break;
    case PickleKind::List:
    case PickleKind::Tuple:
        if (std::all_of(value.items.begin(), value.items.end(),
                        [](const PickleValue* item) { return isScalar(*item); })) {
            out.isSequence = true;
            for (std::size_t i = 0; i < value.items.size() && i < kMaxChildrenShown; ++i)
                out.items.push_back(scalarValue(*value.items[i]));
        }
        break;
    default:
        break;
    }
    return out;
}

Structure describeStructure(const PickleDocument& document)
{
    return StructureBuilder().build(document.root());
}

WeightSetSearch findWeightSets(const PickleDocument& document)
{
    return WeightSetFinder().find(document.root());
}

} // namespace lens
