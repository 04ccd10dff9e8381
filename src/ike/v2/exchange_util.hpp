// exchange_util.hpp: small helpers the IKEv2 exchanges share for building
// and reading payload lists (notifies, 4-byte SPIs, selector checks).
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "ike/traffic_selector.hpp"
#include "ike/v2/message.hpp"

namespace strata::ike::v2 {

// kNonceLength is the nonce size this host sends (RFC 7296 §2.10: at least
// half the PRF key size; 32 bytes suits every PRF offered).
inline constexpr std::size_t kNonceLength = 32;

// payload returns a non-critical payload of type t.
inline RawPayload payload(PayloadType t, core::Bytes body) { return RawPayload{t, false, std::move(body)}; }

// notify returns a Notify payload.
inline RawPayload notify(NotifyType t, core::Bytes data = {}, ProtocolId proto = ProtocolId::None,
                         core::Bytes spi = {}) {
    return payload(PayloadType::Notify, encode_notify(Notify{proto, std::move(spi), t, std::move(data)}));
}

// spi32_bytes returns v in network order.
inline core::Bytes spi32_bytes(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// spi32_of reads a 4-byte SPI; b must hold at least 4 bytes.
inline std::uint32_t spi32_of(core::ByteView b) {
    return (static_cast<std::uint32_t>(b[0]) << 24) | (static_cast<std::uint32_t>(b[1]) << 16) |
           (static_cast<std::uint32_t>(b[2]) << 8) | b[3];
}

// find_notify returns the first notify of type t, or nullptr.
inline const Notify* find_notify(const std::vector<Notify>& ns, NotifyType t) {
    for (const auto& n : ns)
        if (n.type == t) return &n;
    return nullptr;
}

// first_error returns the first error notify (type < 16384), or nullptr.
inline const Notify* first_error(const std::vector<Notify>& ns) {
    for (const auto& n : ns)
        if (is_error(n.type)) return &n;
    return nullptr;
}

// all_within says whether every selector of got lies inside one of allowed
// (and got is not empty).
inline bool all_within(const std::vector<TrafficSelector>& got, const std::vector<TrafficSelector>& allowed) {
    for (const auto& g : got) {
        bool ok = false;
        for (const auto& a : allowed)
            if (auto i = intersect(g, a); i && *i == g) ok = true;
        if (!ok) return false;
    }
    return !got.empty();
}

}  // namespace strata::ike::v2
