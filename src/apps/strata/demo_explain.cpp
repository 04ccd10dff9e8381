// demo_explain.cpp: packets described from their own bytes.
#include "apps/strata/demo_explain.hpp"

#include <fmt/core.h>

#include "core/hex.hpp"
#include "core/reader.hpp"
#include "ike/v2/message.hpp"
#include "packet/icmp.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/udp.hpp"

namespace strata::apps::demo {

namespace {

std::string range(std::size_t from, std::size_t len) {
    if (len == 0) return "      -      ";
    return fmt::format("{:>5}-{:<5}", from, from + len - 1);
}

std::string proto_name(std::uint8_t p) {
    switch (p) {
        case packet::ipproto::kIcmp: return "ICMP";
        case packet::ipproto::kTcp: return "TCP";
        case packet::ipproto::kUdp: return "UDP";
        case packet::ipproto::kEsp: return "ESP";
        case packet::ipproto::kAh: return "AH";
        case packet::ipproto::kIpv4: return "IPv4";
        default: return std::to_string(p);
    }
}

std::string tcp_summary(core::ByteView seg) {
    core::Reader r(seg);
    auto sp = r.u16();
    auto dp = r.u16();
    auto seq = r.u32();
    auto ack = r.u32();
    auto off = r.u8();
    auto flags = r.u8();
    if (!sp || !dp || !seq || !ack || !off || !flags) return "TCP (truncated)";
    const std::size_t hl = static_cast<std::size_t>(*off >> 4) * 4;
    std::string f;
    if ((*flags & 0x02) != 0) f += "S";
    if ((*flags & 0x10) != 0) f += ".";
    if ((*flags & 0x08) != 0) f += "P";
    if ((*flags & 0x01) != 0) f += "F";
    const std::size_t data = seg.size() > hl ? seg.size() - hl : 0;
    return fmt::format("TCP {} -> {} [{}] seq {} ack {} data {} bytes", *sp, *dp, f, *seq, *ack, data);
}

}  // namespace

std::string hex_short(core::ByteView b, std::size_t n) {
    if (b.size() <= n) return core::to_hex(b);
    return core::to_hex(b.first(n)) + "...";
}

std::string explain_plain(core::ByteView ip) {
    auto p = packet::parse_ipv4(ip);
    if (!p) return fmt::format("({} bytes, not an IPv4 packet)", ip.size());
    const auto& h = p->header;
    std::string s = fmt::format("IPv4 {} -> {} {} ttl {} len {}", h.src.to_string(), h.dst.to_string(),
                                proto_name(h.protocol), h.ttl, h.total_length);
    if (h.protocol == packet::ipproto::kIcmp) {
        auto m = packet::parse_icmpv4(p->payload);
        if (m) {
            auto e = packet::echo_of(packet::IpVersion::V4, *m);
            if (e)
                s += fmt::format(": echo {} id {} seq {}, {} data bytes",
                                 m->type == packet::icmp::kV4EchoRequest ? "request" : "reply", e->identifier,
                                 e->sequence, e->data.size());
        }
    } else if (h.protocol == packet::ipproto::kTcp) {
        s += ": " + tcp_summary(p->payload);
    }
    return s;
}

std::optional<ProtectedLayout> explain_protected(core::ByteView ip, const ipsec::SaConfig& sa,
                                                 std::optional<std::size_t> inner_length,
                                                 std::vector<std::string>& lines, std::string* why) {
    auto p = packet::parse_ipv4(ip);
    if (!p) {
        *why = "the protected packet is not IPv4";
        return std::nullopt;
    }
    ProtectedLayout l;
    l.total = p->header.total_length;
    l.outer_header = p->header.header_length();
    const auto& h = p->header;
    const bool tunnel = sa.mode == ipsec::Mode::Tunnel;
    lines.push_back(fmt::format("{}  {} IPv4 header: {} -> {}, protocol {} ({}), ttl {}, total length {}",
                                range(0, l.outer_header), tunnel ? "outer" : "original", h.src.to_string(),
                                h.dst.to_string(), h.protocol, proto_name(h.protocol), h.ttl,
                                h.total_length));
    core::ByteView rest = p->payload;
    if (h.protocol == packet::ipproto::kUdp) {
        auto u = packet::parse_udp(rest, h.src, h.dst);
        if (!u) {
            *why = "bad UDP header";
            return std::nullopt;
        }
        l.udp = packet::kUdpHeaderLength;
        lines.push_back(
            fmt::format("{}  UDP header: {} -> {}, length {}, checksum 0x{:04x} (RFC 3948 ESP in UDP)",
                        range(l.outer_header, l.udp), u->header.src_port, u->header.dst_port,
                        u->header.length, u->header.checksum));
        rest = u->payload;
    }
    l.ipsec_offset = l.outer_header + l.udp;
    core::Reader r(rest);
    if (sa.protocol == ipsec::Protocol::Ah) {
        // RFC 4302 §2: next header, payload length (in 32-bit words, minus 2), reserved, SPI, sequence, ICV.
        auto nh = r.u8();
        auto plen = r.u8();
        auto res = r.u16();
        auto spi = r.u32();
        auto seq = r.u32();
        if (!nh || !plen || !res || !spi || !seq) {
            *why = "truncated AH header";
            return std::nullopt;
        }
        const std::size_t ah_len = (static_cast<std::size_t>(*plen) + 2) * 4;
        if (ah_len < 12 || ah_len > rest.size()) {
            *why = "bad AH length";
            return std::nullopt;
        }
        l.spi = *spi;
        l.sequence = *seq;
        l.next_header = *nh;
        l.icv_offset = l.ipsec_offset + 12;
        l.icv = ah_len - 12;
        lines.push_back(fmt::format("{}  AH header: next header {} ({}), length {} bytes",
                                    range(l.ipsec_offset, 4), *nh, proto_name(*nh), ah_len));
        lines.push_back(fmt::format("{}  AH SPI 0x{:08x}", range(l.ipsec_offset + 4, 4), *spi));
        lines.push_back(fmt::format("{}  AH sequence number {}", range(l.ipsec_offset + 8, 4), *seq));
        lines.push_back(fmt::format("{}  ICV ({} bytes of {}): {}", range(l.icv_offset, l.icv), l.icv,
                                    sa.integrity != nullptr ? sa.integrity->keyword : "?",
                                    hex_short(rest.subspan(12, l.icv))));
        const std::size_t payload_off = l.ipsec_offset + ah_len;
        lines.push_back(fmt::format("{}  payload in clear: {} ({} bytes) - AH encrypts nothing",
                                    range(payload_off, l.total - payload_off), proto_name(*nh),
                                    l.total - payload_off));
        lines.push_back(fmt::format(
            "  authenticated: the whole packet, bytes 0-{}, except the IP fields routers change (TOS, flags, "
            "fragment offset, TTL, checksum: zeroed for the ICV, RFC 4302 §3.3.3.1) and the ICV itself",
            l.total - 1));
        return l;
    }
    auto spi = r.u32();
    auto seq = r.u32();
    if (!spi || !seq || sa.encryption == nullptr) {
        *why = "truncated ESP header";
        return std::nullopt;
    }
    l.spi = *spi;
    l.sequence = *seq;
    l.iv = sa.encryption->iv_len;
    l.icv =
        sa.encryption->aead ? sa.encryption->icv_len : (sa.integrity != nullptr ? sa.integrity->icv_len : 0);
    if (rest.size() < 8 + l.iv + l.icv) {
        *why = "ESP shorter than its header, IV and ICV";
        return std::nullopt;
    }
    l.encrypted_offset = l.ipsec_offset + 8 + l.iv;
    l.encrypted = rest.size() - 8 - l.iv - l.icv;
    l.icv_offset = l.encrypted_offset + l.encrypted;
    lines.push_back(fmt::format("{}  ESP SPI 0x{:08x}  (which SA: looked up in D's SAD with the destination)",
                                range(l.ipsec_offset, 4), *spi));
    lines.push_back(fmt::format("{}  ESP sequence number {}  (anti-replay, RFC 4303 §3.3.3)",
                                range(l.ipsec_offset + 4, 4), *seq));
    lines.push_back(fmt::format("{}  IV ({} bytes): {}", range(l.ipsec_offset + 8, l.iv), l.iv,
                                hex_short(rest.subspan(8, l.iv))));
    std::string inside = tunnel ? "the whole inner IP packet" : "the transport payload";
    if (inner_length && *inner_length + 2 <= l.encrypted) {
        const std::size_t pad = l.encrypted - *inner_length - 2;
        inside = fmt::format("{} ({} bytes) + padding {} + pad length + next header ({})", inside,
                             *inner_length, pad, tunnel ? "4: IPv4" : "upper-layer protocol");
    } else {
        inside += " + padding + pad length + next header";
    }
    lines.push_back(fmt::format("{}  ENCRYPTED ({}): {}", range(l.encrypted_offset, l.encrypted),
                                sa.encryption->keyword, inside));
    lines.push_back(fmt::format("{}  ICV ({} bytes{}): {}", range(l.icv_offset, l.icv), l.icv,
                                sa.encryption->aead ? ", the AEAD tag" : "",
                                hex_short(rest.subspan(8 + l.iv + l.encrypted))));
    lines.push_back(fmt::format(
        "  authenticated: bytes {}-{} (ESP header{}, IV and ciphertext); the {} header is NOT covered",
        l.ipsec_offset, l.icv_offset - 1, sa.encryption->aead ? " as AAD" : "", tunnel ? "outer IP" : "IP"));
    return l;
}

std::vector<std::string> explain_ike(core::ByteView message) {
    namespace v2 = ike::v2;
    std::vector<std::string> out;
    auto m = v2::parse_message(message);
    if (!m) {
        out.push_back(fmt::format("({} bytes that do not parse as IKEv2: {})", message.size(),
                                  v2::to_string(m.error())));
        return out;
    }
    const auto& h = m->header;
    out.push_back(fmt::format("{} {} #{}  SPIi {:016x} SPIr {:016x}  {} bytes", v2::to_string(h.exchange),
                              h.is_response() ? "response" : "request", h.message_id, h.spi_i, h.spi_r,
                              h.length));
    for (const auto& p : m->payloads) {
        switch (p.type) {
            case v2::PayloadType::SA: {
                auto props = v2::parse_sa(p.body);
                if (!props) break;
                for (const auto& pr : *props) {
                    std::string t;
                    for (const auto& tr : pr.transforms) {
                        t += fmt::format(" {}={}", static_cast<int>(tr.type), tr.id);
                        if (tr.key_bits) t += fmt::format("/{}", *tr.key_bits);
                    }
                    out.push_back(fmt::format("    SA proposal #{}: transforms (type=id){}", pr.number, t));
                }
                break;
            }
            case v2::PayloadType::KE: {
                auto ke = v2::parse_ke(p.body);
                if (ke)
                    out.push_back(
                        fmt::format("    KE: Diffie-Hellman group {}, public value g^x ({} bytes) {}",
                                    ke->group, ke->data.size(), hex_short(ke->data)));
                break;
            }
            case v2::PayloadType::Nonce:
                out.push_back(fmt::format("    Nonce ({} bytes) {}", p.body.size(), hex_short(p.body)));
                break;
            case v2::PayloadType::Notify: {
                auto n = v2::parse_notify(p.body);
                if (n)
                    out.push_back(
                        fmt::format("    Notify {} ({} bytes)", v2::to_string(n->type), n->data.size()));
                break;
            }
            default:
                out.push_back(
                    fmt::format("    payload {} ({} bytes)", static_cast<int>(p.type), p.body.size()));
        }
    }
    if (m->sk)
        out.push_back(fmt::format("    SK: encrypted and authenticated ({} bytes; first inner payload {})",
                                  m->sk->body.size(), static_cast<int>(m->sk->first_inner)));
    return out;
}

}  // namespace strata::apps::demo
