// ikev1_initiator_fuzz.cpp: an IKEv1 initiator fed arbitrary datagrams in
// the middle of an exchange.
//
// A real responder (same code, fixed randomness) is driven to a point picked
// by the first input byte: 0 after MM1, 1 after MM3, 2 after MM5, 3 with
// both phases done (quick mode, informational), 4 after QM1 of a rekey; 5-9
// are the same points with signature authentication (ECDSA P-256 with fixed
// keys and certificates, RFC 4754, so MM6 carries CERT and SIG). The rest of
// the input is [u16 length][datagram] records delivered to the initiator as
// if from the responder. The seeds are the responder's real answers at each
// point, so mutations reach the encrypted paths.
#include <cstddef>
#include <cstdint>

#include "core/reader.hpp"
#include "crypto/random.hpp"
#include "unit/ike/v1/harness.hpp"
#include "unit/ike/v1/sig_fixture.hpp"

using namespace strata;
using namespace strata::ike::v1;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned stage = data[0] % 5;
    const bool signatures = data[0] % 10 >= 5;
    static core::ManualClock wall(test::sig_time());
    Connection ca = test::make_connection(test::kA, test::kB, "aes128-sha256-modp1024",
                                          "aes128-sha1-modp1024", "203.0.113.0/25", "203.0.113.128/25");
    Connection cb = test::make_connection(test::kB, test::kA, "aes128-sha256-modp1024",
                                          "aes128-sha1-modp1024", "203.0.113.128/25", "203.0.113.0/25");
    if (signatures) {
        ca = test::with_fixed_cert(std::move(ca), true);
        cb = test::with_fixed_cert(std::move(cb), false);
    }
    test::Pair p(std::move(ca), std::move(cb), 7, &wall);
    // Hold back the responder's answers up to the chosen point.
    unsigned delivered_to_a = 0;
    const unsigned allowed[] = {0, 1, 2, 4, 4};
    p.drop = [&](const Datagram&, bool to_b) {
        if (to_b) return false;
        return delivered_to_a++ >= allowed[stage];
    };
    p.take(p.a.engine->initiate("lan", p.now), true);
    p.pump();
    if (stage == 4) {
        p.drop = [](const Datagram&, bool to_b) { return to_b; };  // QM1 of a rekey, unanswered
        const auto children = p.a.engine->children();
        if (!children.empty()) p.take(p.a.engine->rekey_child(children.front().spi_in, p.now), true);
        p.pump();
    }
    p.drop = nullptr;
    p.to_a.clear();
    p.to_b.clear();
    core::Reader r(core::ByteView(data + 1, size - 1));
    while (!r.empty()) {
        auto len = r.u16();
        if (!len) break;
        auto body = r.bytes(std::min<std::size_t>(*len, r.remaining()));
        if (!body) break;
        Datagram d{ike::Endpoint{test::ip(test::kA), 500}, ike::Endpoint{test::ip(test::kB), 500},
                   core::Bytes(body->begin(), body->end())};
        (void)p.a.engine->receive(d, p.now);
        p.now += std::chrono::seconds(1);
        (void)p.a.engine->on_timer(p.now);
    }
    return 0;
}
