// ikev1_pcap.cpp: runs two IKEv1 engines in memory and writes every message
// they exchange to a pcap (IPv4/UDP 500 between documentation addresses),
// then prints one Wireshark ikev1_decryption_table record per ISAKMP SA
// ("<initiator cookie>,<encryption key>"), one per line.
//
//   ikev1_pcap CASE OUT.pcap
//
// Cases: legacy (3des-sha1-modp1024, PFS), modern (aes256-sha256-modp2048),
// ecp (aes128-sha256-ecp256 with PFS, DPD, rekey and DELETE of both phases),
// refusals (aggressive mode, NO-PROPOSAL-CHOSEN, a bad cookie), signature
// (main mode with ECDSA P-256 signatures and certificates, RFC 2409 §5.1 /
// RFC 4754: CERTREQ in MM3/MM4, CERT and SIG in MM5/MM6).
#include <cstdio>
#include <string>

#include "ike/v1/message.hpp"
#include "packet/ipv4.hpp"
#include "packet/keylog.hpp"
#include "packet/pcap.hpp"
#include "packet/udp.hpp"
#include "unit/ike/v1/harness.hpp"
#include "unit/ike/v1/sig_fixture.hpp"

using namespace strata;
using namespace strata::ike::v1;

namespace {

bool write(packet::PcapWriter& w, const Datagram& d, std::uint32_t seconds) {
    auto udp = packet::build_udp(d.local.port, d.remote.port, d.data, d.local.address, d.remote.address);
    if (!udp) return false;
    packet::Ipv4Header h;
    h.protocol = 17;
    h.src = d.local.address;
    h.dst = d.remote.address;
    auto ip = packet::build_ipv4(h, *udp);
    return ip && w.write(seconds, 0, *ip);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s CASE OUT.pcap\n", argv[0]);
        return 2;
    }
    const std::string c = argv[1];
    const char* ike = "aes256-sha256-modp2048";
    const char* esp = "aes256-sha256";
    const char* ike_b = nullptr;
    if (c == "legacy") {
        ike = "3des-sha1-modp1024";
        esp = "3des-sha1-modp1024";
    } else if (c == "ecp") {
        ike = "aes128-sha256-ecp256";
        esp = "aes128-sha256-ecp256";
    } else if (c == "refusals") {
        ike_b = "aes128-sha1-modp2048";
    } else if (c != "modern" && c != "signature") {
        std::fprintf(stderr, "unknown case %s\n", c.c_str());
        return 2;
    }
    auto ca = test::make_connection(test::kA, test::kB, ike, esp, "203.0.113.0/25", "203.0.113.128/25");
    auto cb = test::make_connection(test::kB, test::kA, ike_b != nullptr ? ike_b : ike, esp,
                                    "203.0.113.128/25", "203.0.113.0/25");
    ca.base.dpd_interval = std::chrono::seconds(30);
    if (c == "signature") {
        ca = test::with_fixed_cert(std::move(ca), true);
        cb = test::with_fixed_cert(std::move(cb), false);
    }
    core::ManualClock wall(test::sig_time());
    test::Pair p(std::move(ca), std::move(cb), 1, &wall);
    std::vector<std::string> records;
    auto keep_keys = [&] {
        for (const auto* e : {p.a.engine.get()}) {
            for (const auto& sa : e->ike_sas()) {
                if (sa.enc_key.empty()) continue;
                std::string r = packet::ikev1_record(sa.id.spi_i, sa.enc_key);
                if (std::find(records.begin(), records.end(), r) == records.end()) records.push_back(r);
            }
        }
    };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    keep_keys();
    if (c == "refusals") {
        // Aggressive mode: the MM1 bytes with exchange type 4.
        Datagram aggr = p.sent.front();
        aggr.data[18] = static_cast<std::uint8_t>(ExchangeType::Aggressive);
        p.take(Output{{aggr}, {}}, true);
        // An MM3 with a responder cookie b never made.
        Datagram forged = p.sent.front();
        forged.data[8] = 0x42;
        p.take(Output{{forged}, {}}, true);
        p.pump();
    } else {
        p.run(std::chrono::seconds(65));  // two R-U-THERE / ACK rounds
        if (c == "ecp") {
            const auto child = p.a.engine->children().front();
            p.take(p.a.engine->rekey_child(child.spi_in, p.now), true);
            p.pump();
            p.take(p.a.engine->rekey_ike("lan", p.now), true);
            p.pump();
            keep_keys();
        }
        p.take(p.b.engine->delete_child(p.b.engine->children().front().spi_in, p.now), false);
        p.pump();
        p.take(p.a.engine->delete_ike("lan", p.now), true);
        p.pump();
    }
    auto file = packet::PcapFile::create(argv[2]);
    if (!file) return 1;
    std::uint32_t t = 1700000000;
    for (const auto& d : p.sent)
        if (!write(file->writer(), d, t++)) return 1;
    if (!file->writer().flush()) return 1;
    for (const auto& r : records) std::printf("%s\n", r.c_str());
    std::fprintf(stderr, "%zu messages\n", p.sent.size());
    return 0;
}
