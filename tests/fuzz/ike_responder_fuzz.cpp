// ike_responder_fuzz.cpp: arbitrary datagrams into an IKEv2 responder.
//
// Input: a sequence of [u16 length][datagram] records, each delivered from
// the configured peer (198.51.100.1:500) to the responder, the clock moving
// one second per datagram (retransmission and half-open expiry run too).
// Every datagram also goes through the codec's parsers directly. Randomness
// and clock are fixed, so a crash reproduces.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/reader.hpp"
#include "crypto/random.hpp"
#include "ike/proposal.hpp"
#include "ike/v2/engine.hpp"
#include "ike/v2/message.hpp"

using namespace strata;
using namespace strata::ike::v2;

namespace {

packet::IpAddress ip(const char* s) { return *packet::IpAddress::parse(s); }

core::ByteView text(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

ike::ConnectionConfig responder_conn() {
    ike::ConnectionConfig c;
    c.name = "c";
    c.local_address = ip("198.51.100.2");
    c.remote_address = ip("198.51.100.1");
    c.local_id = *ike::parse_identity("gw-d.example.org");
    c.remote_id = *ike::parse_identity("gw-c.example.org");
    c.psk = core::SecretBytes(text("fuzz-psk"));
    c.ike_proposals =
        *ike::parse_proposals("aes256-sha256-ecp256,aes128gcm16-prfsha256-x25519", ike::ProposalUse::Ike);
    c.esp_proposals = *ike::parse_proposals("aes128gcm16,aes128-sha256", ike::ProposalUse::Esp);
    c.local_ts = *ike::parse_traffic_selectors("203.0.113.0/24");
    c.remote_ts = *ike::parse_traffic_selectors("192.0.2.0/24");
    return c;
}

void parse_everything(core::ByteView d) {
    auto m = parse_message(d);
    if (!m) return;
    for (const auto& p : m->payloads) {
        (void)parse_sa(p.body);
        (void)parse_ke(p.body);
        (void)parse_identity_payload(p.body);
        (void)parse_auth(p.body);
        (void)parse_notify(p.body);
        (void)parse_delete(p.body);
        (void)parse_ts(p.body);
        (void)parse_cert(p.body);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    crypto::SeededRandom rng(text("fuzz"));
    ike::EngineConfig cfg;
    cfg.connections.push_back(responder_conn());
    cfg.max_half_open = 8;
    Engine engine(std::move(cfg), rng);
    core::ManualClock clock;
    core::Reader r(core::ByteView(data, size));
    while (!r.empty()) {
        auto len = r.u16();
        if (!len) break;
        auto body = r.bytes(std::min<std::size_t>(*len, r.remaining()));
        if (!body) break;
        parse_everything(*body);
        Datagram d;
        d.local = {ip("198.51.100.2"), 500};
        d.remote = {ip("198.51.100.1"), 500};
        d.data.assign(body->begin(), body->end());
        (void)engine.receive(d, clock.now());
        clock.advance(std::chrono::seconds(1));
        (void)engine.on_timer(clock.now());
    }
    return 0;
}
