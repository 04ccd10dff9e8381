// `strata pcap protect|unprotect`: run every packet of a pcap file through
// the outbound or inbound IPsec path with manually keyed SAs and policies,
// print what happened to each, and write the result as a pcap (LINKTYPE_RAW).
// `--wireshark-keys FILE` writes the esp_sa table Wireshark needs to decrypt
// the ESP packets.
#include <fmt/core.h>

#include <fstream>
#include <set>
#include <string>
#include <tuple>

#include "apps/strata/commands.hpp"
#include "config/manual_keying.hpp"
#include "ipsec/processor.hpp"
#include "packet/keylog.hpp"
#include "packet/pcap.hpp"
#include "packet/pcap_reader.hpp"

namespace strata::apps {

namespace {

struct PcapOptions {
    std::string sa_file;
    std::string in;
    std::string out;
    std::string wireshark_keys;
    bool quiet = false;
};

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "strata pcap: {}\n", msg);
    throw ExitCode{2};
}

std::optional<packet::EspEncryption> wireshark_encryption(const crypto::EncryptionInfo& e) {
    using packet::EspEncryption;
    if (e.aead) {
        if (e.aead_alg == crypto::AeadAlg::ChaCha20Poly1305) return std::nullopt;
        if (e.icv_len == 8) return EspEncryption::AesGcm8;
        if (e.icv_len == 12) return EspEncryption::AesGcm12;
        return EspEncryption::AesGcm16;
    }
    switch (e.cipher_alg) {
        case crypto::CipherAlg::Null: return EspEncryption::Null;
        case crypto::CipherAlg::TripleDesCbc: return EspEncryption::TripleDesCbc;
        default: return EspEncryption::AesCbc;
    }
}

packet::EspIntegrity wireshark_integrity(const crypto::IntegrityInfo* i) {
    using packet::EspIntegrity;
    if (i == nullptr) return EspIntegrity::Null;
    switch (i->mac) {
        case crypto::MacAlg::HmacMd5_96: return EspIntegrity::HmacMd5_96;
        case crypto::MacAlg::HmacSha1_96: return EspIntegrity::HmacSha1_96;
        case crypto::MacAlg::HmacSha384_192: return EspIntegrity::HmacSha384_192;
        case crypto::MacAlg::HmacSha512_256: return EspIntegrity::HmacSha512_256;
        default: return EspIntegrity::HmacSha256_128;
    }
}

// write_wireshark_keys writes one esp_sa line per distinct ESP SA. Wireshark
// takes the whole KEYMAT (AES-GCM key with its salt) as the key.
void write_wireshark_keys(const ipsec::Sad& sad, const std::string& path) {
    std::ofstream f(path);
    if (!f) die("cannot write " + path);
    std::set<std::tuple<std::uint32_t, packet::IpAddress, packet::IpAddress>> seen;
    std::vector<packet::EspSaKeys> keys;
    for (const auto& sa : sad.all()) {
        const ipsec::SaConfig& c = sa->config();
        if (c.protocol != ipsec::Protocol::Esp || !seen.emplace(c.spi, c.src, c.dst).second) continue;
        auto enc = wireshark_encryption(*c.encryption);
        if (!enc) {
            fmt::print(stderr, "strata pcap: Wireshark cannot decrypt {} (SPI 0x{:08x}); not written\n",
                       c.encryption->keyword, c.spi);
            continue;
        }
        keys.push_back({c.src, c.dst, c.spi, *enc, c.encryption_key.view(), wireshark_integrity(c.integrity),
                        c.integrity_key.view()});
    }
    packet::write_esp_sa_file(f, keys);
    if (!f) die("cannot write " + path);
}

void print_counters(const ipsec::Sad& sad, const ipsec::Processor& proc) {
    fmt::print("counters:\n");
    for (const auto& sa : sad.all()) {
        const ipsec::SaConfig& c = sa->config();
        const auto& k = sa->counters();
        fmt::print("  sa 0x{:08x} {} {} {:<9} {} -> {}  packets={} bytes={}", c.spi,
                   ipsec::to_string(c.protocol), c.direction == ipsec::Direction::Inbound ? "in " : "out",
                   ipsec::to_string(c.mode), c.src.to_string(), c.dst.to_string(), k.packets.load(),
                   k.bytes.load());
        for (std::size_t d = 0; d < ipsec::kDropReasons; ++d) {
            const auto reason = static_cast<ipsec::Drop>(d);
            if (k.drops.get(reason) != 0) fmt::print(" {}={}", ipsec::to_string(reason), k.drops.get(reason));
        }
        fmt::print("\n");
    }
    fmt::print("  processor");
    for (std::size_t d = 0; d < ipsec::kDropReasons; ++d) {
        const auto reason = static_cast<ipsec::Drop>(d);
        if (proc.drops().get(reason) != 0)
            fmt::print(" {}={}", ipsec::to_string(reason), proc.drops().get(reason));
    }
    fmt::print(" (drops not charged to an SA: {})\n", proc.drops().total());
}

void run_pcap(const PcapOptions& o, bool protect) {
    auto mk = config::load_manual_keying(o.sa_file);
    if (!mk) die(mk.error().message);
    const core::RealClock clock;
    ipsec::Sad sad;
    ipsec::Spd spd;
    if (auto r = config::install(*mk, sad, spd, clock.now()); !r) die(o.sa_file + ": " + r.error().message);
    if (!o.wireshark_keys.empty()) write_wireshark_keys(sad, o.wireshark_keys);

    auto bytes = packet::read_file(o.in);
    if (!bytes) die("cannot read " + o.in);
    auto cap = packet::parse_pcap(*bytes);
    if (!cap) die(o.in + ": " + std::string(core::to_string(cap.error())));
    auto out = packet::PcapFile::create(o.out);
    if (!out) die("cannot write " + o.out);

    ipsec::Processor proc(spd, sad, clock);
    ipsec::PacketBuffer buf;
    ipsec::PacketBuffer* const bufs[] = {&buf};
    std::size_t n = 0, written = 0;
    for (const auto& rec : cap->records) {
        ++n;
        if (!rec.is_ip) {
            if (!o.quiet) fmt::print("{:>5} skipped   not an IP packet\n", n);
            continue;
        }
        ipsec::PacketResult res;
        if (!buf.assign(rec.ip).ok()) die("packet " + std::to_string(n) + " is too large");
        if (protect) {
            proc.outbound(bufs, {&res, 1});
        } else {
            proc.inbound(bufs, {&res, 1});
        }
        if (!o.quiet) {
            fmt::print("{:>5} {:<9}", n, ipsec::to_string(res.verdict));
            if (res.spi != 0) fmt::print(" spi=0x{:08x} seq={}", res.spi, res.sequence);
            if (res.policy_id != 0) fmt::print(" policy={}", res.policy_id);
            if (res.verdict == ipsec::Verdict::Dropped) fmt::print(" reason={}", ipsec::to_string(res.drop));
            fmt::print("\n");
        }
        for (const auto& ev : proc.take_events()) {
            fmt::print("      event {} reqid={}", ipsec::to_string(ev.kind), ev.reqid);
            if (ev.sa) fmt::print(" spi=0x{:08x}", ev.sa->spi());
            fmt::print("\n");
        }
        if (res.verdict != ipsec::Verdict::Dropped) {
            if (!out->writer().write(rec.seconds, rec.microseconds, buf.view())) die("cannot write " + o.out);
            ++written;
        }
    }
    if (!out->writer().flush()) die("cannot write " + o.out);
    fmt::print("{} packets read, {} written to {}\n", n, written, o.out);
    print_counters(sad, proc);
}

void add_direction(CLI::App& pcap, const char* name, const char* help, bool protect) {
    auto opts = std::make_shared<PcapOptions>();
    CLI::App* cmd = pcap.add_subcommand(name, help);
    cmd->add_option("--sa", opts->sa_file, "Manual keying file (TOML) with the SAs and policies")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--in", opts->in, "Input pcap")->required()->check(CLI::ExistingFile);
    cmd->add_option("--out", opts->out, "Output pcap (LINKTYPE_RAW)")->required();
    cmd->add_option("--wireshark-keys", opts->wireshark_keys, "Write Wireshark's esp_sa table to this file");
    cmd->add_flag("-q,--quiet", opts->quiet, "Print only the totals and counters");
    cmd->callback([opts, protect]() { run_pcap(*opts, protect); });
}

}  // namespace

void add_pcap_command(CLI::App& app) {
    CLI::App* pcap = app.add_subcommand("pcap", "Run a capture through the IPsec datapath with manual SAs");
    pcap->require_subcommand(1);
    add_direction(*pcap, "protect", "Outbound path: SPD lookup, then ESP/AH (plain.pcap -> esp.pcap)", true);
    add_direction(*pcap, "unprotect", "Inbound path: SA lookup, replay check, ICV, decrypt, policy check",
                  false);
}

}  // namespace strata::apps
