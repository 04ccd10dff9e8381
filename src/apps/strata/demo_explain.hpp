// demo_explain.hpp: `strata demo` reads back the packets it produced and
// says what each byte range is, as the lecture draws it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "ipsec/sa.hpp"

namespace strata::apps::demo {

// ProtectedLayout is where the parts of an ESP or AH packet lie.
struct ProtectedLayout {
    std::size_t outer_header = 0;  // outer IP header bytes
    std::size_t udp = 0;           // 8 when ESP is in UDP
    std::size_t ipsec_offset = 0;  // start of the ESP/AH header
    std::uint32_t spi = 0;
    std::uint32_t sequence = 0;
    std::size_t iv = 0;
    std::size_t encrypted_offset = 0;  // ESP: start of the ciphertext
    std::size_t encrypted = 0;         // ESP: ciphertext bytes (payload + padding + 2)
    std::size_t icv_offset = 0;
    std::size_t icv = 0;
    std::uint8_t next_header = 0;  // AH: from its header; ESP: hidden (encrypted)
    std::size_t total = 0;
};

// explain_protected parses an ESP or AH packet (IPv4, maybe in UDP 4500)
// protected with sa, and returns its layout and the lines describing it;
// inner_length (the packet or payload delivered at the other end) lets it
// name the padding. nullopt (with *why) if it does not parse as such.
std::optional<ProtectedLayout> explain_protected(core::ByteView ip, const ipsec::SaConfig& sa,
                                                 std::optional<std::size_t> inner_length,
                                                 std::vector<std::string>& lines, std::string* why);

// explain_plain describes a clear IPv4 packet in one line (addresses,
// protocol, ICMP echo or TCP ports and flags).
std::string explain_plain(core::ByteView ip);

// explain_ike describes an IKEv2 message (header, payloads; IKE_SA_INIT's
// proposals, KE group and public value, nonce) from its bytes.
std::vector<std::string> explain_ike(core::ByteView message);

// hex_short returns the first n bytes in hex, "..." if there were more.
std::string hex_short(core::ByteView b, std::size_t n = 16);

}  // namespace strata::apps::demo
