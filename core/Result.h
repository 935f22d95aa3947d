#pragma once

// Value-or-error for the library boundary. Core functions that can fail on user input (files, checkpoints,
// images) return Result<T>; the message is meant for a user and names the file and the problem.

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace lens {

struct Error {
    std::string message;
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
