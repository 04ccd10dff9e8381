// tls_messages_fuzz.cpp: the TLS 1.2 handshake message codecs and the
// session-ticket plaintext and ticket opener on arbitrary bytes.
//
// The first byte chooses the parser; the rest is the message body. Whatever
// parses must rebuild to the same bytes. Ticket plaintexts that parse are
// sealed and must open again; any input handed to TicketKeys::open must give
// "no resumption" rather than a crash.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "tls/messages12.hpp"
#include "tls/ticket.hpp"

using namespace strata;

namespace {

template <typename Parsed, typename Build>
void round_trip(const tls::Result<Parsed>& parsed, Build build, core::ByteView body) {
    if (!parsed) return;
    auto again = build(*parsed);
    if (!again || !core::equal_public(*again, body)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const core::ByteView body(data + 1, size - 1);
    switch (data[0] % 10) {
        case 0: round_trip(tls::parse_certificate12(body), tls::build_certificate12, body); break;
        case 1:
            round_trip(tls::parse_server_key_exchange_ecdhe(body), tls::build_server_key_exchange_ecdhe,
                       body);
            break;
        case 2:
            round_trip(tls::parse_certificate_request12(body), tls::build_certificate_request12, body);
            break;
        case 3: (void)tls::parse_server_hello_done(body); break;
        case 4:
            round_trip(tls::parse_client_key_exchange_rsa(body), tls::build_client_key_exchange_rsa, body);
            break;
        case 5:
            round_trip(tls::parse_client_key_exchange_ecdhe(body), tls::build_client_key_exchange_ecdhe,
                       body);
            break;
        case 6:
            round_trip(tls::parse_certificate_verify12(body), tls::build_certificate_verify12, body);
            break;
        case 7: {
            round_trip(tls::parse_new_session_ticket12(body), tls::build_new_session_ticket12, body);
            if (!body.empty()) (void)tls::parse_finished(body.subspan(1), body[0]);
            break;
        }
        case 8: {
            auto s = tls::parse_session(body);
            if (!s) break;
            auto again = tls::serialize_session(*s);
            if (!again || !core::equal_public(again->view(), body)) __builtin_trap();
            // A parsed session seals and opens again under a fixed clock.
            core::ManualClock clock(s->created);
            crypto::SeededRandom rng(core::ByteView(data, 1));
            tls::TicketKeysConfig cfg;
            cfg.ticket_lifetime = std::chrono::seconds(1);
            tls::TicketKeys keys(clock, rng, cfg);
            auto ticket = keys.seal(*s);
            if (ticket && !keys.open(*ticket).has_value()) __builtin_trap();
            break;
        }
        default: {
            core::ManualClock clock;
            crypto::SeededRandom rng(core::ByteView(data, 1));
            tls::TicketKeys keys(clock, rng);
            if (keys.open(body).has_value()) __builtin_trap();  // no key has sealed anything
            break;
        }
    }
    return 0;
}
