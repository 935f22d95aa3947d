#include "weights/HubCache.h"

#include <cstdlib>
#include <filesystem>

namespace lens {

namespace {

std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

} // namespace

std::string hubCheckpointsDir()
{
    std::string torchHome = environment("TORCH_HOME");
    if (torchHome.empty()) {
        std::string cache = environment("XDG_CACHE_HOME");
        if (cache.empty())
            cache = environment("HOME") + "/.cache";
        torchHome = cache + "/torch";
    }
    return torchHome + "/hub/checkpoints";
}

std::optional<DefaultWeights> findDefaultWeights()
{
    const std::string dir = hubCheckpointsDir();
    for (const DefaultWeights candidate :
         {DefaultWeights {"resnet50-11ad3fa6.pth", "v2"}, DefaultWeights {"resnet50-0676ba61.pth", "v1"},
          DefaultWeights {"resnet50-19c8e357.pth", "v1"}}) {
        std::error_code error;
        const std::string path = dir + "/" + candidate.path;
        if (std::filesystem::is_regular_file(path, error))
            return DefaultWeights {path, candidate.preset};
    }
    return std::nullopt;
}

std::string defaultWeightsHint()
{
    return "no weights given and no torchvision resnet50 weights in " + hubCheckpointsDir()
        + "; pass --weights FILE, or fetch them once with Python: "
          "python3 -c \"import torchvision; torchvision.models.resnet50(weights='DEFAULT')\"";
}

} // namespace lens
