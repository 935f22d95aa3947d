#pragma once

// The catalog of torchvision's pretrained ImageNet-1k weights for the ResNet family: names, where to download
// them, how to verify them, which preprocessing preset they were trained with, and their published accuracy.
// The data lives in resources/weights_catalog.tsv and is compiled into the library.
//
// Threading: everything here is safe to call from any thread. The catalog is parsed once, on first use, and
// is immutable afterwards.

#include "Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

struct WeightsInfo {
    std::string name; ///< catalog name, "<arch>.v<N>": "resnet50.v2"
    std::string arch; ///< architecture, torchvision's builder name: "resnet50"
    std::string torchvisionName; ///< "ResNet50_Weights.IMAGENET1K_V2"
    std::string url; ///< canonical download URL (https://download.pytorch.org/models/...)
    std::string fileName; ///< the URL's last segment, also the file name in the torch.hub cache
    std::string hashPrefix; ///< first 8 hex digits of the file's SHA-256, lower case
    std::string preset; ///< preprocessing preset they were trained with: "v1" (resize 256) or "v2" (232)
    double acc1 = 0; ///< ImageNet-1k top-1 accuracy, percent
    double acc5 = 0; ///< ImageNet-1k top-5 accuracy, percent
    std::int64_t params = 0; ///< number of parameters
    double gflops = 0; ///< GFLOPs (multiply-adds) for one 224x224 image
    std::int64_t sizeBytes = 0; ///< file size in bytes, to within a KiB (approximate); 0 where not known
};

/// Every entry, in catalog order (by architecture, then version).
const std::vector<WeightsInfo>& weightsCatalog();

/// The entry with this catalog name ("resnet50.v2"); the error lists the known names.
Result<WeightsInfo> weightsByName(const std::string& name);

/// The entry whose file name is fileName ("resnet50-11ad3fa6.pth"), or nullptr.
const WeightsInfo* weightsByFileName(const std::string& fileName);

/// Where to download the weights from: the canonical URL, or, when the environment variable
/// RESNET_LENS_WEIGHTS_URL is set (a mirror, a test server), that base URL followed by the file name.
std::string weightsUrl(const WeightsInfo& weights);

/// The base URL in effect: RESNET_LENS_WEIGHTS_URL if set, else https://download.pytorch.org/models/.
std::string weightsBaseUrl();

/// The hash prefix torch.hub reads from a file name: the hex digits between the last '-' and the following
/// '.' ("resnet50-11ad3fa6.pth" -> "11ad3fa6"). Empty when the name carries none (fewer than 8 hex digits).
std::string hashPrefixFromFileName(const std::string& fileName);

} // namespace lens
