#pragma once

// Files the program reads or writes by name must be regular files: a FIFO blocks forever, a device such as
// /dev/zero never ends and /dev/full never takes data. These checks come before a file is opened.
// LibTorch- and Qt-free.

#include "Result.h"

#include <cstdint>
#include <string>

namespace lens {

/// The size of an existing regular file (symbolic links followed). Errors name the file: "no such file",
/// "is a directory", "is not a regular file (a FIFO, socket or device)".
Result<std::uintmax_t> regularFileSize(const std::string& path);

/// Where to write an output named `path`: the path itself when nothing exists there, the file a symbolic
/// link points to when it points to a regular file (or to nothing yet); an error when it is a directory or
/// any other kind of file.
Result<std::string> outputFilePath(const std::string& path);

} // namespace lens
