#include "weights/HubCache.h"

#include "weights/Catalog.h"

#include <cstdlib>
#include <filesystem>
#include <pwd.h>
#include <unistd.h>

namespace lens {

namespace {

std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

// Python's os.path.expanduser: $HOME, else the password database.
std::string homeDir()
{
    std::string home = environment("HOME");
    if (home.empty()) {
        if (const passwd* entry = getpwuid(getuid()))
            home = entry->pw_dir;
    }
    return home;
}

std::string expandUser(const std::string& path)
{
    if (path == "~" || path.rfind("~/", 0) == 0)
        return homeDir() + path.substr(1);
    return path;
}

bool isFile(const std::string& path)
{
    std::error_code error;
    return std::filesystem::is_regular_file(path, error);
}

} // namespace

std::string hubCheckpointsDir()
{
    std::string torchHome = environment("TORCH_HOME");
    if (torchHome.empty()) {
        std::string cache = environment("XDG_CACHE_HOME");
        if (cache.empty())
            cache = homeDir() + "/.cache";
        torchHome = cache + "/torch";
    }
    return expandUser(torchHome) + "/hub/checkpoints";
}

std::string cachePath(const WeightsInfo& weights)
{
    return hubCheckpointsDir() + "/" + weights.fileName;
}

std::optional<std::string> findCached(const WeightsInfo& weights)
{
    std::string path = cachePath(weights);
    if (isFile(path))
        return path;
    return std::nullopt;
}

std::optional<DefaultWeights> findDefaultWeights()
{
    for (const char* name : {"resnet50.v2", "resnet50.v1"}) {
        const WeightsInfo weights = weightsByName(name).value();
        if (auto path = findCached(weights))
            return DefaultWeights {*path, weights.preset, weights.name};
    }
    // The same V1 weights in the pre-1.6 serialisation, from older torchvision versions.
    const std::string legacy = hubCheckpointsDir() + "/resnet50-19c8e357.pth";
    if (isFile(legacy))
        return DefaultWeights {legacy, "v1", "resnet50.v1"};
    return std::nullopt;
}

std::string defaultWeightsHint()
{
    return "no weights given and no torchvision resnet50 weights in " + hubCheckpointsDir()
        + "; pass --weights FILE or a catalog name, or download them once with "
          "'resnet-lens-cli weights download resnet50.v2'";
}

} // namespace lens
