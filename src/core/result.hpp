// result.hpp: Result<T, E>, a value or a specific error, without exceptions.
//
// libstdc++'s std::expected does not compile under clang 14 (the fuzzing
// compiler), so Strata carries this small equivalent. A Result is [[nodiscard]]:
// ignoring one is a compile warning, and warnings are errors.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace strata::core {

// Failure<E> wraps an error so that Result<T, E> can be built from it even when
// T and E could convert into each other. Build one with fail(e).
template <typename E>
struct Failure {
    E error;
};

// fail returns a Failure carrying e; `return fail(Error::Truncated);`.
template <typename E>
constexpr Failure<E> fail(E e) noexcept {
    return Failure<E>{e};
}

// Result<T, E> holds either a T (success) or an E (the reason for failure).
// value() and error() must only be called on the matching state (asserted).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
public:
    using value_type = T;
    using error_type = E;

    constexpr Result(T v)
        : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT(google-explicit-constructor)
    constexpr Result(Failure<E> f)
        : v_(std::in_place_index<1>, f.error) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] constexpr bool ok() const noexcept { return v_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return ok(); }

    constexpr T& value() & {
        assert(ok());
        return *std::get_if<0>(&v_);
    }
    constexpr const T& value() const& {
        assert(ok());
        return *std::get_if<0>(&v_);
    }
    constexpr T&& value() && {
        assert(ok());
        return std::move(*std::get_if<0>(&v_));
    }
    constexpr E error() const {
        assert(!ok());
        return *std::get_if<1>(&v_);
    }
    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T&& operator*() && { return std::move(*this).value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    // value_or returns the value, or fallback on failure.
    constexpr T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, E> v_;
};

// Result<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    constexpr Result() noexcept = default;
    constexpr Result(Failure<E> f) noexcept
        : failed_(true), e_(f.error) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] constexpr bool ok() const noexcept { return !failed_; }
    constexpr explicit operator bool() const noexcept { return ok(); }
    constexpr E error() const {
        assert(failed_);
        return e_;
    }

private:
    bool failed_ = false;
    E e_{};
};

// Status is the result of an operation that returns nothing on success.
using Status = Result<void, Error>;

}  // namespace strata::core
