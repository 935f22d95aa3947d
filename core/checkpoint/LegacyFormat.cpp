#include "checkpoint/LegacyFormat.h"

#include <cstring>
#include <set>
#include <unordered_set>
#include <vector>

namespace lens {

namespace {

// 0x1950a86a20f9469cfc6c as the little-endian bytes of the pickled long.
const char kMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr std::int64_t kProtocolVersion = 1001;

void collectRefs(const PickleValue* value, std::unordered_set<const PickleValue*>& seen,
                 std::vector<const TensorRef*>& refs)
{
    if (!value || !seen.insert(value).second)
        return;
    if (value->tensor)
        refs.push_back(value->tensor);
    for (const PickleValue* item : value->items)
        collectRefs(item, seen, refs);
    for (const PickleValue* item : value->listItems)
        collectRefs(item, seen, refs);
    for (const auto& [key, item] : value->entries) {
        collectRefs(key, seen, refs);
        collectRefs(item, seen, refs);
    }
    collectRefs(value->state, seen, refs);
    collectRefs(value->kwargs, seen, refs);
}

} // namespace

bool looksLikeLegacy(const char* head, std::size_t headSize)
{
    return headSize >= 14 && static_cast<unsigned char>(head[0]) == 0x80
        && static_cast<unsigned char>(head[2]) == 0x8a && static_cast<unsigned char>(head[3]) == 0x0a
        && std::memcmp(head + 4, kMagic, 10) == 0;
}

Result<LegacyContainer> parseLegacyContainer(const char* data, std::size_t size,
                                             const std::string& displayName)
{
    const auto fail
        = [&](const std::string& what) { return Error {displayName + ": legacy format: " + what}; };
    std::size_t offset = 0;
    const auto next = [&](UnpickleOptions::Persistence persistence) {
        UnpickleOptions options;
        options.displayName = displayName;
        options.persistence = persistence;
        options.baseOffset = offset;
        auto document = unpickle(data + offset, size - offset, options);
        if (document)
            offset += document->endOffset();
        return document;
    };

    auto magic = next(UnpickleOptions::Persistence::Zip);
    if (!magic)
        return magic.error();
    if (magic->root().kind != PickleKind::BigInt || magic->root().text != std::string(kMagic, 10))
        return fail("the file does not start with the magic number of torch.save");
    auto protocol = next(UnpickleOptions::Persistence::Zip);
    if (!protocol)
        return protocol.error();
    if (protocol->root().kind != PickleKind::Int || protocol->root().integer != kProtocolVersion)
        return fail("unsupported protocol version (expected 1001)");
    auto sysInfo = next(UnpickleOptions::Persistence::Zip);
    if (!sysInfo)
        return sysInfo.error();
    if (const PickleValue* little = sysInfo->root().find("little_endian");
        little && little->kind == PickleKind::Bool && !little->boolean)
        return fail("the file was written on a big-endian machine, which is not supported");
    auto object = next(UnpickleOptions::Persistence::Legacy);
    if (!object)
        return object.error();
    auto keys = next(UnpickleOptions::Persistence::Zip);
    if (!keys)
        return keys.error();
    if (!keys->root().isSequence())
        return fail("the storage key list is not a list");

    // The element type of each storage comes from the tensors that use it.
    std::unordered_set<const PickleValue*> seen;
    std::vector<const TensorRef*> refs;
    collectRefs(&object->root(), seen, refs);
    std::map<std::string, const TensorRef*> typeOf;
    for (const TensorRef* ref : refs) {
        auto [it, inserted] = typeOf.emplace(ref->storageKey, ref);
        if (!inserted && it->second->dtype != ref->dtype)
            return fail("storage '" + ref->storageKey + "' is used with two different types");
    }

    LegacyContainer container {std::move(*object), {}};
    for (const PickleValue* key : keys->root().items) {
        if (key->kind != PickleKind::String)
            return fail("the storage key list holds a value that is not a string");
        auto ref = typeOf.find(key->text);
        if (ref == typeOf.end())
            return fail("storage '" + key->text + "' is listed but no tensor uses it");
        if (container.storages.count(key->text))
            return fail("storage '" + key->text + "' is listed twice");
        const auto dtype = dtypeFromStorageName(ref->second->dtype);
        if (!dtype)
            return fail("storage '" + key->text + "' has the unsupported type '" + ref->second->dtype
                        + "Storage'");
        const std::size_t elementSize = dtypeInfo(*dtype).size;
        if (size - offset < 8)
            return fail("the file is truncated: it ends before the size of storage '" + key->text
                        + "' (at byte " + std::to_string(offset) + ")");
        std::int64_t numel = 0;
        std::memcpy(&numel, data + offset, 8); // little-endian hosts only (checked in sys_info above)
        offset += 8;
        std::uint64_t bytes = 0;
        if (numel < 0 || __builtin_mul_overflow(static_cast<std::uint64_t>(numel), elementSize, &bytes)
            || bytes > size - offset)
            return fail("storage '" + key->text + "' declares " + std::to_string(numel) + " elements of "
                        + std::to_string(elementSize) + " bytes, but only " + std::to_string(size - offset)
                        + " bytes remain in the file (truncated or corrupt)");
        if (ref->second->storageNumel > numel)
            return fail("storage '" + key->text + "' holds " + std::to_string(numel)
                        + " elements but a tensor declares " + std::to_string(ref->second->storageNumel));
        container.storages[key->text] = {*dtype, offset, numel};
        offset += bytes;
    }
    for (const auto& [key, ref] : typeOf) {
        if (!container.storages.count(key))
            return fail("the data of storage '" + key + "' is missing");
    }
    return container;
}

} // namespace lens
