// message.hpp: the ISAKMP header (RFC 2408 §3.1) and the payload chain
// (§3.2) that follows it.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                 Initiator Cookie (8 octets)                   !
// !                 Responder Cookie (8 octets)                   !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
// !                          Message ID                           !
// !                            Length                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/writer.hpp"
#include "ike/v1/constants.hpp"
#include "ike/v1/error.hpp"

namespace strata::ike::v1 {

// Cookie is an 8-byte ISAKMP cookie (RFC 2408 §2.5.3).
using Cookie = std::array<std::uint8_t, kCookieLength>;

// cookie_u64 returns a cookie as a big-endian number (Wireshark's key table).
std::uint64_t cookie_u64(const Cookie& c) noexcept;
// is_zero is true for the all-zero cookie (the responder's before it chose one).
bool is_zero(const Cookie& c) noexcept;

// Header is the ISAKMP header.
struct Header {
    Cookie initiator{};
    Cookie responder{};
    std::uint8_t next = 0;  // PayloadType of the first payload
    std::uint8_t version = kVersion;
    std::uint8_t exchange = 0;  // ExchangeType
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = 0;

    [[nodiscard]] bool encrypted() const noexcept { return (flags & kFlagEncryption) != 0; }
};

// parse_header reads the header of a whole datagram. Errors: Truncated
// (shorter than 28 bytes), InvalidMajorVersion / InvalidMinorVersion
// (RFC 2408 §5.1: only 1.0), InvalidFlags (undefined bits), BadLength (the
// Length field is not the datagram's size).
core::Result<Header, Error> parse_header(core::ByteView datagram);

// write_header appends the 28 header bytes.
void write_header(core::Writer& w, const Header& h);

// RawPayload is one payload of a parsed chain: its type and its body, a view
// into the bytes the chain was parsed from, with the offsets of the whole
// payload (generic header included) in them.
struct RawPayload {
    PayloadType type = PayloadType::None;
    core::ByteView body;
    std::size_t start = 0;  // offset of the generic header
    std::size_t end = 0;    // offset just past the body
};

// kMaxPayloads bounds the payloads of one message (no exchange needs more).
inline constexpr std::size_t kMaxPayloads = 32;

// parse_chain reads the payloads that start with type `first` from bytes.
// Trailing bytes after the last payload are allowed only when
// allow_trailing (the zero padding of an encrypted body). Errors: Truncated,
// BadLength (a payload length below 4 or past the end), InvalidPayloadType
// (Proposal/Transform at the top level, or an undefined type below 128),
// TooManyPayloads, PayloadMalformed (non-zero RESERVED, RFC 2408 §3.2).
core::Result<std::vector<RawPayload>, Error> parse_chain(std::uint8_t first, core::ByteView bytes,
                                                         bool allow_trailing);

// OutPayload is a payload to build: its type and body.
struct OutPayload {
    PayloadType type = PayloadType::None;
    core::Bytes body;
};

// encode_chain returns the payloads with their generic headers, each
// pointing to the next, the last to none.
core::Bytes encode_chain(const std::vector<OutPayload>& payloads);

// find_payload returns the first payload of a type, or null.
const RawPayload* find_payload(const std::vector<RawPayload>& chain, PayloadType type);
// count_payloads returns how many payloads of a type the chain has.
std::size_t count_payloads(const std::vector<RawPayload>& chain, PayloadType type);

// build_plain returns header || chain with the length filled in (an
// unencrypted message; the header's next is taken from the chain).
core::Bytes build_plain(Header h, const std::vector<OutPayload>& payloads);

}  // namespace strata::ike::v1
