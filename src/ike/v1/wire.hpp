// wire.hpp: small helpers over core::Reader for the IKEv1 codecs (a failed
// read leaves the out-parameter alone and returns false).
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/reader.hpp"

namespace strata::ike::v1::wire {

// read8/16/32 read a big-endian integer into v; false if truncated.
inline bool read8(core::Reader& r, std::uint8_t& v) {
    auto x = r.u8();
    if (!x) return false;
    v = *x;
    return true;
}
inline bool read16(core::Reader& r, std::uint16_t& v) {
    auto x = r.u16();
    if (!x) return false;
    v = *x;
    return true;
}
inline bool read32(core::Reader& r, std::uint32_t& v) {
    auto x = r.u32();
    if (!x) return false;
    v = *x;
    return true;
}
// read_bytes copies n bytes into v; false if truncated.
inline bool read_bytes(core::Reader& r, std::size_t n, core::Bytes& v) {
    auto x = r.bytes(n);
    if (!x) return false;
    v.assign(x->begin(), x->end());
    return true;
}
// read_sub returns a Reader over the next n bytes in v; false if truncated.
inline bool read_sub(core::Reader& r, std::size_t n, core::Reader& v) {
    auto x = r.sub(n);
    if (!x) return false;
    v = *x;
    return true;
}

}  // namespace strata::ike::v1::wire
