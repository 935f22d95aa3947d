#include "batch/FileList.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unordered_set>

namespace fs = std::filesystem;

namespace lens {

int shardOf(const std::string& path, int count)
{
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : path) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return static_cast<int>(hash % static_cast<std::uint64_t>(count));
}

Result<std::pair<int, int>> parseShard(const std::string& text)
{
    const auto slash = text.find('/');
    try {
        if (slash != std::string::npos) {
            std::size_t usedIndex = 0, usedCount = 0;
            const int index = std::stoi(text.substr(0, slash), &usedIndex);
            const int count = std::stoi(text.substr(slash + 1), &usedCount);
            if (usedIndex == slash && usedCount == text.size() - slash - 1 && count >= 1 && index >= 0
                && index < count)
                return std::make_pair(index, count);
        }
    } catch (const std::exception&) { }
    return Error {"--shard must be I/N with 0 <= I < N (e.g. 0/4), got '" + text + "'"};
}

namespace {

bool hidden(const fs::path& path)
{
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

// The files of one folder tree, depth first with an explicit stack (no recursion, one folder open at a
// time), each folder entered once by device and inode.
class Walk {
public:
    Walk(bool recursive, std::vector<std::string>& warnings)
        : m_recursive(recursive)
        , m_warnings(warnings)
    { }

    /// (spelling, canonical path) of every regular file under root.
    std::vector<std::pair<std::string, std::string>> run(const fs::path& root, const fs::path& canonical)
    {
        std::vector<std::pair<std::string, std::string>> found;
        std::vector<std::pair<fs::path, fs::path>> folders;
        if (enter(root))
            folders.emplace_back(root, canonical);
        while (!folders.empty()) {
            const auto [folder, real] = folders.back();
            folders.pop_back();
            std::error_code error;
            fs::directory_iterator it(folder, error), end;
            if (error) {
                warn(folder, "cannot read this folder", error);
                continue;
            }
            for (; it != end; it.increment(error)) {
                const fs::path& path = it->path();
                if (hidden(path))
                    continue;
                std::error_code entryError;
                const fs::file_status own = it->symlink_status(entryError);
                if (fs::is_directory(own)) {
                    if (m_recursive && enter(path))
                        folders.emplace_back(path, real / path.filename());
                } else if (fs::is_regular_file(own)) {
                    found.emplace_back(path.string(), (real / path.filename()).string());
                } else if (fs::is_symlink(own)) {
                    // A link to a file is that file; a link to a folder is not followed (no loops).
                    const fs::file_status target = it->status(entryError);
                    if (fs::is_regular_file(target)) {
                        const fs::path resolved = fs::canonical(path, entryError);
                        if (!entryError)
                            found.emplace_back(path.string(), resolved.string());
                    } else if (entryError && entryError != std::errc::no_such_file_or_directory) {
                        warn(path, "cannot follow this link", entryError);
                    }
                } else if (entryError) {
                    warn(path, "cannot read it", entryError);
                }
            }
            if (error)
                warn(folder, "cannot read all of this folder", error);
        }
        return found;
    }

private:
    bool enter(const fs::path& folder)
    {
        struct stat info { };
        if (::stat(folder.c_str(), &info) != 0)
            return true; // reading it will report the problem
        return m_entered.insert({info.st_dev, info.st_ino}).second;
    }

    void warn(const fs::path& path, const std::string& what, const std::error_code& error)
    {
        m_warnings.push_back(path.string() + ": " + what + " (" + error.message() + "); skipped");
    }

    bool m_recursive;
    std::vector<std::string>& m_warnings;
    std::set<std::pair<dev_t, ino_t>> m_entered;
};

} // namespace

Result<FileListing> listFiles(const std::vector<std::string>& roots, const FileListOptions& options)
{
    if (options.shardCount < 1 || options.shardIndex < 0 || options.shardIndex >= options.shardCount)
        return Error {"invalid shard " + std::to_string(options.shardIndex) + "/"
                      + std::to_string(options.shardCount)};

    std::unordered_set<std::string> excluded;
    for (const auto& path : options.exclude) {
        std::error_code error;
        const fs::path canonical = fs::weakly_canonical(path, error);
        excluded.insert(error ? path : canonical.string());
    }

    std::vector<std::string> excludedFolders;
    for (const auto& folder : options.excludeFolders) {
        std::error_code error;
        const fs::path canonical = fs::weakly_canonical(folder, error);
        excludedFolders.push_back((error ? fs::path(folder) : canonical).string() + "/");
    }
    const auto inExcludedFolder = [&](const std::string& canonical) {
        for (const auto& folder : excludedFolders)
            if (canonical.compare(0, folder.size(), folder) == 0)
                return true;
        return false;
    };

    FileListing listing;
    std::unordered_set<std::string> seen; // canonical paths: each file once, under its first spelling
    const auto add = [&](std::string spelling, std::string canonical) {
        if (!excluded.count(canonical) && !inExcludedFolder(canonical) && seen.insert(canonical).second)
            listing.files.push_back(std::move(spelling));
    };
    Walk walk(options.recursive, listing.warnings);
    for (const auto& root : roots) {
        std::error_code error;
        const auto status = fs::status(root, error);
        if (error && error != std::errc::no_such_file_or_directory)
            return Error {root + ": cannot read it (" + error.message() + ")"};
        if (!fs::exists(status))
            return Error {root + ": no such file or folder"};
        const fs::path canonical = fs::canonical(root, error);
        if (error)
            return Error {root + ": cannot read it (" + error.message() + ")"};
        if (!fs::is_directory(status)) {
            add(root, canonical.string());
            continue;
        }
        auto found = walk.run(root, canonical);
        std::sort(found.begin(), found.end());
        for (auto& [spelling, real] : found)
            add(std::move(spelling), std::move(real));
    }

    if (options.shardCount > 1) {
        auto& files = listing.files;
        files.erase(std::remove_if(files.begin(), files.end(),
                                   [&](const std::string& path) {
                                       return shardOf(path, options.shardCount) != options.shardIndex;
                                   }),
                    files.end());
    }
    return listing;
}

} // namespace lens
