#include "io/Npy.h"

#include "io/FileChecks.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lens {

Result<void> writeNpyFloat32(const std::string& path, const std::vector<std::int64_t>& shape,
                             const std::vector<float>& data)
{
    std::int64_t count = 1;
    std::string shapeText = "(";
    for (auto dim : shape) {
        count *= dim;
        shapeText += std::to_string(dim) + ",";
        if (shape.size() > 1)
            shapeText += " ";
    }
    if (shape.size() > 1)
        shapeText.resize(shapeText.size() - 2);
    shapeText += ")";
    if (count != static_cast<std::int64_t>(data.size()))
        return Error {path + ": internal error: shape does not match the data size"};

    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
    // magic (6) + version (2) + header length (2) + header + '\n', padded to a multiple of 64.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    auto target = outputFilePath(path);
    if (!target)
        return target.error();
    const std::string temporary = *target + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            return Error {path + ": cannot write (" + std::strerror(errno) + ")"};
        const unsigned char preamble[] = {0x93,
                                          'N',
                                          'U',
                                          'M',
                                          'P',
                                          'Y',
                                          1,
                                          0,
                                          static_cast<unsigned char>(header.size() & 0xff),
                                          static_cast<unsigned char>(header.size() >> 8)};
        out.write(reinterpret_cast<const char*>(preamble), sizeof preamble);
        out << header;
        out.write(reinterpret_cast<const char*>(data.data()),
                  static_cast<std::streamsize>(data.size() * sizeof(float)));
        out.flush();
        if (!out) {
            std::remove(temporary.c_str());
            return Error {path + ": write failed (" + std::strerror(errno) + ")"};
        }
    }
    if (std::rename(temporary.c_str(), target->c_str()) != 0) {
        std::remove(temporary.c_str());
        return Error {path + ": cannot rename the finished file into place (" + std::strerror(errno) + ")"};
    }
    return {};
}

Result<NpyArray> readNpyFloat32(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error {path + ": cannot open"};
    unsigned char preamble[10];
    if (!in.read(reinterpret_cast<char*>(preamble), sizeof preamble)
        || std::memcmp(preamble, "\x93NUMPY", 6) != 0 || preamble[6] != 1)
        return Error {path + ": not a version 1 .npy file"};
    std::string header(preamble[8] | (preamble[9] << 8), '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(header.size())))
        return Error {path + ": truncated .npy header"};
    if (header.find("'descr': '<f4'") == std::string::npos
        || header.find("'fortran_order': False") == std::string::npos)
        return Error {path + ": only little-endian float32 C-order arrays are supported"};
    const auto open = header.find("'shape': (");
    const auto close = header.find(')', open);
    if (open == std::string::npos || close == std::string::npos)
        return Error {path + ": no shape in the .npy header"};
    NpyArray array;
    std::int64_t count = 1;
    std::string dims = header.substr(open + 10, close - open - 10);
    for (char& c : dims)
        c = (c == ',') ? ' ' : c;
    std::istringstream dimStream(dims);
    for (std::int64_t dim = 0; dimStream >> dim;) {
        if (dim < 0 || dim > (std::int64_t(1) << 32))
            return Error {path + ": bad .npy shape"};
        array.shape.push_back(dim);
        count *= dim;
    }
    in.seekg(0, std::ios::end);
    const auto available
        = static_cast<std::int64_t>(in.tellg()) - 10 - static_cast<std::int64_t>(header.size());
    if (count * static_cast<std::int64_t>(sizeof(float)) > available)
        return Error {path + ": truncated .npy data"};
    in.seekg(10 + static_cast<std::streamoff>(header.size()));
    array.data.resize(static_cast<std::size_t>(count));
    if (!in.read(reinterpret_cast<char*>(array.data.data()),
                 static_cast<std::streamsize>(count * sizeof(float))))
        return Error {path + ": truncated .npy data"};
    return array;
}

} // namespace lens
