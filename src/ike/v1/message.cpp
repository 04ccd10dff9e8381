#include "ike/v1/message.hpp"

#include "core/reader.hpp"
#include "ike/v1/wire.hpp"

namespace strata::ike::v1 {

namespace {
using core::fail;

// known_top_level is true for a payload type that may stand in a message's
// chain (RFC 2408 §3.1; RFC 3947 §3 NAT-D / NAT-OA; 128-255 private use).
bool known_top_level(std::uint8_t t) {
    if (t >= 128) return true;
    return (t >= 1 && t <= 13 && t != 2 && t != 3) || t == 20 || t == 21;
}
}  // namespace

std::uint64_t cookie_u64(const Cookie& c) noexcept {
    std::uint64_t v = 0;
    for (std::uint8_t b : c) v = (v << 8) | b;
    return v;
}

bool is_zero(const Cookie& c) noexcept {
    std::uint8_t acc = 0;
    for (std::uint8_t b : c) acc = static_cast<std::uint8_t>(acc | b);
    return acc == 0;
}

core::Result<Header, Error> parse_header(core::ByteView datagram) {
    core::Reader r(datagram);
    Header h;
    if (!r.copy_to(h.initiator) || !r.copy_to(h.responder)) return fail(Error::Truncated);
    if (!wire::read8(r, h.next) || !wire::read8(r, h.version) || !wire::read8(r, h.exchange) ||
        !wire::read8(r, h.flags) || !wire::read32(r, h.message_id) || !wire::read32(r, h.length))
        return fail(Error::Truncated);
    // RFC 2408 §5.1: a major version above ours is refused; so is a minor one.
    if ((h.version >> 4) != 1) return fail(Error::InvalidMajorVersion);
    if ((h.version & 0x0f) != 0) return fail(Error::InvalidMinorVersion);
    if ((h.flags & ~(kFlagEncryption | kFlagCommit | kFlagAuthOnly)) != 0) return fail(Error::InvalidFlags);
    if (h.length != datagram.size()) return fail(Error::BadLength);
    return h;
}

void write_header(core::Writer& w, const Header& h) {
    w.bytes(h.initiator);
    w.bytes(h.responder);
    w.u8(h.next);
    w.u8(h.version);
    w.u8(h.exchange);
    w.u8(h.flags);
    w.u32(h.message_id);
    w.u32(h.length);
}

core::Result<std::vector<RawPayload>, Error> parse_chain(std::uint8_t first, core::ByteView bytes,
                                                         bool allow_trailing) {
    core::Reader r(bytes);
    std::vector<RawPayload> out;
    std::uint8_t type = first;
    while (type != 0) {
        if (!known_top_level(type)) return fail(Error::InvalidPayloadType);
        if (out.size() >= kMaxPayloads) return fail(Error::TooManyPayloads);
        const std::size_t start = r.offset();
        std::uint8_t next = 0;
        std::uint8_t reserved = 0;
        std::uint16_t length = 0;
        if (!wire::read8(r, next) || !wire::read8(r, reserved) || !wire::read16(r, length))
            return fail(Error::Truncated);
        if (reserved != 0) return fail(Error::PayloadMalformed);
        if (length < kGenericHeaderLength) return fail(Error::BadLength);
        auto body = r.bytes(length - kGenericHeaderLength);
        if (!body) return fail(Error::BadLength);
        out.push_back(RawPayload{static_cast<PayloadType>(type), *body, start, r.offset()});
        type = next;
    }
    if (!allow_trailing && !r.empty()) return fail(Error::BadLength);
    return out;
}

core::Bytes encode_chain(const std::vector<OutPayload>& payloads) {
    core::Bytes out;
    core::Writer w(out);
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        w.u8(i + 1 < payloads.size() ? static_cast<std::uint8_t>(payloads[i + 1].type) : 0);
        w.u8(0);
        w.u16(static_cast<std::uint16_t>(payloads[i].body.size() + kGenericHeaderLength));
        w.bytes(payloads[i].body);
    }
    return out;
}

const RawPayload* find_payload(const std::vector<RawPayload>& chain, PayloadType type) {
    for (const RawPayload& p : chain)
        if (p.type == type) return &p;
    return nullptr;
}

std::size_t count_payloads(const std::vector<RawPayload>& chain, PayloadType type) {
    std::size_t n = 0;
    for (const RawPayload& p : chain) n += p.type == type ? 1 : 0;
    return n;
}

core::Bytes build_plain(Header h, const std::vector<OutPayload>& payloads) {
    const core::Bytes chain = encode_chain(payloads);
    h.next = payloads.empty() ? 0 : static_cast<std::uint8_t>(payloads.front().type);
    h.length = static_cast<std::uint32_t>(kHeaderLength + chain.size());
    core::Bytes out;
    core::Writer w(out);
    write_header(w, h);
    w.bytes(chain);
    return out;
}

}  // namespace strata::ike::v1
