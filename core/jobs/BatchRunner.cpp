#include "jobs/BatchRunner.h"

#include "image/ImageDecoder.h"
#include "inference/Classifier.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <malloc.h>
#include <mutex>
#include <optional>
#include <thread>

namespace lens {

namespace {

/// For the length of a run: a decoded camera photo is tens of MB, which glibc would map and unmap for each
/// photo, the kernel zeroing its pages anew every time (a fifth of the time per 12-megapixel photo). This
/// keeps freed memory in the heap for the next photo, and hands it back when the run ends.
class HeapKeptForPhotos {
public:
    HeapKeptForPhotos()
    {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
    ~HeapKeptForPhotos()
    {
        mallopt(M_MMAP_MAX, 65536); // glibc's defaults
        mallopt(M_TRIM_THRESHOLD, 128 * 1024);
        malloc_trim(0);
    }
    HeapKeptForPhotos(const HeapKeptForPhotos&) = delete;
    HeapKeptForPhotos& operator=(const HeapKeptForPhotos&) = delete;
};

struct Item {
    std::string path;
    std::vector<float> chw; ///< empty when error is set
    std::string error;
};

// A bounded multi-producer queue; pop() returns nullopt once every producer is done and it is empty.
class BoundedQueue {
public:
    BoundedQueue(std::size_t capacity, int producers)
        : m_capacity(capacity)
        , m_producers(producers)
    { }

    void push(Item item)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_items.size() < m_capacity || m_abandoned; });
        if (m_abandoned)
            return;
        m_items.push_back(std::move(item));
        m_notEmpty.notify_one();
    }

    std::optional<Item> pop()
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [&] { return !m_items.empty() || m_producers == 0; });
        if (m_items.empty())
            return std::nullopt;
        Item item = std::move(m_items.front());
        m_items.pop_front();
        m_notFull.notify_one();
        return item;
    }

    /// Whether an item is ready now (pop would not wait for a producer).
    bool ready()
    {
        std::lock_guard lock(m_mutex);
        return !m_items.empty() || m_producers == 0;
    }

    void producerDone()
    {
        std::lock_guard lock(m_mutex);
        --m_producers;
        m_notEmpty.notify_all();
    }

    /// The consumer stops: release producers blocked on a full queue.
    void abandon()
    {
        std::lock_guard lock(m_mutex);
        m_abandoned = true;
        m_notFull.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_notEmpty, m_notFull;
    std::deque<Item> m_items;
    std::size_t m_capacity;
    int m_producers;
    bool m_abandoned = false;
};

} // namespace

Result<BatchProgress> runBatch(const Classifier& classifier, const std::vector<std::string>& files,
                               const std::vector<RowSink*>& sinks, const BatchOptions& options,
                               const BatchProgressCallback& progress, const std::atomic<bool>* cancel)
{
    const int batchSize = std::max(1, options.batchSize);
    const HeapKeptForPhotos heap;
    // Like loading the model, not part of the run's time; no larger than the run, whose own shapes are all
    // that get built (a run of one photo builds the one-image shape only).
    classifier.prepare(
        static_cast<int>(std::min<std::size_t>(batchSize, std::max<std::size_t>(1, files.size()))),
        options.preprocess.crop);
    const auto start = std::chrono::steady_clock::now();
    int threads = options.decodeThreads;
    if (threads <= 0)
        threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    threads = std::min<int>(threads, std::max<std::size_t>(1, files.size()));

    const auto cancelled = [&] { return cancel && cancel->load(); };
    BoundedQueue queue(static_cast<std::size_t>(batchSize) * 2, threads);
    std::atomic<std::size_t> next {0};
    std::atomic<bool> stop {false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (std::size_t i; !cancelled() && !stop && (i = next.fetch_add(1)) < files.size();) {
                Item item {files[i], {}, {}};
                try {
                    auto image = decodeImage(files[i], options.decode);
                    if (image)
                        item.chw = modelInput(*image, options.preprocess);
                    else
                        item.error = image.message();
                } catch (const std::exception& e) { // no exception may end a decode thread
                    item.chw.clear();
                    item.error = files[i] + ": cannot be prepared for the model (" + e.what() + ")";
                }
                queue.push(std::move(item));
            }
            queue.producerDone();
        });
    }

    BatchProgress state;
    state.total = files.size();
    std::optional<Error> fatal;
    std::vector<Item> batch;
    std::vector<float> input;
    const int size = options.preprocess.crop;
    const std::size_t imageFloats = static_cast<std::size_t>(3) * size * size;

    const auto report = [&] {
        state.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (progress)
            progress(state);
    };
    const auto write = [&](const BatchRow& row) {
        for (RowSink* sink : sinks) {
            if (fatal)
                return;
            if (auto written = sink->write(row); !written)
                fatal = written.error();
        }
    };
    const auto flush = [&] {
        if (batch.empty())
            return;
        const std::size_t images
            = options.fixedBatchShape ? static_cast<std::size_t>(batchSize) : batch.size();
        input.resize(images * imageFloats);
        for (std::size_t i = 0; i < batch.size(); ++i)
            std::copy(batch[i].chw.begin(), batch[i].chw.end(), input.begin() + i * imageFloats);
        std::fill(input.begin() + batch.size() * imageFloats, input.end(), 0.0f);
        auto results = classifier.classify(input.data(), static_cast<int>(images), size, options.topk,
                                           options.keepMaps);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (results) {
                Classification& result = (*results)[i];
                ActivationMap map;
                if (options.keepMaps && !result.top.empty()) {
                    if (auto made = classifier.activationMap(result.lastStage, result.top.front().index))
                        map = std::move(*made);
                }
                write({batch[i].path,
                       {},
                       std::move(result.top),
                       options.keepLogits ? std::move(result.logits) : std::vector<float> {},
                       std::move(map)});
            } else {
                write({batch[i].path, batch[i].path + ": " + results.message(), {}, {}, {}});
                ++state.failed;
            }
            ++state.done;
        }
        batch.clear();
        report();
    };

    while (!fatal && !cancelled()) {
        // Run a partial batch rather than leave the model idle while decoders are still busy.
        if (!batch.empty() && !queue.ready() && !options.fixedBatchShape)
            flush();
        std::optional<Item> item = queue.pop();
        if (!item)
            break;
        if (!item->error.empty()) {
            write({item->path, item->error, {}, {}, {}});
            ++state.failed;
            ++state.done;
            report();
            continue;
        }
        batch.push_back(std::move(*item));
        if (static_cast<int>(batch.size()) == batchSize)
            flush();
    }
    if (!fatal && !cancelled())
        flush();

    stop = true;
    queue.abandon();
    for (auto& worker : workers)
        worker.join();
    for (RowSink* sink : sinks) {
        if (fatal)
            break;
        if (auto finished = sink->finish(); !finished)
            fatal = finished.error();
    }
    if (fatal)
        return *fatal;
    report();
    return state;
}

} // namespace lens
