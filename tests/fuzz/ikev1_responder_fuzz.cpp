// ikev1_responder_fuzz.cpp: arbitrary datagrams into an IKEv1 responder.
//
// Input: a sequence of [u16 length][datagram] records, each delivered from
// the configured peer (198.51.100.2:500) to the responder with the clock
// moving one second per datagram (so retransmission and expiry timers run
// too). The same records also go to a second responder that authenticates
// with signatures (ECDSA P-256, fixed keys and certificates: RFC 2409 §5.1,
// RFC 4754), so CERTREQ, CERT and SIG handling is reached. Every datagram
// also goes through the codec's parsers directly. The engines' randomness
// and clocks are fixed, so a crash reproduces.
#include <cstddef>
#include <cstdint>

#include "core/reader.hpp"
#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v1/engine.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/payload.hpp"
#include "unit/ike/v1/sig_fixture.hpp"

using namespace strata;
using namespace strata::ike::v1;

namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

Connection responder_conn() {
    Connection c;
    c.base.name = "lan";
    c.base.local_address = ip("192.0.2.1");
    c.base.remote_address = ip("198.51.100.2");
    c.base.local_id = *ike::parse_identity("192.0.2.1");
    c.base.psk = core::SecretBytes(core::Bytes{'p', 's', 'k'});
    c.base.ike_proposals =
        *ike::parse_proposals("aes128-sha256-modp1024,3des-sha1-modp1024", ike::ProposalUse::Ike);
    c.base.esp_proposals = *ike::parse_proposals("aes128-sha1,3des-sha1-modp1024", ike::ProposalUse::Esp);
    c.base.local_ts = *ike::parse_traffic_selectors("203.0.113.0/24");
    c.base.remote_ts = *ike::parse_traffic_selectors("198.51.100.0/24");
    c.base.dpd_interval = std::chrono::seconds(5);
    return c;
}

void parse_everything(core::ByteView d) {
    auto h = parse_header(d);
    const std::uint8_t first = d.size() > 16 ? d[16] : 1;
    auto chain = parse_chain(first, d.size() > kHeaderLength ? d.subspan(kHeaderLength) : d, true);
    if (!chain) return;
    for (const auto& p : *chain) {
        switch (p.type) {
            case PayloadType::Sa: {
                auto sa = decode_sa(p.body);
                if (sa) {
                    // Whatever decodes re-encodes to something that decodes the same.
                    auto again = decode_sa(encode_sa(*sa));
                    if (!again || !(*again == *sa)) __builtin_trap();
                }
                break;
            }
            case PayloadType::Identification: (void)decode_id(p.body); break;
            case PayloadType::Notification: (void)decode_notify(p.body); break;
            case PayloadType::Delete: (void)decode_delete(p.body); break;
            case PayloadType::Certificate:
            case PayloadType::CertificateRequest: (void)decode_cert(p.body); break;
            default: break;
        }
    }
    (void)h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    crypto::SeededRandom rng(core::Bytes{0x42});
    EngineConfig cfg;
    cfg.connections.push_back(responder_conn());
    Engine engine(std::move(cfg), rng);
    static core::ManualClock wall(ike::v1::test::sig_time());
    crypto::SeededRandom sig_rng(core::Bytes{0x43});
    EngineConfig sig_cfg;
    sig_cfg.connections.push_back(ike::v1::test::with_fixed_cert(responder_conn(), false));
    sig_cfg.wall_clock = &wall;
    Engine sig_engine(std::move(sig_cfg), sig_rng);
    core::Instant now{};
    now += std::chrono::hours(1);
    core::Reader r(core::ByteView(data, size));
    while (!r.empty()) {
        auto len = r.u16();
        if (!len) break;
        auto body = r.bytes(std::min<std::size_t>(*len, r.remaining()));
        if (!body) break;
        parse_everything(*body);
        Datagram d{ike::Endpoint{ip("192.0.2.1"), 500}, ike::Endpoint{ip("198.51.100.2"), 500},
                   core::Bytes(body->begin(), body->end())};
        for (Engine* e : {&engine, &sig_engine}) {
            Output out = e->receive(d, now);
            for (const auto& o : out.datagrams)
                if (o.data.size() > kMaxMessageLength) __builtin_trap();
        }
        now += std::chrono::seconds(1);
        (void)engine.on_timer(now);
        (void)sig_engine.on_timer(now);
    }
    for (Engine* e : {&engine, &sig_engine}) {
        (void)e->next_timer();
        (void)e->shutdown(now);
    }
    return 0;
}
