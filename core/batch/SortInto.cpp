#include "batch/SortInto.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace lens {

std::string safeFolderName(const std::string& label)
{
    std::string name;
    for (char c : label)
        name += (c == '/' || c == '\0') ? '_' : c;
    if (name.empty() || name == "." || name == "..")
        name = "_" + name;
    return name;
}

namespace {

bool sameContent(const fs::path& a, const fs::path& b)
{
    std::error_code error;
    if (fs::file_size(a, error) != fs::file_size(b, error) || error)
        return false;
    std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
    return std::equal(std::istreambuf_iterator<char>(x), std::istreambuf_iterator<char>(),
                      std::istreambuf_iterator<char>(y));
}

// Whether target already stands for image: a link to it, or a copy of it.
bool alreadyPlaced(const fs::path& target, const fs::path& image)
{
    std::error_code error;
    if (fs::is_symlink(target, error))
        return fs::equivalent(fs::read_symlink(target, error), image, error);
    return fs::is_regular_file(target, error) && sameContent(target, image);
}

} // namespace

Result<std::string> sortInto(const std::string& folder, const std::string& image, const std::string& label,
                             const SortOptions& options)
{
    std::error_code error;
    const fs::path source = fs::absolute(image, error);
    const fs::path directory = fs::path(folder) / safeFolderName(label);
    const fs::path name = source.filename();
    fs::path target = directory / name;
    for (int n = 1; fs::exists(fs::symlink_status(target, error)) && !alreadyPlaced(target, source); ++n)
        target = directory / (name.stem().string() + "_" + std::to_string(n) + name.extension().string());
    if (options.mode == SortOptions::Mode::DryRun || alreadyPlaced(target, source))
        return target.string();

    fs::create_directories(directory, error);
    if (error)
        return Error {directory.string() + ": cannot create the folder (" + error.message() + ")"};
    if (options.mode == SortOptions::Mode::Link)
        fs::create_symlink(source, target, error);
    else
        fs::copy_file(source, target, error);
    if (error)
        return Error {target.string() + ": cannot "
                      + (options.mode == SortOptions::Mode::Link ? "link" : "copy") + " " + image + " there ("
                      + error.message() + ")"};
    return target.string();
}

} // namespace lens
