// AH over IPv6 through the gateway's raw sockets: the packet leaves whole
// (IPV6_HDRINCL), arrives without its IPv6 header (ipv6(7)), and
// restore_ip_header rebuilds the header the ICV covers (RFC 4302
// §3.3.3.1.2, Appendix A.2) from the sender, the destination the kernel
// reported (IPV6_RECVPKTINFO) and the traffic class (IPV6_RECVTCLASS).
// Wrong or hostile ancillary data and short packets are drops, never reads
// outside the buffer.
#include <gtest/gtest.h>

#include <vector>

#include "gateway/outer_header.hpp"
#include "ipsec/ah.hpp"
#include "ipsec/sad.hpp"
#include "packet/ip_protocol.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"

namespace strata::gateway {
namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

const packet::IpAddress kC = *packet::IpAddress::parse("2001:db8:ff::1");
const packet::IpAddress kD = *packet::IpAddress::parse("2001:db8:ff::2");

ipsec::SaPtr ah_sa(ipsec::Direction dir, ipsec::Mode mode) {
    ipsec::SaConfig cfg;
    cfg.spi = 0x2001;
    cfg.direction = dir;
    cfg.protocol = ipsec::Protocol::Ah;
    cfg.mode = mode;
    cfg.src = kC;
    cfg.dst = kD;
    cfg.integrity = crypto::find_integrity("sha256");
    cfg.integrity_key = core::SecretBytes(core::Bytes(32, 0x42));
    auto sa = ipsec::SecurityAssociation::create(std::move(cfg), core::Instant{});
    EXPECT_TRUE(sa.ok());
    return sa.ok() ? std::move(sa).value() : nullptr;
}

// A ping from C to D (transport mode) or from A's LAN to B's (tunnel).
core::Bytes ping6(const packet::IpAddress& src, const packet::IpAddress& dst) {
    packet::Ipv6Header h;
    h.next_header = packet::ipproto::kIcmpv6;
    h.hop_limit = 64;
    h.flow_label = 0x12345;
    h.src = src;
    h.dst = dst;
    std::vector<std::uint8_t> icmp{128, 0, 0, 0, 0, 1, 0, 1};
    icmp.resize(64, 0x61);
    return *packet::build_ipv6(h, icmp);
}

// deliver returns the bytes a raw IPv6 socket for protocol 51 hands over
// for a packet the sender's worker sent: everything after the IPv6 header.
core::Bytes deliver(const ipsec::PacketBuffer& sent) {
    auto o = read_outgoing(sent.view());
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o->transport, Transport::Ah);
    EXPECT_EQ(o->payload.size(), sent.size());  // whole: the header the ICV covers goes with it
    return {sent.view().begin() + packet::kIpv6HeaderLength, sent.view().end()};
}

TEST(Ah6Header, RestoredHeaderIsWhatTheIcvCovers) {
    for (auto mode : {ipsec::Mode::Transport, ipsec::Mode::Tunnel}) {
        SCOPED_TRACE(ipsec::to_string(mode));
        auto out = ah_sa(ipsec::Direction::Outbound, mode);
        auto in = ah_sa(ipsec::Direction::Inbound, mode);
        ASSERT_TRUE(out && in);
        const core::Bytes inner = mode == ipsec::Mode::Transport
                                      ? ping6(kC, kD)
                                      : ping6(ip("2001:db8:1::10"), ip("2001:db8:2::10"));
        ipsec::PacketBuffer b;
        ASSERT_TRUE(b.assign(inner).ok());
        ASSERT_TRUE(ipsec::ah_outbound(*out, b).ok());
        const core::Bytes wire = deliver(b);

        // Rebuilt: version 6, the reported traffic class (mutable: any value
        // passes), flow label 0 and hop limit 64 (mutable), payload length,
        // next header 51, source and destination.
        ipsec::PacketBuffer r;
        ASSERT_TRUE(r.assign(wire).ok());
        io::RecvAncillary anc;
        anc.tos = 0xb8;
        anc.dst = kD;
        ASSERT_TRUE(restore_ip_header(r, kC, kD, anc, packet::ipproto::kAh).ok());
        auto h = packet::parse_ipv6(r.view());
        ASSERT_TRUE(h.ok());
        EXPECT_EQ(h->header.traffic_class, 0xb8);
        EXPECT_EQ(h->header.flow_label, 0U);
        EXPECT_EQ(h->header.payload_length, wire.size());
        EXPECT_EQ(h->header.next_header, packet::ipproto::kAh);
        EXPECT_EQ(h->header.src, kC);
        EXPECT_EQ(h->header.dst, kD);
        auto got = ipsec::ah_inbound(*in, r);
        ASSERT_TRUE(got.ok()) << ipsec::to_string(got.error());
        EXPECT_EQ(r.view().size(), inner.size());
        // Transport mode gives the packet back as it was but for the mutable fields.
        EXPECT_TRUE(std::equal(inner.begin() + 4, inner.end(), r.view().begin() + 4));
    }
}

TEST(Ah6Header, WithoutPktinfoTheSocketAddressIsTheDestination) {
    auto out = ah_sa(ipsec::Direction::Outbound, ipsec::Mode::Transport);
    auto in = ah_sa(ipsec::Direction::Inbound, ipsec::Mode::Transport);
    ASSERT_TRUE(out && in);
    ipsec::PacketBuffer b;
    ASSERT_TRUE(b.assign(ping6(kC, kD)).ok());
    ASSERT_TRUE(ipsec::ah_outbound(*out, b).ok());
    ipsec::PacketBuffer r;
    ASSERT_TRUE(r.assign(deliver(b)).ok());
    ASSERT_TRUE(restore_ip_header(r, kC, kD, io::RecvAncillary{}, packet::ipproto::kAh).ok());
    EXPECT_TRUE(ipsec::ah_inbound(*in, r).ok());
}

TEST(Ah6Header, AnotherDestinationFailsTheIcv) {
    // The destination is covered: a header rebuilt with the wrong one (an
    // address the packet was not sent to) cannot pass.
    auto out = ah_sa(ipsec::Direction::Outbound, ipsec::Mode::Transport);
    auto in = ah_sa(ipsec::Direction::Inbound, ipsec::Mode::Transport);
    ASSERT_TRUE(out && in);
    ipsec::PacketBuffer b;
    ASSERT_TRUE(b.assign(ping6(kC, kD)).ok());
    ASSERT_TRUE(ipsec::ah_outbound(*out, b).ok());
    ipsec::PacketBuffer r;
    ASSERT_TRUE(r.assign(deliver(b)).ok());
    io::RecvAncillary anc;
    anc.dst = ip("2001:db8:ff::99");
    ASSERT_TRUE(restore_ip_header(r, kC, kD, anc, packet::ipproto::kAh).ok());
    auto got = ipsec::ah_inbound(*in, r);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error(), ipsec::Drop::IcvMismatch);
}

TEST(Ah6Header, HostileAncillaryDataAndSendersAreDrops) {
    const core::Bytes ah(24, 0);
    io::RecvAncillary v4dst;
    v4dst.dst = ip("198.51.100.2");
    struct Row {
        packet::IpAddress from;
        io::RecvAncillary anc;
    };
    for (const Row& row : {Row{kC, v4dst}, Row{ip("198.51.100.1"), io::RecvAncillary{}}}) {
        ipsec::PacketBuffer b;
        ASSERT_TRUE(b.assign(ah).ok());
        auto r = restore_ip_header(b, row.from, kD, row.anc, packet::ipproto::kAh);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error(), ipsec::Drop::Malformed);
    }
    // No headroom for the header.
    ipsec::PacketBuffer tight;
    ASSERT_TRUE(tight.assign(ah, 0).ok());
    auto r = restore_ip_header(tight, kC, kD, io::RecvAncillary{}, packet::ipproto::kAh);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ipsec::Drop::NoRoom);
    // Larger than an IPv6 payload length can say (no jumbograms).
    ipsec::PacketBuffer big;
    ASSERT_TRUE(big.assign(core::Bytes(65536, 0)).ok());
    r = restore_ip_header(big, kC, kD, io::RecvAncillary{}, packet::ipproto::kAh);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ipsec::Drop::Malformed);
}

TEST(Ah6Header, ShortPacketsAreTruncatedOrMalformed) {
    auto in = ah_sa(ipsec::Direction::Inbound, ipsec::Mode::Transport);
    ASSERT_TRUE(in);
    for (std::size_t n : {0U, 1U, 11U, 12U, 23U}) {
        SCOPED_TRACE(n);
        core::Bytes wire(n, 0);
        if (n >= 8) {  // the right SPI, so only the length can fail
            wire[1] = 5;
            wire[4] = 0;
            wire[5] = 0;
            wire[6] = 0x20;
            wire[7] = 0x01;
        }
        ipsec::PacketBuffer r;
        ASSERT_TRUE(r.assign(wire).ok());
        ASSERT_TRUE(restore_ip_header(r, kC, kD, io::RecvAncillary{}, packet::ipproto::kAh).ok());
        auto got = ipsec::ah_inbound(*in, r);
        ASSERT_FALSE(got.ok());
        EXPECT_TRUE(got.error() == ipsec::Drop::Truncated || got.error() == ipsec::Drop::Malformed)
            << ipsec::to_string(got.error());
    }
}

TEST(Ah6Header, Ipv4UdpHeaderIsRebuiltWithTheReportedTos) {
    // ESP in UDP over IPv4: the rebuilt header carries the TOS IP_RECVTOS
    // reported and a correct checksum (the Processor parses it).
    ipsec::PacketBuffer b;
    ASSERT_TRUE(b.assign(core::Bytes(40, 0)).ok());
    io::RecvAncillary anc;
    anc.tos = 0xbb;
    ASSERT_TRUE(restore_ip_header(b, ip("198.51.100.2"), ip("198.51.100.1"), anc, 50).ok());
    auto p = packet::parse_ipv4(b.view(), packet::Ipv4ChecksumCheck::Verify);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->header.tos, 0xbb);
    EXPECT_EQ(p->header.protocol, 50);
    EXPECT_EQ(p->header.dst, ip("198.51.100.1"));
    EXPECT_EQ(p->payload.size(), 40U);
}

}  // namespace
}  // namespace strata::gateway
