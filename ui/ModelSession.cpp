#include "ModelSession.h"

#include "InferenceWorker.h"
#include "WorkerThread.h"

namespace lens {

ModelSession::ModelSession(QObject* parent)
    : QObject(parent)
    , m_work(std::make_unique<WorkerThread<InferenceWorker>>(QStringLiteral("InferenceWorker")))
{
    connect(m_work->worker(), &InferenceWorker::classified, this, &ModelSession::onClassified);
    connect(m_work->worker(), &InferenceWorker::modelLoaded, this, &ModelSession::onLoaded);
}

ModelSession::~ModelSession()
{
    m_work->worker()->cancelLoad(m_pendingLoad); // the worker thread is joined when m_work goes
}

QThread* ModelSession::workerThread() const
{
    return m_work->thread();
}

QString ModelSession::deviceKind() const
{
    return m_device.startsWith(QLatin1String("cuda")) ? QStringLiteral("cuda") : QStringLiteral("cpu");
}

void ModelSession::load(const QString& weights, const QString& arch, LoadMode mode, const QString& device,
                        const QString& weightsKey, const QString& labels)
{
    ModelRequest request;
    request.id = ++m_loadId;
    request.weights = weights;
    request.weightsKey = weightsKey;
    request.arch = arch;
    request.mode = mode;
    request.device = device;
    request.precision = m_precision;
    request.labels = labels;
    if (m_pendingLoad)
        m_work->worker()->cancelLoad(m_pendingLoad);
    m_pendingLoad = request.id;
    m_pendingArch = arch;
    m_pendingKey = weightsKey;
    Q_EMIT loadStarted(weights, device);
    m_work->post([request](InferenceWorker* worker) { worker->loadModel(request); });
}

void ModelSession::setPrecision(Precision precision)
{
    if (precision == m_precision)
        return;
    m_precision = precision;
    if (!m_weights.isEmpty())
        load(m_weights, m_requestedArch, m_mode, m_device, m_weightsKey, m_labels);
}

void ModelSession::reloadOn(const QString& device)
{
    if (!m_weights.isEmpty() && !m_device.startsWith(device))
        load(m_weights, m_requestedArch, m_mode, device, m_weightsKey, m_labels);
}

bool ModelSession::cancelLoad()
{
    if (!m_pendingLoad)
        return false;
    m_work->worker()->cancelLoad(m_pendingLoad);
    m_pendingLoad = 0;
    return true;
}

void ModelSession::classify(ClassifyRequest request)
{
    request.id = ++m_classifyId;
    m_work->worker()->supersedeClassify(request.id);
    m_work->post([request](InferenceWorker* worker) { worker->classify(request); });
}

void ModelSession::onLoaded(const ModelResult& result)
{
    if (result.id != m_pendingLoad || result.cancelled)
        return; // cancelled or superseded
    m_pendingLoad = 0;
    if (result.ok) {
        m_arch = result.arch;
        m_weights = result.weights;
        m_labels = result.labels;
        m_device = result.device;
        m_mode = result.report.mode;
        m_requestedArch = m_pendingArch;
        m_weightsKey = m_pendingKey;
    }
    Q_EMIT loadFinished(result);
}

void ModelSession::onClassified(const ClassifyResult& result)
{
    if (result.id == m_classifyId) // else superseded
        Q_EMIT classified(result);
}

} // namespace lens
