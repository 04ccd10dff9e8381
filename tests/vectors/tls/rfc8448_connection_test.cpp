// rfc8448_connection_test.cpp: RFC 8448 replayed through tls::Connection.
//
// Section 3 (simple 1-RTT): a Strata client with a fixed random source (the
// RFC's client random and X25519 private key) sends the RFC's ClientHello
// record byte for byte, accepts the RFC server's records, and answers with
// the RFC's client Finished, application data and close_notify records byte
// for byte; its key log carries the RFC's secrets and the ticket it keeps
// carries the RFC's resumption PSK. The extension list of the RFC client (it
// offers groups and extensions Strata does not send, in its own order) comes
// in through Config::client_hello_hook; the random, key share, server name,
// suites and framing are the client's own.
//
// Section 4 (resumed): with the section 3 ticket, the client's ClientHello,
// PSK binder included, matches the RFC byte for byte, and the client accepts
// the server's PSK handshake (its Finished proves the PSK key schedule). The
// RFC client also sends 0-RTT data and EndOfEarlyData; Strata does not do
// 0-RTT, so the trace is not followed past the server's Finished.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/hex.hpp"
#include "crypto/random.hpp"
#include "tls/connection.hpp"
#include "tls/handshake.hpp"
#include "vectors/vector_file.hpp"

namespace strata::tls {
namespace {

using core::Bytes;
using test::hex;

class CapturingKeyLog final : public KeyLogSink {
public:
    void log(std::string_view line) override {
        // "<LABEL> <client_random> <secret>"
        const auto a = line.find(' ');
        const auto b = line.find(' ', a + 1);
        secrets[std::string(line.substr(0, a))] = std::string(line.substr(b + 1));
    }
    std::map<std::string, std::string> secrets;
};

Bytes record(const nlohmann::json& s, std::size_t i) {
    return hex(s.at("records").at(i).at("complete_record"));
}
Bytes plaintext(const nlohmann::json& s, std::size_t i) { return hex(s.at("records").at(i).at("plaintext")); }

Bytes client_hello(const nlohmann::json& s) {
    for (const auto& m : s.at("handshake_messages")) {
        if (m.at("sender") == "client" && m.at("type") == "ClientHello") return hex(m.at("hex"));
    }
    throw std::runtime_error("no ClientHello");
}

Bytes client_private(const nlohmann::json& s) {
    for (const auto& k : s.at("key_pairs")) {
        if (k.at("owner") == "client") return hex(k.at("private_key"));
    }
    throw std::runtime_error("no client key");
}

// rfc_extensions returns the extensions of the RFC's ClientHello, without
// pre_shared_key (the client appends its own).
std::vector<Extension> rfc_extensions(const ClientHello& ch) {
    std::vector<Extension> out;
    for (const auto& e : ch.extensions) {
        if (e.type != static_cast<std::uint16_t>(ExtensionType::PreSharedKey)) out.push_back(e);
    }
    return out;
}

// hook_for returns a ClientHello hook that lays the client's extensions out
// as the RFC client did, keeping the client's own key_share and server_name.
std::function<void(std::vector<Extension>&)> hook_for(std::vector<Extension> rfc) {
    return [rfc](std::vector<Extension>& mine) {
        std::vector<Extension> out;
        for (const auto& e : rfc) {
            const Extension* own = nullptr;
            for (const auto& m : mine) {
                if (m.type == e.type) own = &m;
            }
            const bool keep_own = e.type == static_cast<std::uint16_t>(ExtensionType::KeyShare) ||
                                  e.type == static_cast<std::uint16_t>(ExtensionType::ServerName);
            out.push_back(keep_own && own != nullptr ? *own : e);
        }
        mine = std::move(out);
    };
}

std::string hexs(core::ByteView v) { return core::to_hex(v); }

struct Rfc8448Replay : ::testing::Test {
    nlohmann::json vectors = test::load_vectors("tls13_rfc8448.json");
    core::ManualClock clock{std::chrono::system_clock::now()};
    std::shared_ptr<SessionCache> cache = std::make_shared<SessionCache>(clock);
    std::shared_ptr<CapturingKeyLog> keylog = std::make_shared<CapturingKeyLog>();

    std::shared_ptr<Config> config(const nlohmann::json& s) {
        auto ch = parse_client_hello(core::ByteView(client_hello(s)).subspan(4)).value();
        auto c = std::make_shared<Config>();
        c->cipher_suites = ch.cipher_suites;  // 0x1301, 0x1303, 0x1302
        c->groups = {kGroupX25519, kGroupSecp256r1, kGroupSecp384r1};
        c->verify = VerifyMode::None;  // the RFC's certificate chains to no anchor
        c->middlebox_compat = false;   // the RFC client sends an empty legacy_session_id
        c->sessions = cache;
        c->keylog = keylog;
        c->client_hello_hook = hook_for(rfc_extensions(ch));
        return c;
    }

    static Bytes randomness(const nlohmann::json& s) {
        const Bytes ch = client_hello(s);
        Bytes r(ch.begin() + 6, ch.begin() + 6 + 32);  // ClientHello.random
        const Bytes key = client_private(s);
        r.insert(r.end(), key.begin(), key.end());
        return r;
    }
};

TEST_F(Rfc8448Replay, Section3SimpleOneRttByteForByte) {
    const auto& s = vectors.at("sections").at("3");
    const auto& named = s.at("named_secrets");
    crypto::ReplayRandom rng(randomness(s));
    auto conn = Connection::client(config(s), "server", clock, rng).value();
    ASSERT_TRUE(conn->start());
    EXPECT_EQ(hexs(conn->take_output()), hexs(record(s, 0))) << "ClientHello record";

    ASSERT_TRUE(conn->receive(record(s, 1))) << "ServerHello";
    ASSERT_TRUE(conn->receive(record(s, 2))) << to_string(*conn->error());
    ASSERT_TRUE(conn->handshake_complete());
    EXPECT_EQ(hexs(conn->take_output()), hexs(record(s, 3))) << "client Finished record";
    EXPECT_EQ(rng.remaining(), 0U);

    EXPECT_EQ(keylog->secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"],
              named.at("client_handshake_traffic_secret"));
    EXPECT_EQ(keylog->secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"],
              named.at("server_handshake_traffic_secret"));
    EXPECT_EQ(keylog->secrets["CLIENT_TRAFFIC_SECRET_0"], named.at("client_application_traffic_secret_0"));
    EXPECT_EQ(keylog->secrets["SERVER_TRAFFIC_SECRET_0"], named.at("server_application_traffic_secret_0"));
    EXPECT_EQ(keylog->secrets["EXPORTER_SECRET"], named.at("exporter_master_secret"));
    EXPECT_EQ(conn->negotiated().cipher_suite, 0x1301);
    EXPECT_EQ(conn->negotiated().signature_scheme, 0x0804);

    ASSERT_TRUE(conn->receive(record(s, 4))) << "NewSessionTicket";
    auto session = cache->find_client("server");
    ASSERT_TRUE(session);
    EXPECT_EQ(hexs(session->secret), named.at("resumption_psk").get<std::string>());

    ASSERT_TRUE(conn->write(plaintext(s, 5)));
    EXPECT_EQ(hexs(conn->take_output()), hexs(record(s, 5))) << "client application data record";
    ASSERT_TRUE(conn->receive(record(s, 6)));
    EXPECT_EQ(conn->read(), plaintext(s, 6));
    ASSERT_TRUE(conn->close());
    EXPECT_EQ(hexs(conn->take_output()), hexs(record(s, 7))) << "client close_notify record";
    ASSERT_TRUE(conn->receive(record(s, 8)));
    EXPECT_TRUE(conn->peer_closed());
}

TEST_F(Rfc8448Replay, Section4ResumptionClientHelloAndServerFlight) {
    const auto& s3 = vectors.at("sections").at("3");
    const auto& s4 = vectors.at("sections").at("4");
    {
        // Section 3 first, for its ticket.
        crypto::ReplayRandom rng(randomness(s3));
        auto conn = Connection::client(config(s3), "server", clock, rng).value();
        ASSERT_TRUE(conn->start());
        for (std::size_t i : {1U, 2U, 4U}) ASSERT_TRUE(conn->receive(record(s3, i)));
    }
    auto ticket = cache->find_client("server");
    ASSERT_TRUE(ticket);
    // Age the ticket so that obfuscated_ticket_age comes out as in the RFC.
    auto ch4 = parse_client_hello(core::ByteView(client_hello(s4)).subspan(4)).value();
    const Extension* psk_ext = ch4.find(ExtensionType::PreSharedKey);
    ASSERT_NE(psk_ext, nullptr);
    const auto& d = psk_ext->data;  // identities<..>: u16 len | u16 id len | id | u32 age
    const std::size_t id_len = (std::size_t{d[2]} << 8) | d[3];
    const std::size_t at = 4 + id_len;
    const std::uint32_t obfuscated = (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
                                     (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
    const std::uint32_t age_ms = obfuscated - ticket->ticket_age_add;
    Session aged = ticket->clone();
    aged.created = clock.wall_now() - std::chrono::milliseconds(age_ms);
    cache->store_client("server", std::move(aged));
    keylog->secrets.clear();

    const auto& named = s4.at("named_secrets");
    crypto::ReplayRandom rng(randomness(s4));
    auto conn = Connection::client(config(s4), "server", clock, rng).value();
    ASSERT_TRUE(conn->start());
    EXPECT_EQ(hexs(conn->take_output()), hexs(record(s4, 0))) << "ClientHello record, binder included";
    ASSERT_TRUE(conn->receive(record(s4, 2))) << "ServerHello";
    ASSERT_TRUE(conn->receive(record(s4, 3))) << to_string(*conn->error());
    EXPECT_TRUE(conn->handshake_complete());
    EXPECT_TRUE(conn->negotiated().resumed);
    EXPECT_EQ(keylog->secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"],
              named.at("client_handshake_traffic_secret"));
    EXPECT_EQ(keylog->secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"],
              named.at("server_handshake_traffic_secret"));
    EXPECT_EQ(keylog->secrets["SERVER_TRAFFIC_SECRET_0"], named.at("server_application_traffic_secret_0"));
}

}  // namespace
}  // namespace strata::tls
