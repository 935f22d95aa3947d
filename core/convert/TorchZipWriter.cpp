#include "checkpoint/ZipArchive.h"
#include "convert/Writers.h"
#include "tensor/Cast.h"

#include <algorithm>
#include <limits>
#include <new>
#include <set>

namespace lens {

namespace {

constexpr std::uint64_t kAlignment = 64; // PyTorchStreamWriter's kFieldAlignment
constexpr std::uint64_t kZip32Limit = 0xFFFFFFFFull;
constexpr const char* kArchive = "archive/";

void put16(std::string& out, std::uint32_t value)
{
    out += static_cast<char>(value & 0xFF);
    out += static_cast<char>((value >> 8) & 0xFF);
}

void put32(std::string& out, std::uint32_t value)
{
    put16(out, value & 0xFFFF);
    put16(out, value >> 16);
}

/// Pickle protocol 2, as much of it as a state dict needs.
class PickleWriter {
public:
    void proto() { m_out += "\x80\x02"; }
    void global(const std::string& module, const std::string& name)
    {
        m_out += "c" + module + "\n" + name + "\n";
    }
    void mark() { m_out += '('; }
    void tuple() { m_out += 't'; }
    void emptyTuple() { m_out += ')'; }
    void reduce() { m_out += 'R'; }
    void setItems() { m_out += 'u'; }
    void persistentId() { m_out += 'Q'; }
    void newFalse() { m_out += '\x89'; }
    void stop() { m_out += '.'; }

    void string(const std::string& text)
    {
        m_out += 'X';
        put32(m_out, static_cast<std::uint32_t>(text.size()));
        m_out += text;
    }

    void integer(std::int64_t value)
    {
        if (value >= 0 && value < 256) {
            m_out += 'K';
            m_out += static_cast<char>(value);
        } else if (value >= 0 && value < 65536) {
            m_out += 'M';
            put16(m_out, static_cast<std::uint32_t>(value));
        } else if (value >= std::numeric_limits<std::int32_t>::min()
                   && value <= std::numeric_limits<std::int32_t>::max()) {
            m_out += 'J';
            put32(m_out, static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
        } else {
            // LONG1: little-endian two's complement, as few bytes as keep the sign.
            std::string bytes;
            auto v = static_cast<std::uint64_t>(value);
            for (int i = 0; i < 8; ++i)
                bytes += static_cast<char>((v >> (8 * i)) & 0xFF);
            while (bytes.size() > 1) {
                const auto last = static_cast<unsigned char>(bytes.back());
                const auto previous = static_cast<unsigned char>(bytes[bytes.size() - 2]);
                if ((last == 0x00 && !(previous & 0x80)) || (last == 0xFF && (previous & 0x80)))
                    bytes.pop_back();
                else
                    break;
            }
            m_out += '\x8a';
            m_out += static_cast<char>(bytes.size());
            m_out += bytes;
        }
    }

    void ints(const std::vector<std::int64_t>& values)
    {
        if (values.empty()) {
            emptyTuple();
            return;
        }
        mark();
        for (const std::int64_t v : values)
            integer(v);
        tuple();
    }

    const std::string& bytes() const { return m_out; }

private:
    std::string m_out;
};

/// torch's contiguous strides: each the product of the later sizes, a size of 0 counted as 1.
std::vector<std::int64_t> contiguousStrides(const std::vector<std::int64_t>& shape)
{
    std::vector<std::int64_t> strides(shape.size(), 1);
    for (std::size_t d = shape.size(); d-- > 1;)
        strides[d - 1] = strides[d] * std::max<std::int64_t>(shape[d], 1);
    return strides;
}

std::string statePickle(const std::vector<ExportTensor>& tensors)
{
    PickleWriter p;
    p.proto();
    p.global("collections", "OrderedDict");
    p.emptyTuple();
    p.reduce();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        // Items in batches of 1000, as Python's pickler writes them.
        if (i % 1000 == 0)
            p.mark();
        const ExportTensor& t = tensors[i];
        p.string(t.name);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.mark();
        p.mark();
        p.string("storage");
        p.global("torch", std::string(dtypeInfo(t.dtype).storageName) + "Storage");
        p.string(std::to_string(i));
        p.string("cpu");
        p.integer(t.tensor->numel());
        p.tuple();
        p.persistentId();
        p.integer(0);
        p.ints(t.tensor->shape);
        p.ints(contiguousStrides(t.tensor->shape));
        p.newFalse();
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.tuple();
        p.reduce();
        if (i % 1000 == 999 || i + 1 == tensors.size())
            p.setItems();
    }
    p.stop();
    return p.bytes();
}

class ZipWriter {
public:
    explicit ZipWriter(ByteSink& out)
        : m_out(out)
    { }

    Result<void> add(const std::string& name, const void* data, std::uint64_t size)
    {
        if (size > kZip32Limit || m_offset > kZip32Limit || m_entries.size() >= 65535)
            return tooLarge();
        const std::uint32_t crc = zipCrc32(0, data, static_cast<std::size_t>(size));
        // The data starts after the 30-byte local header, the name and the extra field's own 4-byte header;
        // the extra field's padding moves it to the next multiple of 64.
        const std::uint64_t start = m_offset + 30 + name.size() + 4;
        const std::uint64_t padding = (kAlignment - start % kAlignment) % kAlignment;
        std::string header;
        put32(header, 0x04034b50);
        put16(header, 20); // version needed to extract
        put16(header, 0); // flags
        put16(header, 0); // STORED
        put16(header, 0); // time
        put16(header, 0x21); // date: 1980-01-01
        put32(header, crc);
        put32(header, static_cast<std::uint32_t>(size));
        put32(header, static_cast<std::uint32_t>(size));
        put16(header, static_cast<std::uint32_t>(name.size()));
        put16(header, static_cast<std::uint32_t>(4 + padding));
        header += name;
        header += "FB";
        put16(header, static_cast<std::uint32_t>(padding));
        header.append(static_cast<std::size_t>(padding), 'Z');
        m_entries.push_back({name, crc, size, m_offset});
        if (auto written = put(header.data(), header.size()); !written)
            return written;
        return put(data, static_cast<std::size_t>(size));
    }

    Result<void> finish()
    {
        const std::uint64_t directory = m_offset;
        std::string central;
        for (const auto& entry : m_entries) {
            put32(central, 0x02014b50);
            put16(central, 0x031E); // made by: Unix, 3.0
            put16(central, 20);
            put16(central, 0);
            put16(central, 0);
            put16(central, 0);
            put16(central, 0x21);
            put32(central, entry.crc);
            put32(central, static_cast<std::uint32_t>(entry.size));
            put32(central, static_cast<std::uint32_t>(entry.size));
            put16(central, static_cast<std::uint32_t>(entry.name.size()));
            put16(central, 0); // extra
            put16(central, 0); // comment
            put16(central, 0); // disk
            put16(central, 0); // internal attributes
            put32(central, 0); // external attributes
            put32(central, static_cast<std::uint32_t>(entry.offset));
            central += entry.name;
        }
        const std::size_t directorySize = central.size();
        if (directory + directorySize > kZip32Limit)
            return tooLarge();
        put32(central, 0x06054b50);
        put16(central, 0);
        put16(central, 0);
        put16(central, static_cast<std::uint32_t>(m_entries.size()));
        put16(central, static_cast<std::uint32_t>(m_entries.size()));
        put32(central, static_cast<std::uint32_t>(directorySize));
        put32(central, static_cast<std::uint32_t>(directory));
        put16(central, 0);
        return put(central.data(), central.size());
    }

private:
    struct Entry {
        std::string name;
        std::uint32_t crc;
        std::uint64_t size;
        std::uint64_t offset;
    };

    static Error tooLarge()
    {
        return Error {
            "the weights are too large for torch.save's format without zip64 (4 GiB or 65,534 tensors); "
            "write .safetensors instead",
            ErrorKind::Unsupported};
    }

    Result<void> put(const void* data, std::size_t size)
    {
        m_offset += size;
        return m_out.write(data, size);
    }

    ByteSink& m_out;
    std::uint64_t m_offset = 0;
    std::vector<Entry> m_entries;
};

} // namespace

Result<void> writeTorchZip(ByteSink& out, const std::vector<ExportTensor>& tensors,
                           const WriteProgress& progress)
{
    std::set<std::string> names; // from the file: an ordered set
    for (const auto& t : tensors) {
        if (!names.insert(t.name).second)
            return Error {"two tensors are named '" + t.name + "'"};
    }
    ZipWriter zip(out);
    const std::string pickle = statePickle(tensors);
    if (auto added = zip.add(std::string(kArchive) + "data.pkl", pickle.data(), pickle.size()); !added)
        return added;
    // Records in the order torch.save writes them: storage keys sorted as strings.
    std::vector<std::size_t> order(tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(),
              [](std::size_t a, std::size_t b) { return std::to_string(a) < std::to_string(b); });
    std::vector<std::uint8_t> buffer;
    for (std::size_t done = 0; done < order.size(); ++done) {
        const ExportTensor& t = tensors[order[done]];
        try {
            buffer.resize(static_cast<std::size_t>(t.tensor->numel()) * dtypeInfo(t.dtype).size);
        } catch (const std::bad_alloc&) {
            return Error {"not enough memory for the tensor '" + t.name + "'"};
        }
        copyElements(*t.tensor, t.dtype, buffer.data());
        if (auto added = zip.add(std::string(kArchive) + "data/" + std::to_string(order[done]), buffer.data(),
                                 buffer.size());
            !added)
            return added;
        if (progress && !progress(done + 1, order.size()))
            return Error {"the export was stopped", ErrorKind::Cancelled};
    }
    const std::string version = "3\n";
    if (auto added = zip.add(std::string(kArchive) + "version", version.data(), version.size()); !added)
        return added;
    const std::string byteorder = "little";
    if (auto added = zip.add(std::string(kArchive) + "byteorder", byteorder.data(), byteorder.size()); !added)
        return added;
    return zip.finish();
}

} // namespace lens
