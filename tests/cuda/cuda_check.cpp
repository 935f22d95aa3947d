// GPU check (not part of the test suite, which runs without a GPU): loads checkpoints written by the local
// torch, classifies a random batch on CUDA and on the CPU (plain and fast paths), and compares every logit
// with torch's own CPU logits. Prints one line per case; exit 0 when all agree within 1e-3 of the logit
// range. Usage: cuda_check REFERENCE_DIR

#include "inference/Classifier.h"
#include "inference/Devices.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace lens;

namespace {

std::vector<float> readFloats(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::vector<float> data(static_cast<std::size_t>(in.tellg()) / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(float)));
    return data;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: cuda_check REFERENCE_DIR\n");
        return 1;
    }
    const std::string dir = argv[1];
    const CudaStatus cuda = cudaStatus();
    std::printf("cudaStatus: available=%d (%s)\n", cuda.available, cuda.reason.c_str());
    const std::vector<float> input = readFloats(dir + "/input.f32");
    const int batch = static_cast<int>(input.size() / (3 * 224 * 224));
    bool ok = cuda.available;
    for (const std::string arch : {"resnet18", "resnet50"}) {
        const std::vector<float> expected = readFloats(dir + "/" + arch + ".cpu.f32");
        const auto [lo, hi] = std::minmax_element(expected.begin(), expected.end());
        for (const auto& [device, fast] :
             {std::pair {"cuda", false}, std::pair {"cpu", true}, std::pair {"cpu", false}}) {
            ClassifierOptions options;
            options.weights = dir + "/" + arch + ".pth";
            options.device = device;
            options.fast = fast;
            auto classifier = Classifier::create(options);
            if (!classifier) {
                std::printf("%s %s: FAILED to load: %s\n", arch.c_str(), device,
                            classifier.message().c_str());
                ok = false;
                continue;
            }
            auto logits = (*classifier)->logits(input.data(), batch, 224);
            if (!logits || logits->size() != expected.size()) {
                std::printf("%s %s: FAILED to run: %s\n", arch.c_str(), device,
                            logits ? "wrong size" : logits.message().c_str());
                ok = false;
                continue;
            }
            float maxDiff = 0;
            for (std::size_t i = 0; i < expected.size(); ++i)
                maxDiff = std::max(maxDiff, std::abs((*logits)[i] - expected[i]));
            const bool agree = maxDiff < 1e-3f * (*hi - *lo);
            ok = ok && agree;
            std::printf("%s on %s (%s, %s): max |logit - torch| = %.3g, logit range %.3g: %s\n", arch.c_str(),
                        (*classifier)->deviceName().c_str(), (*classifier)->engineName().c_str(),
                        (*classifier)->architecture().name.c_str(), maxDiff, *hi - *lo,
                        agree ? "ok" : "DIFFERENT");
        }
    }
    std::printf("%s\n", ok ? "GPU check passed" : "GPU check FAILED");
    return ok ? 0 : 1;
}
