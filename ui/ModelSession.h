#pragma once

// The model the app classifies with, apart from any window: loading (a newer load supersedes an older one,
// cancelling keeps the current model), the device it runs on, and classification requests (only the
// newest is answered). The main window, the batch panel and the weights picker observe it; none of them
// holds model state of its own.
//
// Threading: a ModelSession lives on the GUI thread. It owns the InferenceWorker and its thread
// ("InferenceWorker"); all loading and inference run there. Signals are emitted on the GUI thread, after
// the session's state has been updated.

#include "WorkerTypes.h"

#include <QObject>
#include <QString>
#include <memory>

class QThread;

namespace lens {

class InferenceWorker;
template <typename Worker> class WorkerThread;

class ModelSession : public QObject {
    Q_OBJECT

public:
    explicit ModelSession(QObject* parent = nullptr);
    ~ModelSession() override;

    /// Loads weights (the weight set weightsKey names, empty: the default one; with the class names of a
    /// labels file, when given) on device; the current model stays until the new one has loaded. Supersedes a
    /// load in progress.
    void load(const QString& weights, const QString& arch, LoadMode mode, const QString& device,
              const QString& weightsKey = {}, const QString& labels = {});
    /// Loads the current weights again on another device (nothing when no weights were loaded).
    void reloadOn(const QString& device);
    /// Cancels the load in progress (false when there is none): its result is discarded, the model stays.
    bool cancelLoad();
    /// Classifies (or, without a model, only preprocesses) one image; an older request is skipped.
    void classify(ClassifyRequest request);

    bool loaded() const { return !m_arch.isEmpty(); }
    bool loading() const { return m_pendingLoad != 0; }
    QString arch() const { return m_arch; } ///< the loaded architecture ("resnet50"); empty when none
    QString weights() const { return m_weights; } ///< the loaded checkpoint
    QString weightsKey() const { return m_weightsKey; } ///< its weight set, as asked for: empty = default
    QString labels() const { return m_labels; } ///< the loaded model's labels file; empty when none
    QString requestedArch() const { return m_requestedArch; } ///< as asked for: empty = detect
    LoadMode mode() const { return m_mode; }
    /// The precision loads use (the loaded model's, once loaded); setPrecision() reloads the current
    /// weights in the new one.
    Precision precision() const { return m_precision; }
    void setPrecision(Precision precision);
    /// Where the model runs ("cpu", "cuda:0"); empty when none is loaded.
    QString device() const { return m_device; }
    /// "cpu" or "cuda": the device selector's choice for the loaded model.
    QString deviceKind() const;
    QThread* workerThread() const;

Q_SIGNALS:
    void loadStarted(const QString& weights, const QString& device);
    /// The newest load ended (not when cancelled or superseded); on success the session already holds it.
    void loadFinished(const lens::ModelResult& result);
    /// The newest classify request's answer.
    void classified(const lens::ClassifyResult& result);

private:
    void onLoaded(const ModelResult& result);
    void onClassified(const ClassifyResult& result);

    std::unique_ptr<WorkerThread<InferenceWorker>> m_work;
    quint64 m_loadId = 0; ///< newest load request
    quint64 m_pendingLoad = 0; ///< the load in progress, 0 = none
    quint64 m_classifyId = 0; ///< newest classify request
    QString m_arch;
    QString m_weights;
    QString m_labels;
    QString m_device;
    QString m_requestedArch; ///< of the loaded model
    QString m_pendingArch; ///< of the load in progress
    QString m_weightsKey; ///< of the loaded model
    QString m_pendingKey; ///< of the load in progress
    LoadMode m_mode = LoadMode::Strict;
    Precision m_precision = Precision::Fp32;
};

} // namespace lens
