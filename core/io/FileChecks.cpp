#include "io/FileChecks.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace lens {

namespace {

std::string kindName(fs::file_type type)
{
    switch (type) {
    case fs::file_type::fifo:
        return "a FIFO";
    case fs::file_type::socket:
        return "a socket";
    case fs::file_type::block:
    case fs::file_type::character:
        return "a device";
    default:
        return "not a file";
    }
}

} // namespace

Result<std::uintmax_t> regularFileSize(const std::string& path)
{
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found)
        return Error {path + ": no such file", ErrorKind::NotFound, path};
    if (error)
        return Error {path + ": cannot access the file (" + error.message() + ")", ErrorKind::Unreadable,
                      path};
    if (status.type() == fs::file_type::directory)
        return Error {path + ": is a directory, not a file", ErrorKind::Unreadable, path};
    if (status.type() != fs::file_type::regular)
        return Error {path + ": is not a regular file (" + kindName(status.type()) + ")",
                      ErrorKind::Unreadable, path};
    const std::uintmax_t size = fs::file_size(path, error);
    if (error)
        return Error {path + ": cannot read the file size (" + error.message() + ")", ErrorKind::Unreadable,
                      path};
    return size;
}

Result<std::string> outputFilePath(const std::string& path)
{
    std::error_code error;
    fs::path target = path;
    if (fs::is_symlink(fs::symlink_status(target, error))) {
        target = fs::weakly_canonical(target, error);
        if (error)
            return Error {path + ": cannot resolve the link (" + error.message() + ")", ErrorKind::Unreadable,
                          path};
    }
    const fs::file_status status = fs::status(target, error);
    if (status.type() == fs::file_type::not_found || status.type() == fs::file_type::regular)
        return target.string();
    if (status.type() == fs::file_type::directory)
        return Error {path + ": is a directory; name an output file", ErrorKind::Failed, path};
    return Error {path + ": is not a regular file (" + kindName(status.type()) + "); name an output file",
                  ErrorKind::Failed, path};
}

} // namespace lens
