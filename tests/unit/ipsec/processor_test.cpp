// Processor: RFC 4301 §5 end to end, two hosts' SPD/SAD in memory.
#include "ipsec/processor.hpp"

#include <gtest/gtest.h>

#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

core::Bytes udp_packet(const char* src, const char* dst, std::uint16_t sport = 40000,
                       std::uint16_t dport = 53, std::size_t len = 100) {
    core::Bytes payload(len, 0x5a);
    auto udp = packet::build_udp(sport, dport, payload, ip(src), ip(dst));
    EXPECT_TRUE(udp.ok());
    if (ip(src).is_v4()) {
        packet::Ipv4Header h;
        h.protocol = 17;
        h.src = ip(src);
        h.dst = ip(dst);
        return *packet::build_ipv4(h, *udp);
    }
    packet::Ipv6Header h;
    h.next_header = 17;
    h.src = ip(src);
    h.dst = ip(dst);
    return *packet::build_ipv6(h, *udp);
}

AddressRange net(const char* p) { return AddressRange::from_prefix(*packet::IpPrefix::parse(p)); }

// Site is one host's SPD and SAD.
struct Site {
    Spd spd;
    Sad sad;
    core::ManualClock clock;
    Processor proc{spd, sad, clock};
};

SaConfig sa_config(Direction dir, Protocol proto, Mode mode, std::uint32_t spi, const char* src,
                   const char* dst, const char* enc, const char* integ, std::uint32_t reqid) {
    SaConfig c;
    c.spi = spi;
    c.reqid = reqid;
    c.direction = dir;
    c.protocol = proto;
    c.mode = mode;
    c.src = ip(src);
    c.dst = ip(dst);
    if (enc != nullptr) {
        c.encryption = crypto::find_encryption(enc);
        core::SecretBytes k(c.encryption->key_len + c.encryption->salt_len);
        for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(i + spi);
        c.encryption_key = std::move(k);
    }
    if (integ != nullptr) {
        c.integrity = crypto::find_integrity(integ);
        core::SecretBytes k(c.integrity->key_len);
        for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(3 * i + spi);
        c.integrity_key = std::move(k);
    }
    return c;
}

void install_pair(Site& a, Site& b, Protocol proto, Mode mode, std::uint32_t spi, const char* src,
                  const char* dst, const char* enc, const char* integ, std::uint32_t reqid,
                  bool udp = false) {
    SaConfig out = sa_config(Direction::Outbound, proto, mode, spi, src, dst, enc, integ, reqid);
    SaConfig in = sa_config(Direction::Inbound, proto, mode, spi, src, dst, enc, integ, reqid);
    if (udp) {
        out.udp_encap = UdpEncapsulation{};
        in.udp_encap = UdpEncapsulation{};
    }
    ASSERT_TRUE(a.sad.install(*SecurityAssociation::create(std::move(out), a.clock.now())).ok());
    ASSERT_TRUE(b.sad.install(*SecurityAssociation::create(std::move(in), b.clock.now())).ok());
}

Policy protect(Direction dir, const char* local, const char* remote, std::vector<Protocol> protos, Mode mode,
               std::uint32_t reqid, const char* tsrc = "203.0.113.1", const char* tdst = "203.0.113.2") {
    Policy p;
    p.direction = dir;
    p.selector.local = net(local);
    p.selector.remote = net(remote);
    p.action = Action::Protect;
    p.protect.protocols = std::move(protos);
    p.protect.mode = mode;
    p.protect.reqid = reqid;
    if (mode == Mode::Tunnel) {
        p.protect.tunnel_src = ip(tsrc);
        p.protect.tunnel_dst = ip(tdst);
    }
    return p;
}

// protect_both adds `out`'s outbound PROTECT policy from local to remote and
// the mirror inbound policy on `in`.
void protect_both(Site& out, Site& in, const char* local, const char* remote,
                  const std::vector<Protocol>& protos, Mode mode, std::uint32_t reqid,
                  const char* tsrc = "203.0.113.1", const char* tdst = "203.0.113.2") {
    ASSERT_TRUE(
        out.spd.add(protect(Direction::Outbound, local, remote, protos, mode, reqid, tsrc, tdst)).ok());
    ASSERT_TRUE(in.spd.add(protect(Direction::Inbound, remote, local, protos, mode, reqid, tsrc, tdst)).ok());
}

// Gateways C (203.0.113.1) and D (203.0.113.2) between LANs 192.0.2.0/24 and 198.51.100.0/24.
struct Tunnel : ::testing::Test {
    Site c, d;
    void SetUp() override {
        install_pair(c, d, Protocol::Esp, Mode::Tunnel, 0x1001, "203.0.113.1", "203.0.113.2", "aes128gcm16",
                     nullptr, 1);
        protect_both(c, d, "192.0.2.0/24", "198.51.100.0/24", {Protocol::Esp}, Mode::Tunnel, 1);
    }
    PacketResult send(const core::Bytes& plain, PacketBuffer& buf) {
        EXPECT_TRUE(buf.assign(plain).ok());
        PacketBuffer* p = &buf;
        PacketResult r;
        c.proc.outbound({&p, 1}, {&r, 1});
        return r;
    }
    PacketResult receive(PacketBuffer& buf) {
        PacketBuffer* p = &buf;
        PacketResult r;
        d.proc.inbound({&p, 1}, {&r, 1});
        return r;
    }
};

TEST_F(Tunnel, ProtectsAndDeliversTheInnerPacket) {
    const core::Bytes plain = udp_packet("192.0.2.10", "198.51.100.20");
    PacketBuffer buf;
    PacketResult out = send(plain, buf);
    ASSERT_EQ(out.verdict, Verdict::Protected);
    EXPECT_EQ(out.spi, 0x1001U);
    EXPECT_EQ(out.sequence, 1U);
    EXPECT_GT(buf.size(), plain.size());
    EXPECT_EQ(buf.view()[9], 50);  // outer IPv4 protocol: ESP
    PacketResult in = receive(buf);
    ASSERT_EQ(in.verdict, Verdict::Delivered) << to_string(in.drop);
    EXPECT_TRUE(core::equal_public(buf.view(), plain));
}

TEST_F(Tunnel, ReplayedPacketIsDroppedAndCounted) {
    PacketBuffer buf;
    ASSERT_EQ(send(udp_packet("192.0.2.10", "198.51.100.20"), buf).verdict, Verdict::Protected);
    const core::Bytes wire(buf.view().begin(), buf.view().end());
    ASSERT_EQ(receive(buf).verdict, Verdict::Delivered);
    ASSERT_TRUE(buf.assign(wire).ok());
    PacketResult again = receive(buf);
    EXPECT_EQ(again.verdict, Verdict::Dropped);
    EXPECT_EQ(again.drop, Drop::ReplayDuplicate);
    EXPECT_EQ(again.spi, 0x1001U);
    EXPECT_EQ(again.sequence, 1U);  // the replayed number is reported
    auto sa = d.sad.inbound({0x1001, ip("203.0.113.2"), Protocol::Esp});
    EXPECT_EQ(sa->counters().drops.get(Drop::ReplayDuplicate), 1U);
}

TEST_F(Tunnel, TamperedPacketFailsItsIcvAndDoesNotMoveTheWindow) {
    PacketBuffer buf;
    ASSERT_EQ(send(udp_packet("192.0.2.10", "198.51.100.20"), buf).verdict, Verdict::Protected);
    buf.data()[buf.size() - 20] ^= 1;
    PacketResult r = receive(buf);
    EXPECT_EQ(r.drop, Drop::IcvMismatch);
    EXPECT_EQ(d.sad.inbound({0x1001, ip("203.0.113.2"), Protocol::Esp})->replay()->highest(), 0U);
}

TEST_F(Tunnel, InnerPacketOutsideThePolicyIsRefused) {
    // C has a wider outbound policy than D accepts: D must refuse what arrives.
    ASSERT_TRUE(c.spd
                    .add(protect(Direction::Outbound, "192.0.2.0/23", "198.51.100.0/24", {Protocol::Esp},
                                 Mode::Tunnel, 1))
                    .ok());
    PacketBuffer buf;
    ASSERT_EQ(send(udp_packet("192.0.3.10", "198.51.100.20"), buf).verdict, Verdict::Protected);
    PacketResult r = receive(buf);
    EXPECT_EQ(r.verdict, Verdict::Dropped);
    EXPECT_EQ(r.drop, Drop::PolicyMismatch);
}

TEST_F(Tunnel, UnknownSpiAndClearPacketsWhereProtectionIsRequired) {
    PacketBuffer buf;
    ASSERT_EQ(send(udp_packet("192.0.2.10", "198.51.100.20"), buf).verdict, Verdict::Protected);
    buf.data()[20] ^= 0xff;  // first SPI byte after the outer IPv4 header
    EXPECT_EQ(receive(buf).drop, Drop::UnknownSpi);
    EXPECT_EQ(d.proc.drops().get(Drop::UnknownSpi), 1U);

    ASSERT_TRUE(buf.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    EXPECT_EQ(receive(buf).drop, Drop::PolicyMismatch);  // should have come protected
}

TEST_F(Tunnel, BypassDiscardAndNoPolicy) {
    Policy bypass;
    bypass.direction = Direction::Outbound;
    bypass.selector.local = net("0.0.0.0/0");
    bypass.selector.remote = net("203.0.113.0/24");
    bypass.action = Action::Bypass;
    ASSERT_TRUE(c.spd.add(bypass).ok());
    Policy discard = bypass;
    discard.selector.remote = net("192.0.2.128/25");
    discard.action = Action::Discard;
    ASSERT_TRUE(c.spd.add(discard).ok());
    PacketBuffer buf;
    EXPECT_EQ(send(udp_packet("203.0.113.1", "203.0.113.2", 500, 500), buf).verdict, Verdict::Bypassed);
    EXPECT_EQ(send(udp_packet("192.0.2.1", "192.0.2.200"), buf).drop, Drop::PolicyDiscard);
    EXPECT_EQ(send(udp_packet("192.0.2.1", "8.8.8.8"), buf).drop, Drop::NoPolicy);
    const core::Bytes junk{0x45, 0x00};
    EXPECT_EQ(send(junk, buf).drop, Drop::Malformed);
}

TEST_F(Tunnel, NoSaRaisesOneAcquire) {
    Site lone;
    const std::uint32_t id = *lone.spd.add(
        protect(Direction::Outbound, "192.0.2.0/24", "198.51.100.0/24", {Protocol::Esp}, Mode::Tunnel, 9));
    PacketBuffer buf;
    PacketBuffer* p = &buf;
    PacketResult r;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(buf.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
        lone.proc.outbound({&p, 1}, {&r, 1});
        EXPECT_EQ(r.drop, Drop::NoSa);
    }
    auto ev = lone.proc.take_events();
    ASSERT_EQ(ev.size(), 1U);  // once per policy while it waits
    EXPECT_EQ(ev[0].kind, EventKind::Acquire);
    EXPECT_EQ(ev[0].policy_id, id);
    EXPECT_EQ(ev[0].reqid, 9U);
    EXPECT_EQ(ev[0].fields.dst, ip("198.51.100.20"));
}

TEST_F(Tunnel, SoftAndHardLifetimeEvents) {
    Site a, b;
    SaConfig out = sa_config(Direction::Outbound, Protocol::Esp, Mode::Tunnel, 0x2002, "203.0.113.1",
                             "203.0.113.2", "aes256gcm16", nullptr, 2);
    out.lifetimes.soft.packets = 2;
    out.lifetimes.hard.packets = 3;
    ASSERT_TRUE(a.sad.install(*SecurityAssociation::create(std::move(out), a.clock.now())).ok());
    ASSERT_TRUE(a.spd
                    .add(protect(Direction::Outbound, "192.0.2.0/24", "198.51.100.0/24", {Protocol::Esp},
                                 Mode::Tunnel, 2))
                    .ok());
    PacketBuffer buf;
    PacketBuffer* p = &buf;
    PacketResult r;
    std::vector<EventKind> kinds;
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(buf.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
        a.proc.outbound({&p, 1}, {&r, 1});
        for (const auto& e : a.proc.take_events()) kinds.push_back(e.kind);
    }
    EXPECT_EQ(r.drop, Drop::NoSa);  // the dead SA is no longer used; IKE is asked for a new one
    ASSERT_EQ(kinds.size(), 3U);
    EXPECT_EQ(kinds[0], EventKind::SoftExpired);
    EXPECT_EQ(kinds[1], EventKind::HardExpired);
    EXPECT_EQ(kinds[2], EventKind::Acquire);
}

// The lecture's bundle: ESP first, then AH over the whole packet; AH then ESP on the way in.
TEST(Processor, EspThenAhBundleInTransportMode) {
    Site a, b;
    install_pair(a, b, Protocol::Esp, Mode::Transport, 0x3001, "192.0.2.10", "198.51.100.20", "aes128",
                 "sha256", 3);
    install_pair(a, b, Protocol::Ah, Mode::Transport, 0x3002, "192.0.2.10", "198.51.100.20", nullptr, "sha1",
                 3);
    protect_both(a, b, "192.0.2.10/32", "198.51.100.20/32", {Protocol::Esp, Protocol::Ah}, Mode::Transport,
                 3);
    const core::Bytes plain = udp_packet("192.0.2.10", "198.51.100.20");
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(plain).ok());
    PacketBuffer* p = &buf;
    PacketResult r;
    a.proc.outbound({&p, 1}, {&r, 1});
    ASSERT_EQ(r.verdict, Verdict::Protected) << to_string(r.drop);
    EXPECT_EQ(r.spi, 0x3002U);     // AH outermost
    EXPECT_EQ(buf.view()[9], 51);  // IPv4 protocol: AH
    b.proc.inbound({&p, 1}, {&r, 1});
    ASSERT_EQ(r.verdict, Verdict::Delivered) << to_string(r.drop);
    EXPECT_TRUE(core::equal_public(buf.view().subspan(20), core::ByteView(plain).subspan(20)));
}

TEST(Processor, PolicyAskingForABundleRefusesEspAlone) {
    Site a, b;
    install_pair(a, b, Protocol::Esp, Mode::Transport, 0x3001, "192.0.2.10", "198.51.100.20", "aes128",
                 "sha256", 3);
    ASSERT_TRUE(a.spd
                    .add(protect(Direction::Outbound, "192.0.2.10/32", "198.51.100.20/32", {Protocol::Esp},
                                 Mode::Transport, 3))
                    .ok());
    ASSERT_TRUE(b.spd
                    .add(protect(Direction::Inbound, "198.51.100.20/32", "192.0.2.10/32",
                                 {Protocol::Esp, Protocol::Ah}, Mode::Transport, 3))
                    .ok());
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    PacketBuffer* p = &buf;
    PacketResult r;
    a.proc.outbound({&p, 1}, {&r, 1});
    ASSERT_EQ(r.verdict, Verdict::Protected);
    b.proc.inbound({&p, 1}, {&r, 1});
    EXPECT_EQ(r.drop, Drop::PolicyMismatch);
}

TEST(Processor, UdpEncapsulatedIpv6TunnelAndIkeOnPort4500) {
    Site a, b;
    install_pair(a, b, Protocol::Esp, Mode::Tunnel, 0x4001, "2001:db8:ff::1", "2001:db8:ff::2",
                 "chacha20poly1305", nullptr, 4, true);
    protect_both(a, b, "2001:db8:1::/48", "2001:db8:2::/48", {Protocol::Esp}, Mode::Tunnel, 4,
                 "2001:db8:ff::1", "2001:db8:ff::2");
    const core::Bytes plain = udp_packet("2001:db8:1::5", "2001:db8:2::7");
    PacketBuffer buf;
    ASSERT_TRUE(buf.assign(plain).ok());
    PacketBuffer* p = &buf;
    PacketResult r;
    a.proc.outbound({&p, 1}, {&r, 1});
    ASSERT_EQ(r.verdict, Verdict::Protected) << to_string(r.drop);
    EXPECT_EQ(buf.view()[6], 17);  // IPv6 next header: UDP (RFC 3948)
    b.proc.inbound({&p, 1}, {&r, 1});
    ASSERT_EQ(r.verdict, Verdict::Delivered) << to_string(r.drop);
    EXPECT_TRUE(core::equal_public(buf.view(), plain));

    // An IKE message behind the non-ESP marker is handed back untouched.
    core::Bytes ike{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    auto udp = packet::build_udp(4500, 4500, ike, ip("2001:db8:ff::1"), ip("2001:db8:ff::2"));
    packet::Ipv6Header h;
    h.next_header = 17;
    h.src = ip("2001:db8:ff::1");
    h.dst = ip("2001:db8:ff::2");
    const core::Bytes pkt = *packet::build_ipv6(h, *udp);
    ASSERT_TRUE(buf.assign(pkt).ok());
    b.proc.inbound({&p, 1}, {&r, 1});
    EXPECT_EQ(r.verdict, Verdict::Ike);
    EXPECT_TRUE(core::equal_public(buf.view(), pkt));
}

TEST(Processor, BatchesKeepOrderAndIndependentResults) {
    Site c, d;
    install_pair(c, d, Protocol::Esp, Mode::Tunnel, 0x5001, "203.0.113.1", "203.0.113.2", "aes256", "sha256",
                 5);
    protect_both(c, d, "192.0.2.0/24", "198.51.100.0/24", {Protocol::Esp}, Mode::Tunnel, 5);
    std::vector<PacketBuffer> bufs(8);
    std::vector<PacketBuffer*> ptrs;
    for (std::size_t i = 0; i < bufs.size(); ++i) {
        ASSERT_TRUE(bufs[i]
                        .assign(udp_packet("192.0.2.10", i == 3 ? "8.8.8.8" : "198.51.100.20", 40000, 53,
                                           10 + 50 * i))
                        .ok());
        ptrs.push_back(&bufs[i]);
    }
    std::vector<PacketResult> res(bufs.size());
    c.proc.outbound(ptrs, res);
    for (std::size_t i = 0; i < res.size(); ++i) {
        EXPECT_EQ(res[i].verdict, i == 3 ? Verdict::Dropped : Verdict::Protected) << i;
    }
    d.proc.inbound(ptrs, res);
    for (std::size_t i = 0; i < res.size(); ++i) {
        if (i != 3) {
            EXPECT_EQ(res[i].verdict, Verdict::Delivered) << i << " " << to_string(res[i].drop);
        }
    }
}

// Batches: one SAD lookup, one sequence reservation and one counter update per
// SA per call must give the same packets as one call per packet.
std::vector<PacketResult> run_outbound(Site& s, std::vector<PacketBuffer>& bufs) {
    std::vector<PacketBuffer*> ptrs;
    for (auto& b : bufs) ptrs.push_back(&b);
    std::vector<PacketResult> res(bufs.size());
    s.proc.outbound(ptrs, res);
    return res;
}

TEST_F(Tunnel, SequenceNumbersStayConsecutiveAcrossBatches) {
    std::vector<PacketBuffer> first(5);
    for (auto& b : first) ASSERT_TRUE(b.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    auto r1 = run_outbound(c, first);
    std::vector<PacketBuffer> second(3);
    for (auto& b : second) ASSERT_TRUE(b.assign(udp_packet("192.0.2.11", "198.51.100.21")).ok());
    auto r2 = run_outbound(c, second);
    for (std::size_t i = 0; i < r1.size(); ++i) EXPECT_EQ(r1[i].sequence, i + 1);
    for (std::size_t i = 0; i < r2.size(); ++i) EXPECT_EQ(r2[i].sequence, i + 6);
    auto sa = c.sad.outbound(1, Protocol::Esp);
    EXPECT_EQ(sa->last_sequence(), 8U);  // the unused part of each reservation was given back
    EXPECT_EQ(sa->counters().packets.load(), 8U);
    // A packet sent on its own after the batches continues the count.
    PacketBuffer one;
    EXPECT_EQ(send(udp_packet("192.0.2.10", "198.51.100.20"), one).sequence, 9U);

    // All of them arrive in one batch and are delivered.
    std::vector<PacketBuffer*> ptrs;
    for (auto& b : first) ptrs.push_back(&b);
    for (auto& b : second) ptrs.push_back(&b);
    std::vector<PacketResult> in(ptrs.size());
    d.proc.inbound(ptrs, in);
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(in[i].verdict, Verdict::Delivered) << i;
    auto rx = d.sad.inbound({0x1001, ip("203.0.113.2"), Protocol::Esp});
    EXPECT_EQ(rx->counters().packets.load(), 8U);
    EXPECT_EQ(rx->replay()->highest(), 8U);
}

TEST_F(Tunnel, RefusedPacketsInABatchTakeNoSequenceNumber) {
    std::vector<PacketBuffer> bufs(4);
    ASSERT_TRUE(bufs[0].assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    ASSERT_TRUE(bufs[1].assign(core::Bytes{0x45, 0x00, 0x00}).ok());  // truncated header
    ASSERT_TRUE(bufs[2].assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    // An IPv4 fragment is refused by ESP itself, before it would take a number.
    core::Bytes frag = udp_packet("192.0.2.10", "198.51.100.20");
    frag[6] = 0x20;  // MF
    frag[10] = 0;
    frag[11] = 0;
    ASSERT_TRUE(bufs[3].assign(frag).ok());
    auto r = run_outbound(c, bufs);
    EXPECT_EQ(r[0].sequence, 1U);
    EXPECT_EQ(r[1].drop, Drop::Malformed);
    EXPECT_EQ(r[2].sequence, 2U);
    EXPECT_EQ(r[3].drop, Drop::UnsupportedPacket);
    EXPECT_EQ(c.sad.outbound(1, Protocol::Esp)->last_sequence(), 2U);
}

TEST_F(Tunnel, HardLimitStopsThePacketThatReachesItInsideABatch) {
    Site a;
    SaConfig out = sa_config(Direction::Outbound, Protocol::Esp, Mode::Tunnel, 0x2003, "203.0.113.1",
                             "203.0.113.2", "aes128gcm16", nullptr, 2);
    out.lifetimes.soft.packets = 2;
    out.lifetimes.hard.packets = 3;
    ASSERT_TRUE(a.sad.install(*SecurityAssociation::create(std::move(out), a.clock.now())).ok());
    ASSERT_TRUE(a.spd
                    .add(protect(Direction::Outbound, "192.0.2.0/24", "198.51.100.0/24", {Protocol::Esp},
                                 Mode::Tunnel, 2))
                    .ok());
    std::vector<PacketBuffer> bufs(5);
    for (auto& b : bufs) ASSERT_TRUE(b.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    auto r = run_outbound(a, bufs);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(r[i].verdict, Verdict::Protected) << i;
    EXPECT_EQ(r[3].drop, Drop::NoSa);  // the SA died at packet 3, as one packet per call
    EXPECT_EQ(r[4].drop, Drop::NoSa);
    std::vector<EventKind> kinds;
    for (const auto& e : a.proc.take_events()) kinds.push_back(e.kind);
    ASSERT_EQ(kinds.size(), 3U);
    EXPECT_EQ(kinds[0], EventKind::SoftExpired);
    EXPECT_EQ(kinds[1], EventKind::HardExpired);
    EXPECT_EQ(kinds[2], EventKind::Acquire);
    auto all = a.sad.all();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0]->counters().packets.load(), 3U);
    EXPECT_EQ(all[0]->last_sequence(), 3U);
}

TEST_F(Tunnel, NewSaInstalledBetweenBatchesCarriesTheNextBatch) {
    std::vector<PacketBuffer> bufs(2);
    for (auto& b : bufs) ASSERT_TRUE(b.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    EXPECT_EQ(run_outbound(c, bufs)[0].spi, 0x1001U);
    SaConfig rekeyed = sa_config(Direction::Outbound, Protocol::Esp, Mode::Tunnel, 0x1002, "203.0.113.1",
                                 "203.0.113.2", "aes128gcm16", nullptr, 1);
    ASSERT_TRUE(c.sad.install(*SecurityAssociation::create(std::move(rekeyed), c.clock.now())).ok());
    for (auto& b : bufs) ASSERT_TRUE(b.assign(udp_packet("192.0.2.10", "198.51.100.20")).ok());
    auto r = run_outbound(c, bufs);
    EXPECT_EQ(r[0].spi, 0x1002U);
    EXPECT_EQ(r[1].spi, 0x1002U);
    EXPECT_EQ(r[0].sequence, 1U);
}

}  // namespace
}  // namespace strata::ipsec
