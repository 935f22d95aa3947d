// libFuzzer target for the restricted unpickler. Torch-free, builds in a second:
//   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c++17 -Icore \
//       tests/fuzz/fuzz_pickle.cpp core/checkpoint/Pickle.cpp core/checkpoint/PickleSafety.cpp \
//       core/checkpoint/Structure.cpp core/io/Text.cpp core/tensor/DType.cpp -o fuzz_pickle
//   ./fuzz_pickle -rss_limit_mb=2048 -max_len=65536 tests/fuzz/corpus/pickle
// Besides crashes and sanitizer reports it traps when a documented guarantee of the value tree, the
// structure walk or the weight-set search breaks.

#include "checkpoint/Pickle.h"
#include "checkpoint/PickleSafety.h"
#include "checkpoint/Structure.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace {

constexpr std::size_t kMaxDepth = 200;

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

/// Recomputes every subtree height (recursion is safe: the depth is bounded, which is what is checked).
std::uint32_t verify(const lens::PickleValue* value,
                     std::unordered_map<const lens::PickleValue*, std::uint32_t>& known, std::size_t level)
{
    require(level <= kMaxDepth);
    if (const auto it = known.find(value); it != known.end())
        return it->second;
    std::uint32_t height = 1;
    const auto visit = [&](const lens::PickleValue* child) {
        require(child != nullptr);
        height = std::max(height, verify(child, known, level + 1) + 1);
    };
    for (const lens::PickleValue* item : value->items)
        visit(item);
    for (const auto& [key, item] : value->entries) {
        visit(key);
        visit(item);
    }
    for (const lens::PickleValue* item : value->listItems)
        visit(item);
    if (value->state)
        visit(value->state);
    if (value->kwargs)
        visit(value->kwargs);
    if (value->callee)
        visit(value->callee);
    require(height <= value->depth && value->depth <= kMaxDepth);
    if (value->kind == lens::PickleKind::Tensor) {
        const lens::TensorRef& tensor = *value->tensor;
        require(tensor.sizes.size() == tensor.strides.size() && tensor.storageOffset >= 0
                && tensor.storageNumel >= 0);
        bool empty = false;
        __int128 last = tensor.storageOffset;
        for (std::size_t i = 0; i < tensor.sizes.size(); ++i) {
            require(tensor.sizes[i] >= 0 && tensor.strides[i] >= 0);
            empty = empty || tensor.sizes[i] == 0;
            last += static_cast<__int128>(tensor.sizes[i] - 1) * tensor.strides[i];
        }
        require(empty || last < tensor.storageNumel);
    }
    known.emplace(value, height);
    return height;
}

/// The safety verdict is total: every unsafe call is named, the text of each is bounded.
void checkSafety(const lens::PickleDocument& document)
{
    const std::vector<lens::PickleDanger> dangers = lens::pickleDangers(document);
    for (const auto& danger : dangers)
        require(!danger.global.empty() && !danger.action.empty()
                && lens::globalSafety(danger.global) == lens::GlobalSafety::Unsafe);
    bool anyUnsafe = false;
    for (const auto& name : document.globals())
        anyUnsafe = anyUnsafe || lens::globalSafety(name) == lens::GlobalSafety::Unsafe;
    require(anyUnsafe == !dangers.empty());
    for (const lens::PickleValue* call : document.calls())
        require(lens::pythonRepr(*call, 100).size() <= 103);
    require(lens::pythonRepr(document.root(), 100).size() <= 103);
    (void)lens::inertGlobals(document);
    (void)lens::describeDangers(dangers);
}

/// Counts the nodes of a described structure, checking each container's bounds on the way.
std::size_t countNodes(const lens::StructureNode& node)
{
    require(node.children.size() <= lens::kMaxChildrenShown && node.children.size() <= node.childCount
            && node.key.size() <= 124);
    std::size_t count = 1;
    for (const auto& child : node.children)
        count += countNodes(child);
    return count;
}

/// The tree walk and the weight-set search stay within their documented bounds, and every path they name
/// leads back to a value of the document.
void checkStructure(const lens::PickleDocument& document)
{
    const lens::Structure structure = lens::describeStructure(document);
    require(structure.nodes <= lens::kMaxStructureNodes + 1);
    require(countNodes(structure.root) == structure.nodes);
    const lens::WeightSetSearch search = lens::findWeightSets(document);
    require(search.sets.size() <= lens::kMaxWeightSets);
    for (const auto& set : search.sets) {
        require(set.path.size() <= lens::kMaxKeyPathLength);
        require(lens::isStateDict(set.dict));
        require(lens::resolveKeyPath(document.root(), set.path) == set.dict);
        require(set.group.tensors > 0 && set.group.elements >= 0);
    }
}

void check(const char* data, std::size_t size, lens::UnpickleOptions::Persistence persistence)
{
    lens::UnpickleOptions options;
    options.displayName = "fuzz";
    options.persistence = persistence;
    options.maxDepth = kMaxDepth;
    options.maxMemory = std::size_t(16) << 20; // keeps expensive inputs fast under ASan
    // The legacy format stores pickles back to back; read them as the checkpoint reader does.
    std::size_t offset = 0;
    for (int i = 0; i < 5 && offset < size; ++i) {
        lens::Result<lens::PickleDocument> document = lens::unpickle(data + offset, size - offset, options);
        if (!document)
            return;
        require(document->endOffset() > 0 && document->endOffset() <= size - offset);
        std::unordered_map<const lens::PickleValue*, std::uint32_t> known;
        verify(&document->root(), known, 1);
        checkSafety(*document);
        checkStructure(*document);
        offset += document->endOffset();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto* bytes = reinterpret_cast<const char*>(data);
    check(bytes, size, lens::UnpickleOptions::Persistence::Zip);
    check(bytes, size, lens::UnpickleOptions::Persistence::Legacy);
    return 0;
}
