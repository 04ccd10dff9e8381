// version.hpp: TLS ProtocolVersion values (RFC 8446 §4.2.1, RFC 5246 §6.2.1).
#pragma once

#include <cstdint>

namespace strata::tls {

// kTls10, kTls11, kTls12, kTls13 are the ProtocolVersion values on the wire.
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

}  // namespace strata::tls
