#pragma once

// Value-or-error for the library boundary. Core functions that can fail on user input (files, checkpoints,
// images) return Result<T>; the message is meant for a user and names the file and the problem.

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace lens {

/// What kind of failure an Error is, so that callers decide by kind (an exit code, a GUI's wording, whether
/// another device is worth a try), never by matching message text.
enum class ErrorKind {
    Failed, ///< could not be done (the default)
    Usage, ///< the caller's mistake: a bad option or value
    NotFound, ///< a file or name that does not exist
    Unreadable, ///< a file that exists but cannot be read as what it should be (corrupt, wrong format)
    Unsupported, ///< valid, but not something this program handles
    Mismatch, ///< a checkpoint that does not fit the model (strict loading)
    Device, ///< the compute device cannot be used (no GPU, a driver error, out of its memory)
    Dangerous, ///< a file whose loading in Python would run code; refused unless the user opts in
    Cancelled, ///< stopped on request
    Internal, ///< a bug: an impossible state
};

struct Error {
    Error() = default;
    Error(std::string message, ErrorKind kind = ErrorKind::Failed, std::string subject = {})
        : message(std::move(message))
        , kind(kind)
        , subject(std::move(subject))
    { }

    /// For a user: names the subject and the problem ("model.pth: truncated zip").
    std::string message;
    ErrorKind kind = ErrorKind::Failed;
    /// The file or value the error is about, when there is one (also named in message).
    std::string subject;
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_value(std::move(value))
    { }
    Result(Error error)
        : m_error(std::move(error))
    { }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }

    T& value() & { return checked(); }
    const T& value() const& { return const_cast<Result*>(this)->checked(); }
    T&& value() && { return std::move(checked()); }
    T* operator->() { return &checked(); }
    const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
    T& operator*() { return checked(); }

    const Error& error() const { return m_error; }
    const std::string& message() const { return m_error.message; }

private:
    T& checked()
    {
        if (!m_value)
            throw std::logic_error("Result::value() called on an error: " + m_error.message);
        return *m_value;
    }

    std::optional<T> m_value;
    Error m_error;
};

// Result<void>
template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_ok(false)
    { }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { return m_error; }
    const std::string& message() const { return m_error.message; }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace lens
