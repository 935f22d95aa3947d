#pragma once

// Downloading pretrained weights into the torch.hub cache, verified, resumable and cancellable.
//
// Threading: the download functions block the calling thread until the file is in place, the download failed
// or it was cancelled; a GUI runs them on a worker thread. Downloads on different threads are independent
// (each has its own HTTP handle). Two downloads of the same file, in threads or in processes, are kept apart
// by a lock on its .partial file: the second fails at once and says so. `onProgress` is called on the
// downloading thread, at most about ten times a second and once at the end; keep it short (post the values
// to the GUI thread). `cancel` may be set from any thread; the download stops within about a second.
//
// How the file gets there: the bytes are written to `<dir>/<file>.partial` and hashed while they stream; an
// interrupted transfer is resumed from the .partial with an HTTP Range request (automatically up to
// `retries` times while bytes keep arriving, and again by the next call). When the whole file is there, its
// SHA-256 must start with the hash prefix in its name (torch.hub's convention, `name-<8 hex>.pth`); then the
// file is fsync'd and renamed into place atomically. So nothing half-written or unverified ever appears under
// the final name, and a payload whose hash does not match is deleted and reported. A file already in the
// cache is used as is, without re-hashing (as torch.hub does).
//
// HTTP is libcurl's, with the system's CA certificates; proxies come from the environment (http_proxy,
// https_proxy, no_proxy), as with curl and Python. SHA-256 is OpenSSL's (libcrypto), a dependency libcurl
// already brings. The base URL of catalog downloads can be changed with RESNET_LENS_WEIGHTS_URL (see
// weightsUrl in Catalog.h).

#include "Result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace lens {

struct WeightsInfo;

struct DownloadProgress {
    std::int64_t bytesDone = 0; ///< bytes of the file so far, including those resumed from a .partial
    std::int64_t bytesTotal = -1; ///< size of the file, -1 while unknown
    std::int64_t resumedFrom = 0; ///< bytes already in the .partial when this call started
    double bytesPerSecond = 0; ///< average rate of the bytes transferred by this call
    double etaSeconds = -1; ///< time left at that rate, -1 while unknown
};

struct DownloadOptions {
    /// Directory that receives the file; empty: the torch.hub cache, hubCheckpointsDir().
    std::string directory;
    /// Progress reports, on the downloading thread; may be empty.
    std::function<void(const DownloadProgress&)> onProgress;
    /// When it becomes true the download stops with an error; the .partial is kept for resuming.
    const std::atomic<bool>* cancel = nullptr;
    /// How often an interrupted transfer that made progress is resumed right away before giving up.
    int retries = 3;
    /// Seconds to wait for the connection to the server.
    long connectTimeoutSeconds = 30;
    /// Give up when the transfer stays slower than minBytesPerSecond for stallTimeoutSeconds (a server
    /// that trickles a few bytes a second is as stuck as one that sends nothing).
    long stallTimeoutSeconds = 60;
    long minBytesPerSecond = 1024;
    /// Most bytes a download of a URL may bring (catalog downloads are held to the catalog's size).
    std::int64_t maxUrlBytes = std::int64_t(4) << 30;
};

struct DownloadResult {
    std::string path; ///< the verified file in the cache
    std::string sha256; ///< its full SHA-256, hex; empty when it was already cached (not re-hashed)
    std::int64_t bytes = 0; ///< its size
    bool alreadyCached = false; ///< nothing was downloaded
    std::int64_t resumedFrom = 0; ///< bytes taken over from a .partial left by an earlier call
    int requests = 0; ///< HTTP requests made (more than 1 when a transfer was resumed)
    double seconds = 0; ///< wall time of the call
    double bytesPerSecond = 0; ///< average rate of the bytes transferred by this call
};

/// Downloads catalog weights (from weightsUrl(weights)) into the cache, unless they are already there. When
/// the catalog knows the size, a server sending more than 10% beyond it is cut off.
Result<DownloadResult> downloadWeights(const WeightsInfo& weights, const DownloadOptions& options = {});

/// Downloads any http(s) URL whose file name carries a SHA-256 prefix like torch.hub's
/// (`.../name-<8 or more hex digits>.ext`), unless a file of that name is already in the directory; at most
/// options.maxUrlBytes.
Result<DownloadResult> downloadUrl(const std::string& url, const DownloadOptions& options = {});

/// The SHA-256 of a file, lower-case hex.
Result<std::string> sha256OfFile(const std::string& path);

} // namespace lens
