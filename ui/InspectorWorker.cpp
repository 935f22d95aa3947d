#include "InspectorWorker.h"

namespace lens {

namespace {

ReadOptions inspectorReading()
{
    // The inspector shows what any file holds; the verdicts say what loading it would mean.
    ReadOptions read;
    read.allowUnsafeObjects = true;
    return read;
}

} // namespace

InspectorWorker::InspectorWorker()
{
    qRegisterMetaType<InspectorOverview>();
    qRegisterMetaType<InspectorTensors>();
    qRegisterMetaType<InspectorHistogram>();
    qRegisterMetaType<InspectorComparison>();
    qRegisterMetaType<InspectorExport>();
}

void InspectorWorker::open(quint64 id, const QString& path)
{
    m_file.reset();
    m_weights.reset();
    InspectorOverview answer;
    answer.id = id;
    auto file = openCheckpoint(path.toStdString(), inspectorReading());
    if (!file) {
        answer.error = QString::fromStdString(file.message());
    } else {
        m_file = std::move(*file);
        InspectOptions options;
        options.path = path.toStdString();
        answer.overview = overviewCheckpoint(*m_file, options);
    }
    Q_EMIT opened(answer);
}

namespace {

/// Progress as the window's progress bar takes it (an int range), however large the total.
std::pair<int, int> progressRange(std::size_t done, std::size_t total)
{
    constexpr std::size_t kMax = 1000000;
    if (total <= kMax)
        return {static_cast<int>(done), static_cast<int>(total)};
    return {static_cast<int>(done / (total / kMax + 1)), static_cast<int>(total / (total / kMax + 1))};
}

} // namespace

void InspectorWorker::readWeights(quint64 id, const std::string& key)
{
    m_cancel = false;
    m_weights.reset();
    InspectorTensors answer;
    answer.id = id;
    if (!m_file) {
        answer.error = tr("No checkpoint is open.");
        Q_EMIT tensorsReady(answer);
        return;
    }
    auto weights = m_file->weights(key);
    if (!weights) {
        answer.error = QString::fromStdString(weights.message());
        Q_EMIT tensorsReady(answer);
        return;
    }
    answer.weightsKey = weights->weightsKey;
    answer.fixes = weights->fixes;
    const int total = static_cast<int>(weights->tensors.size());
    answer.tensors.reserve(weights->tensors.size());
    for (const NamedTensor& tensor : weights->tensors) {
        if (m_cancel) {
            answer.cancelled = true;
            break;
        }
        answer.tensors.push_back(summarizeTensor(tensor));
        Q_EMIT progress(id, static_cast<int>(answer.tensors.size()), total);
    }
    m_weights = std::move(*weights);
    Q_EMIT tensorsReady(answer);
}

void InspectorWorker::histogram(quint64 id, const QString& name, int bins)
{
    InspectorHistogram answer;
    answer.id = id;
    answer.name = name;
    if (m_weights) {
        const std::string wanted = name.toStdString();
        for (const NamedTensor& tensor : m_weights->tensors) {
            if (tensor.name == wanted) {
                answer.histogram = tensorHistogram(tensor.tensor, bins);
                break;
            }
        }
    }
    Q_EMIT histogramReady(answer);
}

void InspectorWorker::compare(quint64 id, const QString& other, const std::string& key)
{
    m_cancel = false;
    InspectorComparison answer;
    answer.id = id;
    if (!m_weights) {
        answer.error = tr("Read a weight set before comparing.");
        Q_EMIT compared(answer);
        return;
    }
    ReadOptions reading = inspectorReading();
    reading.weightsKey = key;
    auto second = readCheckpoint(other.toStdString(), reading);
    if (!second) {
        answer.error = QString::fromStdString(second.message());
        Q_EMIT compared(answer);
        return;
    }
    auto comparison = compareTensorSets(m_weights->path, m_weights->tensors, second->path, second->tensors,
                                        [&](std::size_t done, std::size_t total) {
                                            const auto [value, range] = progressRange(done, total);
                                            Q_EMIT progress(id, value, range);
                                            return !m_cancel.load();
                                        });
    if (!comparison) {
        answer.cancelled = comparison.error().kind == ErrorKind::Cancelled;
        answer.error = QString::fromStdString(comparison.message());
    } else {
        answer.comparison = std::move(*comparison);
        answer.comparison.firstKey = m_weights->weightsKey;
        answer.comparison.secondKey = second->weightsKey;
    }
    Q_EMIT compared(answer);
}

void InspectorWorker::exportTo(quint64 id, const QString& output, std::optional<DType> dtype)
{
    InspectorExport answer;
    answer.id = id;
    if (!m_weights) {
        answer.error = tr("Read a weight set before exporting.");
        Q_EMIT exported(answer);
        return;
    }
    ExportOptions options;
    options.input = m_weights->path;
    options.output = output.toStdString();
    options.weightsKey = m_weights->weightsKey;
    options.dtype = dtype;
    // As everywhere in the app: the tensors of a file that would run code in Python are shown, not used.
    options.allowUnsafeObjects = false;
    auto result = exportCheckpoint(*m_weights, options, [&](std::size_t done, std::size_t total) {
        const auto [value, range] = progressRange(done, total);
        Q_EMIT progress(id, value, range);
        return true;
    });
    if (!result)
        answer.error = QString::fromStdString(result.message());
    else
        answer.result = std::move(*result);
    Q_EMIT exported(answer);
}

} // namespace lens
