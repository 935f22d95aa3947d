#include "cli/Args.h"
#include "cli/Commands.h"
#include "io/Json.h"
#include "weights/Catalog.h"
#include "weights/Download.h"
#include "weights/HubCache.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace lens::cli {

namespace {

const char* kWeightsUsage
    = "usage: resnet-lens-cli weights list [--json]\n"
      "       resnet-lens-cli weights path NAME\n"
      "       resnet-lens-cli weights download NAME|URL\n"
      "torchvision's pretrained weights for the ResNet family, in the torch.hub cache\n"
      "($TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/checkpoints, else\n"
      "~/.cache/torch/hub/checkpoints). NAME is a catalog name such as resnet50.v2 (see 'weights list'); a "
      "URL\n"
      "must name a file carrying a SHA-256 prefix (name-<8 hex>.pth). Downloads come from\n"
      "https://download.pytorch.org/models/ or the base URL in RESNET_LENS_WEIGHTS_URL, are verified, and\n"
      "resume where an interrupted one stopped.";

std::atomic<bool> g_interrupted {false};

void onInterrupt(int)
{
    g_interrupted = true;
}

std::string humanBytes(double bytes)
{
    char text[32];
    if (bytes >= 1e9)
        std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
    else
        std::snprintf(text, sizeof text, "%.0f kB", bytes / 1e3);
    return text;
}

std::string formatSeconds(double seconds)
{
    char text[32];
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.0fs", seconds);
    else
        std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60,
                      static_cast<int>(seconds) % 60);
    return text;
}

int listWeights(const Args& args)
{
    const bool asJson = args.flag("--json");
    if (!asJson) {
        std::cout << "cache: " << hubCheckpointsDir() << "\n";
        std::printf("%-20s %-17s %-6s %7s %7s %9s %7s  %-6s %s\n", "NAME", "ARCH", "PRESET", "ACC@1", "ACC@5",
                    "PARAMS", "GFLOPS", "CACHED", "FILE");
        std::fflush(stdout);
    }
    for (const WeightsInfo& w : weightsCatalog()) {
        const auto cached = findCached(w);
        if (asJson) {
            JsonWriter json;
            json.beginObject()
                .key("name")
                .value(w.name)
                .key("arch")
                .value(w.arch)
                .key("torchvision")
                .value(w.torchvisionName)
                .key("url")
                .value(weightsUrl(w))
                .key("file")
                .value(w.fileName)
                .key("sha256_prefix")
                .value(w.hashPrefix)
                .key("preset")
                .value(w.preset)
                .key("acc1")
                .value(w.acc1)
                .key("acc5")
                .value(w.acc5)
                .key("params")
                .value(w.params)
                .key("gflops")
                .value(w.gflops)
                .key("bytes")
                .value(w.sizeBytes)
                .key("cached")
                .value(cached.has_value())
                .key("path")
                .value(cachePath(w))
                .endObject();
            std::cout << json.str() << "\n";
        } else {
            char params[16];
            std::snprintf(params, sizeof params, "%.1fM", w.params / 1e6);
            std::printf("%-20s %-17s %-6s %7.3f %7.3f %9s %7.3f  %-6s %s\n", w.name.c_str(), w.arch.c_str(),
                        w.preset.c_str(), w.acc1, w.acc5, params, w.gflops, cached ? "yes" : "-",
                        w.fileName.c_str());
        }
    }
    std::fflush(stdout);
    return Success;
}

int weightsPath(const Args& args)
{
    if (args.positionals().size() != 2) {
        printError(std::string("weights path takes one NAME\n") + kWeightsUsage);
        return Usage;
    }
    auto weights = weightsByName(args.positionals()[1]);
    if (!weights) {
        printError(weights.message());
        return Usage;
    }
    if (auto path = findCached(*weights)) {
        std::cout << *path << "\n";
        return Success;
    }
    printError(weights->name + " is not in the cache (" + cachePath(*weights)
               + "); get it with 'resnet-lens-cli weights download " + weights->name + "'");
    return Failure;
}

int downloadWeightsCommand(const Args& args)
{
    if (args.positionals().size() != 2) {
        printError(std::string("weights download takes one NAME or URL\n") + kWeightsUsage);
        return Usage;
    }
    const std::string what = args.positionals()[1];
    const bool isUrl = what.find("://") != std::string::npos;
    std::optional<WeightsInfo> weights;
    if (isUrl) {
        const std::string path = what.substr(0, what.find_first_of("?#"));
        if (hashPrefixFromFileName(path.substr(path.rfind('/') + 1)).empty()) {
            printError("the file name in " + what
                       + " carries no SHA-256 prefix (name-<8 hex digits>.pth), so a download could not be "
                         "verified");
            return Usage;
        }
    } else {
        auto found = weightsByName(what);
        if (!found) {
            printError(found.message());
            return Usage;
        }
        weights = *found;
    }

    DownloadOptions options;
    options.cancel = &g_interrupted;
    const bool showProgress = isatty(STDERR_FILENO) && !args.flag("--quiet");
    bool progressShown = false;
    if (showProgress) {
        options.onProgress = [&](const DownloadProgress& p) {
            char line[160];
            const std::string total = p.bytesTotal >= 0 ? humanBytes(static_cast<double>(p.bytesTotal)) : "?";
            const std::string eta = p.etaSeconds >= 0 ? formatSeconds(p.etaSeconds) : "?";
            const int percent = p.bytesTotal > 0 ? static_cast<int>(100.0 * p.bytesDone / p.bytesTotal) : 0;
            std::snprintf(line, sizeof line, "\r%s / %s  %3d%%  %s/s  ETA %s   ",
                          humanBytes(static_cast<double>(p.bytesDone)).c_str(), total.c_str(), percent,
                          humanBytes(p.bytesPerSecond).c_str(), eta.c_str());
            std::cerr << line << std::flush;
            progressShown = true;
        };
    }
    struct sigaction action { };
    action.sa_handler = onInterrupt;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    auto result = weights ? downloadWeights(*weights, options) : downloadUrl(what, options);
    if (progressShown)
        std::cerr << "\n";
    if (!result)
        return fail(result.error());
    const std::string label = weights ? weights->name : what;
    if (result->alreadyCached) {
        std::cout << label << ": already cached: " << result->path << "\n";
        return Success;
    }
    std::cout << label << ": " << result->path << " (" << humanBytes(static_cast<double>(result->bytes))
              << ", SHA-256 " << result->sha256.substr(0, 16) << "..., " << humanBytes(result->bytesPerSecond)
              << "/s" << (result->resumedFrom > 0 ? ", resumed at " + humanBytes(result->resumedFrom) : "")
              << ")\n";
    return Success;
}

} // namespace

int weightsCommand(const std::vector<std::string>& words)
{
    Args args({}, {"--json", "--quiet", "--help"});
    if (auto exit = parseCommandLine(args, words, kWeightsUsage))
        return *exit;
    const std::string action = args.positionals().empty() ? "" : args.positionals()[0];
    if (action == "list" && args.positionals().size() == 1)
        return listWeights(args);
    if (action == "path")
        return weightsPath(args);
    if (action == "download")
        return downloadWeightsCommand(args);
    printError((action.empty() ? std::string("weights needs list, path or download")
                               : "unknown weights action '" + action + "'")
               + "\n" + kWeightsUsage);
    return Usage;
}

} // namespace lens::cli
