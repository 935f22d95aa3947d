#include "inference/Threads.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace lens {

namespace {

int everyCore()
{
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::atomic<int> g_threads {0};

} // namespace

void setInferenceThreads(int requested)
{
    int threads = requested;
    if (threads <= 0) {
        const char* environment = std::getenv("OMP_NUM_THREADS");
        threads = environment ? std::atoi(environment) : 0; // "4,2" counts as 4, as OpenMP reads it
    }
    g_threads = threads > 0 ? threads : everyCore();
}

int inferenceThreads()
{
    const int threads = g_threads;
    return threads > 0 ? threads : everyCore();
}

} // namespace lens
