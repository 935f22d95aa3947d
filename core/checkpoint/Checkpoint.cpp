#include "checkpoint/Checkpoint.h"

#include "checkpoint/LegacyFormat.h"
#include "checkpoint/Pickle.h"
#include "checkpoint/SafeTensors.h"
#include "checkpoint/ZipArchive.h"
#include "io/FileChecks.h"
#include "io/JsonReader.h"
#include "io/MappedFile.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <new>
#include <optional>

namespace lens {

namespace {

// Keys under which training scripts store the weights (checked in this order).
const char* const kWrapperKeys[] = {"state_dict", "model",  "model_state_dict", "state_dict_ema", "model_ema",
                                    "net",        "module", "network",          "params",         "weights"};
// Prefixes added by DataParallel, torch.compile and wrapper modules.
const char* const kPrefixes[] = {"module.", "_orig_mod.", "model."};

/// A dict of named tensors. Python objects among its values (which only a file read with unsafe objects
/// allowed can bring this far) are skipped, with a warning, when the tensors are taken.
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

const PickleValue* lookup(const PickleValue* dict, const std::string& key)
{
    if (!dict || dict->kind != PickleKind::Dict)
        return nullptr;
    for (const auto& [k, v] : dict->entries) {
        if (k->kind == PickleKind::String && k->text == key)
            return v;
    }
    return nullptr;
}

std::string describeObject(const std::string& path, const std::string& name, const std::string& where)
{
    const auto dot = name.rfind('.');
    const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
    if (!last.empty() && std::isupper(static_cast<unsigned char>(last[0])))
        return path + ": holds a pickled Python object of class " + name + where
            + ", not a state dict (nothing was run); save the weights instead: "
              "torch.save(model.state_dict(), PATH)";
    return path + ": refused: its pickle calls the Python function " + name + where
        + ", which would run when the file is loaded in Python (nothing was run)";
}

/// The refusal of a file whose pickle would run code in Python.
Error refuseDangers(const std::string& path, const PickleValue& root,
                    const std::vector<PickleDanger>& dangers)
{
    if (root.kind == PickleKind::Object && dangers.front().global == root.text && !root.callee
        && dangers.front().action.rfind("create ", 0) == 0)
        return Error {describeObject(path, root.text, ""), ErrorKind::Dangerous, path};
    return Error {path + ": refused: " + dangerRefusal(dangers), ErrorKind::Dangerous, path};
}

std::string topLevelKeys(const PickleValue* root)
{
    std::string keys;
    int shown = 0;
    for (const auto& [key, value] : root->entries) {
        if (shown++ == 12) {
            keys += ", ...";
            break;
        }
        keys += (keys.empty() ? "" : ", ") + (key->kind == PickleKind::String ? "'" + key->text + "'" : "?");
    }
    return keys;
}

// Finds the state dict inside the unpickled object, recording how it was found.
Result<const PickleValue*> findStateDict(const std::string& path, const PickleValue* root,
                                         std::vector<std::string>& fixes)
{
    if (isStateDict(root))
        return root;
    if (root->kind == PickleKind::Object || root->kind == PickleKind::Global)
        return Error {describeObject(path, root->text, "")};
    if (root->kind != PickleKind::Dict)
        return Error {path + ": holds no state dict (the file's top-level object is not a dictionary)"};

    for (const char* wrapper : kWrapperKeys) {
        const PickleValue* inner = lookup(root, wrapper);
        if (!inner)
            continue;
        if (isStateDict(inner)) {
            fixes.push_back(std::string("weights found under '") + wrapper + "'");
            return inner;
        }
        if (inner->kind == PickleKind::Object || inner->kind == PickleKind::Global)
            return Error {describeObject(path, inner->text, std::string(" under '") + wrapper + "'")};
    }
    return Error {path + ": holds no state dict of tensors; its top-level keys are " + topLevelKeys(root)};
}

std::vector<std::string> labelsIn(const PickleValue* root)
{
    std::vector<std::string> labels;
    if (const PickleValue* classes = lookup(root, "classes");
        classes && (classes->kind == PickleKind::List || classes->kind == PickleKind::Tuple)) {
        for (const PickleValue* item : classes->items) {
            if (item->kind != PickleKind::String)
                return {};
            labels.push_back(item->text);
        }
        return labels;
    }
    // class_to_idx: {name: index}; idx_to_class: {index: name}
    std::map<std::int64_t, std::string> byIndex;
    if (const PickleValue* map = lookup(root, "class_to_idx"); map && map->kind == PickleKind::Dict) {
        for (const auto& [name, index] : map->entries) {
            if (name->kind == PickleKind::String && index->kind == PickleKind::Int)
                byIndex[index->integer] = name->text;
        }
    } else if (const PickleValue* map = lookup(root, "idx_to_class"); map && map->kind == PickleKind::Dict) {
        for (const auto& [index, name] : map->entries) {
            if (name->kind == PickleKind::String && index->kind == PickleKind::Int)
                byIndex[index->integer] = name->text;
        }
    }
    for (const auto& [index, name] : byIndex) {
        if (index != static_cast<std::int64_t>(labels.size()))
            return {}; // not a dense 0..N-1 mapping
        labels.push_back(name);
    }
    return labels;
}

/// The bytes of one storage, checked to hold at least its declared elements.
using StorageLoader = std::function<Result<std::shared_ptr<const StorageBytes>>(const TensorRef&, DType)>;

// Loads each storage once through `load` and views tensors into them, after checking every size.
class TensorMaterializer {
public:
    explicit TensorMaterializer(StorageLoader load)
        : m_load(std::move(load))
    { }

    Result<TensorData> tensor(const TensorRef& ref)
    {
        const auto type = dtypeFromStorageName(ref.dtype);
        if (!type)
            return Error {"unsupported tensor type '" + ref.dtype + "Storage'"};
        auto storage = storageFor(ref, *type);
        if (!storage)
            return storage.error();
        const auto elements = static_cast<std::int64_t>((*storage)->size / dtypeInfo(*type).size);

        const std::size_t dims = ref.sizes.size();
        if (ref.strides.size() != dims)
            return Error {"tensor has " + std::to_string(dims) + " sizes but "
                          + std::to_string(ref.strides.size()) + " strides"};
        // The last element a view touches must lie inside its storage.
        std::int64_t last = ref.storageOffset;
        bool empty = false;
        for (std::size_t d = 0; d < dims; ++d) {
            if (ref.sizes[d] < 0 || ref.strides[d] < 0)
                return Error {"tensor has a negative size or stride"};
            empty = empty || ref.sizes[d] == 0;
        }
        if (!empty) {
            for (std::size_t d = 0; d < dims; ++d) {
                std::int64_t span = 0;
                if (__builtin_mul_overflow(ref.sizes[d] - 1, ref.strides[d], &span)
                    || __builtin_add_overflow(last, span, &last))
                    return Error {"tensor extent overflows"};
            }
            if (ref.storageOffset < 0 || last >= elements)
                return Error {"tensor reaches past the end of its storage '" + ref.storageKey + "'"};
        }
        std::int64_t numel = 1;
        for (const std::int64_t size : ref.sizes) {
            if (__builtin_mul_overflow(numel, size, &numel))
                return Error {"tensor has more elements than fit in 64 bits"};
        }
        if (__builtin_add_overflow(m_viewElements, numel, &m_viewElements))
            return Error {"the tensors hold more elements than fit in 64 bits"};
        return TensorData {*type, ref.sizes, ref.strides, ref.storageOffset, *storage};
    }

    /// Checks that the tensors do not view far more elements than the storages hold (stride-0 views,
    /// which torch.save writes for expanded tensors, or many views of one storage).
    Result<void> checkExpansion() const
    {
        std::int64_t stored = 0;
        for (const auto& [key, storage] : m_storages)
            stored += static_cast<std::int64_t>(storage.bytes->size / dtypeInfo(storage.type).size);
        if (m_viewElements > kMaxViewFactor * stored + kViewSlack)
            return Error {"its tensors view " + std::to_string(m_viewElements)
                          + " elements but its storages hold " + std::to_string(stored)
                          + " (stride-0 or overlapping views); more than " + std::to_string(kMaxViewFactor)
                          + " times what is stored is refused"};
        return {};
    }

private:
    struct Loaded {
        DType type;
        std::shared_ptr<const StorageBytes> bytes;
    };

    Result<std::shared_ptr<const StorageBytes>> storageFor(const TensorRef& ref, DType type)
    {
        auto it = m_storages.find(ref.storageKey);
        if (it != m_storages.end()) {
            if (it->second.type != type)
                return Error {"storage '" + ref.storageKey + "' is used with two different types"};
            return it->second.bytes;
        }
        auto storage = m_load(ref, type);
        if (!storage)
            return storage.error();
        m_storages.emplace(ref.storageKey, Loaded {type, *storage});
        return *storage;
    }

    StorageLoader m_load;
    std::map<std::string, Loaded> m_storages;
    std::int64_t m_viewElements = 0;
};

/// A view of bytes inside a memory-mapped file, which it keeps mapped.
std::shared_ptr<const StorageBytes> bytesIn(const std::shared_ptr<const MappedFile>& file,
                                            std::uint64_t offset, std::uint64_t size)
{
    return std::make_shared<const StorageBytes>(StorageBytes {
        reinterpret_cast<const std::uint8_t*>(file->data()) + offset, static_cast<std::size_t>(size), file});
}

// Strips wrapper prefixes shared by every key, repeatedly (a DataParallel model inside torch.compile gives
// "_orig_mod.module."), keeping an offset per key so that a key of a million prefixes costs linear time.
void stripPrefixes(Checkpoint& checkpoint)
{
    auto& tensors = checkpoint.tensors;
    if (tensors.empty())
        return;
    std::vector<std::size_t> offsets(tensors.size(), 0);
    const auto allHave = [&](const std::string& prefix) {
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            const std::string& name = tensors[i].name;
            if (name.size() <= offsets[i] + prefix.size()
                || name.compare(offsets[i], prefix.size(), prefix) != 0)
                return false;
        }
        return true;
    };
    std::vector<std::pair<std::string, std::size_t>> runs; // prefix, consecutive times
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const char* prefix : kPrefixes) {
            const std::string p = prefix;
            if (!allHave(p))
                continue;
            for (auto& offset : offsets)
                offset += p.size();
            if (!runs.empty() && runs.back().first == p)
                ++runs.back().second;
            else
                runs.emplace_back(p, 1);
            stripped = true;
            break;
        }
    }
    for (std::size_t i = 0; i < tensors.size(); ++i)
        tensors[i].name.erase(0, offsets[i]);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (i == 8) {
            checkpoint.fixes.push_back("removed " + std::to_string(runs.size() - 8)
                                       + " more runs of key prefixes");
            break;
        }
        checkpoint.fixes.push_back(
            "removed the key prefix '" + runs[i].first + "'"
            + (runs[i].second > 1 ? " (" + std::to_string(runs[i].second) + " times)" : ""));
    }
}

// TorchScript archives pickle the module tree itself: each module is an object whose BUILD state maps its
// attribute names to values: tensors (parameters and buffers), submodules, and plain settings. Reading the
// tensors from that tree, like any other pickle, means the archive's TorchScript code never runs.
Result<void> collectModuleTensors(const PickleValue* module, const std::string& prefix,
                                  std::vector<std::pair<std::string, const PickleValue*>>& out,
                                  std::size_t& visits)
{
    if (!module || module->kind != PickleKind::Object || !module->state || !module->state->isDict())
        return {};
    // A module shared by several parents is reached along each path, as in Python's state_dict(); a file
    // that shares submodules level after level has exponentially many paths.
    if (++visits > kMaxModulePaths)
        return Error {"the TorchScript module tree has more than " + std::to_string(kMaxModulePaths)
                      + " paths to its modules (submodules shared level after level)"};
    for (const auto& [key, value] : module->state->entries) {
        if (!key->isString())
            continue;
        if (value->isTensor()) {
            out.emplace_back(prefix + key->text, value);
        } else if (value->kind == PickleKind::Object) {
            if (auto walked = collectModuleTensors(value, prefix + key->text + ".", out, visits); !walked)
                return walked;
        }
    }
    return {};
}

// The common part of the pickle-based formats: find the state dict (or, for TorchScript, the module tree's
// tensors), read labels, materialise tensors.
Result<Checkpoint> checkpointFromPickle(const std::string& path, const std::string& format,
                                        const PickleDocument& document, StorageLoader load,
                                        const ReadOptions& options, bool moduleTree = false)
{
    Checkpoint checkpoint;
    checkpoint.path = path;
    checkpoint.format = format;
    // Before anything else: what Python would run decides whether the file is read at all.
    checkpoint.dangers = pickleDangers(document);
    if (!checkpoint.dangers.empty()) {
        if (!options.allowUnsafeObjects)
            return refuseDangers(path, document.root(), checkpoint.dangers);
        checkpoint.warnings.push_back("unsafe objects allowed: this file "
                                      + describeDangers(checkpoint.dangers)
                                      + "; nothing was run, only its tensors are used");
    }
    if (const auto inert = inertGlobals(document); !inert.empty()) {
        std::string names;
        for (const auto& name : inert)
            names += (names.empty() ? "" : ", ") + name;
        checkpoint.warnings.push_back("the file also holds Python data objects (" + names
                                      + "), which were ignored");
    }

    std::vector<std::pair<std::string, const PickleValue*>> entries;
    if (moduleTree) {
        std::size_t visits = 0;
        if (auto walked = collectModuleTensors(&document.root(), "", entries, visits); !walked)
            return Error {path + ": " + walked.message()};
        if (entries.empty())
            return Error {path + ": the TorchScript archive holds no parameters or buffers"};
        checkpoint.fixes.push_back("parameters and buffers read from the TorchScript module's attributes "
                                   "(its code was not run)");
    } else {
        auto stateDict = findStateDict(path, &document.root(), checkpoint.fixes);
        if (!stateDict) {
            if (!options.allowNoWeights)
                return stateDict.error();
            // The problem is about the file, which is named wherever it is shown.
            const std::string& message = stateDict.message();
            checkpoint.problem = message.compare(0, path.size() + 2, path + ": ") == 0
                ? message.substr(path.size() + 2)
                : message;
            return checkpoint;
        }
        for (const auto& [key, value] : (*stateDict)->entries) {
            if (value->isTensor())
                entries.emplace_back(key->text, value);
            else
                checkpoint.warnings.push_back("the state dict's entry '" + key->text
                                              + "' is a Python object (" + pythonRepr(*value, 80)
                                              + "), not a tensor; it was skipped");
        }
        checkpoint.labels = labelsIn(&document.root());
    }

    TensorMaterializer materializer(std::move(load));
    try {
        for (const auto& [name, value] : entries) {
            auto tensor = materializer.tensor(*value->tensor);
            if (!tensor)
                return Error {path + ": tensor '" + name + "': " + tensor.message(), ErrorKind::Unreadable,
                              path};
            checkpoint.tensors.push_back({name, std::move(*tensor)});
        }
    } catch (const std::bad_alloc&) {
        return Error {path + ": not enough memory to read its tensors"};
    }
    if (auto bounded = materializer.checkExpansion(); !bounded)
        return Error {path + ": " + bounded.message()};
    stripPrefixes(checkpoint);
    return checkpoint;
}

Result<Checkpoint> readZipCheckpoint(const std::string& path, const ReadOptions& options)
{
    auto zip = ZipArchive::open(path);
    if (!zip)
        return zip.error();

    const ZipArchive::Entry* pickle = nullptr;
    bool torchScript = false;
    for (const auto& entry : zip->entries()) {
        const auto slash = entry.name.find('/');
        const std::string rest = slash == std::string::npos ? entry.name : entry.name.substr(slash + 1);
        if (rest == "data.pkl" && !pickle)
            pickle = &entry;
        if (rest == "constants.pkl" || rest.compare(0, 5, "code/") == 0)
            torchScript = true;
    }
    if (!pickle)
        return Error {path + ": is a zip file but not a PyTorch checkpoint (it has no data.pkl record)"};
    const std::string prefix = pickle->name.substr(0, pickle->name.size() - std::string("data.pkl").size());

    std::vector<std::string> warnings;
    if (const auto* byteorder = zip->find(prefix + "byteorder")) {
        auto order = zip->read(*byteorder);
        if (!order)
            warnings.push_back("its byteorder record cannot be read (" + order.message()
                               + "); the tensors are read as little-endian");
        else if (*order != "little")
            return Error {path + ": stores tensors in '" + *order
                              + "' byte order; only little-endian is supported",
                          ErrorKind::Unsupported, path};
    }

    auto bytes = zip->read(*pickle);
    if (!bytes)
        return bytes.error();
    UnpickleOptions unpickling;
    unpickling.displayName = path;
    auto document = unpickle(bytes->data(), bytes->size(), unpickling);
    if (!document)
        return Error {document.message(), ErrorKind::Unreadable, path};

    const ZipArchive& archive = *zip;
    auto load = [&archive, &prefix](const TensorRef& ref,
                                    DType type) -> Result<std::shared_ptr<const StorageBytes>> {
        const std::string record = prefix + "data/" + ref.storageKey;
        const ZipArchive::Entry* entry = archive.find(record);
        if (!entry)
            return Error {"the record '" + record + "' holding a tensor's data is missing"};
        if (auto readable = archive.readable(*entry); !readable)
            return readable.error(); // before allocating what the entry claims
        const std::uint64_t elementSize = dtypeInfo(type).size;
        const auto numel = static_cast<std::uint64_t>(ref.storageNumel);
        if (ref.storageNumel < 0 || numel > entry->size / elementSize)
            return Error {"storage '" + ref.storageKey + "' declares " + std::to_string(ref.storageNumel)
                          + " elements but its record holds " + std::to_string(entry->size) + " bytes"};
        // entry->size is at most the file's size (readable() checked it).
        auto buffer = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(entry->size));
        if (auto read = archive.readInto(*entry, buffer->data()); !read)
            return read.error();
        const std::uint8_t* data = buffer->data();
        return std::make_shared<const StorageBytes>(
            StorageBytes {data, static_cast<std::size_t>(numel * elementSize), std::move(buffer)});
    };
    auto checkpoint = torchScript
        ? checkpointFromPickle(path, "TorchScript archive", *document, load, options, /*moduleTree=*/true)
        : checkpointFromPickle(path, "torch.save zip", *document, load, options);
    if (checkpoint)
        checkpoint->warnings.insert(checkpoint->warnings.end(), warnings.begin(), warnings.end());
    return checkpoint;
}

Result<Checkpoint> readLegacyCheckpoint(const std::string& path, const ReadOptions& options)
{
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const auto file = std::make_shared<const MappedFile>(std::move(*mapped));
    auto container = parseLegacyContainer(file->data(), file->size(), path);
    if (!container)
        return Error {container.message(), ErrorKind::Unreadable, path};
    const auto& storages = container->storages;
    auto load = [&file, &storages](const TensorRef& ref,
                                   DType type) -> Result<std::shared_ptr<const StorageBytes>> {
        auto it = storages.find(ref.storageKey);
        if (it == storages.end())
            return Error {"the data of storage '" + ref.storageKey + "' is missing"};
        // parseLegacyContainer() checked numel * elementSize against the file.
        return bytesIn(file, it->second.dataOffset,
                       static_cast<std::uint64_t>(it->second.numel) * dtypeInfo(type).size);
    };
    return checkpointFromPickle(path, "torch.save legacy (before PyTorch 1.6)", container->object, load,
                                options);
}

Result<Checkpoint> readSafeTensors(const std::string& path)
{
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const auto file = std::make_shared<const MappedFile>(std::move(*mapped));
    auto header = parseSafeTensorsHeader(file->data(), file->size(), file->size(), path);
    if (!header)
        return Error {header.message(), ErrorKind::Unreadable, path};
    Checkpoint checkpoint;
    checkpoint.path = path;
    checkpoint.format = "safetensors";
    for (const auto& entry : header->tensors) {
        // parseSafeTensorsHeader() checked end - begin == numel * elementSize and end <= file size.
        TensorData tensor;
        tensor.dtype = entry.dtype;
        tensor.shape = entry.shape;
        tensor.strides.assign(entry.shape.size(), 1);
        for (std::size_t d = entry.shape.size(); d-- > 1;)
            tensor.strides[d - 1] = tensor.strides[d] * std::max<std::int64_t>(entry.shape[d], 1);
        tensor.storage = bytesIn(file, entry.begin, entry.end - entry.begin);
        checkpoint.tensors.push_back({entry.name, std::move(tensor)});
    }
    for (const auto& [key, value] : header->metadata) {
        if (key == "classes") {
            // A JSON list of names, as some exporters store them.
            auto names = parseJson(value);
            const bool valid = names && names->kind == JsonKind::Array
                && std::all_of(names->items.begin(), names->items.end(),
                               [](const JsonValue& item) { return item.kind == JsonKind::String; });
            if (!valid) {
                checkpoint.warnings.push_back("the class names in the metadata ('classes') are not a JSON "
                                              "list of strings; they were ignored");
                continue;
            }
            for (const auto& item : names->items)
                checkpoint.labels.push_back(item.text);
        }
    }
    stripPrefixes(checkpoint);
    return checkpoint;
}

} // namespace

ShapeList keyShapes(const std::vector<NamedTensor>& tensors)
{
    ShapeList shapes;
    shapes.reserve(tensors.size());
    for (const auto& [name, tensor] : tensors)
        shapes.push_back({name, tensor.shape, tensor.dtype});
    return shapes;
}

Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options)
{
    auto fileSize = regularFileSize(path);
    if (!fileSize)
        return fileSize.error();
    const std::uintmax_t size = *fileSize;
    if (size == 0)
        return Error {path + ": is empty (0 bytes), not a checkpoint"};

    // 512 bytes: enough for the tar header's "ustar" magic at byte 257.
    char head[512] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in.read(head, static_cast<std::streamsize>(std::min<std::uintmax_t>(size, sizeof head)))
        && !in.eof())
        return Error {path + ": cannot read"};
    const auto headSize = static_cast<std::size_t>(std::min<std::uintmax_t>(size, sizeof head));

    if (ZipArchive::looksLikeZip(head, headSize))
        return readZipCheckpoint(path, options);
    if (looksLikeLegacy(head, headSize))
        return readLegacyCheckpoint(path, options);
    if (looksLikeSafeTensors(head, headSize, size))
        return readSafeTensors(path);
    if (headSize >= 262 && std::memcmp(head + 257, "ustar", 5) == 0)
        return Error {
            path
            + ": is a tar archive, the format of torch.save before PyTorch 0.1.10, which is not "
              "supported; load it with an old PyTorch and save the state dict again with a recent one"};
    return Error {path
                  + ": is not a PyTorch checkpoint (not a torch.save zip, legacy torch.save, safetensors "
                    "or TorchScript file)"};
}

} // namespace lens
