#pragma once

// Model loading and inference off the GUI thread.
//
// Threading: an InferenceWorker lives on its own QThread (a ModelSession owns both). Call its slots only by
// queued invocation; it answers with queued signals carrying plain structs. The only members safe to call
// from another thread are supersedeClassify() and cancelLoad(), which set atomics: a classify request
// older than the newest one is skipped, and a cancelled load is finished but discarded (the old model
// stays). The classifier is created, used and destroyed on the worker's thread.

#include "WorkerTypes.h"

#include <QObject>
#include <atomic>
#include <memory>
#include <opencv2/core.hpp>

namespace lens {

class Classifier;

class InferenceWorker : public QObject {
    Q_OBJECT

public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    /// Thread-safe: classify requests with a lower id are skipped.
    void supersedeClassify(quint64 newestId) { m_newestClassify.store(newestId); }
    /// Thread-safe: the load with this id, when it finishes, is discarded.
    void cancelLoad(quint64 id) { m_cancelledLoad.store(id); }

public Q_SLOTS:
    void loadModel(const lens::ModelRequest& request);
    void classify(const lens::ClassifyRequest& request);

Q_SIGNALS:
    void modelLoaded(const lens::ModelResult& result);
    void classified(const lens::ClassifyResult& result);

private:
    ModelResult load(const ModelRequest& request, std::unique_ptr<Classifier>& out);
    bool decode(const ClassifyRequest& request, ClassifyResult& result);
    void drawMaps(const Classification& scores, const cv::Mat& image, const PreprocessOptions& options,
                  ClassifyResult& result) const;

    std::unique_ptr<Classifier> m_classifier;
    std::atomic<quint64> m_newestClassify {0};
    std::atomic<quint64> m_cancelledLoad {0};
    // The last decoded file, so that a preset change does not decode it again.
    QString m_cachedPath;
    cv::Mat m_cachedReference;
    QImage m_cachedUpright;
    int m_cachedOrientation = 1; ///< EXIF orientation of the cached file, for drawing in its display frame
    QSize m_cachedUprightSize;
};

} // namespace lens
