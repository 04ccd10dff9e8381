#include "ipsec/esp.hpp"

#include <array>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ipsec/ip_view.hpp"
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

// kPadPattern is RFC 4303 §2.4's default padding 1, 2, 3, ...; no ESP
// transform here pads more than 15 bytes (a 16-byte block).
constexpr std::array<std::uint8_t, 16> kPadPattern = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

// kTrailerBlock is a whole tunnel-mode trailer with the most padding any
// transform here needs: 15 pad bytes, Pad Length, Next Header.
constexpr std::size_t kTrailerBlock = 16 + kTrailerLength;
using TrailerTable = std::array<std::array<std::uint8_t, kTrailerBlock>, 16>;

// trailer_table returns, for each pad length p < 16, the trailer 1, 2, ...,
// p, p, next_header (RFC 4303 §2.4-2.6), zero-filled to kTrailerBlock bytes.
constexpr TrailerTable trailer_table(std::uint8_t next_header) {
    TrailerTable t{};
    for (std::size_t p = 0; p < t.size(); ++p) {
        for (std::size_t i = 0; i < p; ++i) t[p][i] = static_cast<std::uint8_t>(i + 1);
        t[p][p] = static_cast<std::uint8_t>(p);
        t[p][p + 1] = next_header;
    }
    return t;
}
// The tunnel-mode trailers: the inner packet is IPv4 (4) or IPv6 (41).
constexpr TrailerTable kTrailersIpv4 = trailer_table(packet::ipproto::kIpv4);
constexpr TrailerTable kTrailersIpv6 = trailer_table(packet::ipproto::kIpv6);

// write_nonce writes salt | explicit IV (RFC 4106 §4, RFC 7634 §2) into n.
// Every AEAD SA has a 4-byte salt and an 8-byte IV; the Writer's bounds are
// then compile-time constants and the copies fixed-size moves.
inline void write_nonce(std::array<std::uint8_t, crypto::kAeadNonceLength>& n, core::ByteView salt,
                        core::ByteView iv) noexcept {
    static_assert(kSaltLength + kEspAeadIvLength == crypto::kAeadNonceLength);
    core::Writer w{core::MutableByteView(n)};
    if (salt.size() == kSaltLength && iv.size() == kEspAeadIvLength) {
        w.bytes(salt.first<kSaltLength>());
        w.bytes(iv.first<kEspAeadIvLength>());
        return;
    }
    w.bytes(salt.first(salt.size() < kSaltLength ? salt.size() : kSaltLength));
    w.bytes(iv);
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

// take_sequence gives the packet its sequence number: the caller's, one
// from a block reserved for the batch, or the SA's next (RFC 4303 §3.3.3:
// the counter never wraps).
inline core::Result<void, Drop> take_sequence(SecurityAssociation& sa, const EspOutboundOptions& opts,
                                              std::uint64_t& seq) noexcept {
    if (opts.sequence) {
        seq = *opts.sequence;
    } else if (opts.sequences != nullptr && opts.sequences->count != 0) {
        seq = opts.sequences->next++;  // reserved from the SA's counter already
        --opts.sequences->count;
    } else {
        auto next = sa.next_sequence();
        if (!next) return fail(next.error());
        seq = *next;
    }
    return {};
}

// seal_impl returns Result<void> and leaves the sequence number in seq: a
// two-byte result in registers rather than a 24-byte one through memory at
// every layer of the per-packet path.
core::Result<void, Drop> seal_impl(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                   std::uint8_t next_header, const EspOutboundOptions& opts,
                                   std::uint64_t& seq) noexcept {
    if (sa.expired()) return fail(Drop::SaExpired);
    if (offset > buf.size()) return fail(Drop::Malformed);
    const EspGeometry& s = sa.esp_geometry();
    const std::size_t payload_len = buf.size() - offset;
    const std::size_t pad = pad_length(s, payload_len);
    const std::size_t head = kEspHeaderLength + s.iv_len;
    const std::size_t tail = pad + kTrailerLength + s.icv_len;
    if (buf.headroom() < head || buf.tailroom() < tail || pad > kPadPattern.size()) return fail(Drop::NoRoom);
    if (!opts.iv.empty() && opts.iv.size() != s.iv_len) return fail(Drop::CryptoFailure);

    if (auto st = take_sequence(sa, opts, seq); !st) return st;
    const bool esn = sa.config().esn;

    // Tunnel mode seals from the front: nothing to move, only headroom to take.
    auto gap = offset == 0 ? buf.push_front(head) : buf.open_gap(offset, head);
    auto trailer = buf.push_back(tail);
    if (gap.size() != head || trailer.size() != tail) return fail(Drop::NoRoom);  // checked above

    crypto::Aead* aead = sa.aead();
    const bool aead_counter_iv = opts.iv.empty() && aead != nullptr;
    core::MutableByteView iv = gap.subspan(kEspHeaderLength, s.iv_len);
    if (aead_counter_iv && head == kEspHeaderLength + kEspAeadIvLength) {
        // RFC 4303 §2.1, §2.2: SPI and the low 32 bits of the sequence number;
        // RFC 4106 §3.1: the explicit IV is the 64-bit counter (unique per key).
        // (Built in a local array and copied as one block: see OuterHeader::write.)
        std::array<std::uint8_t, kEspHeaderLength + kEspAeadIvLength> h;  // every byte written next
        core::Writer hw{core::MutableByteView(h)};
        hw.u32(sa.spi());
        hw.u32(static_cast<std::uint32_t>(seq));
        hw.u64(seq);
        core::Writer(gap).bytes(std::span<const std::uint8_t, kEspHeaderLength + kEspAeadIvLength>(h));
    } else {
        core::Writer hw{gap.first<kEspHeaderLength>()};
        hw.u32(sa.spi());
        hw.u32(static_cast<std::uint32_t>(seq));
        if (aead_counter_iv) return fail(Drop::CryptoFailure);  // an AEAD IV is 8 bytes (sa.cpp)
        if (!opts.iv.empty()) {
            core::Writer(iv).bytes(opts.iv);
        } else if (!iv.empty()) {
            crypto::RandomSource& rng = opts.random != nullptr ? *opts.random : crypto::system_random();
            if (!rng.fill(iv)) return fail(Drop::CryptoFailure);  // RFC 3602 §2: unpredictable
        }
    }

    // RFC 4303 §2.4: monotonic padding 1, 2, 3, ...; §2.5 Pad Length; §2.6 Next Header.
    core::Writer tw(trailer);
    tw.bytes(core::ByteView(kPadPattern).first(pad));
    tw.u8(static_cast<std::uint8_t>(pad));
    tw.u8(next_header);
    auto icv = trailer.subspan(pad + kTrailerLength);

    auto esp = buf.data().subspan(offset);
    const std::size_t ct_len = payload_len + pad + kTrailerLength;
    auto plaintext = esp.subspan(head, ct_len);
    if (aead != nullptr) {
        std::array<std::uint8_t, crypto::kAeadNonceLength> nonce;  // written next
        write_nonce(nonce, sa.salt(), iv);
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
    return {};
}

// open_impl fills info and returns Result<void> (as seal_impl does).
core::Result<void, Drop> open_impl(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset,
                                   bool drop_front, EspInboundInfo& info) noexcept {
    if (sa.expired()) return fail(Drop::SaExpired);
    if (offset > buf.size()) return fail(Drop::Truncated);
    const EspGeometry& s = sa.esp_geometry();

    // RFC 4303 §3.4.1-2: header and length checks before any crypto.
    const core::ByteView packet = buf.view().subspan(offset);
    if (packet.size() < kEspHeaderLength) return fail(Drop::Truncated);
    core::Reader r(packet.first<kEspHeaderLength>());  // fixed bounds: the checks fold away
    const std::uint32_t spi = r.u32().value_or(0);
    const std::uint32_t wire_seq = r.u32().value_or(0);
    if (spi != sa.spi()) return fail(Drop::UnknownSpi);
    const std::size_t rest = packet.size() - kEspHeaderLength;
    if (rest < s.iv_len + kTrailerLength + s.icv_len) return fail(Drop::Truncated);
    const std::size_t head = kEspHeaderLength + s.iv_len;
    const std::size_t ct_len = rest - s.iv_len - s.icv_len;
    // RFC 4303 §2.4: whole cipher blocks (block sizes here are powers of two).
    const bool whole_blocks =
        (s.block & (s.block - 1)) == 0 ? (ct_len & (s.block - 1)) == 0 : ct_len % s.block == 0;
    if (!whole_blocks) return fail(Drop::BadBlockLength);

    // RFC 4303 §3.4.3: the replay check comes before the ICV.
    ReplayWindow* window = sa.replay();
    const bool esn = sa.config().esn;
    const std::uint64_t seq = window != nullptr ? window->infer(wire_seq) : wire_seq;
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
        std::array<std::uint8_t, crypto::kAeadNonceLength> nonce;  // written next
        if (sa.salt().size() == kSaltLength && iv.size() == kEspAeadIvLength) {
            // Every AEAD SA here: salt | explicit IV (RFC 4106 §4, RFC 7634 §2)
            // in a local Writer of constant bounds.
            core::Writer nw{core::MutableByteView(nonce)};
            nw.bytes(sa.salt().first<kSaltLength>());
            nw.bytes(iv.first<kEspAeadIvLength>());
        } else {
            write_nonce(nonce, sa.salt(), iv);
        }
        // RFC 4106 §5 / RFC 7634 §2.2: the received header is the AAD
        // without ESN; with ESN the inferred high bits go in the middle.
        std::array<std::uint8_t, kMaxAadLength> aad_bytes;  // written next, with ESN
        const core::ByteView aad =
            esn ? write_aad(aad_bytes, spi, seq, esn) : core::ByteView(esp.first(kEspHeaderLength));
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
    core::Reader t{core::ByteView(ciphertext).subspan(ct_len - kTrailerLength).first<kTrailerLength>()};
    const std::uint8_t pad = t.u8().value_or(0);
    const std::uint8_t next_header = t.u8().value_or(0);
    if (static_cast<std::size_t>(pad) + kTrailerLength > ct_len) return fail(Drop::BadPadLength);
    const core::ByteView padding = core::ByteView(ciphertext).subspan(ct_len - kTrailerLength - pad, pad);
    unsigned diff = 0;
    for (std::size_t i = 0; i < padding.size(); ++i) diff |= static_cast<unsigned>(padding[i] ^ (i + 1));
    if (diff != 0) return fail(Drop::BadPadding);
    // RFC 4303 §2.6: a dummy packet is discarded silently.
    if (next_header == packet::ipproto::kNoNextHeader) return fail(Drop::DummyPacket);

    buf.trim_back(pad + kTrailerLength + s.icv_len);
    const bool stripped = drop_front ? buf.pull_front(offset + head) : buf.close_gap(offset, head);
    if (!stripped) return fail(Drop::Malformed);
    info.sequence = seq;
    info.next_header = next_header;
    return {};
}

// tunnel_aead_fast_path says whether outbound_tunnel_aead can protect
// packets of sa with these options: tunnel mode with the outer header built
// at install, an AEAD with its 8-byte counter IV (no IV forced by a test).
inline bool tunnel_aead_fast_path(SecurityAssociation& sa, const EspOutboundOptions& opts) noexcept {
    const SaConfig& cfg = sa.config();
    return cfg.mode == Mode::Tunnel && sa.aead() != nullptr && opts.iv.empty() &&
           sa.esp_geometry().iv_len == kEspAeadIvLength && sa.salt().size() == kSaltLength &&
           sa.outer_header().size() != 0 && sa.outer_header().protocol() == packet::ipproto::kEsp;
}

// outbound_tunnel_aead is outbound_impl for the SAs IKE negotiates most
// (tunnel mode, AES-GCM or ChaCha20-Poly1305) in one pass: every length is
// checked once up front, the ESP header, nonce and outer header are each
// built in a local array and copied as one block, and the outer header comes
// from the SA's template. It writes the same bytes and reports the same
// drops, in the same order, as the general path (seal_impl and
// push_outer_header), except that a packet without headroom for the outer
// header is refused before it takes a sequence number rather than after.
core::Result<void, Drop> outbound_tunnel_aead(SecurityAssociation& sa, PacketBuffer& buf,
                                              const IpLayout& layout, const EspOutboundOptions& opts,
                                              EspOutboundInfo& info) noexcept {
    if (layout.fragment) return fail(Drop::UnsupportedPacket);  // reassembled first (RFC 4301 §7)
    if (layout.length > buf.size()) return fail(Drop::Malformed);
    buf.trim_back(buf.size() - layout.length);  // link padding is not payload

    constexpr std::size_t kHead = kEspHeaderLength + kEspAeadIvLength;
    const EspGeometry& g = sa.esp_geometry();
    const OuterHeader& outer = sa.outer_header();
    const std::size_t payload_len = layout.length;
    const std::size_t pad = pad_length(g, payload_len);
    const std::size_t ct_len = payload_len + pad + kTrailerLength;
    // RFC 4303 §3.1.2: the outer length field must hold the whole ESP packet.
    if (kHead + ct_len + g.icv_len > outer.max_payload()) return fail(Drop::UnsupportedPacket);
    if (sa.expired()) return fail(Drop::SaExpired);
    const std::size_t tail = pad + kTrailerLength + g.icv_len;
    if (buf.headroom() < kHead + outer.size() || buf.tailroom() < tail || pad > kPadPattern.size())
        return fail(Drop::NoRoom);
    std::uint64_t seq = 0;
    if (auto st = take_sequence(sa, opts, seq); !st) return st;
    info.sequence = seq;
    info.esp_offset = 0;

    // RFC 4303 §2.1, §2.2: SPI and the low 32 bits of the sequence number;
    // RFC 4106 §3.1 / RFC 7634 §2: the explicit IV is the 64-bit counter.
    // Built in a local array and copied as one block (see OuterHeader::write).
    std::array<std::uint8_t, kHead> h;  // every byte written next
    {
        core::Writer hw{core::MutableByteView(h)};
        hw.u32(sa.spi());
        hw.u32(static_cast<std::uint32_t>(seq));
        hw.u64(seq);
    }
    auto head = buf.push_front(kHead);
    core::Writer(head).bytes(std::span<const std::uint8_t, kHead>(h));

    // RFC 4303 §2.4: monotonic padding 1, 2, 3, ...; §2.5 Pad Length;
    // §2.6 Next Header (4 or 41 in tunnel mode).
    auto trailer = buf.push_back(tail);
    core::Writer tw(trailer);
    const std::uint8_t next_header = tunnel_inner_protocol(layout.version);
    if (tail >= kTrailerBlock && pad < kTrailersIpv4.size()) {
        // One fixed-size copy of the whole trailer from a table; the bytes
        // past Next Header land in the ICV's place, which the seal below
        // overwrites (the ICV is at least 16 - pad bytes here).
        const auto& table = next_header == packet::ipproto::kIpv4 ? kTrailersIpv4 : kTrailersIpv6;
        tw.bytes(std::span<const std::uint8_t, kTrailerBlock>(table[pad]));
    } else {
        tw.bytes(core::ByteView(kPadPattern).first(pad));
        tw.u8(static_cast<std::uint8_t>(pad));
        tw.u8(next_header);
    }
    if (head.size() != kHead || !tw.ok()) return fail(Drop::NoRoom);  // checked above

    // RFC 4106 §4 / RFC 7634 §2: nonce = salt | explicit IV (the counter).
    // (Built in a local array: see OuterHeader::write.)
    std::array<std::uint8_t, crypto::kAeadNonceLength> nonce;  // written next
    {
        core::Writer nw{core::MutableByteView(nonce)};
        nw.bytes(sa.salt().first<kSaltLength>());  // 4 bytes: tunnel_aead_fast_path checked
        nw.u64(seq);
    }
    // RFC 4106 §5 / RFC 7634 §2.2: the AAD is SPI | Sequence Number (the
    // header's first 8 bytes), or SPI | ESN high | ESN low.
    std::array<std::uint8_t, kMaxAadLength> aad_bytes;  // written next, with ESN
    const bool esn = sa.config().esn;
    const core::ByteView aad =
        esn ? write_aad(aad_bytes, sa.spi(), seq, esn) : core::ByteView(head.first(kEspHeaderLength));
    auto plaintext = buf.data().subspan(kHead, ct_len);
    if (!sa.aead()->seal(nonce, aad, plaintext, trailer.subspan(pad + kTrailerLength)))
        return fail(Drop::CryptoFailure);

    // RFC 4301 §5.1.2: the outer header from the SA's template; ECN and DSCP
    // copied (RFC 6040 §4.1), DF copied (RFC 4301 §8.1).
    OuterHeaderFields f;
    f.payload_length = buf.size();
    f.tos = encap_tos(sa, layout.tos);
    f.dont_fragment = layout.dont_fragment;
    f.identification = opts.ipv4_identification.value_or(static_cast<std::uint16_t>(seq));
    if (!outer.write(buf.push_front(outer.size()), f)) return fail(Drop::UnsupportedPacket);
    return {};
}

core::Result<void, Drop> outbound_impl(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout* parsed,
                                       const EspOutboundOptions& opts, EspOutboundInfo& info) noexcept {
    const SaConfig& cfg = sa.config();
    if (cfg.protocol != Protocol::Esp || cfg.direction != Direction::Outbound)
        return fail(Drop::UnsupportedPacket);
    IpLayout own;
    if (parsed == nullptr) {
        auto l = outbound_layout(buf.view());
        if (!l) return fail(l.error());
        own = *l;
    }
    const IpLayout& layout = parsed != nullptr ? *parsed : own;
    if (tunnel_aead_fast_path(sa, opts)) return outbound_tunnel_aead(sa, buf, layout, opts, info);
    if (layout.fragment) return fail(Drop::UnsupportedPacket);  // reassembled first (RFC 4301 §7)
    if (layout.length > buf.size()) return fail(Drop::Malformed);
    buf.trim_back(buf.size() - layout.length);  // link padding is not payload

    const bool tunnel = cfg.mode == Mode::Tunnel;
    const bool v4 = tunnel ? cfg.src.is_v4() : layout.version == packet::IpVersion::V4;
    const std::size_t outer = tunnel ? (v4 ? 20 : 40) : 0;
    const std::size_t limit = v4 ? 0xffff : 0xffff + 40;  // IPv4 total / IPv6 payload length fields
    if (layout.length + outer + esp_overhead(sa, layout.length) > limit) return fail(Drop::UnsupportedPacket);
    if (!tunnel) {
        info.esp_offset = layout.insert_offset;
        if (auto st = seal_impl(sa, buf, layout.insert_offset, layout.next_header, opts, info.sequence); !st)
            return st;
        return rewrite_ip_header(buf.data(), layout, packet::ipproto::kEsp);
    }
    // RFC 4303 §3.1.2: the whole inner packet is the payload.
    info.esp_offset = 0;
    if (auto st = seal_impl(sa, buf, 0, tunnel_inner_protocol(layout.version), opts, info.sequence); !st)
        return st;
    OuterHeaderParams outer_params;
    outer_params.protocol = packet::ipproto::kEsp;
    outer_params.inner_tos = layout.tos;
    outer_params.inner_dont_fragment = layout.dont_fragment;
    outer_params.ipv4_identification =
        opts.ipv4_identification.value_or(static_cast<std::uint16_t>(info.sequence));
    return push_outer_header(sa, buf, outer_params);
}

core::Result<void, Drop> inbound_impl(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout* parsed,
                                      InnerSelectors& inner, bool& inner_found,
                                      EspInboundInfo& info) noexcept {
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
    const IpLayout& layout = parsed != nullptr ? *parsed : own;
    if (layout.length > buf.size()) return fail(Drop::Malformed);
    buf.trim_back(buf.size() - layout.length);
    const bool tunnel = cfg.mode == Mode::Tunnel;
    if (auto st = open_impl(sa, buf, layout.insert_offset, tunnel, info); !st) return st;
    if (!tunnel) {
        // RFC 4303 §3.4.4.1: transport mode restores the IP header around the payload.
        return rewrite_ip_header(buf.data(), layout, info.next_header);
    }
    if (auto st = decapsulate_inner(buf, info.next_header, tos_decap(sa, layout.tos), inner); !st) return st;
    inner_found = true;
    return {};
}

// counted adds a failed status's drop to the SA's counters.
inline core::Result<void, Drop> counted(SecurityAssociation& sa, core::Result<void, Drop> st) noexcept {
    if (!st) sa.counters().drops.add(st.error());
    return st;
}

// with_info turns a status and the info it filled into the public Result.
template <typename T>
core::Result<T, Drop> with_info(core::Result<void, Drop> st, const T& info) noexcept {
    if (!st) return fail(st.error());
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
    EspOutboundInfo info;
    info.esp_offset = offset;
    return with_info(counted(sa, seal_impl(sa, buf, offset, next_header, opts, info.sequence)), info);
}

core::Result<EspInboundInfo, Drop> esp_open(SecurityAssociation& sa, PacketBuffer& buf, std::size_t offset) {
    EspInboundInfo info;
    return with_info(counted(sa, open_impl(sa, buf, offset, false, info)), info);
}

core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const EspOutboundOptions& opts) {
    EspOutboundInfo info;
    return with_info(counted(sa, outbound_impl(sa, buf, nullptr, opts, info)), info);
}

core::Result<EspOutboundInfo, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf,
                                                 const IpLayout& layout, const EspOutboundOptions& opts) {
    EspOutboundInfo info;
    return with_info(counted(sa, outbound_impl(sa, buf, &layout, opts, info)), info);
}

core::Result<void, Drop> esp_outbound(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                      const EspOutboundOptions& opts, EspOutboundInfo& info) noexcept {
    return counted(sa, outbound_impl(sa, buf, &layout, opts, info));
}

bool esp_outbound_lane_ok(SecurityAssociation& sa) noexcept {
    const SaConfig& cfg = sa.config();
    return cfg.protocol == Protocol::Esp && cfg.direction == Direction::Outbound &&
           tunnel_aead_fast_path(sa, EspOutboundOptions{});
}

core::Result<void, Drop> esp_outbound_lane(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                           const EspOutboundOptions& opts, EspOutboundInfo& info) noexcept {
    return counted(sa, outbound_tunnel_aead(sa, buf, layout, opts, info));
}

core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf) {
    InnerSelectors unused;
    bool found = false;
    EspInboundInfo info;
    return with_info(counted(sa, inbound_impl(sa, buf, nullptr, unused, found, info)), info);
}

core::Result<EspInboundInfo, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf,
                                               const IpLayout& layout, InnerSelectors& inner,
                                               bool& inner_found) {
    EspInboundInfo info;
    return with_info(counted(sa, inbound_impl(sa, buf, &layout, inner, inner_found, info)), info);
}

core::Result<void, Drop> esp_inbound(SecurityAssociation& sa, PacketBuffer& buf, const IpLayout& layout,
                                     InnerSelectors& inner, bool& inner_found,
                                     EspInboundInfo& info) noexcept {
    return counted(sa, inbound_impl(sa, buf, &layout, inner, inner_found, info));
}

}  // namespace strata::ipsec
