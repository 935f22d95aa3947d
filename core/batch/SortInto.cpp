#include "batch/SortInto.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace lens {

namespace {

const std::string kTemporaryPrefix = ".resnet-lens-copy.";

std::string systemError(int error)
{
    return std::strerror(error);
}

class Fd {
public:
    explicit Fd(int fd)
        : m_fd(fd)
    { }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }

private:
    int m_fd;
};

bool readFully(int fd, char* data, std::size_t size)
{
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::read(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Whether the first `length` bytes of a and b are equal.
bool samePrefix(const fs::path& a, const fs::path& b, std::uintmax_t length)
{
    Fd x(::open(a.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    Fd y(::open(b.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (x.get() < 0 || y.get() < 0)
        return false;
    std::vector<char> p(1 << 16), q(1 << 16);
    while (length > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uintmax_t>(length, p.size()));
        if (!readFully(x.get(), p.data(), n) || !readFully(y.get(), q.data(), n)
            || std::memcmp(p.data(), q.data(), n) != 0)
            return false;
        length -= n;
    }
    return true;
}

enum class Found {
    Free, ///< nothing there
    Placed, ///< the image already (a link to it or a full copy)
    CutShort, ///< a copy of the image cut short (by a version that copied in place)
    Other, ///< something else
};

Found whatIsAt(const fs::path& target, const fs::path& image, const struct stat& source)
{
    struct stat info { };
    if (::lstat(target.c_str(), &info) != 0)
        return errno == ENOENT ? Found::Free : Found::Other;
    std::error_code error;
    if (S_ISLNK(info.st_mode))
        return fs::equivalent(fs::read_symlink(target, error), image, error) ? Found::Placed : Found::Other;
    if (!S_ISREG(info.st_mode))
        return Found::Other;
    if (info.st_size == source.st_size) {
        // Copies carry the image's modification time: the quick check rsync makes.
        if (info.st_mtim.tv_sec == source.st_mtim.tv_sec && info.st_mtim.tv_nsec == source.st_mtim.tv_nsec)
            return Found::Placed;
        return samePrefix(target, image, static_cast<std::uintmax_t>(source.st_size)) ? Found::Placed
                                                                                      : Found::Other;
    }
    if (info.st_size < source.st_size && samePrefix(target, image, static_cast<std::uintmax_t>(info.st_size)))
        return Found::CutShort;
    return Found::Other;
}

// Moves from into place as to; fails with EEXIST when to exists, unless replace.
int moveIntoPlace(const fs::path& from, const fs::path& to, bool replace)
{
    if (replace)
        return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    // A file system without RENAME_NOREPLACE: a hard link fails on an existing name just as well.
    if (::link(from.c_str(), to.c_str()) == 0) {
        ::unlink(from.c_str());
        return 0;
    }
    return errno;
}

// Copies image into folder under a locked temporary name, flushed to disk; returns that name.
Result<fs::path> copyToTemporary(const fs::path& image, const struct stat& source, const fs::path& folder)
{
    static std::atomic<int> counter {0};
    Fd in(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0)
        return Error {image.string() + ": cannot read it to copy (" + systemError(errno) + ")"};
    fs::path temporary;
    int out = -1;
    for (int attempt = 0; attempt < 100 && out < 0; ++attempt) {
        temporary = folder
            / (kTemporaryPrefix + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".partial");
        out = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (out < 0 && errno != EEXIST)
            break;
    }
    if (out < 0)
        return Error {folder.string() + ": cannot create a file there (" + systemError(errno) + ")"};
    Fd guard(out);
    ::flock(out, LOCK_EX); // tells removeLeftoverCopies that a live process writes it
    const auto fail = [&](const std::string& what) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return Error {temporary.string() + ": " + what + " (" + systemError(error) + ")"};
    };
    std::vector<char> buffer(1 << 20);
    for (;;) {
        const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail("cannot read " + image.string());
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return fail("cannot write the copy");
            done += w;
        }
    }
    const struct timespec times[2] = {source.st_atim, source.st_mtim};
    ::futimens(out, times);
    if (::fsync(out) != 0)
        return fail("cannot flush the copy to disk");
    return temporary;
}

} // namespace

std::string safeFolderName(const std::string& label)
{
    std::string name;
    for (char c : label)
        name += (c == '/' || c == '\0') ? '_' : c;
    if (name.empty() || name == "." || name == "..")
        name = "_" + name;
    return name;
}

Result<void> checkSortFolder(const std::string& folder)
{
    struct stat info { };
    if (::stat(folder.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode))
            return Error {folder
                          + ": is not a folder; --sort-into needs a folder (it is created when missing)"};
        return {};
    }
    if (errno == ENOENT) {
        struct stat link { };
        if (::lstat(folder.c_str(), &link) == 0)
            return Error {folder + ": is a symbolic link to nothing; --sort-into needs a folder"};
        return {};
    }
    return Error {folder + ": cannot use it for --sort-into (" + systemError(errno) + ")"};
}

std::size_t removeLeftoverCopies(const std::string& folder)
{
    std::size_t removed = 0;
    std::error_code error;
    for (fs::directory_iterator labels(folder, error), end; !error && labels != end;
         labels.increment(error)) {
        std::error_code entryError;
        if (!labels->is_directory(entryError) || labels->is_symlink(entryError))
            continue;
        for (fs::directory_iterator it(labels->path(), entryError); !entryError && it != end;
             it.increment(entryError)) {
            const std::string name = it->path().filename().string();
            if (name.compare(0, kTemporaryPrefix.size(), kTemporaryPrefix) != 0)
                continue;
            Fd fd(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
            if (fd.get() >= 0 && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0
                && ::unlink(it->path().c_str()) == 0)
                ++removed;
        }
    }
    return removed;
}

Result<Placement> sortInto(const std::string& folder, const std::string& image, const std::string& label,
                           const SortOptions& options)
{
    std::error_code error;
    const fs::path source = fs::absolute(image, error);
    struct stat sourceInfo { };
    if (::stat(source.c_str(), &sourceInfo) != 0)
        return Error {image + ": cannot sort it (" + systemError(errno) + ")"};
    const fs::path directory = fs::path(folder) / safeFolderName(label);
    const fs::path name = source.filename();
    const auto candidate = [&](int n) {
        return n == 0
            ? directory / name
            : directory / (name.stem().string() + "_" + std::to_string(n) + name.extension().string());
    };

    if (options.mode != SortOptions::Mode::DryRun) {
        fs::create_directories(directory, error);
        if (error)
            return Error {directory.string() + ": cannot create the folder (" + error.message() + ")"};
    }
    std::optional<fs::path> copy; // the temporary copy, made once
    const auto removeCopy = [&] {
        if (copy)
            ::unlink(copy->c_str());
    };
    for (int n = 0; n < 100000; ++n) {
        const fs::path target = candidate(n);
        const Found found = whatIsAt(target, source, sourceInfo);
        if (found == Found::Placed) {
            removeCopy();
            return Placement {target.string(), false};
        }
        const bool replace = found == Found::CutShort && options.mode == SortOptions::Mode::Copy;
        if (found != Found::Free && !replace)
            continue;
        if (options.mode == SortOptions::Mode::DryRun)
            return Placement {target.string(), true};
        int result = 0;
        if (options.mode == SortOptions::Mode::Link) {
            result = ::symlink(source.c_str(), target.c_str()) == 0 ? 0 : errno;
        } else {
            if (!copy) {
                auto made = copyToTemporary(source, sourceInfo, directory);
                if (!made)
                    return made.error();
                copy = *made;
            }
            result = moveIntoPlace(*copy, target, replace);
        }
        if (result == EEXIST)
            continue; // another run took the name meanwhile
        if (result != 0) {
            removeCopy();
            return Error {target.string() + ": cannot "
                          + (options.mode == SortOptions::Mode::Link ? "link" : "copy") + " " + image
                          + " there (" + systemError(result) + ")"};
        }
        if (options.mode == SortOptions::Mode::Copy) {
            // The rename is durable once the folder is.
            Fd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (dir.get() >= 0)
                ::fsync(dir.get());
        }
        return Placement {target.string(), true};
    }
    removeCopy();
    return Error {directory.string() + ": no free name for " + name.string()};
}

SortSink::SortSink(std::string folder, SortOptions options, Report onPlaced)
    : m_folder(std::move(folder))
    , m_options(options)
    , m_report(std::move(onPlaced))
{ }

void SortSink::start(const std::vector<std::pair<std::string, std::string>>& earlier)
{
    if (m_options.mode != SortOptions::Mode::DryRun)
        removeLeftoverCopies(m_folder);
    // Placing is idempotent: images placed before are left alone, copies cut short are redone.
    for (const auto& [image, label] : earlier)
        place(image, label);
}

Result<void> SortSink::write(const BatchRow& row)
{
    if (row.error.empty() && !row.top.empty())
        place(row.path, row.top.front().label);
    return {};
}

void SortSink::place(const std::string& image, const std::string& label)
{
    const Result<Placement> placed = sortInto(m_folder, image, label, m_options);
    if (!placed)
        ++m_failures;
    if (m_report)
        m_report(image, placed);
}

} // namespace lens
