#pragma once

// One owned worker thread: a QObject worker living on its own named QThread, started on construction and,
// on destruction, stopped and joined before the worker is deleted (on its own thread, as Qt requires).
// Every worker of the app (model inference, batch labeling, downloads) is held this way, so that none
// outlives its owner or is deleted while it runs.
//
// Threading: construct, post() and destroy on the owning (GUI) thread. post() queues a call that runs on
// the worker's thread; the worker answers with queued signals. The owner cancels long work (the worker's
// own atomics) before the WorkerThread is destroyed, since destruction waits for the current call to end.

#include <QMetaObject>
#include <QObject>
#include <QString>
#include <QThread>
#include <memory>
#include <utility>

namespace lens {

template <typename Worker> class WorkerThread {
public:
    explicit WorkerThread(const QString& name)
        : m_thread(std::make_unique<QThread>())
        , m_worker(new Worker)
    {
        m_thread->setObjectName(name);
        m_worker->moveToThread(m_thread.get());
        QObject::connect(m_thread.get(), &QThread::finished, m_worker, &QObject::deleteLater);
        m_thread->start();
    }
    ~WorkerThread()
    {
        m_thread->quit();
        m_thread->wait();
    }
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    /// For connecting signals and for the worker's thread-safe members (cancel flags).
    Worker* worker() const { return m_worker; }
    QThread* thread() const { return m_thread.get(); }

    /// Runs call(worker) on the worker's thread, after the calls posted before it.
    template <typename Call> void post(Call call)
    {
        QMetaObject::invokeMethod(
            m_worker, [worker = m_worker, call = std::move(call)] { call(worker); }, Qt::QueuedConnection);
    }

private:
    std::unique_ptr<QThread> m_thread;
    Worker* m_worker; ///< deleted on its thread when the thread finishes
};

} // namespace lens
