// datapath_bench: the IPsec datapath beside its ceiling, in one run.
//
//   BM_EspOutbound/<alg>/<size>   Processor::outbound, tunnel mode, batches of 32
//   BM_EspInbound/<alg>/<size>    Processor::inbound of the same packets
//   BM_CeilingAeadSeal/<size>     raw EVP AES-128-GCM seal of the same bytes, batches of 32
//   BM_CeilingAeadOpen/<size>     raw EVP AES-128-GCM open, each message first copied in
//                                 from a pool as BM_EspInbound's packets are
//   BM_CeilingAeadSealEspBuffers/<size>  the seal ceiling in ESP's 32 PacketBuffers (a check
//                                 that the ceiling's buffers give it no advantage)
//   BM_ReplayCheck/<window>/<pattern>  check + accept, in-order / reordered / lossy
//   BM_SpdLookup/<policies>       outbound SPD lookup among N policies
//
// The ESP figures include everything a packet costs on the datapath: SPD
// lookup, SA lookup, sequence number, padding, headers, crypto, lifetime
// accounting, and inbound the replay window and the inner SPD check.
//
// Like the ceiling, which seals the same 32 buffers again every round, the
// outbound benchmark protects the same 32 buffers again every round: between
// rounds it only puts back the 28 bytes of IPv4/UDP header and the buffer's
// bounds (the payload is whatever the last round left, as in the ceiling).
// Inbound packets must be fresh ESP packets, so each round copies them in
// from a pool protected ahead of time; the pool (8 batches) stays within the
// L2 cache, as packets just received would be.
// Addresses are from 198.18.0.0/15 (RFC 2544 benchmarking) and documentation ranges.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ipsec/processor.hpp"
#include "packet/ipv4.hpp"
#include "packet/udp.hpp"

namespace {

using namespace strata;
using ipsec::Direction;

constexpr std::size_t kBatch = 32;
const std::array<std::size_t, 3> kSizes = {64, 512, 1400};

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

// plain_packet returns an IPv4/UDP packet of exactly `size` bytes.
core::Bytes plain_packet(std::size_t size) {
    const std::size_t payload = size > 28 ? size - 28 : 0;
    auto udp = packet::build_udp(40000, 9, core::Bytes(payload, 0xab), ip("192.0.2.10"), ip("198.51.100.20"));
    packet::Ipv4Header h;
    h.protocol = 17;
    h.src = ip("192.0.2.10");
    h.dst = ip("198.51.100.20");
    return *packet::build_ipv4(h, *udp);
}

ipsec::SaConfig sa_config(Direction dir, const std::string& alg) {
    ipsec::SaConfig c;
    c.spi = 0x1001;
    c.reqid = 1;
    c.direction = dir;
    c.mode = ipsec::Mode::Tunnel;
    c.src = ip("203.0.113.1");
    c.dst = ip("203.0.113.2");
    c.replay_window = 1024;
    if (alg == "aes128gcm16") {
        c.encryption = crypto::find_encryption("aes128gcm16");
    } else {
        c.encryption = crypto::find_encryption("aes256");
        c.integrity = crypto::find_integrity("sha256");
        c.integrity_key = core::SecretBytes(c.integrity->key_len);
    }
    c.encryption_key = core::SecretBytes(c.encryption->key_len + c.encryption->salt_len);
    return c;
}

ipsec::Policy policy(Direction dir) {
    ipsec::Policy p;
    p.direction = dir;
    const bool out = dir == Direction::Outbound;
    p.selector.local =
        ipsec::AddressRange::from_prefix(*packet::IpPrefix::parse(out ? "192.0.2.0/24" : "198.51.100.0/24"));
    p.selector.remote =
        ipsec::AddressRange::from_prefix(*packet::IpPrefix::parse(out ? "198.51.100.0/24" : "192.0.2.0/24"));
    p.action = ipsec::Action::Protect;
    p.protect.mode = ipsec::Mode::Tunnel;
    p.protect.tunnel_src = ip("203.0.113.1");
    p.protect.tunnel_dst = ip("203.0.113.2");
    p.protect.reqid = 1;
    return p;
}

// Gateway is one side's SPD, SAD and processor.
struct Gateway {
    ipsec::Spd spd;
    ipsec::Sad sad;
    core::RealClock clock;
    ipsec::Processor proc{spd, sad, clock};
    Gateway(Direction dir, const std::string& alg) {
        (void)sad.install(*ipsec::SecurityAssociation::create(sa_config(dir, alg), clock.now()));
        (void)spd.add(policy(dir));
    }
};

struct Batch {
    std::vector<ipsec::PacketBuffer> bufs{kBatch};
    std::vector<ipsec::PacketBuffer*> ptrs;
    std::vector<ipsec::PacketResult> res{kBatch};
    Batch() {
        for (auto& b : bufs) ptrs.push_back(&b);
    }
};

// kHeaderBytes is the IPv4 and UDP header of plain_packet.
constexpr std::size_t kHeaderBytes = 28;

// restore turns a buffer that outbound processing protected back into the
// plaintext packet it held: its bounds, and its IPv4/UDP header (the bytes
// after it stay as they are; ESP's cost does not depend on them).
void restore(ipsec::PacketBuffer& b, core::ByteView plain) {
    (void)b.pull_front(ipsec::PacketBuffer::kDefaultHeadroom - b.headroom());
    (void)b.trim_back(b.size() - plain.size());
    const std::size_t n = std::min(kHeaderBytes, plain.size());
    std::copy(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(n), b.data().begin());
}

void esp_outbound(benchmark::State& state, std::string alg, std::size_t size) {
    Gateway gw(Direction::Outbound, alg);
    const core::Bytes plain = plain_packet(size);
    Batch batch;
    for (auto& b : batch.bufs) (void)b.assign(plain);
    bool first = true;
    for (auto _ : state) {
        if (!first) {
            for (auto& b : batch.bufs) restore(b, plain);
        }
        first = false;
        gw.proc.outbound(batch.ptrs, batch.res);
        if (batch.res[0].verdict != ipsec::Verdict::Protected) state.SkipWithError("not protected");
        benchmark::DoNotOptimize(batch.bufs[kBatch - 1].view().data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// warm runs one inbound SPD lookup, so that the SPD builds its index (it
// does so on the first lookup after a change) before the timed region.
void warm(Gateway& gw) {
    ipsec::PacketFields f;
    f.src = ip("198.51.100.20");
    f.dst = ip("192.0.2.10");
    f.protocol = 17;
    benchmark::DoNotOptimize(gw.spd.lookup(f, Direction::Inbound));
}

void esp_inbound(benchmark::State& state, std::string alg, std::size_t size) {
    // Packets are protected ahead of time (sequence numbers must be fresh for
    // the replay window); when the pool runs out the receiver is re-created,
    // outside the timed region.
    constexpr std::size_t kPool = 8 * kBatch;
    Gateway sender(Direction::Outbound, alg);
    const core::Bytes plain = plain_packet(size);
    std::vector<core::Bytes> wire;
    wire.reserve(kPool);
    {
        ipsec::PacketBuffer b;
        ipsec::PacketBuffer* p = &b;
        ipsec::PacketResult r;
        for (std::size_t i = 0; i < kPool; ++i) {
            (void)b.assign(plain);
            sender.proc.outbound({&p, 1}, {&r, 1});
            wire.emplace_back(b.view().begin(), b.view().end());
        }
    }
    auto receiver = std::make_unique<Gateway>(Direction::Inbound, alg);
    warm(*receiver);
    Batch batch;
    std::size_t next = 0;
    for (auto _ : state) {
        if (next == kPool) {
            state.PauseTiming();
            receiver = std::make_unique<Gateway>(Direction::Inbound, alg);
            warm(*receiver);
            next = 0;
            state.ResumeTiming();
        }
        for (auto& b : batch.bufs) (void)b.assign(wire[next++]);
        receiver->proc.inbound(batch.ptrs, batch.res);
        if (batch.res[0].verdict != ipsec::Verdict::Delivered) state.SkipWithError("not delivered");
        benchmark::DoNotOptimize(batch.bufs[kBatch - 1].view().data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// ceiling_aead_seal is raw libcrypto AES-128-GCM: one keyed context, a fresh
// nonce per packet, `size` bytes sealed in place, 16-byte tag; batches of 32.
void ceiling_aead_seal(benchmark::State& state, std::size_t size) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const std::array<unsigned char, 16> key{};
    EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
    std::vector<std::vector<unsigned char>> bufs(kBatch, std::vector<unsigned char>(size + 16, 0xab));
    std::array<unsigned char, 12> nonce{};
    std::array<unsigned char, 8> aad{};
    std::uint64_t seq = 0;
    for (auto _ : state) {
        for (auto& b : bufs) {
            ++seq;
            for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
            int len = 0;
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data());
            EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            EVP_EncryptUpdate(ctx, b.data(), &len, b.data(), static_cast<int>(size));
            EVP_EncryptFinal_ex(ctx, b.data() + size, &len);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, b.data() + size);
        }
        benchmark::DoNotOptimize(bufs[kBatch - 1].data());
    }
    EVP_CIPHER_CTX_free(ctx);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// ceiling_aead_seal_pb is ceiling_aead_seal in the buffers ESP works in:
// 32 PacketBuffers (one 66 KB allocation each), sealing at the offset where
// outbound ESP's plaintext starts (the default headroom). It checks that the
// ceiling's own 32 small vectors give it no cache or TLB advantage ESP
// cannot have; the targets are stated against ceiling_aead_seal.
void ceiling_aead_seal_pb(benchmark::State& state, std::size_t size) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const std::array<unsigned char, 16> key{};
    EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
    Batch batch;
    const core::Bytes fill(size + 16, 0xab);
    for (auto& b : batch.bufs) (void)b.assign(fill);
    std::array<unsigned char, 12> nonce{};
    std::array<unsigned char, 8> aad{};
    std::uint64_t seq = 0;
    for (auto _ : state) {
        for (auto& pb : batch.bufs) {
            unsigned char* b = pb.data().data();
            ++seq;
            for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
            int len = 0;
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data());
            EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            EVP_EncryptUpdate(ctx, b, &len, b, static_cast<int>(size));
            EVP_EncryptFinal_ex(ctx, b + size, &len);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, b + size);
        }
        benchmark::DoNotOptimize(batch.bufs[kBatch - 1].view().data());
    }
    EVP_CIPHER_CTX_free(ctx);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// ceiling_aead_open is the inbound counterpart of ceiling_aead_seal: raw
// libcrypto AES-128-GCM opens (nonce, expected tag, 8-byte AAD, `size` bytes
// decrypted in place, tag checked), batches of 32. Like BM_EspInbound, which
// must copy fresh packets in because it decrypts in place, each round first
// copies its 32 sealed messages in from a pool of 8 batches sealed ahead of
// time; so the two differ by what ESP adds, not by the harness.
void ceiling_aead_open(benchmark::State& state, std::size_t size) {
    constexpr std::size_t kPool = 8 * kBatch;
    const std::array<unsigned char, 16> key{};
    std::array<unsigned char, 8> aad{};
    auto nonce_for = [](std::uint64_t seq) {
        std::array<unsigned char, 12> n{};
        for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
        return n;
    };
    // The pool: message i sealed under nonce i + 1, its tag after it.
    std::vector<std::vector<unsigned char>> pool(kPool, std::vector<unsigned char>(size + 16, 0xab));
    {
        EVP_CIPHER_CTX* seal = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex(seal, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
        for (std::size_t i = 0; i < kPool; ++i) {
            auto& m = pool[i];
            const auto nonce = nonce_for(i + 1);
            int len = 0;
            EVP_EncryptInit_ex(seal, nullptr, nullptr, nullptr, nonce.data());
            EVP_EncryptUpdate(seal, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            EVP_EncryptUpdate(seal, m.data(), &len, m.data(), static_cast<int>(size));
            EVP_EncryptFinal_ex(seal, m.data() + size, &len);
            EVP_CIPHER_CTX_ctrl(seal, EVP_CTRL_GCM_GET_TAG, 16, m.data() + size);
        }
        EVP_CIPHER_CTX_free(seal);
    }
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
    std::vector<std::vector<unsigned char>> bufs(kBatch, std::vector<unsigned char>(size + 16));
    std::size_t next = 0;
    bool ok = true;
    for (auto _ : state) {
        if (next == kPool) next = 0;
        for (auto& b : bufs) {
            const auto& m = pool[next];
            std::copy(m.begin(), m.end(), b.begin());
            ++next;
            const auto nonce = nonce_for(next);
            int len = 0;
            EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data());
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, b.data() + size);
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            EVP_DecryptUpdate(ctx, b.data(), &len, b.data(), static_cast<int>(size));
            ok = ok && EVP_DecryptFinal_ex(ctx, b.data() + size, &len) == 1;
        }
        benchmark::DoNotOptimize(bufs[kBatch - 1].data());
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) state.SkipWithError("tag mismatch");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// replay_sequence returns 2^20 sequence numbers in a delivery pattern.
std::vector<std::uint64_t> replay_sequence(const std::string& pattern, std::uint32_t window) {
    std::mt19937_64 rng(42);
    std::vector<std::uint64_t> seq(1U << 20);
    std::uint64_t s = 0;
    for (auto& v : seq) {
        if (pattern == "lossy") {
            s += 1 + (rng() % 4 == 0 ? rng() % 64 : 0);  // a quarter of the time, a gap of up to 63
        } else {
            s += 1;
        }
        v = s;
    }
    if (pattern == "reordered") {
        // Shuffle within blocks that stay inside the window.
        const std::size_t block = std::min<std::size_t>(window / 2, 64);
        for (std::size_t i = 0; i + block <= seq.size(); i += block) {
            std::shuffle(seq.begin() + static_cast<std::ptrdiff_t>(i),
                         seq.begin() + static_cast<std::ptrdiff_t>(i + block), rng);
        }
    }
    return seq;
}

void replay_check(benchmark::State& state, std::uint32_t window, std::string pattern) {
    const auto seq = replay_sequence(pattern, window);
    auto w = std::make_unique<ipsec::ReplayWindow>(*ipsec::ReplayWindow::create(window, true));
    std::size_t i = 0;
    std::uint64_t accepted = 0;
    for (auto _ : state) {
        if (i == seq.size()) {
            state.PauseTiming();
            w = std::make_unique<ipsec::ReplayWindow>(*ipsec::ReplayWindow::create(window, true));
            i = 0;
            state.ResumeTiming();
        }
        const std::uint64_t s = seq[i++];
        if (w->check(s) == ipsec::ReplayVerdict::Fresh) accepted += w->accept(s) ? 1 : 0;
        benchmark::DoNotOptimize(accepted);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void spd_lookup(benchmark::State& state, std::uint32_t count) {
    ipsec::Spd spd;
    const std::uint32_t base = 0xc6120000U;  // 198.18.0.0/15
    for (std::uint32_t i = 0; i < count; ++i) {
        ipsec::Policy p;
        p.direction = Direction::Outbound;
        p.selector.local = ipsec::AddressRange::from_prefix(*packet::IpPrefix::parse("192.0.2.0/24"));
        p.selector.remote = {packet::IpAddress::v4(base + i), packet::IpAddress::v4(base + i)};
        p.selector.protocol = 17;
        p.action = ipsec::Action::Bypass;
        (void)spd.add(std::move(p));
    }
    std::mt19937 rng(1);
    std::vector<ipsec::PacketFields> probes(4096);
    for (auto& f : probes) {
        f.src = ip("192.0.2.10");
        f.dst = packet::IpAddress::v4(base + static_cast<std::uint32_t>(rng() % count));
        f.protocol = 17;
        f.has_ports = true;
        f.src_port = 40000;
        f.dst_port = 53;
    }
    // The SPD builds its index on the first lookup after a change: do it
    // before the timed loop, which measures lookups.
    benchmark::DoNotOptimize(spd.lookup(probes[0], Direction::Outbound));
    std::size_t i = 0;
    for (auto _ : state) {
        const ipsec::Policy* p = spd.lookup(probes[i++ & 4095], Direction::Outbound);
        if (p == nullptr) state.SkipWithError("no policy");
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

int register_all() {
    for (const char* alg : {"aes128gcm16", "aes256-sha256"}) {
        for (std::size_t size : kSizes) {
            const std::string suffix = std::string(alg) + "/" + std::to_string(size);
            benchmark::RegisterBenchmark(("BM_EspOutbound/" + suffix).c_str(), esp_outbound, alg, size);
            benchmark::RegisterBenchmark(("BM_EspInbound/" + suffix).c_str(), esp_inbound, alg, size);
        }
    }
    for (std::size_t size : kSizes) {
        benchmark::RegisterBenchmark(("BM_CeilingAeadSeal/" + std::to_string(size)).c_str(),
                                     ceiling_aead_seal, size);
        benchmark::RegisterBenchmark(("BM_CeilingAeadOpen/" + std::to_string(size)).c_str(),
                                     ceiling_aead_open, size);
        benchmark::RegisterBenchmark(("BM_CeilingAeadSealEspBuffers/" + std::to_string(size)).c_str(),
                                     ceiling_aead_seal_pb, size);
    }
    for (std::uint32_t window : {64U, 1024U, 4096U}) {
        for (const char* pattern : {"in-order", "reordered", "lossy"}) {
            benchmark::RegisterBenchmark(("BM_ReplayCheck/" + std::to_string(window) + "/" + pattern).c_str(),
                                         replay_check, window, std::string(pattern));
        }
    }
    for (std::uint32_t n : {10U, 1000U, 100000U}) {
        benchmark::RegisterBenchmark(("BM_SpdLookup/" + std::to_string(n)).c_str(), spd_lookup, n);
    }
    return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
