// Processor batches: a batch gives exactly what the same packets give one
// call at a time (results, bytes on the wire, delivered bytes, lifetime
// events), whatever mix of flows, policies and bad packets it holds. The
// per-batch runs (outbound_run / inbound_run) and the flow caches must not
// change any outcome, only its cost.
#include <gtest/gtest.h>

#include <vector>

#include "ipsec/processor.hpp"
#include "packet/checksum.hpp"
#include "packet/ipv4.hpp"
#include "packet/ipv6.hpp"
#include "packet/udp.hpp"

namespace strata::ipsec {
namespace {

using packet::IpAddress;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }
AddressRange net(const char* p) { return AddressRange::from_prefix(*packet::IpPrefix::parse(p)); }

// ipv4 returns an IPv4 packet around payload.
core::Bytes ipv4(const char* src, const char* dst, std::uint8_t protocol, core::ByteView payload,
                 std::uint8_t tos = 0, std::uint8_t flags = 0, core::ByteView options = {}) {
    packet::Ipv4Header h;
    h.protocol = protocol;
    h.src = ip(src);
    h.dst = ip(dst);
    h.tos = tos;
    h.flags = flags;
    h.options = options;
    return *packet::build_ipv4(h, payload);
}

core::Bytes udp4(const char* src, const char* dst, std::uint16_t sport, std::uint16_t dport,
                 std::size_t len = 64, std::uint8_t tos = 0) {
    const core::Bytes payload(len, 0x5a);
    auto udp = packet::build_udp(sport, dport, payload, ip(src), ip(dst));
    return ipv4(src, dst, 17, *udp, tos);
}

// icmp4 is an echo request whose checksum field varies with id (the flow
// must not).
core::Bytes icmp4(const char* src, const char* dst, std::uint8_t type, std::uint8_t id) {
    const core::Bytes msg = {type, 0, id, static_cast<std::uint8_t>(0xff - id), 0, 1, 0, id, 1, 2, 3, 4};
    return ipv4(src, dst, 1, msg);
}

core::Bytes udp6() {
    const core::Bytes payload(32, 0x11);
    auto udp = packet::build_udp(1000, 2000, payload, ip("2001:db8::1"), ip("2001:db8::2"));
    packet::Ipv6Header h;
    h.next_header = 17;
    h.src = ip("2001:db8::1");
    h.dst = ip("2001:db8::2");
    return *packet::build_ipv6(h, *udp);
}

// Site is one host's SPD, SAD and processor.
struct Site {
    Spd spd;
    Sad sad;
    core::ManualClock clock;
    Processor proc{spd, sad, clock};
};

SaConfig sa_config(Direction dir, std::uint32_t spi, Lifetimes life, std::vector<Selector> sels = {}) {
    SaConfig c;
    c.spi = spi;
    c.reqid = 1;
    c.direction = dir;
    c.protocol = Protocol::Esp;
    c.mode = Mode::Tunnel;
    c.src = ip("203.0.113.1");
    c.dst = ip("203.0.113.2");
    c.encryption = crypto::find_encryption("aes128gcm16");
    core::SecretBytes k(c.encryption->key_len + c.encryption->salt_len);
    for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(7 * i + 1);
    c.encryption_key = std::move(k);
    c.lifetimes = life;
    c.selectors = std::move(sels);
    return c;
}

Policy policy(Direction dir, const char* local, const char* remote, Action action) {
    Policy p;
    p.direction = dir;
    p.selector.local = net(local);
    p.selector.remote = net(remote);
    p.action = action;
    if (action == Action::Protect) {
        p.protect.protocols = {Protocol::Esp};
        p.protect.mode = Mode::Tunnel;
        p.protect.reqid = 1;
        p.protect.tunnel_src = ip("203.0.113.1");
        p.protect.tunnel_dst = ip("203.0.113.2");
    }
    return p;
}

// Sender is gateway C (192.0.2.0/24 behind it): BYPASS to 198.51.100.200,
// DISCARD to 198.51.100.201, PROTECT the rest of 198.51.100.0/24.
void make_sender(Site& s, Lifetimes life = {}) {
    ASSERT_TRUE(s.sad
                    .install(*SecurityAssociation::create(sa_config(Direction::Outbound, 0x2001, life),
                                                          s.clock.now()))
                    .ok());
    ASSERT_TRUE(
        s.spd.add(policy(Direction::Outbound, "192.0.2.0/24", "198.51.100.200/32", Action::Bypass)).ok());
    ASSERT_TRUE(
        s.spd.add(policy(Direction::Outbound, "192.0.2.0/24", "198.51.100.201/32", Action::Discard)).ok());
    ASSERT_TRUE(
        s.spd.add(policy(Direction::Outbound, "192.0.2.0/24", "198.51.100.0/24", Action::Protect)).ok());
}

// Receiver is gateway D: its inbound SA may carry only 198.51.100.0/25, so a
// packet to 198.51.100.130 passes the SPD but not the SA's selectors.
void make_receiver(Site& s, Lifetimes life = {}) {
    Selector sel;
    sel.local = net("198.51.100.0/25");
    sel.remote = net("192.0.2.0/24");
    ASSERT_TRUE(s.sad
                    .install(*SecurityAssociation::create(sa_config(Direction::Inbound, 0x2001, life, {sel}),
                                                          s.clock.now()))
                    .ok());
    ASSERT_TRUE(
        s.spd.add(policy(Direction::Inbound, "198.51.100.0/24", "192.0.2.0/24", Action::Protect)).ok());
}

// run_batch / run_singly put copies of pkts through proc in one call or
// one call each, and return the results and the buffers.
struct Outcome {
    std::vector<PacketResult> results;
    std::vector<core::Bytes> bytes;
    std::vector<Event> events;
};

Outcome run(Site& s, const std::vector<core::Bytes>& pkts, Direction dir, bool batch) {
    std::vector<PacketBuffer> bufs(pkts.size());
    std::vector<PacketBuffer*> ptrs;
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        EXPECT_TRUE(bufs[i].assign(pkts[i]).ok());
        ptrs.push_back(&bufs[i]);
    }
    Outcome o;
    o.results.resize(pkts.size());
    auto call = [&](std::span<PacketBuffer* const> p, std::span<PacketResult> r) {
        if (dir == Direction::Outbound) {
            s.proc.outbound(p, r);
        } else {
            s.proc.inbound(p, r);
        }
    };
    if (batch) {
        call(ptrs, o.results);
    } else {
        for (std::size_t i = 0; i < pkts.size(); ++i) call({&ptrs[i], 1}, {&o.results[i], 1});
    }
    for (auto& b : bufs) o.bytes.emplace_back(b.view().begin(), b.view().end());
    o.events = s.proc.take_events();
    return o;
}

void expect_same(const Outcome& batch, const Outcome& single) {
    ASSERT_EQ(batch.results.size(), single.results.size());
    for (std::size_t i = 0; i < batch.results.size(); ++i) {
        const PacketResult& a = batch.results[i];
        const PacketResult& b = single.results[i];
        EXPECT_EQ(a.verdict, b.verdict) << "packet " << i;
        EXPECT_EQ(a.drop, b.drop) << "packet " << i;
        EXPECT_EQ(a.policy_id, b.policy_id) << "packet " << i;
        EXPECT_EQ(a.spi, b.spi) << "packet " << i;
        EXPECT_EQ(a.sequence, b.sequence) << "packet " << i;
        // Dropped packets' buffers are unspecified; the rest must match.
        if (a.verdict != Verdict::Dropped) {
            EXPECT_EQ(batch.bytes[i], single.bytes[i]) << "packet " << i;
        }
    }
    ASSERT_EQ(batch.events.size(), single.events.size());
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        EXPECT_EQ(batch.events[i].kind, single.events[i].kind) << "event " << i;
        EXPECT_EQ(batch.events[i].policy_id, single.events[i].policy_id) << "event " << i;
    }
}

std::size_t count(const Outcome& o, Verdict v) {
    std::size_t n = 0;
    for (const auto& r : o.results) n += r.verdict == v ? 1 : 0;
    return n;
}

// mixed_outbound is a batch with runs of one flow broken by every other
// kind of packet the outbound path meets.
std::vector<core::Bytes> mixed_outbound() {
    const core::Bytes a = udp4("192.0.2.10", "198.51.100.20", 40000, 53);
    const core::Bytes b = udp4("192.0.2.10", "198.51.100.20", 40001, 53, 200);
    const std::array<std::uint8_t, 4> nops = {1, 1, 1, 1};
    std::vector<core::Bytes> p;
    for (int i = 0; i < 5; ++i) p.push_back(a);
    p.push_back(b);
    p.push_back(a);
    p.push_back(udp4("192.0.2.10", "198.51.100.20", 40000, 53, 64, 0x02));  // same flow, ECT(0) TOS
    p.push_back(icmp4("192.0.2.10", "198.51.100.20", 8, 1));
    p.push_back(icmp4("192.0.2.10", "198.51.100.20", 8, 2));  // same ICMP flow, another checksum
    p.push_back(icmp4("192.0.2.10", "198.51.100.20", 0, 3));  // another ICMP type
    p.push_back(ipv4("192.0.2.10", "198.51.100.20", 47, core::Bytes(40, 1)));  // no ports (GRE)
    p.push_back(ipv4("192.0.2.10", "198.51.100.20", 47, core::Bytes(40, 2)));
    p.push_back(ipv4("192.0.2.10", "198.51.100.20", 17, core::Bytes(30, 3), 0, 0, nops));  // IHL 6
    p.push_back(
        ipv4("192.0.2.10", "198.51.100.20", 17, core::Bytes(30, 3), 0, packet::kIpv4FlagMoreFragments));
    p.push_back(ipv4("192.0.2.10", "198.51.100.20", 17, core::Bytes(2, 3)));  // too short for ports
    p.push_back(udp4("192.0.2.10", "198.51.100.200", 40000, 53));             // BYPASS
    p.push_back(a);
    p.push_back(udp4("192.0.2.10", "198.51.100.201", 40000, 53));  // DISCARD
    p.push_back(a);
    p.push_back(udp4("192.0.2.10", "203.0.113.77", 40000, 53));  // no policy
    p.push_back(udp6());                                         // no policy
    p.push_back(core::Bytes{0x45, 0, 0});                        // malformed
    p.push_back(udp4("192.0.2.10", "198.51.100.130", 40000, 53));
    for (int i = 0; i < 6; ++i) p.push_back(a);
    core::Bytes link_padded = a;  // link padding behind the packet
    link_padded.insert(link_padded.end(), 6, 0);
    p.push_back(link_padded);
    p.push_back(a);
    return p;
}

TEST(ProcessorRun, OutboundBatchEqualsOnePacketPerCall) {
    Site batch_site, single_site;
    make_sender(batch_site);
    make_sender(single_site);
    const auto pkts = mixed_outbound();
    const Outcome batch = run(batch_site, pkts, Direction::Outbound, true);
    const Outcome single = run(single_site, pkts, Direction::Outbound, false);
    expect_same(batch, single);
    EXPECT_GE(count(batch, Verdict::Protected), 20U);
    EXPECT_EQ(count(batch, Verdict::Bypassed), 1U);
}

TEST(ProcessorRun, OutboundLifetimeLimitsFireAtTheSamePacketInARun) {
    Lifetimes life;
    life.soft.packets = 5;
    life.hard.packets = 11;
    Site batch_site, single_site;
    make_sender(batch_site, life);
    make_sender(single_site, life);
    const std::vector<core::Bytes> pkts(16, udp4("192.0.2.10", "198.51.100.20", 40000, 53));
    const Outcome batch = run(batch_site, pkts, Direction::Outbound, true);
    const Outcome single = run(single_site, pkts, Direction::Outbound, false);
    expect_same(batch, single);
    ASSERT_GE(batch.events.size(), 2U);
    EXPECT_EQ(batch.events[0].kind, EventKind::SoftExpired);
    EXPECT_EQ(batch.events[1].kind, EventKind::HardExpired);
    EXPECT_EQ(count(batch, Verdict::Protected), 11U);
}

// wire protects pkts (one call each) at a fresh sender and returns the ESP
// packets on the wire.
std::vector<core::Bytes> wire(const std::vector<core::Bytes>& pkts) {
    Site s;
    make_sender(s);
    const Outcome o = run(s, pkts, Direction::Outbound, false);
    std::vector<core::Bytes> out;
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        EXPECT_EQ(o.results[i].verdict, Verdict::Protected) << i;
        out.push_back(o.bytes[i]);
    }
    return out;
}

// fix_outer_checksum recomputes the outer IPv4 header checksum (20 bytes).
void fix_outer_checksum(core::Bytes& p) {
    p[10] = 0;
    p[11] = 0;
    const std::uint16_t sum = packet::internet_checksum(core::ByteView(p).first(20));
    p[10] = static_cast<std::uint8_t>(sum >> 8);
    p[11] = static_cast<std::uint8_t>(sum);
}

TEST(ProcessorRun, InboundBatchEqualsOnePacketPerCall) {
    const core::Bytes a = udp4("192.0.2.10", "198.51.100.20", 40000, 53);
    const core::Bytes b = udp4("192.0.2.11", "198.51.100.21", 5000, 6000, 300);
    core::Bytes bad_inner_sum = a;  // an inner header checksum the peer got wrong
    bad_inner_sum[10] ^= 0x55;
    std::vector<core::Bytes> plain;
    for (int i = 0; i < 4; ++i) plain.push_back(a);
    plain.push_back(b);
    plain.push_back(a);
    plain.push_back(udp4("192.0.2.10", "198.51.100.130", 40000, 53));  // outside the SA's selectors
    plain.push_back(a);
    plain.push_back(bad_inner_sum);
    plain.push_back(icmp4("192.0.2.10", "198.51.100.20", 8, 1));
    plain.push_back(icmp4("192.0.2.10", "198.51.100.20", 8, 2));
    plain.push_back(udp4("192.0.2.10", "198.51.100.20", 40000, 53, 64, 0x02));  // ECT(0)
    for (int i = 0; i < 8; ++i) plain.push_back(a);
    const std::vector<core::Bytes> w = wire(plain);

    std::vector<core::Bytes> in;
    in.push_back(w[0]);
    in.push_back(w[1]);
    in.push_back(w[1]);  // replayed
    in.push_back(w[2]);
    core::Bytes tampered = w[3];  // ICV fails
    tampered[60] ^= 1;
    in.push_back(tampered);
    in.push_back(w[3]);
    core::Bytes bad_outer = w[4];  // outer checksum wrong
    bad_outer[12] ^= 1;
    in.push_back(bad_outer);
    in.push_back(w[4]);
    core::Bytes unknown_spi = w[5];
    unknown_spi[23] ^= 0x40;
    in.push_back(unknown_spi);
    in.push_back(w[5]);
    in.push_back(w[6]);
    in.push_back(w[7]);
    in.push_back(w[8]);
    core::Bytes truncated(w[9].begin(), w[9].begin() + 30);
    truncated[2] = 0;
    truncated[3] = 30;
    fix_outer_checksum(truncated);
    in.push_back(truncated);
    in.push_back(w[9]);
    in.push_back(w[10]);
    core::Bytes ce = w[11];  // congestion marked on the outer header (RFC 6040)
    ce[1] |= 0x03;
    fix_outer_checksum(ce);
    in.push_back(ce);
    for (std::size_t i = 12; i < w.size(); ++i) in.push_back(w[i]);
    in.push_back(w[12]);  // an old one again, after the run

    Site batch_site, single_site;
    make_receiver(batch_site);
    make_receiver(single_site);
    const Outcome batch = run(batch_site, in, Direction::Inbound, true);
    const Outcome single = run(single_site, in, Direction::Inbound, false);
    expect_same(batch, single);
    EXPECT_EQ(count(batch, Verdict::Delivered), 19U);

    // The inner packet with a wrong header checksum is delivered as the peer
    // sent it (the ICV covered it; the host's stack checks it on delivery).
    bool found_bad = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (batch.results[i].verdict == Verdict::Delivered && batch.bytes[i] == bad_inner_sum)
            found_bad = true;
    }
    EXPECT_TRUE(found_bad);
    // The CE mark reached the inner header, whose checksum was updated.
    bool found_ce = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const core::Bytes& d = batch.bytes[i];
        if (batch.results[i].verdict != Verdict::Delivered || d.size() < 20 || (d[1] & 0x03) != 0x03)
            continue;
        found_ce = true;
        EXPECT_EQ(packet::internet_checksum(core::ByteView(d).first(20)), 0);
    }
    EXPECT_TRUE(found_ce);
}

TEST(ProcessorRun, InboundCeMarkKeepsAWrongInnerChecksumWrong) {
    core::Bytes plain = udp4("192.0.2.10", "198.51.100.20", 40000, 53, 64, 0x02);  // ECT(0)
    plain[10] ^= 0x21;
    const auto w = wire({plain});
    core::Bytes ce = w[0];
    ce[1] |= 0x03;
    fix_outer_checksum(ce);
    Site s;
    make_receiver(s);
    const Outcome o = run(s, {ce}, Direction::Inbound, true);
    ASSERT_EQ(o.results[0].verdict, Verdict::Delivered);
    const core::Bytes& d = o.bytes[0];
    EXPECT_EQ(d[1] & 0x03, 0x03);
    // RFC 1624: updated incrementally, the checksum is still off by what the
    // sender got wrong, not recomputed into a valid one.
    EXPECT_NE(packet::internet_checksum(core::ByteView(d).first(20)), 0);
    core::Bytes expect = plain;
    expect[1] = d[1];
    const std::uint32_t old_sum = (std::uint32_t{plain[10]} << 8) | plain[11];
    std::uint32_t sum = (~old_sum & 0xffffU) + (~((std::uint32_t{plain[0]} << 8) | plain[1]) & 0xffffU) +
                        ((std::uint32_t{d[0]} << 8) | d[1]);
    sum = (sum & 0xffffU) + (sum >> 16);
    sum = (sum & 0xffffU) + (sum >> 16);
    expect[10] = static_cast<std::uint8_t>((~sum >> 8) & 0xff);
    expect[11] = static_cast<std::uint8_t>(~sum & 0xff);
    EXPECT_EQ(d, expect);
}

TEST(ProcessorRun, InboundLifetimeLimitsFireAtTheSamePacketInARun) {
    Lifetimes life;
    life.soft.packets = 4;
    life.hard.packets = 9;
    const std::vector<core::Bytes> plain(14, udp4("192.0.2.10", "198.51.100.20", 40000, 53));
    const auto w = wire(plain);
    Site batch_site, single_site;
    make_receiver(batch_site, life);
    make_receiver(single_site, life);
    const Outcome batch = run(batch_site, w, Direction::Inbound, true);
    const Outcome single = run(single_site, w, Direction::Inbound, false);
    expect_same(batch, single);
    ASSERT_EQ(batch.events.size(), 2U);
    EXPECT_EQ(batch.events[0].kind, EventKind::SoftExpired);
    EXPECT_EQ(batch.events[1].kind, EventKind::HardExpired);
    EXPECT_EQ(count(batch, Verdict::Delivered), 9U);
}

}  // namespace
}  // namespace strata::ipsec
