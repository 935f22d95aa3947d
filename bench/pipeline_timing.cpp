// Times each stage of classifying photos with a loaded model: decode, preprocess, inference, and the
// whole classify call against one bare forward pass. Also times loading the checkpoint, and sets the forward
// pass at batch 8 against this machine's fp32 matrix-multiply rate (oneDNN's sgemm on every core).
// --precision bf16 runs all of it in bf16. --forward only times the bare forward pass at batch 1 and 8, fp32
// and bf16 interleaved in one process (bf16 where the CPU has it), and prints one line per result.
// Usage: pipeline_timing --weights FILE [--repeat N] [--plain] [--precision fp32|bf16] [--forward] IMAGE...

#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "preprocess/Preprocess.h"
#include "weights/Catalog.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <oneapi/dnnl/dnnl.h>
#include <string>
#include <sys/resource.h>
#include <utility>
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

/// GFLOP/s of a square fp32 matrix multiply, best of a few runs.
double sgemmGflops(int n)
{
    std::vector<float> a(static_cast<std::size_t>(n) * n, 1.f), b(a), c(a);
    double best = 0;
    for (int r = 0; r < 5; ++r) {
        const auto start = Clock::now();
        dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
        best = std::max(best, 2.0 * n * n * n / (msSince(start) * 1e6));
    }
    return best;
}

/// --forward: the forward pass alone at batch 1 and 8, each precision's classifier in turn within every
/// round, so that both see the same machine state; median per image over the rounds.
int forwardOnly(ClassifierOptions options, int repeat, const std::string& image)
{
    auto decoded = decodeImage(image);
    if (!decoded) {
        std::fprintf(stderr, "%s\n", decoded.message().c_str());
        return 2;
    }
    const PreprocessOptions preset = PreprocessOptions::v1();
    const std::vector<float> one = modelInput(*decoded, preset);
    std::vector<float> eight;
    for (int i = 0; i < 8; ++i)
        eight.insert(eight.end(), one.begin(), one.end());

    std::vector<std::pair<std::string, std::unique_ptr<Classifier>>> engines;
    for (Precision precision : {Precision::Fp32, Precision::Bf16}) {
        options.precision = precision;
        auto classifier = Classifier::create(options);
        if (!classifier) {
            std::printf("%s: %s\n", precisionName(precision).c_str(), classifier.message().c_str());
            continue;
        }
        (*classifier)->prepare(1, preset.crop);
        (*classifier)->prepare(8, preset.crop);
        std::printf("engine %s: %s\n", precisionName(precision).c_str(), (*classifier)->engineName().c_str());
        engines.emplace_back(precisionName(precision), std::move(*classifier));
    }
    // The process's CPU time against the wall clock: under the core count, something else was running.
    const auto cpuSeconds = [] {
        rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    };
    const double cpuStart = cpuSeconds();
    const auto wallStart = Clock::now();
    for (int batch : {1, 8}) {
        const float* input = batch == 1 ? one.data() : eight.data();
        std::vector<std::vector<double>> times(engines.size());
        for (int r = 0; r < repeat + 1; ++r) { // the first round warms up
            for (std::size_t e = 0; e < engines.size(); ++e) {
                const auto start = Clock::now();
                (void)engines[e].second->logits(input, batch, preset.crop);
                if (r > 0)
                    times[e].push_back(msSince(start) / batch);
            }
        }
        for (std::size_t e = 0; e < engines.size(); ++e)
            std::printf("forward %s batch %d: %.2f ms per image\n", engines[e].first.c_str(), batch,
                        median(times[e]));
    }
    std::printf("cores used while timing: %.2f\n", (cpuSeconds() - cpuStart) / (msSince(wallStart) / 1000));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    ClassifierOptions options;
    int repeat = 5;
    bool forward = false;
    std::vector<std::string> images;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--weights" && i + 1 < argc)
            options.weights = argv[++i];
        else if (arg == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::stoi(argv[++i]));
        else if (arg == "--plain")
            options.fast = false;
        else if (arg == "--precision" && i + 1 < argc && precisionByName(argv[i + 1]))
            options.precision = *precisionByName(argv[++i]);
        else if (arg == "--forward")
            forward = true;
        else
            images.push_back(arg);
    }
    if (options.weights.empty() || images.empty()) {
        std::fprintf(stderr,
                     "usage: pipeline_timing --weights FILE [--repeat N] [--plain] [--precision "
                     "fp32|bf16] [--forward] IMAGE...\n");
        return 1;
    }
    if (forward)
        return forwardOnly(options, repeat, images.front());

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

    // Throughput of the forward pass alone at batch 8, in multiply-adds of the plain convolutions.
    auto image = decodeImage(images.front());
    const std::vector<float> one = modelInput(*image, preset);
    std::vector<float> eight;
    for (int i = 0; i < 8; ++i)
        eight.insert(eight.end(), one.begin(), one.end());
    (void)(*classifier)->logits(eight.data(), 8, preset.crop);
    std::vector<double> batchMs;
    for (int r = 0; r < repeat; ++r) {
        const auto start = Clock::now();
        (void)(*classifier)->logits(eight.data(), 8, preset.crop);
        batchMs.push_back(msSince(start) / 8);
    }

    // A class activation map costs keeping the last stage and one weighted sum: single images, interleaved.
    (void)(*classifier)->classify(one.data(), 1, preset.crop, 5, true);
    std::vector<double> plainMs, mapMs;
    for (int r = 0; r < repeat; ++r) {
        auto start = Clock::now();
        auto plain = (*classifier)->classify(one.data(), 1, preset.crop, 5);
        plainMs.push_back(msSince(start));
        start = Clock::now();
        auto kept = (*classifier)->classify(one.data(), 1, preset.crop, 5, true);
        if (kept)
            (void)(*classifier)->activationMap(kept->front().lastStage, kept->front().top.front().index);
        mapMs.push_back(msSince(start));
    }
    std::printf("classify one image: %.2f ms; with its top class's activation map: %.2f ms; ratio %.3f\n",
                median(plainMs), median(mapMs), median(mapMs) / median(plainMs));
    const double perImage = median(batchMs);
    std::printf("forward pass at batch 8: %.1f ms per image (%.1f img/s)\n", perImage, 1000 / perImage);
    double gmacs = 0;
    for (const WeightsInfo& w : weightsCatalog())
        if (w.arch == (*classifier)->architecture().name)
            gmacs = w.gflops;
    const double sgemm = sgemmGflops(2048);
    if (gmacs > 0 && preset.crop == 224)
        std::printf("%s: %.2f GMACs per image (torchvision), so %.0f GFLOP/s of convolution work; fp32 sgemm "
                    "2048^3 on every core: %.0f GFLOP/s; ratio %.2f\n",
                    (*classifier)->architecture().name.c_str(), gmacs, 2 * gmacs * 1000 / perImage, sgemm,
                    2 * gmacs * 1000 / perImage / sgemm);
    return 0;
}
