#pragma once

// The first step of a batch run, shared by the CLI and the desktop app: check what the output path names
// and take an exclusive lock on it for the whole run.
//
// - The output must be a regular file (or not exist yet), after symbolic links are followed: a folder, a
//   device such as /dev/full, a FIFO or a socket is refused with a message that says which.
// - An existing output is only continued with resume; otherwise it is never touched.
// - The lock is an flock on OUT.lock next to the real output (so that two spellings of one file share it),
//   taken without waiting: a second run on the same output fails at once, naming the pid and host the
//   holder wrote into OUT.lock. The kernel drops the lock when its holder dies (kill -9 included); a stale
//   OUT.lock left by a crash is taken over by the next run. A clean end removes it.
//
// Threading: a lock belongs to the thread that runs the batch; it is movable, not copyable.

#include "Result.h"

#include <string>
#include <vector>

namespace lens {

class BatchOutputLock {
public:
    /// Checks output (format by extension, the kind of file it names, an existing file only with resume)
    /// and locks it. Errors name the file and what to do.
    static Result<BatchOutputLock> acquire(const std::string& output, bool resume);

    BatchOutputLock(BatchOutputLock&& other) noexcept;
    BatchOutputLock& operator=(BatchOutputLock&& other) noexcept;
    BatchOutputLock(const BatchOutputLock&) = delete;
    BatchOutputLock& operator=(const BatchOutputLock&) = delete;
    /// Removes OUT.lock and releases the lock.
    ~BatchOutputLock();

    /// The output as the user named it (for messages).
    const std::string& output() const { return m_output; }
    /// The output with symbolic links followed: the file that is read and written.
    const std::string& realPath() const { return m_realPath; }
    const std::string& lockPath() const { return m_lockPath; }
    /// Whether the output existed when the lock was taken (only possible with resume).
    bool existed() const { return m_existed; }
    bool resume() const { return m_resume; }

private:
    BatchOutputLock() = default;
    void release();

    std::string m_output;
    std::string m_realPath;
    std::string m_lockPath;
    int m_fd = -1;
    bool m_existed = false;
    bool m_resume = false;
};

/// The files a run keeps beside its output: OUT.lock (while it runs) and OUT.damaged (lines a resume set
/// aside). Both live next to the real output.
std::string batchLockPath(const std::string& realOutput);
std::string batchDamagedPath(const std::string& realOutput);

/// The output and the files kept beside it, for FileListOptions::exclude when the output lies inside a
/// folder being labelled.
std::vector<std::string> batchOutputFiles(const std::string& output);

} // namespace lens
