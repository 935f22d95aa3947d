#pragma once

// Restricted unpickler for PyTorch checkpoints.
//
// Python's pickle is a small stack machine whose GLOBAL/REDUCE opcodes import and call arbitrary Python
// callables, so loading an untrusted checkpoint with Python can run any code. This reader never executes,
// imports or emulates arbitrary objects: it turns the opcode stream into an inert value tree. A short list
// of well-known data constructors (OrderedDict, torch tensor rebuild functions, storages, torch.Size, numpy
// scalars, ...) is emulated; every other global becomes a named, inert Global/Object value so a caller can
// say which class the file would instantiate or which function it would call.
//
// Emulated: collections.OrderedDict and builtins.dict -> Dict; builtins set/frozenset -> Set;
// builtins bytes/bytearray and _codecs.encode(text, "latin1") (protocol 2 bytes) -> Bytes; torch.Size ->
// Tuple; torch.device -> String "cuda:0"; dtype globals such as torch.float32 -> String "torch.float32";
// torch._utils._rebuild_tensor(_v2) and torch._tensor._rebuild_from_type_v2 for plain tensors -> Tensor;
// torch._utils._rebuild_parameter(_with_state) -> Tensor with isParameter; numpy.core.multiarray.scalar
// with a numpy.dtype of kind f/i/u/b -> Float/Int/Bool; copyreg._reconstructor(cls, ...) -> Object named
// after cls. A tensor rebuild whose storage is itself an inert Object (plain pickle.dumps of a tensor)
// stays an Object named after the rebuild function. BUILD state on a Dict or Tensor is ignored (it sets
// OrderedDict._metadata). Cyclic structures (a container modified after it was nested, which Python's
// pickler only emits for cycles) are refused with an error.
//
// Resource bounds: every length in the stream is checked against the remaining input before allocating;
// the number of values, the stack, the memo and the MARK depth are bounded by the input size and by
// UnpickleOptions, and so is the total memory (UnpickleOptions::maxMemory); the value tree is at most
// UnpickleOptions::maxDepth levels deep and never cyclic, so recursive traversals cannot overflow the stack.
// Values may be shared (the memo makes the tree a DAG): traversals that visit every path should remember
// visited nodes.
//
// Threading: unpickle() is reentrant. A PickleDocument is immutable after construction and may be read
// from several threads at once.

#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lens {

namespace detail {
class Unpickler;
} // namespace detail

/// What a PickleValue holds; selects which of its fields are meaningful.
enum class PickleKind {
    None,
    Bool, ///< boolean
    Int, ///< integer (any Python int that fits in int64)
    BigInt, ///< int beyond int64 (at most 64 bytes); text holds its little-endian two's complement bytes
    Float, ///< real
    String, ///< text, as UTF-8 (STRING/BINSTRING opcodes: the raw bytes)
    Bytes, ///< text, raw bytes
    Tuple, ///< items
    List, ///< items
    Dict, ///< entries in insertion order (dict and collections.OrderedDict); a repeated key keeps its first
          ///< position and its last value, as in Python
    Set, ///< items (set and frozenset), in pickle order, not deduplicated
    Storage, ///< tensor: a storage reference from a persistent id (only sizes/strides are empty); integer:
             ///< the number of elements visible through it (a legacy view may show part of its root storage)
    Tensor, ///< tensor
    Global, ///< text: "module.qualname" of a class or function the pickle names but does not call
    Object, ///< text: "module.qualname" of the class or function that would build it; items: positional args;
            ///< kwargs (NEWOBJ_EX), state (BUILD), listItems (APPEND/APPENDS), entries (SETITEM/SETITEMS)
};

/// Human-readable kind name for messages ("dict", "tensor", ...).
const char* pickleKindName(PickleKind kind);

/// One torch tensor (or storage) described by a pickle, not yet materialised.
///
/// Guarantees after a successful unpickle: sizes.size() == strides.size() <= 64; sizes, strides,
/// storageOffset and storageNumel are >= 0; unless the tensor is empty, every element index
/// storageOffset + sum((sizes[i] - 1) * strides[i]) lies inside the storage (computed without overflow).
/// storageNumel itself comes from the file: check storageNumel * elementSize against the record size
/// before reading.
struct TensorRef {
    /// Record name under `<prefix>/data/` (zip) or the legacy storage key; ASCII, no '/' or '\\'.
    std::string storageKey;
    /// Storage type without "Storage": "Float", "Double", "Half", "BFloat16", "Long", "Int", "Short",
    /// "Char", "Byte", "Bool", "ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32", ...
    std::string dtype;
    /// Where it was saved from: "cpu", "cuda:0", ...
    std::string location;
    /// Elements in the whole (root) storage record.
    std::int64_t storageNumel = 0;
    /// First element of the tensor inside the root storage, in elements. For a legacy view
    /// (view_metadata present) the view's offset is already added, so storageKey/storageOffset always
    /// address the root record.
    std::int64_t storageOffset = 0;
    std::vector<std::int64_t> sizes;
    std::vector<std::int64_t> strides;
    bool requiresGrad = false;
    /// Built by torch._utils._rebuild_parameter(_with_state): the value was an nn.Parameter.
    bool isParameter = false;
};

/// One node of the value tree. Children are raw pointers into the owning PickleDocument.
struct PickleValue {
    PickleKind kind = PickleKind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0.0;
    std::string text;
    std::vector<const PickleValue*> items;
    std::vector<std::pair<const PickleValue*, const PickleValue*>> entries;
    /// Object only: values appended with APPEND/APPENDS (list subclasses).
    std::vector<const PickleValue*> listItems;
    /// Object only: the BUILD state (usually the instance __dict__), or nullptr.
    const PickleValue* state = nullptr;
    /// Object only: NEWOBJ_EX keyword arguments (a Dict), or nullptr.
    const PickleValue* kwargs = nullptr;
    /// Object only: when the callable was itself an Object (a call on another call's result, as in
    /// getattr(module, "name")(...)), that Object; text then repeats its text.
    const PickleValue* callee = nullptr;
    /// Tensor and Storage only.
    const TensorRef* tensor = nullptr;
    /// Height of the subtree below this value (1 for a leaf); never above UnpickleOptions::maxDepth.
    std::uint32_t depth = 1;

    bool isNone() const { return kind == PickleKind::None; }
    bool isString() const { return kind == PickleKind::String; }
    bool isInt() const { return kind == PickleKind::Int; }
    bool isDict() const { return kind == PickleKind::Dict; }
    bool isTensor() const { return kind == PickleKind::Tensor; }
    /// Tuple or List.
    bool isSequence() const { return kind == PickleKind::Tuple || kind == PickleKind::List; }
    /// Dict only: the value stored under a String key, or nullptr (also for non-dicts).
    const PickleValue* find(std::string_view key) const;

private:
    friend class detail::Unpickler;
    // Set once the value has been placed inside a container; such a value is never modified again,
    // which keeps `depth` exact and makes cycles impossible.
    bool m_nested = false;
};

/// The result of unpickle(): owns every value. Movable; pointers to values stay valid across moves.
class PickleDocument {
public:
    PickleDocument(PickleDocument&&) noexcept;
    PickleDocument& operator=(PickleDocument&&) noexcept;
    ~PickleDocument();

    /// The object the pickle returned (the value under STOP).
    const PickleValue& root() const { return *m_root; }
    /// Bytes consumed, up to and including the STOP opcode. The legacy format stores several pickles
    /// back to back: the next one starts here.
    std::size_t endOffset() const { return m_endOffset; }
    /// Protocol from the PROTO opcode (0 when absent).
    int protocol() const { return m_protocol; }
    /// Every global the stream names (GLOBAL, STACK_GLOBAL, INST), first appearance order, unique. Includes
    /// globals whose results were discarded: Python would still have imported and called them.
    const std::vector<std::string>& globals() const { return m_globals; }
    /// Every call the stream makes that this reader does not emulate (each would run in Python), in stream
    /// order, including calls whose result is discarded: Objects with their arguments.
    const std::vector<const PickleValue*>& calls() const { return m_calls; }

private:
    friend class detail::Unpickler;
    struct Arena;
    PickleDocument();

    std::unique_ptr<Arena> m_arena;
    const PickleValue* m_root = nullptr;
    std::size_t m_endOffset = 0;
    int m_protocol = 0;
    std::vector<std::string> m_globals;
    std::vector<const PickleValue*> m_calls;
};

/// Parser settings. The defaults fit every real checkpoint.
struct UnpickleOptions {
    /// How the input is named in error messages (usually "<file>" or "<file>:<record>").
    std::string displayName = "pickle";
    /// How BINPERSID ids are interpreted; any other shape is an error.
    /// Zip (torch.save since 1.6): ('storage', storage_type, key, location, numel).
    /// Legacy (_use_new_zipfile_serialization=False): ('storage', storage_type, root_key, location, numel,
    /// view_metadata), view_metadata None or (view_key, offset, view_numel), folded into TensorRef; and
    /// ('module', class, source_file, source), which stands for the class (a Global).
    enum class Persistence { Zip, Legacy };
    Persistence persistence = Persistence::Zip;
    /// Deepest value tree accepted (also bounds open MARKs).
    std::size_t maxDepth = 200;
    /// Most values created, a guard on top of the input-size bound (each opcode creates at most two).
    std::size_t maxValues = 20'000'000;
    /// Most bytes the document and the parser may hold (approximate accounting of values, strings, child
    /// and stack slots, memo entries). Real checkpoints need 35-50 bytes per pickle byte (a ResNet-18 state
    /// dict: 0.5 MB); a pickle that expands further by reusing memoized values (e.g. the same call on one
    /// large argument, repeated) is refused instead of exhausting memory.
    std::size_t maxMemory = std::size_t(512) << 20;
    /// Added to byte offsets in error messages, for a pickle that starts inside a larger file.
    std::uint64_t baseOffset = 0;
};

/// Parses one pickle starting at data[0] and stopping at its STOP opcode (later bytes are ignored).
/// Errors read "<displayName>: <what>, at byte <offset>".
Result<PickleDocument> unpickle(const char* data, std::size_t size, const UnpickleOptions& options);

/// True for the globals this reader emulates as plain data (collections.OrderedDict, torch tensor and
/// parameter rebuild functions, torch storages and dtypes, torch.Size, torch.device, _codecs.encode,
/// builtins set/frozenset/bytes, numpy scalar and dtype). Loading those in Python runs no user code.
bool isDataGlobal(std::string_view name);

} // namespace lens
