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
// torch.optim.swa_utils.AveragedModel (torchvision's ExponentialMovingAverage) keeps its averaging count
// beside the averaged module's "module."-prefixed weights.
const char* const kAveragedCount = "n_averaged";

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

/// "'model', 'model_ema' and 'teacher/state_dict'", at most 8 named.
std::string quotedKeys(const std::vector<std::string>& keys)
{
    std::string text;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i == 8) {
            text += " and " + std::to_string(keys.size() - 8) + " more";
            break;
        }
        text += (i == 0 ? "" : i + 1 == keys.size() ? " and " : ", ") + ("'" + keys[i] + "'");
    }
    return text;
}

std::vector<std::string> labelsIn(const PickleValue* root)
{
    std::vector<std::string> labels;
    if (const PickleValue* classes = root->find("classes");
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
    if (const PickleValue* map = root->find("class_to_idx"); map && map->kind == PickleKind::Dict) {
        for (const auto& [name, index] : map->entries) {
            if (name->kind == PickleKind::String && index->kind == PickleKind::Int)
                byIndex[index->integer] = name->text;
        }
    } else if (const PickleValue* map = root->find("idx_to_class"); map && map->kind == PickleKind::Dict) {
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

/// A weight set's entries by name, before prefix removal: tensors of a pickle, or safetensors entries.
template <typename Entry> struct NamedEntries {
    std::vector<std::string> names;
    std::vector<Entry> entries;
};

// Drops AveragedModel's counter when every other key carries the averaged module's prefix, so that the
// prefix can go too.
template <typename Entry> void dropAveragedCount(NamedEntries<Entry>& set, std::vector<std::string>& fixes)
{
    const auto count = std::find(set.names.begin(), set.names.end(), kAveragedCount);
    if (count == set.names.end() || set.names.size() < 2)
        return;
    for (const auto& name : set.names) {
        if (name != kAveragedCount && name.compare(0, 7, "module.") != 0)
            return;
    }
    const auto index = static_cast<std::size_t>(count - set.names.begin());
    set.names.erase(count);
    set.entries.erase(set.entries.begin() + static_cast<std::ptrdiff_t>(index));
    fixes.push_back("dropped 'n_averaged', the averaging count of torch's AveragedModel (an EMA copy)");
}

// Strips wrapper prefixes shared by every key, repeatedly (a DataParallel model inside torch.compile gives
// "_orig_mod.module."), keeping an offset per key so that a key of a million prefixes costs linear time.
void stripPrefixes(std::vector<std::string>& names, std::vector<std::string>& fixes)
{
    if (names.empty())
        return;
    std::vector<std::size_t> offsets(names.size(), 0);
    const auto allHave = [&](const std::string& prefix) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            const std::string& name = names[i];
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
    for (std::size_t i = 0; i < names.size(); ++i)
        names[i].erase(0, offsets[i]);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (i == 8) {
            fixes.push_back("removed " + std::to_string(runs.size() - 8) + " more runs of key prefixes");
            break;
        }
        fixes.push_back("removed the key prefix '" + runs[i].first + "'"
                        + (runs[i].second > 1 ? " (" + std::to_string(runs[i].second) + " times)" : ""));
    }
}

template <typename Entry> void cleanNames(NamedEntries<Entry>& set, std::vector<std::string>& fixes)
{
    dropAveragedCount(set, fixes);
    stripPrefixes(set.names, fixes);
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

/// The name of a weight set in messages.
std::string keyName(const std::string& key)
{
    return key.empty() ? std::string("the whole file") : "'" + key + "'";
}

} // namespace

struct CheckpointFile::Impl {
    enum class Source { Pickle, ModuleTree, SafeTensors };

    std::string path;
    std::string format;
    Source source = Source::Pickle;
    std::vector<PickleDanger> dangers;
    std::vector<std::string> warnings;
    std::vector<std::pair<std::string, std::string>> metadata;
    std::vector<WeightSet> weightSets;
    bool weightSetsIncomplete = false;
    std::optional<std::string> defaultKey;
    std::string defaultProblem;

    // Pickle and ModuleTree: the document (owned by `owner`, which may be a whole legacy container) and how
    // to load a storage.
    std::shared_ptr<const void> owner;
    const PickleDocument* document = nullptr;
    StorageLoader load;

    // SafeTensors
    std::shared_ptr<const MappedFile> file;
    SafeTensorsHeader header;

    /// The pickle value of a weight set, checked to be a state dict; errors name the file.
    Result<const PickleValue*> stateDictAt(const std::string& key) const
    {
        const PickleValue* value = resolveKeyPath(document->root(), key);
        const auto others = [&] {
            std::vector<std::string> keys;
            for (const auto& set : weightSets)
                keys.push_back(set.key.empty() ? std::string("(the whole file)") : set.key);
            return keys.empty() ? std::string("; it holds no weight sets")
                                : "; its weight sets are " + quotedKeys(keys);
        };
        if (!value)
            return Error {path + ": nothing is stored under the key '" + key + "'" + others(),
                          ErrorKind::NotFound, path};
        // An optimizer's per-parameter state ({"momentum_buffer": tensor}) looks like a state dict but is
        // never weights.
        for (std::size_t slash = key.find('/'); slash != std::string::npos;
             slash = key.find('/', slash + 1)) {
            if (isOptimizerState(resolveKeyPath(document->root(), std::string_view(key).substr(0, slash))))
                return Error {path + ": " + keyName(key) + " is part of an optimizer's state, not weights"
                                  + others(),
                              ErrorKind::NotFound, path};
        }
        if (isStateDict(value))
            return value;
        if (value->kind == PickleKind::Object || value->kind == PickleKind::Global)
            return Error {describeObject(path, value->text, " under '" + key + "'")};
        const std::string what = isOptimizerState(value) ? "an optimizer's state"
            : value->isDict()                            ? "a dict that is not a state dict of tensors"
                              : pythonRepr(*value, 60) + " (" + pickleKindName(value->kind) + ")";
        return Error {path + ": " + keyName(key) + " holds " + what + ", not weights" + others(),
                      ErrorKind::NotFound, path};
    }

    /// The tensors of a weight set, before prefix removal, with what was done to find them.
    Result<NamedEntries<const PickleValue*>> pickleEntries(const std::string& requested,
                                                           std::vector<std::string>& fixes,
                                                           std::vector<std::string>& warnings) const
    {
        NamedEntries<const PickleValue*> set;
        if (source == Source::ModuleTree) {
            if (!requested.empty())
                return Error {path
                                  + ": a TorchScript archive has one weight set, its module's parameters and "
                                    "buffers; no key picks another",
                              ErrorKind::NotFound, path};
            std::vector<std::pair<std::string, const PickleValue*>> entries;
            std::size_t visits = 0;
            if (auto walked = collectModuleTensors(&document->root(), "", entries, visits); !walked)
                return Error {path + ": " + walked.message()};
            if (entries.empty())
                return Error {path + ": the TorchScript archive holds no parameters or buffers"};
            fixes.push_back("parameters and buffers read from the TorchScript module's attributes "
                            "(its code was not run)");
            for (auto& [name, value] : entries) {
                set.names.push_back(std::move(name));
                set.entries.push_back(value);
            }
            return set;
        }
        const std::string key = requested.empty() ? defaultKey.value_or(std::string()) : requested;
        if (requested.empty() && !defaultKey)
            return Error {defaultProblem, weightSets.empty() ? ErrorKind::Failed : ErrorKind::NotFound, path};
        auto dict = stateDictAt(key);
        if (!dict)
            return dict.error();
        if (!key.empty())
            fixes.push_back("weights found under '" + key + "'");
        for (const auto& [name, value] : (*dict)->entries) {
            if (value->isTensor()) {
                set.names.push_back(name->text);
                set.entries.push_back(value);
            } else {
                warnings.push_back("the state dict's entry '" + name->text + "' is a Python object ("
                                   + pythonRepr(*value, 80) + "), not a tensor; it was skipped");
            }
        }
        return set;
    }

    /// Class names stored beside a weight set (in the dict that holds it), else at the top level.
    std::vector<std::string> labelsFor(const std::string& key) const
    {
        const auto slash = key.rfind('/');
        if (slash != std::string::npos) {
            if (const PickleValue* parent = resolveKeyPath(document->root(), key.substr(0, slash))) {
                if (auto labels = labelsIn(parent); !labels.empty())
                    return labels;
            }
        }
        return labelsIn(&document->root());
    }

    std::string resolvedKey(const std::string& requested) const
    {
        return source == Source::Pickle && requested.empty() ? defaultKey.value_or(std::string()) : requested;
    }

    std::vector<std::string> otherKeys(const std::string& key) const
    {
        std::vector<std::string> keys;
        for (const auto& set : weightSets) {
            if (set.key != key)
                keys.push_back(set.key);
        }
        return keys;
    }
};

namespace {

// The default weight set of a pickle, by the documented order, or why there is none.
void findDefault(CheckpointFile::Impl& file)
{
    const std::string& path = file.path;
    const PickleValue* root = &file.document->root();
    const auto elsewhere = [&] {
        std::vector<std::string> keys;
        for (const auto& set : file.weightSets)
            keys.push_back(set.key);
        return keys.empty() ? std::string() : "; pick one of its weight sets by key: " + quotedKeys(keys);
    };
    if (isStateDict(root)) {
        file.defaultKey = "";
        return;
    }
    if (root->kind == PickleKind::Object || root->kind == PickleKind::Global) {
        file.defaultProblem = describeObject(path, root->text, "");
        return;
    }
    if (root->kind != PickleKind::Dict) {
        file.defaultProblem
            = path + ": holds no state dict (the file's top-level object is not a dictionary)" + elsewhere();
        return;
    }
    for (const char* wrapper : kWrapperKeys) {
        const PickleValue* inner = root->find(wrapper);
        if (!inner)
            continue;
        if (isStateDict(inner)) {
            file.defaultKey = wrapper;
            return;
        }
        if (inner->kind == PickleKind::Object || inner->kind == PickleKind::Global) {
            file.defaultProblem = describeObject(path, inner->text, std::string(" under '") + wrapper + "'");
            return;
        }
    }
    file.defaultProblem = path + ": holds no state dict of tensors; its top-level keys are "
        + topLevelKeys(root) + elsewhere();
}

// The common part of the pickle-based formats: what Python would run decides whether the file is opened
// at all; then its weight sets and the default one.
Result<void> openPickle(CheckpointFile::Impl& file, const ReadOptions& options)
{
    const PickleDocument& document = *file.document;
    file.dangers = pickleDangers(document);
    if (!file.dangers.empty()) {
        if (!options.allowUnsafeObjects)
            return refuseDangers(file.path, document.root(), file.dangers);
        file.warnings.push_back("unsafe objects allowed: this file " + describeDangers(file.dangers)
                                + "; nothing was run, only its tensors are used");
    }
    if (const auto inert = inertGlobals(document); !inert.empty()) {
        std::string names;
        for (const auto& name : inert)
            names += (names.empty() ? "" : ", ") + name;
        file.warnings.push_back("the file also holds Python data objects (" + names
                                + "), which were ignored");
    }
    if (file.source == CheckpointFile::Impl::Source::ModuleTree) {
        std::vector<std::pair<std::string, const PickleValue*>> entries;
        std::size_t visits = 0;
        WeightSet set;
        set.isDefault = true;
        if (collectModuleTensors(&document.root(), "", entries, visits)) {
            for (const auto& [name, value] : entries)
                addToGroup(set.group, *value->tensor);
        }
        file.weightSets.push_back(std::move(set));
        file.defaultKey = "";
        return {};
    }
    WeightSetSearch search = findWeightSets(document);
    file.weightSetsIncomplete = search.incomplete;
    for (auto& location : search.sets)
        file.weightSets.push_back({std::move(location.path), location.group, false});
    findDefault(file);
    for (auto& set : file.weightSets)
        set.isDefault = file.defaultKey == set.key;
    return {};
}

Result<std::shared_ptr<CheckpointFile::Impl>> openZip(const std::string& path, const ReadOptions& options)
{
    auto opened = ZipArchive::open(path);
    if (!opened)
        return opened.error();
    const auto zip = std::make_shared<const ZipArchive>(std::move(*opened));

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

    auto file = std::make_shared<CheckpointFile::Impl>();
    file->path = path;
    if (const auto* byteorder = zip->find(prefix + "byteorder")) {
        auto order = zip->read(*byteorder);
        if (!order)
            file->warnings.push_back("its byteorder record cannot be read (" + order.message()
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
    auto owned = std::make_shared<const PickleDocument>(std::move(*document));
    file->document = owned.get();
    file->owner = owned;
    file->load
        = [zip, prefix](const TensorRef& ref, DType type) -> Result<std::shared_ptr<const StorageBytes>> {
        const std::string record = prefix + "data/" + ref.storageKey;
        const ZipArchive::Entry* entry = zip->find(record);
        if (!entry)
            return Error {"the record '" + record + "' holding a tensor's data is missing"};
        if (auto readable = zip->readable(*entry); !readable)
            return readable.error(); // before allocating what the entry claims
        const std::uint64_t elementSize = dtypeInfo(type).size;
        const auto numel = static_cast<std::uint64_t>(ref.storageNumel);
        if (ref.storageNumel < 0 || numel > entry->size / elementSize)
            return Error {"storage '" + ref.storageKey + "' declares " + std::to_string(ref.storageNumel)
                          + " elements but its record holds " + std::to_string(entry->size) + " bytes"};
        // entry->size is at most the file's size (readable() checked it). Not zero-filled: read overwrites
        // it.
        std::shared_ptr<std::uint8_t[]> buffer(new (std::nothrow)
                                                   std::uint8_t[std::max<std::uint64_t>(entry->size, 1)]);
        if (!buffer)
            return Error {"not enough memory to read the record '" + record + "' ("
                          + std::to_string(entry->size) + " bytes)"};
        if (auto read = zip->readInto(*entry, buffer.get()); !read)
            return read.error();
        const std::uint8_t* data = buffer.get();
        return std::make_shared<const StorageBytes>(
            StorageBytes {data, static_cast<std::size_t>(numel * elementSize), std::move(buffer)});
    };
    file->format = torchScript ? "TorchScript archive" : "torch.save zip";
    file->source
        = torchScript ? CheckpointFile::Impl::Source::ModuleTree : CheckpointFile::Impl::Source::Pickle;
    if (auto opened = openPickle(*file, options); !opened)
        return opened.error();
    return file;
}

Result<std::shared_ptr<CheckpointFile::Impl>> openLegacy(const std::string& path, const ReadOptions& options)
{
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const auto mapping = std::make_shared<const MappedFile>(std::move(*mapped));
    auto parsed = parseLegacyContainer(mapping->data(), mapping->size(), path);
    if (!parsed)
        return Error {parsed.message(), ErrorKind::Unreadable, path};
    const auto container = std::make_shared<const LegacyContainer>(std::move(*parsed));

    auto file = std::make_shared<CheckpointFile::Impl>();
    file->path = path;
    file->format = "torch.save legacy (before PyTorch 1.6)";
    file->document = &container->object;
    file->owner = container;
    file->load = [mapping, container](const TensorRef& ref,
                                      DType type) -> Result<std::shared_ptr<const StorageBytes>> {
        auto it = container->storages.find(ref.storageKey);
        if (it == container->storages.end())
            return Error {"the data of storage '" + ref.storageKey + "' is missing"};
        // parseLegacyContainer() checked numel * elementSize against the file.
        return bytesIn(mapping, it->second.dataOffset,
                       static_cast<std::uint64_t>(it->second.numel) * dtypeInfo(type).size);
    };
    if (auto opened = openPickle(*file, options); !opened)
        return opened.error();
    return file;
}

Result<std::shared_ptr<CheckpointFile::Impl>> openSafeTensors(const std::string& path)
{
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    auto file = std::make_shared<CheckpointFile::Impl>();
    file->path = path;
    file->format = "safetensors";
    file->source = CheckpointFile::Impl::Source::SafeTensors;
    file->file = std::make_shared<const MappedFile>(std::move(*mapped));
    auto header = parseSafeTensorsHeader(file->file->data(), file->file->size(), file->file->size(), path);
    if (!header)
        return Error {header.message(), ErrorKind::Unreadable, path};
    file->header = std::move(*header);
    file->metadata = file->header.metadata;
    WeightSet set;
    set.isDefault = true;
    for (const auto& entry : file->header.tensors) {
        TensorRef ref;
        ref.dtype = dtypeInfo(entry.dtype).storageName;
        ref.sizes = entry.shape;
        addToGroup(set.group, ref);
    }
    file->weightSets.push_back(std::move(set));
    file->defaultKey = "";
    return file;
}

std::vector<std::string> safeTensorsLabels(const CheckpointFile::Impl& file,
                                           std::vector<std::string>& warnings)
{
    std::vector<std::string> labels;
    for (const auto& [key, value] : file.metadata) {
        if (key != "classes")
            continue;
        // A JSON list of names, as some exporters store them.
        auto names = parseJson(value);
        const bool valid = names && names->kind == JsonKind::Array
            && std::all_of(names->items.begin(), names->items.end(),
                           [](const JsonValue& item) { return item.kind == JsonKind::String; });
        if (!valid) {
            warnings.push_back("the class names in the metadata ('classes') are not a JSON "
                               "list of strings; they were ignored");
            continue;
        }
        for (const auto& item : names->items)
            labels.push_back(item.text);
    }
    return labels;
}

Result<std::shared_ptr<CheckpointFile::Impl>> openFile(const std::string& path, const ReadOptions& options)
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
        return openZip(path, options);
    if (looksLikeLegacy(head, headSize))
        return openLegacy(path, options);
    if (looksLikeSafeTensors(head, headSize, size))
        return openSafeTensors(path);
    if (headSize >= 262 && std::memcmp(head + 257, "ustar", 5) == 0)
        return Error {
            path
            + ": is a tar archive, the format of torch.save before PyTorch 0.1.10, which is not "
              "supported; load it with an old PyTorch and save the state dict again with a recent one"};
    return Error {path
                  + ": is not a PyTorch checkpoint (not a torch.save zip, legacy torch.save, safetensors "
                    "or TorchScript file)"};
}

} // namespace

CheckpointFile::CheckpointFile(std::shared_ptr<const Impl> impl)
    : m_impl(std::move(impl))
{ }

const std::string& CheckpointFile::path() const
{
    return m_impl->path;
}

const std::string& CheckpointFile::format() const
{
    return m_impl->format;
}

const std::vector<PickleDanger>& CheckpointFile::dangers() const
{
    return m_impl->dangers;
}

const std::vector<std::string>& CheckpointFile::warnings() const
{
    return m_impl->warnings;
}

const std::vector<std::pair<std::string, std::string>>& CheckpointFile::metadata() const
{
    return m_impl->metadata;
}

const std::vector<WeightSet>& CheckpointFile::weightSets() const
{
    return m_impl->weightSets;
}

bool CheckpointFile::weightSetsIncomplete() const
{
    return m_impl->weightSetsIncomplete;
}

const std::optional<std::string>& CheckpointFile::defaultWeightsKey() const
{
    return m_impl->defaultKey;
}

const std::string& CheckpointFile::defaultProblem() const
{
    return m_impl->defaultProblem;
}

Structure CheckpointFile::structure() const
{
    if (m_impl->source != Impl::Source::SafeTensors)
        return describeStructure(*m_impl->document);
    Structure structure;
    structure.nodes = 1;
    structure.root.kind = StructureNode::Kind::Weights;
    structure.root.type = "safetensors";
    structure.root.group = m_impl->weightSets.front().group;
    structure.root.childCount = m_impl->header.tensors.size();
    return structure;
}

Result<WeightShapes> CheckpointFile::shapes(const std::string& key) const
{
    const Impl& file = *m_impl;
    WeightShapes out;
    if (file.source == Impl::Source::SafeTensors) {
        if (!key.empty())
            return Error {
                file.path + ": a safetensors file has one weight set, the whole file; no key picks another",
                ErrorKind::NotFound, file.path};
        NamedEntries<DType> set;
        for (const auto& entry : file.header.tensors) {
            set.names.push_back(entry.name);
            set.entries.push_back(entry.dtype);
        }
        cleanNames(set, out.fixes);
        for (std::size_t i = 0; i < set.names.size(); ++i)
            out.shapes.push_back({set.names[i], file.header.tensors[i].shape, set.entries[i]});
        return out;
    }
    std::vector<std::string> warnings;
    auto set = file.pickleEntries(key, out.fixes, warnings);
    if (!set)
        return set.error();
    out.key = file.resolvedKey(key);
    cleanNames(*set, out.fixes);
    for (std::size_t i = 0; i < set->names.size(); ++i) {
        const TensorRef& ref = *set->entries[i]->tensor;
        const auto type = dtypeFromStorageName(ref.dtype);
        if (!type)
            return Error {file.path + ": tensor '" + set->names[i] + "': unsupported tensor type '"
                              + ref.dtype + "Storage'",
                          ErrorKind::Unreadable, file.path};
        out.shapes.push_back({set->names[i], ref.sizes, *type});
    }
    return out;
}

Result<Checkpoint> CheckpointFile::weights(const std::string& key) const
{
    const Impl& file = *m_impl;
    Checkpoint checkpoint;
    checkpoint.path = file.path;
    checkpoint.format = file.format;
    checkpoint.dangers = file.dangers;
    checkpoint.warnings = file.warnings;

    if (file.source == Impl::Source::SafeTensors) {
        if (!key.empty())
            return Error {
                file.path + ": a safetensors file has one weight set, the whole file; no key picks another",
                ErrorKind::NotFound, file.path};
        NamedEntries<const SafeTensorsEntry*> set;
        for (const auto& entry : file.header.tensors) {
            set.names.push_back(entry.name);
            set.entries.push_back(&entry);
        }
        cleanNames(set, checkpoint.fixes);
        for (std::size_t i = 0; i < set.names.size(); ++i) {
            const SafeTensorsEntry& entry = *set.entries[i];
            // parseSafeTensorsHeader() checked end - begin == numel * elementSize and end <= file size.
            TensorData tensor;
            tensor.dtype = entry.dtype;
            tensor.shape = entry.shape;
            tensor.strides.assign(entry.shape.size(), 1);
            for (std::size_t d = entry.shape.size(); d-- > 1;)
                tensor.strides[d - 1] = tensor.strides[d] * std::max<std::int64_t>(entry.shape[d], 1);
            tensor.storage = bytesIn(file.file, entry.begin, entry.end - entry.begin);
            checkpoint.tensors.push_back({set.names[i], std::move(tensor)});
        }
        checkpoint.labels = safeTensorsLabels(file, checkpoint.warnings);
        return checkpoint;
    }

    auto set = file.pickleEntries(key, checkpoint.fixes, checkpoint.warnings);
    if (!set)
        return set.error();
    checkpoint.weightsKey = file.resolvedKey(key);
    checkpoint.otherWeightSets = file.otherKeys(checkpoint.weightsKey);
    if (file.source == Impl::Source::Pickle)
        checkpoint.labels = file.labelsFor(checkpoint.weightsKey);
    cleanNames(*set, checkpoint.fixes);

    TensorMaterializer materializer(file.load);
    try {
        for (std::size_t i = 0; i < set->names.size(); ++i) {
            auto tensor = materializer.tensor(*set->entries[i]->tensor);
            if (!tensor)
                return Error {file.path + ": tensor '" + set->names[i] + "': " + tensor.message(),
                              ErrorKind::Unreadable, file.path};
            checkpoint.tensors.push_back({std::move(set->names[i]), std::move(*tensor)});
        }
    } catch (const std::bad_alloc&) {
        return Error {file.path + ": not enough memory to read its tensors"};
    }
    if (auto bounded = materializer.checkExpansion(); !bounded)
        return Error {file.path + ": " + bounded.message()};
    return checkpoint;
}

Result<CheckpointFile> openCheckpoint(const std::string& path, const ReadOptions& options)
{
    auto file = openFile(path, options);
    if (!file)
        return file.error();
    return CheckpointFile(std::move(*file));
}

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
    auto file = openCheckpoint(path, options);
    if (!file)
        return file.error();
    if (options.weightsKey.empty() && !file->defaultWeightsKey() && options.allowNoWeights) {
        Checkpoint checkpoint;
        checkpoint.path = path;
        checkpoint.format = file->format();
        checkpoint.dangers = file->dangers();
        checkpoint.warnings = file->warnings();
        // The problem is about the file, which is named wherever it is shown.
        const std::string& message = file->defaultProblem();
        checkpoint.problem = message.compare(0, path.size() + 2, path + ": ") == 0
            ? message.substr(path.size() + 2)
            : message;
        for (const auto& set : file->weightSets())
            checkpoint.otherWeightSets.push_back(set.key);
        return checkpoint;
    }
    return file->weights(options.weightsKey);
}

} // namespace lens
