#include "weights/Download.h"

#include "LensVersion.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <curl/curl.h>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <mutex>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace lens {

namespace {

using Clock = std::chrono::steady_clock;

const char* kUserAgent = "resnet-lens/" RESNET_LENS_VERSION " (torch.hub compatible)";

std::string systemError(const std::string& what, const std::string& path)
{
    return "cannot " + what + " " + path + ": " + std::strerror(errno);
}

// A file descriptor that closes itself.
class Fd {
public:
    explicit Fd(int fd = -1)
        : m_fd(fd)
    { }
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

class Sha256 {
public:
    Sha256()
        : m_ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free)
    {
        reset();
    }
    void reset() { EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr); }
    void update(const void* data, std::size_t size) { EVP_DigestUpdate(m_ctx.get(), data, size); }
    std::string hex()
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(m_ctx.get(), digest, &size);
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < size; ++i) {
            out += digits[digest[i] >> 4];
            out += digits[digest[i] & 15];
        }
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> m_ctx;
};

// Feeds the first `size` bytes of fd into the hash.
bool hashExisting(int fd, std::int64_t size, Sha256& sha)
{
    std::vector<char> buffer(1 << 20);
    std::int64_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sha.update(buffer.data(), static_cast<std::size_t>(n));
        done += n;
    }
    return true;
}

bool writeAll(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string httpReason(long status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

std::string megabytes(std::int64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
    return text;
}

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// State of one call, shared by the libcurl callbacks of its requests.
struct Transfer {
    CURL* curl = nullptr;
    int fd = -1;
    Sha256 sha;
    const DownloadOptions* options = nullptr;

    std::int64_t offset = 0; ///< bytes in the file when the current request started
    std::int64_t received = 0; ///< bytes written by the current request
    std::int64_t resumedFrom = 0;
    std::int64_t receivedInCall = 0;
    Clock::time_point started = Clock::now();
    Clock::time_point lastReport;
    bool statusChecked = false;
    std::int64_t rangeStart = -1; ///< from the Content-Range header of the current response
    std::int64_t expectedBytes = -1; ///< the file's approximate size when the catalog knows it
    std::int64_t maxBytes = 0; ///< the most bytes the file may have
    std::string failure; ///< set by the callbacks when they abort a request
    std::string shortBody; ///< set when a response ended before the length it announced

    std::int64_t done() const { return offset + received; }

    DownloadProgress progress(std::int64_t remaining) const
    {
        DownloadProgress p;
        p.bytesDone = done();
        p.bytesTotal = remaining > 0 ? offset + remaining : -1;
        p.resumedFrom = resumedFrom;
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        p.bytesPerSecond = seconds > 0 ? receivedInCall / seconds : 0;
        if (p.bytesTotal >= 0 && p.bytesPerSecond > 0)
            p.etaSeconds = (p.bytesTotal - p.bytesDone) / p.bytesPerSecond;
        return p;
    }

    bool cancelled() const { return options->cancel && options->cancel->load(); }
};

size_t onHeader(char* data, size_t size, size_t count, void* user)
{
    auto& t = *static_cast<Transfer*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) { // a new response (after a redirect, or a 100 Continue)
        t.rangeStart = -1;
    } else if (line.size() > 14 && strncasecmp(line.c_str(), "content-range:", 14) == 0) {
        const std::size_t bytes = line.find("bytes");
        if (bytes != std::string::npos) {
            const char* digits = line.c_str() + bytes + 5;
            char* end = nullptr;
            const long long start = std::strtoll(digits, &end, 10);
            t.rangeStart = end != digits ? start : -1;
        }
    }
    return size * count;
}

size_t onData(char* data, size_t size, size_t count, void* user)
{
    auto& t = *static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (t.cancelled())
        return 0;
    if (!t.statusChecked) {
        t.statusChecked = true;
        long status = 0;
        curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
        if (t.offset > 0 && status == 200) {
            // The server ignored the Range request and sends the whole file: start over.
            if (::ftruncate(t.fd, 0) != 0 || ::lseek(t.fd, 0, SEEK_SET) != 0) {
                t.failure = std::string("cannot truncate the .partial file: ") + std::strerror(errno);
                return 0;
            }
            t.sha.reset();
            t.offset = 0;
            t.resumedFrom = 0;
        } else if (status == 206 && t.rangeStart != t.offset) {
            t.failure = "the server resumed at byte " + std::to_string(t.rangeStart) + " instead of "
                + std::to_string(t.offset);
            return 0;
        }
    }
    if (t.done() + static_cast<std::int64_t>(bytes) > t.maxBytes) {
        t.failure = t.expectedBytes >= 0 ? "the server sent more than " + std::to_string(t.maxBytes)
                + " bytes, although the file has about " + std::to_string(t.expectedBytes)
                                         : "the server sent more than " + std::to_string(t.maxBytes >> 20)
                + " MiB, the most a download may bring";
        return 0;
    }
    if (!writeAll(t.fd, data, bytes)) {
        t.failure = std::string("cannot write the .partial file: ") + std::strerror(errno);
        return 0;
    }
    t.sha.update(data, bytes);
    t.received += static_cast<std::int64_t>(bytes);
    t.receivedInCall += static_cast<std::int64_t>(bytes);
    return bytes;
}

int onProgress(void* user, curl_off_t downloadTotal, curl_off_t, curl_off_t, curl_off_t)
{
    auto& t = *static_cast<Transfer*>(user);
    if (t.cancelled())
        return 1;
    const auto now = Clock::now();
    if (t.options->onProgress && now - t.lastReport >= std::chrono::milliseconds(100)) {
        t.lastReport = now;
        t.options->onProgress(t.progress(downloadTotal));
    }
    return 0;
}

bool fsyncDirectory(const std::string& dir)
{
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

std::int64_t fileSize(int fd)
{
    struct stat info { };
    return ::fstat(fd, &info) == 0 ? static_cast<std::int64_t>(info.st_size) : -1;
}

Result<DownloadResult> downloadFile(const std::string& url, const std::string& fileName,
                                    const std::string& hashPrefix, std::int64_t expectedBytes,
                                    const DownloadOptions& options)
{
    if (fileName.empty() || fileName == "." || fileName == ".." || fileName.find('/') != std::string::npos)
        return Error {"cannot download " + url + ": it names no file"};
    const std::string dir = options.directory.empty() ? hubCheckpointsDir() : options.directory;
    const std::string finalPath = dir + "/" + fileName;
    const std::string partialPath = finalPath + ".partial";
    const auto started = Clock::now();
    std::error_code fsError;

    auto cached = [&]() -> std::optional<DownloadResult> {
        if (!std::filesystem::is_regular_file(finalPath, fsError))
            return std::nullopt;
        DownloadResult result;
        result.path = finalPath;
        result.alreadyCached = true;
        result.bytes = static_cast<std::int64_t>(std::filesystem::file_size(finalPath, fsError));
        return result;
    };
    if (auto result = cached())
        return *result;

    std::filesystem::create_directories(dir, fsError);
    if (fsError)
        return Error {"cannot create the cache directory " + dir + ": " + fsError.message()};
    Fd fd(::open(partialPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0)
        return Error {systemError("create", partialPath)};
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        return Error {"another download of " + fileName + " is in progress (" + partialPath + " is locked)"};
    if (auto result = cached()) { // finished by another process while we waited for the lock
        ::unlink(partialPath.c_str());
        return *result;
    }

    Transfer t;
    t.fd = fd.get();
    t.options = &options;
    t.expectedBytes = expectedBytes;
    t.maxBytes = expectedBytes >= 0 ? expectedBytes + expectedBytes / 10 + (1 << 20) : options.maxUrlBytes;
    t.started = started;
    t.offset = fileSize(fd.get());
    if (t.offset < 0 || ::lseek(fd.get(), t.offset, SEEK_SET) != t.offset)
        return Error {systemError("read", partialPath)};
    if (t.offset > 0 && !hashExisting(fd.get(), t.offset, t.sha))
        return Error {systemError("read", partialPath)};
    t.resumedFrom = t.offset;

    // On failure: keep a .partial that holds bytes (the next call resumes it), remove an empty one.
    auto fail = [&](const std::string& message) -> Result<DownloadResult> {
        if (fileSize(fd.get()) == 0)
            ::unlink(partialPath.c_str());
        return Error {message};
    };

    initCurlOnce();
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl)
        return fail("cannot start an HTTP transfer (curl_easy_init failed)");
    t.curl = curl.get();
    char errorText[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errorText);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options.minBytesPerSecond);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options.stallTimeoutSeconds);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onData);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    // No CURLOPT_PROXY / CURLOPT_NOPROXY: libcurl then takes them from http_proxy, https_proxy, no_proxy.

    int requests = 0;
    for (int attempt = 0;; ++attempt) {
        t.received = 0;
        t.statusChecked = false;
        t.failure.clear();
        errorText[0] = '\0';
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));
        ++requests;
        const CURLcode code = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

        if (code == CURLE_OK)
            break;
        if (t.cancelled()) {
            return fail("download of " + fileName + " cancelled; " + megabytes(t.done()) + " kept in "
                        + partialPath + ", the next download resumes from there");
        }
        if (!t.failure.empty())
            return fail("cannot download " + url + ": " + t.failure);
        if (code == CURLE_PARTIAL_FILE) {
            curl_off_t announced = -1;
            curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
            t.shortBody = "the server announced " + std::to_string(t.offset + announced)
                + " bytes (Content-Length) but sent " + std::to_string(t.done()) + "; ";
        }
        const bool rangeRefused
            = code == CURLE_RANGE_ERROR || (code == CURLE_HTTP_RETURNED_ERROR && status == 416);
        if (rangeRefused && t.offset > 0 && attempt < options.retries) {
            // The server cannot resume (no Range support), or the .partial does not fit what it has (longer,
            // or the file changed): start over.
            if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0)
                return fail(systemError("truncate", partialPath));
            t.sha.reset();
            t.offset = t.resumedFrom = 0;
            continue;
        }
        if (code == CURLE_HTTP_RETURNED_ERROR) {
            const std::string reason = httpReason(status);
            return fail("cannot download " + url + ": the server answered HTTP " + std::to_string(status)
                        + (reason.empty() ? "" : " " + reason));
        }
        // A transfer cut by the low-rate timeout is not resumed: the server is too slow, not interrupted.
        const bool interrupted = t.received > 0 && code != CURLE_OPERATION_TIMEDOUT;
        t.offset += t.received;
        t.received = 0;
        if (interrupted && attempt < options.retries)
            continue; // resume right away with a Range request
        std::string message = "cannot download " + url + ": " + t.shortBody
            + (errorText[0] ? errorText : curl_easy_strerror(code));
        if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST
            || code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_OPERATION_TIMEDOUT)
            message
                += " (offline? check the network or the proxy settings, or set RESNET_LENS_WEIGHTS_URL to "
                   "a mirror)";
        if (t.done() > 0)
            message += "; " + megabytes(t.done()) + " kept in " + partialPath + ", the next download resumes";
        return fail(message);
    }

    curl_off_t remaining = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &remaining);
    if (options.onProgress)
        options.onProgress(t.progress(remaining));

    const std::string sha256 = t.sha.hex();
    if (sha256.compare(0, hashPrefix.size(), hashPrefix) != 0) {
        ::unlink(partialPath.c_str());
        return Error {"the downloaded " + fileName + " is not the expected file: its SHA-256 is " + sha256
                      + ", which does not start with " + hashPrefix + " as its name says; it was deleted"};
    }
    if (::fsync(fd.get()) != 0)
        return fail(systemError("write", partialPath));
    if (::rename(partialPath.c_str(), finalPath.c_str()) != 0)
        return fail(systemError("rename " + partialPath + " to", finalPath));
    fsyncDirectory(dir);

    DownloadResult result;
    result.path = finalPath;
    result.sha256 = sha256;
    result.bytes = t.done();
    result.resumedFrom = t.resumedFrom;
    result.requests = requests;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    result.bytesPerSecond = result.seconds > 0 ? t.receivedInCall / result.seconds : 0;
    return result;
}

} // namespace

Result<DownloadResult> downloadWeights(const WeightsInfo& weights, const DownloadOptions& options)
{
    return downloadFile(weightsUrl(weights), weights.fileName, weights.hashPrefix,
                        weights.sizeBytes > 0 ? weights.sizeBytes : -1, options);
}

Result<DownloadResult> downloadUrl(const std::string& url, const DownloadOptions& options)
{
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        return Error {"cannot download '" + url + "': only http:// and https:// URLs are supported"};
    std::string path = url.substr(0, url.find_first_of("?#"));
    const std::string fileName = path.substr(path.rfind('/') + 1);
    const std::string prefix = hashPrefixFromFileName(fileName);
    if (prefix.empty()) {
        return Error {"cannot download " + url + ": its file name '" + fileName
                      + "' carries no SHA-256 prefix (expected name-<8 hex digits>.ext, as torch.hub's), "
                        "so the download could not be verified"};
    }
    return downloadFile(url, fileName, prefix, -1, options);
}

Result<std::string> sha256OfFile(const std::string& path)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return Error {systemError("open", path)};
    Sha256 sha;
    const std::int64_t size = fileSize(fd.get());
    if (size < 0 || !hashExisting(fd.get(), size, sha))
        return Error {systemError("read", path)};
    return sha.hex();
}

} // namespace lens
