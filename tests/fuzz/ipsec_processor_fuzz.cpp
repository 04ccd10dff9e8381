// ipsec_processor_fuzz.cpp: batches of arbitrary packets through
// Processor::outbound and Processor::inbound (the per-batch runs and flow
// caches), and the same packets one call at a time, which must agree.
//
// The input is a list of records: length (2 bytes, big-endian), a control
// byte, then that many packet bytes. Each packet goes through a sender's
// outbound path (tunnel-mode AES-GCM and a BYPASS/DISCARD policy beside the
// PROTECT one), in one batch. What the sender protected, plus every record
// whose control byte has bit 0 set taken as a received packet as it is, then
// goes through a receiver's inbound path in one batch; bit 1 flips the byte
// at (control >> 2) of that wire packet first, and bit 0 of a protected
// packet's control byte sends it twice (a replay). A twin receiver takes the
// same packets one call each: results and delivered bytes must be equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/clock.hpp"
#include "crypto/algorithm_table.hpp"
#include "ipsec/processor.hpp"

namespace {

using namespace strata;
using ipsec::Direction;

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

ipsec::AddressRange net(const char* p) {
    return ipsec::AddressRange::from_prefix(*packet::IpPrefix::parse(p));
}

ipsec::SaConfig sa_config(Direction dir) {
    ipsec::SaConfig c;
    c.spi = 0x3001;
    c.reqid = 1;
    c.direction = dir;
    c.mode = ipsec::Mode::Tunnel;
    c.src = ip("203.0.113.1");
    c.dst = ip("203.0.113.2");
    c.encryption = crypto::find_encryption("aes128gcm16");
    core::SecretBytes k(c.encryption->key_len + c.encryption->salt_len);
    for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(i * 29 + 3);
    c.encryption_key = std::move(k);
    c.lifetimes.soft.packets = 40;  // a limit inside some batches
    c.lifetimes.hard.packets = 90;
    if (dir == Direction::Inbound) {
        ipsec::Selector s;
        s.local = net("198.51.100.0/25");
        s.remote = net("192.0.2.0/24");
        c.selectors = {s};
    }
    return c;
}

ipsec::Policy policy(Direction dir, const char* local, const char* remote, ipsec::Action a) {
    ipsec::Policy p;
    p.direction = dir;
    p.selector.local = net(local);
    p.selector.remote = net(remote);
    p.action = a;
    if (a == ipsec::Action::Protect) {
        p.protect.protocols = {ipsec::Protocol::Esp};
        p.protect.mode = ipsec::Mode::Tunnel;
        p.protect.reqid = 1;
        p.protect.tunnel_src = ip("203.0.113.1");
        p.protect.tunnel_dst = ip("203.0.113.2");
    }
    return p;
}

struct Site {
    ipsec::Spd spd;
    ipsec::Sad sad;
    core::ManualClock clock;
    ipsec::Processor proc{spd, sad, clock};
    explicit Site(Direction dir) {
        (void)sad.install(*ipsec::SecurityAssociation::create(sa_config(dir), clock.now()));
        if (dir == Direction::Outbound) {
            (void)spd.add(policy(dir, "192.0.2.0/24", "198.51.100.200/32", ipsec::Action::Bypass));
            (void)spd.add(policy(dir, "192.0.2.0/24", "198.51.100.201/32", ipsec::Action::Discard));
            (void)spd.add(policy(dir, "192.0.2.0/24", "198.51.100.0/24", ipsec::Action::Protect));
        } else {
            (void)spd.add(policy(dir, "198.51.100.0/24", "192.0.2.0/24", ipsec::Action::Protect));
            (void)spd.add(policy(dir, "198.51.100.0/24", "203.0.113.0/24", ipsec::Action::Bypass));
        }
    }
};

struct Record {
    std::uint8_t control;
    core::Bytes bytes;
};

// Buffers holds one batch.
struct Buffers {
    std::vector<ipsec::PacketBuffer> bufs;
    std::vector<ipsec::PacketBuffer*> ptrs;
    std::vector<ipsec::PacketResult> res;
    explicit Buffers(const std::vector<core::Bytes>& pkts) : bufs(pkts.size()), res(pkts.size()) {
        for (std::size_t i = 0; i < pkts.size(); ++i) {
            (void)bufs[i].assign(pkts[i]);
            ptrs.push_back(&bufs[i]);
        }
    }
};

bool same(const ipsec::PacketResult& a, const ipsec::PacketResult& b) {
    return a.verdict == b.verdict && a.drop == b.drop && a.policy_id == b.policy_id && a.spi == b.spi &&
           a.sequence == b.sequence;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<Record> records;
    std::size_t pos = 0;
    while (pos + 3 <= size && records.size() < 64) {
        const std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
        const std::uint8_t control = data[pos + 2];
        pos += 3;
        const std::size_t n = len < size - pos ? len : size - pos;
        records.push_back({control, core::Bytes(data + pos, data + pos + n)});
        pos += n;
    }
    if (records.empty()) return 0;

    // Outbound: one batch.
    Site sender(Direction::Outbound);
    std::vector<core::Bytes> plain;
    for (const auto& r : records) plain.push_back(r.bytes);
    Buffers out(plain);
    sender.proc.outbound(out.ptrs, out.res);
    (void)sender.proc.take_events();

    // Inbound: what was protected (maybe altered, maybe twice) and the
    // records marked as received packets.
    std::vector<core::Bytes> wire;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const std::uint8_t c = records[i].control;
        if (out.res[i].verdict == ipsec::Verdict::Protected) {
            core::Bytes w(out.bufs[i].view().begin(), out.bufs[i].view().end());
            if ((c & 2) != 0 && !w.empty()) w[(c >> 2) % w.size()] ^= 0x01;
            wire.push_back(w);
            if ((c & 1) != 0) wire.push_back(w);
        } else if ((c & 1) != 0) {
            wire.push_back(records[i].bytes);
        }
    }
    if (wire.empty()) return 0;
    Site batch_rx(Direction::Inbound);
    Site single_rx(Direction::Inbound);
    Buffers batch(wire);
    Buffers single(wire);
    batch_rx.proc.inbound(batch.ptrs, batch.res);
    for (std::size_t i = 0; i < wire.size(); ++i)
        single_rx.proc.inbound({&single.ptrs[i], 1}, {&single.res[i], 1});
    for (std::size_t i = 0; i < wire.size(); ++i) {
        if (!same(batch.res[i], single.res[i])) std::abort();
        if (batch.res[i].verdict == ipsec::Verdict::Delivered &&
            !(core::Bytes(batch.bufs[i].view().begin(), batch.bufs[i].view().end()) ==
              core::Bytes(single.bufs[i].view().begin(), single.bufs[i].view().end())))
            std::abort();
    }
    if (batch_rx.proc.take_events().size() != single_rx.proc.take_events().size()) std::abort();
    return 0;
}
