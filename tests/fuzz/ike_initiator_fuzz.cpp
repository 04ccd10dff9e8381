// ike_initiator_fuzz.cpp: an IKEv2 initiator in the middle of an exchange
// (IKE_SA_INIT sent, or IKE_AUTH sent after a real responder answered) fed
// arbitrary datagrams as if from the responder.
//
// Input: first byte selects the stage (even: after IKE_SA_INIT, odd: after
// IKE_AUTH was sent), the rest is [u16 length][datagram] records. Datagrams
// whose first 16 bytes are zero get the real SPIs patched in, so the fuzzer
// reaches the SA's handlers instead of the unknown-SPI drop.
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

ike::ConnectionConfig conn(bool initiator) {
    ike::ConnectionConfig c;
    c.name = "c";
    c.local_address = ip(initiator ? "198.51.100.1" : "198.51.100.2");
    c.remote_address = ip(initiator ? "198.51.100.2" : "198.51.100.1");
    c.local_id = *ike::parse_identity(initiator ? "gw-c.example.org" : "gw-d.example.org");
    c.remote_id = *ike::parse_identity(initiator ? "gw-d.example.org" : "gw-c.example.org");
    c.psk = core::SecretBytes(text("fuzz-psk"));
    c.ike_proposals = *ike::parse_proposals("aes128gcm16-prfsha256-x25519", ike::ProposalUse::Ike);
    c.esp_proposals = *ike::parse_proposals("aes128gcm16", ike::ProposalUse::Esp);
    c.local_ts = *ike::parse_traffic_selectors(initiator ? "192.0.2.0/24" : "203.0.113.0/24");
    c.remote_ts = *ike::parse_traffic_selectors(initiator ? "203.0.113.0/24" : "192.0.2.0/24");
    return c;
}

Datagram flip(Datagram d) {
    std::swap(d.local, d.remote);
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool after_auth = (data[0] & 1) != 0;
    crypto::SeededRandom rng_a(text("fuzz-a"));
    crypto::SeededRandom rng_b(text("fuzz-b"));
    ike::EngineConfig ca;
    ca.connections.push_back(conn(true));
    Engine a(std::move(ca), rng_a);
    core::ManualClock clock;
    auto out = a.initiate("c", clock.now());
    if (out.datagrams.empty()) return 0;
    Datagram last = out.datagrams.front();
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    if (auto h = parse_header(last.data)) spi_i = h->spi_i;
    if (after_auth) {
        ike::EngineConfig cb;
        cb.connections.push_back(conn(false));
        Engine b(std::move(cb), rng_b);
        auto resp = b.receive(flip(last), clock.now());
        if (resp.datagrams.empty()) return 0;
        if (auto h = parse_header(resp.datagrams.front().data)) spi_r = h->spi_r;
        out = a.receive(flip(resp.datagrams.front()), clock.now());
    }
    core::Reader r(core::ByteView(data + 1, size - 1));
    while (!r.empty()) {
        auto len = r.u16();
        if (!len) break;
        auto body = r.bytes(std::min<std::size_t>(*len, r.remaining()));
        if (!body) break;
        Datagram d;
        d.local = {ip("198.51.100.1"), after_auth ? std::uint16_t{4500} : std::uint16_t{500}};
        d.remote = {ip("198.51.100.2"), d.local.port};
        d.data.assign(body->begin(), body->end());
        if (d.data.size() >= 16 &&
            std::all_of(d.data.begin(), d.data.begin() + 16, [](std::uint8_t x) { return x == 0; })) {
            for (int i = 0; i < 8; ++i) {
                d.data[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(spi_i >> (56 - 8 * i));
                d.data[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(spi_r >> (56 - 8 * i));
            }
        }
        (void)a.receive(d, clock.now());
        clock.advance(std::chrono::seconds(1));
        (void)a.on_timer(clock.now());
    }
    return 0;
}
