// Times each stage of classifying photos with a loaded model: decode, preprocess, inference, and the
// whole classify call against one bare forward pass. Also times loading the checkpoint.
// Usage: pipeline_timing --weights FILE [--repeat N] [--plain] IMAGE...

#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "preprocess/Preprocess.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace lens;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    ClassifierOptions options;
    int repeat = 5;
    std::vector<std::string> images;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--weights" && i + 1 < argc)
            options.weights = argv[++i];
        else if (arg == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::stoi(argv[++i]));
        else if (arg == "--plain")
            options.fast = false;
        else
            images.push_back(arg);
    }
    if (options.weights.empty() || images.empty()) {
        std::fprintf(stderr, "usage: pipeline_timing --weights FILE [--repeat N] [--plain] IMAGE...\n");
        return 1;
    }

    const auto loadStart = Clock::now();
    auto classifier = Classifier::create(options);
    if (!classifier) {
        std::fprintf(stderr, "%s\n", classifier.message().c_str());
        return 2;
    }
    const double loadMs = msSince(loadStart);
    const PreprocessOptions preset = PreprocessOptions::v1();
    std::vector<double> prepareMs;
    for (int batch : {1, 8}) {
        const auto start = Clock::now();
        (*classifier)->prepare(batch, preset.crop);
        prepareMs.push_back(msSince(start));
    }

    std::vector<double> decode, prep, infer, whole, bare;
    for (int r = 0; r < repeat + 1; ++r) { // the first round warms up and is not counted
        for (const auto& path : images) {
            auto start = Clock::now();
            auto image = decodeImage(path);
            if (!image) {
                std::fprintf(stderr, "%s\n", image.message().c_str());
                return 2;
            }
            const double d = msSince(start);
            start = Clock::now();
            const std::vector<float> input = modelInput(*image, preset);
            const double p = msSince(start);
            start = Clock::now();
            auto result = (*classifier)->classify(input.data(), 1, preset.crop, 5);
            const double c = msSince(start);
            if (!result)
                return 2;
            // A bare forward pass: the same call on an already prepared tensor, run again.
            start = Clock::now();
            auto again = (*classifier)->logits(input.data(), 1, preset.crop);
            const double b = msSince(start);
            if (r == 0)
                continue;
            decode.push_back(d);
            prep.push_back(p);
            infer.push_back(c);
            whole.push_back(d + p + c);
            bare.push_back(b);
        }
    }
    std::printf("engine: %s, %s\n", (*classifier)->engineName().c_str(),
                (*classifier)->architecture().name.c_str());
    std::printf("load checkpoint + build model: %.0f ms; prepare for batches of 1: %.0f ms, of 8: %.0f ms\n",
                loadMs, prepareMs[0], prepareMs[1]);
    std::printf("median per image: decode %.1f ms, preprocess %.1f ms, classify %.1f ms\n", median(decode),
                median(prep), median(infer));
    std::printf("single-image latency (decode + preprocess + classify): %.1f ms; bare forward pass: %.1f ms; "
                "ratio %.2f\n",
                median(whole), median(bare), median(whole) / median(bare));
    std::printf("classify call / bare forward pass: %.3f\n", median(infer) / median(bare));
    return 0;
}
