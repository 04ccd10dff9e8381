// DSCP and ECN between the inner and the outer header, per SA (RFC 4301
// §5.1.2.1, RFC 6040; swanctl's copy_dscp and copy_ecn): what the Processor
// writes into the outer header and read_outgoing hands to the worker for
// IP_TOS / IPV6_TCLASS, and what decapsulation makes of the outer TOS that
// restore_ip_header rebuilt from the socket's IP_RECVTOS / IPV6_RECVTCLASS.
#include <gtest/gtest.h>

#include <vector>

#include "gateway/outer_header.hpp"
#include "ipsec/ah.hpp"
#include "ipsec/esp.hpp"
#include "ipsec/sad.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::gateway {
namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

constexpr std::uint8_t kEf = 0xb8;    // DSCP 46 (EF) in the TOS byte
constexpr std::uint8_t kEct0 = 0x02;  // RFC 3168
constexpr std::uint8_t kCe = 0x03;

struct Case {
    ipsec::DscpCopy dscp;
    bool ecn;
};

std::vector<Case> all_cases() {
    std::vector<Case> out;
    for (auto d : {ipsec::DscpCopy::Out, ipsec::DscpCopy::In, ipsec::DscpCopy::Yes, ipsec::DscpCopy::No}) {
        for (bool e : {true, false}) out.push_back({d, e});
    }
    return out;
}

bool copies_out(ipsec::DscpCopy d) { return d == ipsec::DscpCopy::Out || d == ipsec::DscpCopy::Yes; }
bool copies_in(ipsec::DscpCopy d) { return d == ipsec::DscpCopy::In || d == ipsec::DscpCopy::Yes; }

// make_sa returns an SA of protocol p in tunnel mode between the gateways
// (IPv4 or IPv6 outer header by `v6`) with the given copy settings; the
// keys are fixed, so an outbound and an inbound SA made alike match.
ipsec::SaPtr make_sa(ipsec::Protocol p, ipsec::Direction dir, bool v6, Case c,
                     ipsec::Mode mode = ipsec::Mode::Tunnel) {
    ipsec::SaConfig cfg;
    cfg.spi = 0x1001;
    cfg.direction = dir;
    cfg.protocol = p;
    cfg.mode = mode;
    cfg.src = ip(v6 ? "2001:db8:ff::1" : "198.51.100.1");
    cfg.dst = ip(v6 ? "2001:db8:ff::2" : "198.51.100.2");
    if (p == ipsec::Protocol::Esp) {
        cfg.encryption = crypto::find_encryption("aes128gcm16");
        cfg.encryption_key = core::SecretBytes(core::Bytes(20, 0x5a));
    } else {
        cfg.integrity = crypto::find_integrity("sha256");
        cfg.integrity_key = core::SecretBytes(core::Bytes(32, 0x3c));
    }
    cfg.copy_dscp = c.dscp;
    cfg.copy_ecn = c.ecn;
    auto sa = ipsec::SecurityAssociation::create(std::move(cfg), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return sa.ok() ? std::move(sa).value() : nullptr;
}

core::Bytes inner_v4(std::uint8_t tos) {
    packet::Ipv4Header h;
    h.tos = tos;
    h.flags = packet::kIpv4FlagDontFragment;
    h.identification = 7;
    h.protocol = packet::ipproto::kUdp;
    h.src = ip("192.0.2.10");
    h.dst = ip("203.0.113.10");
    return *packet::build_ipv4(h, core::Bytes(32, 0xee));
}

core::Bytes inner_v6(std::uint8_t tclass) {
    packet::Ipv6Header h;
    h.traffic_class = tclass;
    h.next_header = packet::ipproto::kUdp;
    h.src = ip("2001:db8:1::10");
    h.dst = ip("2001:db8:2::10");
    return *packet::build_ipv6(h, core::Bytes(32, 0xee));
}

std::uint8_t expected_outer(Case c, std::uint8_t inner_tos) {
    return static_cast<std::uint8_t>((copies_out(c.dscp) ? inner_tos & 0xfc : 0) |
                                     (c.ecn ? inner_tos & 3 : 0));
}

// protect runs one inner packet through an outbound SA and returns what
// the worker would send.
Outgoing protect(ipsec::SecurityAssociation& sa, ipsec::PacketBuffer& buf, core::ByteView inner) {
    EXPECT_TRUE(buf.assign(inner).ok());
    if (sa.config().protocol == ipsec::Protocol::Esp) {
        EXPECT_TRUE(ipsec::esp_outbound(sa, buf).ok());
    } else {
        EXPECT_TRUE(ipsec::ah_outbound(sa, buf).ok());
    }
    auto out = read_outgoing(buf.view());
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : Outgoing{};
}

TEST(OuterHeaderDscp, EncapsulationWritesTheOuterTosEachModeAsks) {
    for (bool v6 : {false, true}) {
        for (const Case c : all_cases()) {
            for (const std::uint8_t inner_tos :
                 {std::uint8_t(kEf | kEct0), std::uint8_t(kEf), std::uint8_t(0x20)}) {
                SCOPED_TRACE(testing::Message() << "v6 " << v6 << " copy_dscp " << ipsec::to_string(c.dscp)
                                                << " copy_ecn " << c.ecn << " inner " << int(inner_tos));
                // ESP: the kernel writes the outer header from what read_outgoing reports.
                auto esp = make_sa(ipsec::Protocol::Esp, ipsec::Direction::Outbound, v6, c);
                ASSERT_TRUE(esp);
                ipsec::PacketBuffer b;
                const Outgoing o = protect(*esp, b, inner_v4(inner_tos));
                EXPECT_EQ(o.transport, Transport::Esp);
                EXPECT_EQ(o.tos, expected_outer(c, inner_tos));
                ipsec::PacketBuffer b6;
                EXPECT_EQ(protect(*esp, b6, inner_v6(inner_tos)).tos, expected_outer(c, inner_tos));
                // AH: the header leaves as built (IP_HDRINCL / IPV6_HDRINCL), TOS in it.
                auto ah = make_sa(ipsec::Protocol::Ah, ipsec::Direction::Outbound, v6, c);
                ASSERT_TRUE(ah);
                ipsec::PacketBuffer a;
                const Outgoing oa = protect(*ah, a, inner_v4(inner_tos));
                EXPECT_EQ(oa.transport, Transport::Ah);
                EXPECT_EQ(oa.tos, expected_outer(c, inner_tos));
                const std::uint8_t wire =
                    v6 ? static_cast<std::uint8_t>(((a.view()[0] & 0x0f) << 4) | (a.view()[1] >> 4))
                       : a.view()[1];
                EXPECT_EQ(wire, expected_outer(c, inner_tos));
            }
        }
    }
}

// arrive turns a protected packet into what the peer's worker hands the
// Processor after the path re-marked its outer TOS to wire_tos: over IPv6
// (and for ESP in UDP) the payload as a socket delivers it, with the header
// rebuilt from the sender, the reported destination and the reported TOS;
// over IPv4 a raw socket delivers the header itself, as sent but for the TOS.
void arrive(ipsec::PacketBuffer& buf, std::uint8_t wire_tos, std::uint8_t protocol) {
    const auto o = read_outgoing(buf.view());
    ASSERT_TRUE(o.ok());
    if (o->src.is_v4()) {
        auto p = packet::parse_ipv4(buf.view(), packet::Ipv4ChecksumCheck::Verify);
        ASSERT_TRUE(p.ok());
        packet::Ipv4Header h = p->header;
        h.tos = wire_tos;
        const core::Bytes payload(p->payload.begin(), p->payload.end());
        auto rebuilt = packet::build_ipv4(h, payload);
        ASSERT_TRUE(rebuilt.ok());
        ASSERT_TRUE(buf.assign(*rebuilt).ok());
        return;
    }
    const core::Bytes payload(buf.view().begin() + packet::kIpv6HeaderLength, buf.view().end());
    ASSERT_TRUE(buf.assign(payload).ok());
    io::RecvAncillary anc;
    anc.tos = wire_tos;
    anc.dst = o->dst;
    ASSERT_TRUE(restore_ip_header(buf, o->src, o->dst, anc, protocol).ok());
}

TEST(OuterHeaderDscp, DecapsulationTakesTheOuterDscpOnInAndCombinesEcnUnlessOff) {
    for (bool v6 : {false, true}) {
        for (const Case c : all_cases()) {
            for (auto proto : {ipsec::Protocol::Esp, ipsec::Protocol::Ah}) {
                for (bool inner6 : {false, true}) {
                    SCOPED_TRACE(testing::Message()
                                 << "v6 " << v6 << " copy_dscp " << ipsec::to_string(c.dscp) << " copy_ecn "
                                 << c.ecn << " " << ipsec::to_string(proto) << " inner6 " << inner6);
                    // The sender copies nothing; the path marks the outer header EF and CE.
                    auto out =
                        make_sa(proto, ipsec::Direction::Outbound, v6, Case{ipsec::DscpCopy::No, false});
                    auto in = make_sa(proto, ipsec::Direction::Inbound, v6, c);
                    ASSERT_TRUE(out && in);
                    const std::uint8_t inner_tos = 0x28 | kEct0;  // AF11, ECT(0)
                    ipsec::PacketBuffer b;
                    protect(*out, b, inner6 ? inner_v6(inner_tos) : inner_v4(inner_tos));
                    arrive(b, kEf | kCe, static_cast<std::uint8_t>(proto));
                    if (proto == ipsec::Protocol::Esp) {
                        ASSERT_TRUE(ipsec::esp_inbound(*in, b).ok());
                    } else {
                        ASSERT_TRUE(ipsec::ah_inbound(*in, b).ok());  // TOS is mutable: the ICV holds
                    }
                    const std::uint8_t want =
                        static_cast<std::uint8_t>((copies_in(c.dscp) ? kEf : 0x28) | (c.ecn ? kCe : kEct0));
                    if (inner6) {
                        auto p = packet::parse_ipv6(b.view());
                        ASSERT_TRUE(p.ok());
                        EXPECT_EQ(p->header.traffic_class, want);
                    } else {
                        // The inner IPv4 header checksum is right after the rewrite.
                        auto p = packet::parse_ipv4(b.view(), packet::Ipv4ChecksumCheck::Verify);
                        ASSERT_TRUE(p.ok());
                        EXPECT_EQ(p->header.tos, want);
                    }
                }
            }
        }
    }
}

TEST(OuterHeaderDscp, TransportModeKeepsThePacketsOwnTos) {
    // Transport mode has one header: it is the packet's, DSCP and ECN as sent.
    for (const Case c : all_cases()) {
        auto sa = make_sa(ipsec::Protocol::Esp, ipsec::Direction::Outbound, false, c, ipsec::Mode::Transport);
        ASSERT_TRUE(sa);
        packet::Ipv4Header h;
        h.tos = kEf | kEct0;
        h.flags = packet::kIpv4FlagDontFragment;
        h.protocol = packet::ipproto::kUdp;
        h.src = ip("198.51.100.1");
        h.dst = ip("198.51.100.2");
        ipsec::PacketBuffer b;
        EXPECT_EQ(protect(*sa, b, *packet::build_ipv4(h, core::Bytes(16, 1))).tos, kEf | kEct0);
    }
}

TEST(OuterHeaderDscp, NotEctInsideCeIsStillDroppedWhenEcnIsCopied) {
    // RFC 6040 §4.2: a CE outer over a Not-ECT inner must be dropped; with
    // copy_ecn = false the outer ECN is not looked at.
    for (bool ecn : {true, false}) {
        auto out = make_sa(ipsec::Protocol::Esp, ipsec::Direction::Outbound, false,
                           Case{ipsec::DscpCopy::No, false});
        auto in =
            make_sa(ipsec::Protocol::Esp, ipsec::Direction::Inbound, false, Case{ipsec::DscpCopy::In, ecn});
        ASSERT_TRUE(out && in);
        ipsec::PacketBuffer b;
        protect(*out, b, inner_v4(0x00));
        arrive(b, kEf | kCe, 50);
        auto r = ipsec::esp_inbound(*in, b);
        if (ecn) {
            ASSERT_FALSE(r.ok());
            EXPECT_EQ(r.error(), ipsec::Drop::Malformed);
        } else {
            ASSERT_TRUE(r.ok());
            EXPECT_EQ(b.view()[1], kEf);
        }
    }
}

}  // namespace
}  // namespace strata::gateway
