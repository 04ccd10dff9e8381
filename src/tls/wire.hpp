// wire.hpp: the small read/write helpers every TLS codec uses (handshake,
// messages12, ticket), so a vector's bounds are checked the same way everywhere.
// Internal to tls/; not part of the library's interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "tls/alert.hpp"

namespace strata::tls::wire {

// lift turns a core::Result into a tls::Result (Truncated stays Truncated).
template <typename T>
Result<T> lift(core::Result<T> r) {
    if (!r) return fail(from_core(r.error()));
    return std::move(r).value();
}

// vec reads a vector with a width-byte length (RFC 8446 §3.4) and checks
// min <= length <= max and length % unit == 0.
inline Result<core::Reader> vec(core::Reader& r, int width, std::size_t min, std::size_t max,
                                std::size_t unit = 1) {
    core::Result<core::Reader> sub = width == 1   ? r.prefixed8()
                                     : width == 2 ? r.prefixed16()
                                                  : r.prefixed24();
    if (!sub) return fail(from_core(sub.error()));
    const std::size_t n = sub->remaining();
    if (n < min || n > max || n % unit != 0) return fail(Error::BadVectorLength);
    return sub.value();
}

// done refuses bytes left over after a message or structure.
inline Status done(const core::Reader& r) {
    if (!r.empty()) return fail(Error::TrailingBytes);
    return {};
}

inline core::Bytes to_bytes(core::ByteView v) { return core::Bytes(v.begin(), v.end()); }

// u16_list reads a vector of uint16 values.
inline Result<std::vector<std::uint16_t>> u16_list(core::Reader& r, int width, std::size_t min,
                                                   std::size_t max) {
    auto list = vec(r, width, min, max, 2);
    if (!list) return fail(list.error());
    std::vector<std::uint16_t> out;
    out.reserve(list->remaining() / 2);
    while (!list->empty()) out.push_back(list->u16().value());
    return out;
}

// write_vec writes data with a width-byte length prefix.
inline void write_vec(core::Writer& w, std::size_t width, core::ByteView data) {
    const auto len = w.open_length(width);
    w.bytes(data);
    w.close_length(len);
}

// finish hands out what a Writer built, or the reason it could not.
inline Result<core::Bytes> finish(const core::Writer& w, core::Bytes&& out) {
    if (!w.ok())
        return fail(w.status().error() == core::Error::LengthOverflow ? Error::BadVectorLength
                                                                      : Error::InternalError);
    return std::move(out);
}

}  // namespace strata::tls::wire
