#include "ipsec/esp.hpp"

#include <array>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ipsec/tunnel.hpp"
#include "packet/ip_protocol.hpp"

namespace strata::ipsec {

using core::fail;

namespace {

constexpr std::size_t kTrailerLength = 2;  // Pad Length, Next Header (RFC 4303 §2.5, §2.6)
constexpr std::size_t kSaltLength = 4;     // RFC 4106 §4, RFC 7634 §2

// pad_length returns the padding after payload_len bytes: RFC 4303 §2.4, the
// payload, padding and the two trailer bytes fill whole cipher blocks and end
// on a 4-byte boundary.
std::size_t pad_length(const EspGeometry& g, std::size_t payload_len) noexcept {
    const std::size_t align = g.align;
    // Every block size here (1, 8, 16) makes align a power of two: a mask
    // instead of two divisions on the per-packet path.
    if ((align & (align - 1)) == 0)
        return (align - ((payload_len + kTrailerLength) & (align - 1))) & (align - 1);
    return (align - (payload_len + kTrailerLength) % align) % align;
}

// kMaxAadLength is SPI | ESN high | ESN low (RFC 4106 §5, RFC 7634 §2.2).
constexpr std::size_t kMaxAadLength = 12;

// write_aad writes SPI | Sequence Number, or SPI | ESN high | ESN low, into
// out (the caller's stack array: the AAD is built in place, not returned)
// and returns the bytes written.
core::ByteView write_aad(std::array<std::uint8_t, kMaxAadLength>& out, std::uint32_t spi, std::uint64_t seq,
                         bool esn) noexcept {
    core::Writer w{core::MutableByteView(out)};
    w.u32(spi);
    if (esn) w.u32(static_cast<std::uint32_t>(seq >> 32));
    w.u32(static_cast<std::uint32_t>(seq));
    return {out.data(), w.size()};
}

// Nonce is salt | explicit IV (RFC 4106 §4, RFC 7634 §2).
std::array<std::uint8_t, crypto::kAeadNonceLength> make_nonce(core::ByteView salt,
                                                              core::ByteView iv) noexcept {
    std::array<std::uint8_t, crypto::kAeadNonceLength> n{};
    core::Writer w{core::MutableByteView(n)};
    static_assert(kSaltLength + kEspAeadIvLength == crypto::kAeadNonceLength);
    if (salt.size() == kSaltLength && iv.size() == kEspAeadIvLength) {
        // Every AEAD SA: fixed-size copies, no memcpy call per packet.
        w.bytes(salt.first<kSaltLength>());
        w.bytes(iv.first<kEspAeadIvLength>());
        return n;
    }
    w.bytes(salt.first(salt.size() < kSaltLength ? salt.size() : kSaltLength));
    w.bytes(iv);
    return n;
}

// mac_esp runs the HMAC over the ESP header, IV and ciphertext, then the ESN
// high bits (RFC 4303 §2.2.1: appended for the ICV only, never sent). With
// tag_in it verifies in constant time; otherwise it writes tag_out.
core::Status mac_esp(crypto::Mac& mac, core::ByteView covered, std::uint64_t seq, bool esn,
                     core::ByteView tag_in, core::MutableByteView tag_out) noexcept {
    if (auto s = mac.init(); !s) return s;
    if (auto s = mac.update(covered); !s) return s;
    if (esn) {
        std::array<std::uint8_t, 4> hi{};
        core::Writer w{core::MutableByteView(hi)};
        w.u32(static_cast<std::uint32_t>(seq >> 32));
        if (auto s = mac.update(hi); !s) return s;
    }
    return tag_out.empty() ? mac.final_verify(tag_in) : mac.final(tag_out);
}

core::Result<EspOutboundInfo, Drop> seal_impl(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                              std::uint8_t next_header, const EspOutboundOptions& opts) {
    if (sa.expired()) return fail(Drop::SaExpired);
    if (offset > buf.size()) return fail(Drop::Malformed);
    const EspGeometry& s = sa.esp_geometry();
    const std::size_t payload_len = buf.size() - offset;
    const std::size_t pad = pad_length(s, payload_len);
    const std::size_t head = kEspHeaderLength + s.iv_len;
    const std::size_t tail = pad + kTrailerLength + s.icv_len;
    if (buf.headroom() < head || buf.tailroom() < tail) return fail(Drop::NoRoom);
    if (!opts.iv.empty() && opts.iv.size() != s.iv_len) return fail(Drop::CryptoFailure);

    std::uint64_t seq = 0;
    if (opts.sequence) {
        seq = *opts.sequence;
    } else if (opts.sequences != nullptr && opts.sequences->count != 0) {
        seq = opts.sequences->next++;  // reserved from the SA's counter already
        --opts.sequences->count;
    } else {
        auto next = sa.next_sequence();  // RFC 4303 §3.3.3: never wraps
        if (!next) return fail(next.error());
        seq = *next;
    }
    const bool esn = sa.config().esn;

    // Tunnel mode seals from the front: nothing to move, only headroom to take.
    auto gap = offset == 0 ? buf.push_front(head) : buf.open_gap(offset, head);
    auto trailer = buf.push_back(tail);
    if (gap.empty() || trailer.empty()) return fail(Drop::NoRoom);  // checked above; kept for safety

    // RFC 4303 §2.1, §2.2: SPI and the low 32 bits of the sequence number.
    core::Writer hw(gap);
    hw.u32(sa.spi());
    hw.u32(static_cast<std::uint32_t>(seq));
    const bool aead_counter_iv = opts.iv.empty() && sa.aead() != nullptr;
    if (aead_counter_iv) hw.u64(seq);  // RFC 4106 §3.1: a counter is unique per key
    auto iv = aead_counter_iv ? gap.subspan(kEspHeaderLength, s.iv_len) : hw.reserve(s.iv_len);
    if (!hw.ok()) return fail(Drop::CryptoFailure);
    if (!opts.iv.empty()) {
        core::Writer(iv).bytes(opts.iv);
    } else if (!aead_counter_iv && !iv.empty()) {
        crypto::RandomSource& rng = opts.random != nullptr ? *opts.random : crypto::system_random();
        if (!rng.fill(iv)) return fail(Drop::CryptoFailure);  // RFC 3602 §2: unpredictable
    }

    // RFC 4303 §2.4: monotonic padding 1, 2, 3, ...; §2.5 Pad Length; §2.6 Next Header.
    core::Writer tw(trailer);
    for (std::size_t i = 1; i <= pad; ++i) tw.u8(static_cast<std::uint8_t>(i));
    tw.u8(static_cast<std::uint8_t>(pad));
    tw.u8(next_header);
    auto icv = tw.reserve(s.icv_len);
    if (!tw.ok()) return fail(Drop::CryptoFailure);

    auto esp = buf.data().subspan(offset);
    const std::size_t ct_len = payload_len + pad + kTrailerLength;
    auto plaintext = esp.subspan(head, ct_len);
    if (auto* aead = sa.aead(); aead != nullptr) {
        const auto nonce = make_nonce(sa.salt(), iv);
        // RFC 4106 §5 / RFC 7634 §2.2: without ESN the AAD is SPI | Sequence
        // Number, the 8 header bytes just written; with ESN it is built.
        std::array<std::uint8_t, kMaxAadLength> aad_bytes;  // written next, with ESN
        const core::ByteView aad =
            esn ? write_aad(aad_bytes, sa.spi(), seq, esn) : core::ByteView(esp.first(kEspHeaderLength));
        if (!aead->seal(nonce, aad, plaintext, icv)) return fail(Drop::CryptoFailure);
    } else {
        if (!sa.cipher()->encrypt(iv, plaintext)) return fail(Drop::CryptoFailure);
        // RFC 4303 §3.3.4: encrypt, then compute the ICV over SPI..ciphertext.
        if (auto* mac = sa.mac(); mac != nullptr) {
            if (!mac_esp(*mac, esp.first(head + ct_len), seq, esn, {}, icv)) return fail(Drop::CryptoFailure);
        }
    }
    return EspOutboundInfo{seq, offset};
}

core::Result<EspInboundInfo, Drop> open_impl(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                             bool drop_front) {
    if (sa.expired()) return fail(Drop::SaExpired);
    if (offset > buf.size()) return fail(Drop::Truncated);
    const EspGeometry& s = sa.esp_geometry();

    // RFC 4303 §3.4.1-2: header and length checks before any crypto.
    core::Reader r(buf.view().subspan(offset));
    auto spi = r.u32();
    auto wire_seq = r.u32();
    if (!spi || !wire_seq) return fail(Drop::Truncated);
    if (*spi != sa.spi()) return fail(Drop::UnknownSpi);
    if (r.remaining() < s.iv_len + kTrailerLength + s.icv_len) return fail(Drop::Truncated);
    const std::size_t head = kEspHeaderLength + s.iv_len;
    const std::size_t ct_len = r.remaining() - s.iv_len - s.icv_len;
    // RFC 4303 §2.4: whole cipher blocks (block sizes here are powers of two).
    const bool whole_blocks =
        (s.block & (s.block - 1)) == 0 ? (ct_len & (s.block - 1)) == 0 : ct_len % s.block == 0;
    if (!whole_blocks) return fail(Drop::BadBlockLength);

    // RFC 4303 §3.4.3: the replay check comes before the ICV.
    ReplayWindow* window = sa.replay();
    const bool esn = sa.config().esn;
    const std::uint64_t seq = window != nullptr ? window->infer(*wire_seq) : *wire_seq;
    if (window != nullptr) {
        switch (window->check(seq)) {
            case ReplayVerdict::Fresh: break;
            case ReplayVerdict::TooOld: return fail(Drop::ReplayTooOld);
            case ReplayVerdict::Duplicate: return fail(Drop::ReplayDuplicate);
        }
    }

    auto esp = buf.data().subspan(offset);
    core::ByteView iv = esp.subspan(kEspHeaderLength, s.iv_len);
    auto ciphertext = esp.subspan(head, ct_len);
    core::ByteView icv = esp.subspan(head + ct_len, s.icv_len);

    // RFC 4303 §3.4.4: integrity first (constant time); the AEAD opens in one step.
    if (auto* aead = sa.aead(); aead != nullptr) {
        const auto nonce = make_nonce(sa.salt(), iv);
        // RFC 4106 §5 / RFC 7634 §2.2: the received header is the AAD
        // without ESN; with ESN the inferred high bits go in the middle.
        std::array<std::uint8_t, kMaxAadLength> aad_bytes;  // written next, with ESN
        const core::ByteView aad =
            esn ? write_aad(aad_bytes, *spi, seq, esn) : core::ByteView(esp.first(kEspHeaderLength));
        auto st = aead->open(nonce, aad, ciphertext, icv);
        if (!st)
            return fail(st.error() == core::Error::AuthenticationFailed ? Drop::IcvMismatch
                                                                        : Drop::CryptoFailure);
    } else if (auto* mac = sa.mac(); mac != nullptr) {
        auto st = mac_esp(*mac, esp.first(head + ct_len), seq, esn, icv, {});
        if (!st)
            return fail(st.error() == core::Error::AuthenticationFailed ? Drop::IcvMismatch
                                                                        : Drop::CryptoFailure);
    }
    // RFC 4303 §3.4.3: only an authenticated packet moves the window.
    if (window != nullptr && !window->accept(seq)) return fail(Drop::ReplayDuplicate);
    if (sa.aead() == nullptr && !sa.cipher()->decrypt(iv, ciphertext)) return fail(Drop::CryptoFailure);

    // RFC 4303 §2.4-2.6: Pad Length, Next Header, and padding 1, 2, 3, ...
    core::Reader t{core::ByteView(ciphertext)};
    (void)t.skip(ct_len - kTrailerLength);
    const std::uint8_t pad = *t.u8();
    const std::uint8_t next_header = *t.u8();
    if (static_cast<std::size_t>(pad) + kTrailerLength > ct_len) return fail(Drop::BadPadLength);
    core::Reader p(core::ByteView(ciphertext).subspan(ct_len - kTrailerLength - pad, pad));
    unsigned diff = 0;
    for (unsigned i = 1; i <= pad; ++i) diff |= static_cast<unsigned>(*p.u8()) ^ i;
    if (diff != 0) return fail(Drop::BadPadding);
    // RFC 4303 §2.6: a dummy packet is discarded silently.
    if (next_header == packet::ipproto::kNoNextHeader) return fail(Drop::DummyPacket);

    buf.trim_back(pad + kTrailerLength + s.icv_len);
    const bool stripped = drop_front ? buf.pull_front(offset + head) : buf.close_gap(offset, head);
    if (!stripped) return fail(Drop::Malformed);
    return EspInboundInfo{seq, next_header};
}

// counted adds a failed result's drop to the SA's counters.
template <typename T>
core::Result<T, Drop> counted(SecurityAssociation& sa, core::Result<T, Drop> r) noexcept {
    if (!r) sa.counters().drops.add(r.error());
    return r;
}

core::Result<EspOutboundInfo, Drop> outbound_impl(SecurityAssociation& sa, PacketBuffer& buf,
                                                  const IpLayout* parsed, const EspOutboundOptions& opts) {
    const SaConfig& cfg = sa.config();
    if (cfg.protocol != Protocol::Esp || cfg.direction != Direction::Outbound)
        return fail(Drop::UnsupportedPacket);
    IpLayout own;
    if (parsed == nullptr) {
        auto l = outbound_layout(buf.view());
        if (!l) return fail(l.error());
        own = *l;
    }
    const IpLayout* layout = parsed != nullptr ? parsed : &own;
    if (layout->fragment) return fail(Drop::UnsupportedPacket);  // reassembled first (RFC 4301 §7)
    if (layout->length > buf.size()) return fail(Drop::Malformed);
    buf.trim_back(buf.size() - layout->length);  // link padding is not payload

    const bool tunnel = cfg.mode == Mode::Tunnel;
    const bool v4 = tunnel ? cfg.src.is_v4() : layout->version == packet::IpVersion::V4;
    const std::size_t outer = tunnel ? (v4 ? 20 : 40) : 0;
    const std::size_t limit = v4 ? 0xffff : 0xffff + 40;  // IPv4 total / IPv6 payload length fields
    if (layout->length + outer + esp_overhead(sa, layout->length) > limit)
        return fail(Drop::UnsupportedPacket);
    if (!tunnel) {
        auto info = seal_impl(sa, buf, layout->insert_offset, layout->next_header, opts);
        if (!info) return info;
        if (auto st = rewrite_ip_header(buf.data(), *layout, packet::ipproto::kEsp); !st)
            return fail(st.error());
        return info;
    }
    // RFC 4303 §3.1.2: the whole inner packet is the payload.
    auto info = seal_impl(sa, buf, 0, tunnel_inner_protocol(layout->version), opts);
    if (!info) return info;
    OuterHeaderParams outer_params;
    outer_params.protocol = packet::ipproto::kEsp;
    outer_params.inner_tos = layout->tos;
    outer_params.inner_dont_fragment = layout->dont_fragment;
    outer_params.ipv4_identification =
        opts.ipv4_identification.value_or(static_cast<std::uint16_t>(info->sequence));
    if (auto st = push_outer_header(sa, buf, outer_params); !st) return fail(st.error());
    return info;
}

core::Result<EspInboundInfo, Drop> inbound_impl(SecurityAssociation& sa, PacketBuffer& buf,
                                                const IpLayout* parsed, PacketFields& inner_fields,
                                                bool& inner_found) {
    inner_found = false;
    const SaConfig& cfg = sa.config();
    if (cfg.protocol != Protocol::Esp || cfg.direction != Direction::Inbound)
        return fail(Drop::UnsupportedPacket);
    IpLayout own;
    if (parsed == nullptr) {
        auto l = inbound_layout(buf.view(), packet::ipproto::kEsp);
        if (!l) return fail(l.error());
        own = *l;
    }
    const IpLayout* layout = parsed != nullptr ? parsed : &own;
    if (layout->length > buf.size()) return fail(Drop::Malformed);
    buf.trim_back(buf.size() - layout->length);
    const bool tunnel = cfg.mode == Mode::Tunnel;
    auto info = open_impl(sa, buf, layout->insert_offset, tunnel);
    if (!info) return info;
    if (!tunnel) {
        // RFC 4303 §3.4.4.1: transport mode restores the IP header around the payload.
        if (auto st = rewrite_ip_header(buf.data(), *layout, info->next_header); !st) return fail(st.error());
        return info;
    }
    if (auto st = decapsulate_inner(buf, info->next_header, layout->tos, inner_fields); !st)
        return fail(st.error());
    inner_found = true;
    return info;
}

}  // namespace

std::size_t esp_iv_length(SecurityAssociation& sa) noexcept { return sa.esp_geometry().iv_len; }

std::size_t esp_overhead(SecurityAssociation& sa, std::size_t payload_len) noexcept {
    const EspGeometry& s = sa.esp_geometry();
    return kEspHeaderLength + s.iv_len + pad_length(s, payload_len) + kTrailerLength + s.icv_len;
}

core::Result<EspOutboundInfo, Drop> esp_seal(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                             std::uint8_t next_header, const EspOutboundOptions& opts) {
    return counted(sa, seal_impl(sa, buf, offset, next_header, opts));
}

core::Result<EspInboundInfo, Drop> esp_open(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset) {
    return counted(sa, open_impl(sa, buf, offset, false));
}

core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const EspOutboundOptions& opts) {
    return counted(sa, outbound_impl(sa, buf, nullptr, opts));
}

core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const IpLayout& layout, const EspOutboundOptions& opts) {
    return counted(sa, outbound_impl(sa, buf, &layout, opts));
}

core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf) {
    PacketFields unused;
    bool found = false;
    return counted(sa, inbound_impl(sa, buf, nullptr, unused, found));
}

core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf,
                                               const IpLayout& layout, PacketFields& inner_fields,
                                               bool& inner_found) {
    return counted(sa, inbound_impl(sa, buf, &layout, inner_fields, inner_found));
}

}  // namespace strata::ipsec
