#include "batch/FileList.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>

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

Result<std::vector<std::string>> listFiles(const std::vector<std::string>& roots,
                                           const FileListOptions& options)
{
    if (options.shardCount < 1 || options.shardIndex < 0 || options.shardIndex >= options.shardCount)
        return Error {"invalid shard " + std::to_string(options.shardIndex) + "/"
                      + std::to_string(options.shardCount)};

    std::vector<fs::path> excluded;
    for (const auto& path : options.exclude) {
        std::error_code error;
        excluded.push_back(fs::weakly_canonical(path, error));
    }
    const auto isExcluded = [&](const fs::path& path) {
        std::error_code error;
        const fs::path canonical = fs::weakly_canonical(path, error);
        return std::find(excluded.begin(), excluded.end(), canonical) != excluded.end();
    };
    const auto hidden = [](const fs::path& path) {
        const std::string name = path.filename().string();
        return !name.empty() && name[0] == '.';
    };

    std::vector<std::string> files;
    for (const auto& root : roots) {
        std::error_code error;
        const auto status = fs::status(root, error);
        if (!fs::exists(status))
            return Error {root + ": no such file or folder"};
        if (!fs::is_directory(status)) {
            files.push_back(root);
            continue;
        }
        std::vector<std::string> found;
        const auto visit = [&](const fs::directory_entry& entry) {
            std::error_code statError;
            if (!hidden(entry.path()) && entry.is_regular_file(statError) && !isExcluded(entry.path()))
                found.push_back(entry.path().string());
        };
        if (options.recursive) {
            fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error),
                end;
            for (; !error && it != end; it.increment(error)) {
                if (hidden(it->path()) && it->is_directory()) {
                    it.disable_recursion_pending();
                    continue;
                }
                visit(*it);
            }
        } else {
            for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error))
                visit(*it);
        }
        if (error)
            return Error {root + ": cannot list the folder (" + error.message() + ")"};
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }

    if (options.shardCount > 1) {
        files.erase(std::remove_if(files.begin(), files.end(),
                                   [&](const std::string& path) {
                                       return shardOf(path, options.shardCount) != options.shardIndex;
                                   }),
                    files.end());
    }
    return files;
}

} // namespace lens
