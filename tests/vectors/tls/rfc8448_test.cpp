// rfc8448_test.cpp: RFC 8448 §3 (1-RTT) and §4 (resumed, 0-RTT) replayed through
// tls::Transcript, tls::KeySchedule, tls::RecordReader / RecordProtection and
// the ClientHello / ServerHello codecs, byte for byte, from
// shared/vectors/tls13_rfc8448.json.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/dh.hpp"
#include "tls/handshake.hpp"
#include "tls/key_schedule.hpp"
#include "tls/record.hpp"
#include "vectors/vector_file.hpp"

namespace strata::tls {
namespace {

using core::Bytes;
using test::hex;

constexpr crypto::HashAlg kHash = crypto::HashAlg::Sha256;  // TLS_AES_128_GCM_SHA256
constexpr crypto::AeadAlg kAead = crypto::AeadAlg::Aes128Gcm;

Bytes bytes(core::ByteView v) { return Bytes(v.begin(), v.end()); }

class Rfc8448 : public ::testing::TestWithParam<std::string> {
protected:
    nlohmann::json section() const {
        const auto j = test::load_vectors("tls13_rfc8448.json");
        auto s = j.at("sections").at(GetParam());
        EXPECT_EQ(s.at("cipher_suite").get<std::string>(), "TLS_AES_128_GCM_SHA256");
        return s;
    }
    static Bytes key_pair(const nlohmann::json& s, const std::string& owner, const char* field) {
        for (const auto& k : s.at("key_pairs")) {
            if (k.at("owner") == owner) return hex(k.at(field));
        }
        throw std::runtime_error("no key pair for " + owner);
    }
    static Bytes message(const nlohmann::json& s, const std::string& sender, const std::string& type) {
        for (const auto& m : s.at("handshake_messages")) {
            if (m.at("sender") == sender && m.at("type") == type) return hex(m.at("hex"));
        }
        throw std::runtime_error("no message " + type);
    }
};

// Every secret of the schedule, from the handshake messages and the key pairs.
TEST_P(Rfc8448, KeyScheduleFromTranscript) {
    const auto s = section();
    const auto& named = s.at("named_secrets");
    const Bytes psk = hex(s.at("hkdf_extract").at(0).at("ikm"));
    const bool resumed = GetParam() == "4";
    auto ks = KeySchedule::create(kHash, resumed ? core::ByteView(psk) : core::ByteView());
    ASSERT_TRUE(ks);
    EXPECT_EQ(bytes(ks->secret()), hex(named.at("early_secret")));

    auto transcript = Transcript::create(kHash);
    ASSERT_TRUE(transcript);
    Bytes server_hs, client_hs;
    int checked = 0;
    for (const auto& m : s.at("handshake_messages")) {
        const std::string type = m.at("type");
        const std::string sender = m.at("sender");
        const Bytes msg = hex(m.at("hex"));
        if (type == "Finished") {
            // RFC 8446 §4.4.4: verify_data over the transcript before Finished.
            auto th = transcript->hash();
            ASSERT_TRUE(th);
            const Bytes& base = sender == "server" ? server_hs : client_hs;
            const core::ByteView received = core::ByteView(msg).subspan(kHandshakeHeaderLength);
            EXPECT_TRUE(check_finished(kHash, base, *th, received));
            auto vd = finished_verify_data(kHash, base, *th);
            ASSERT_TRUE(vd);
            EXPECT_EQ(*vd, bytes(received));
            ++checked;
        }
        ASSERT_TRUE(transcript->add(msg));
        auto th = transcript->hash();
        ASSERT_TRUE(th);
        if (type == "ClientHello" && resumed) {
            auto cets = ks->client_early_traffic_secret(*th);
            auto eems = ks->early_exporter_master_secret(*th);
            ASSERT_TRUE(cets && eems);
            EXPECT_EQ(bytes(*cets), hex(named.at("client_early_traffic_secret")));
            EXPECT_EQ(bytes(*eems), hex(named.at("early_exporter_master_secret")));
        } else if (type == "ServerHello") {
            auto shared =
                crypto::x25519(key_pair(s, "client", "private_key"), key_pair(s, "server", "public_key"));
            ASSERT_TRUE(shared);
            auto shared2 =
                crypto::x25519(key_pair(s, "server", "private_key"), key_pair(s, "client", "public_key"));
            ASSERT_TRUE(shared2);
            EXPECT_EQ(bytes(*shared), bytes(*shared2));
            ASSERT_TRUE(ks->enter_handshake(*shared));
            EXPECT_EQ(bytes(ks->secret()), hex(named.at("handshake_secret")));
            auto c = ks->client_handshake_traffic_secret(*th);
            auto sv = ks->server_handshake_traffic_secret(*th);
            ASSERT_TRUE(c && sv);
            client_hs = bytes(*c);
            server_hs = bytes(*sv);
            EXPECT_EQ(client_hs, hex(named.at("client_handshake_traffic_secret")));
            EXPECT_EQ(server_hs, hex(named.at("server_handshake_traffic_secret")));
            // Stage misuse is refused.
            EXPECT_EQ(ks->client_application_traffic_secret(*th).error(), Error::InternalError);
        } else if (type == "Finished" && sender == "server") {
            ASSERT_TRUE(ks->enter_master());
            EXPECT_EQ(bytes(ks->secret()), hex(named.at("master_secret")));
            auto c = ks->client_application_traffic_secret(*th);
            auto sv = ks->server_application_traffic_secret(*th);
            auto ems = ks->exporter_master_secret(*th);
            ASSERT_TRUE(c && sv && ems);
            EXPECT_EQ(bytes(*c), hex(named.at("client_application_traffic_secret_0")));
            EXPECT_EQ(bytes(*sv), hex(named.at("server_application_traffic_secret_0")));
            EXPECT_EQ(bytes(*ems), hex(named.at("exporter_master_secret")));
        } else if (type == "Finished" && sender == "client") {
            auto rms = ks->resumption_master_secret(*th);
            ASSERT_TRUE(rms);
            EXPECT_EQ(bytes(*rms), hex(named.at("resumption_master_secret")));
            for (const auto& r : s.at("resumption")) {
                auto p = resumption_psk(kHash, *rms, hex(r.at("context_ticket_nonce")));
                ASSERT_TRUE(p);
                EXPECT_EQ(bytes(*p), hex(r.at("psk")));
                EXPECT_EQ(bytes(*p), hex(named.at("resumption_psk")));
            }
        }
    }
    EXPECT_EQ(checked, 2);

    for (const auto& [name, k] : s.at("traffic_keys").items()) {
        auto keys = traffic_keys(kHash, kAead, hex(k.at("traffic_secret")));
        ASSERT_TRUE(keys) << name;
        EXPECT_EQ(bytes(keys->key), hex(k.at("key"))) << name;
        EXPECT_EQ(bytes(keys->iv), hex(k.at("iv"))) << name;
    }
}

// RFC 8446 §4.2.11.2: the binder over the truncated ClientHello (§4 only).
TEST_P(Rfc8448, PskBinder) {
    const auto s = section();
    for (const auto& b : s.at("psk_binder")) {
        auto ks = KeySchedule::create(kHash, hex(s.at("hkdf_extract").at(0).at("ikm")));
        ASSERT_TRUE(ks);
        auto bk = ks->binder_key(true);
        ASSERT_TRUE(bk);
        EXPECT_EQ(bytes(*bk), hex(b.at("binder_key")));
        auto t = Transcript::create(kHash);
        ASSERT_TRUE(t);
        ASSERT_TRUE(t->add(hex(b.at("client_hello_prefix"))));
        auto th = t->hash();
        ASSERT_TRUE(th);
        EXPECT_EQ(*th, hex(b.at("binder_hash")));
        auto fk = finished_key(kHash, *bk);
        ASSERT_TRUE(fk);
        EXPECT_EQ(bytes(*fk), hex(b.at("finished_key")));
        auto binder = finished_verify_data(kHash, *bk, *th);
        ASSERT_TRUE(binder);
        EXPECT_EQ(*binder, hex(b.at("binder")));

        // The binder is the one the ClientHello carries.
        auto ch = parse_client_hello(core::ByteView(message(s, "client", "ClientHello")).subspan(4));
        ASSERT_TRUE(ch);
        auto ext = decode_client_hello_extensions(*ch);
        ASSERT_TRUE(ext);
        ASSERT_TRUE(ext->pre_shared_key.has_value());
        ASSERT_EQ(ext->pre_shared_key->binders.size(), 1U);
        EXPECT_EQ(ext->pre_shared_key->binders[0], hex(b.at("binder")));
    }
}

// Every record: plaintext records re-framed, protected records opened and
// sealed again with the same key and sequence number.
TEST_P(Rfc8448, Records) {
    const auto s = section();
    const auto& tk = s.at("traffic_keys");
    struct Direction {
        std::vector<std::string> epochs;  // key names in the order the sender uses them
        std::size_t epoch = 0;
        std::optional<RecordProtection> open, seal;
    };
    std::map<std::string, Direction> dirs;
    for (const std::string sender : {"client", "server"}) {
        for (const char* purpose : {"early_application", "handshake", "application"}) {
            const std::string name = sender + "_" + purpose + "_write";
            if (tk.contains(name)) dirs[sender].epochs.push_back(name);
        }
    }
    auto install = [&](Direction& d) {
        const auto& k = tk.at(d.epochs.at(d.epoch));
        auto o = RecordProtection::tls13(kAead, hex(k.at("key")), hex(k.at("iv")));
        auto w = RecordProtection::tls13(kAead, hex(k.at("key")), hex(k.at("iv")));
        ASSERT_TRUE(o && w);
        d.open.emplace(std::move(o).value());
        d.seal.emplace(std::move(w).value());
    };
    for (auto& [sender, d] : dirs) install(d);

    int protected_records = 0;
    for (const auto& rj : s.at("records")) {
        const Bytes wire = hex(rj.at("complete_record"));
        const Bytes plaintext = hex(rj.at("plaintext"));
        const std::string ct = rj.at("content_type");
        const ContentType type = ct == "handshake" ? ContentType::Handshake
                                 : ct == "alert"   ? ContentType::Alert
                                                   : ContentType::ApplicationData;
        RecordReader reader(kMaxTls13CiphertextLength);
        reader.feed(wire);
        auto out = reader.next();
        ASSERT_TRUE(out);
        ASSERT_TRUE(out->complete());
        Record rec = std::move(out->record);
        EXPECT_EQ(reader.buffered(), 0U);
        if (!rj.at("protected").get<bool>()) {
            EXPECT_EQ(rec.type, type);
            EXPECT_EQ(rec.fragment, plaintext);
            Bytes again;
            ASSERT_TRUE(write_plaintext_records(type, rec.version, plaintext, again));
            EXPECT_EQ(again, wire);
            continue;
        }
        ++protected_records;
        Direction& d = dirs.at(rj.at("sender"));
        const std::uint64_t seq = d.open->sequence();
        ASSERT_TRUE(d.open->open(rec)) << "record " << protected_records;
        EXPECT_EQ(rec.type, type);
        EXPECT_EQ(rec.fragment, plaintext);
        ASSERT_EQ(d.seal->sequence(), seq);
        Bytes sealed;
        ASSERT_TRUE(d.seal->seal(type, plaintext, sealed));
        EXPECT_EQ(sealed, wire) << "record " << protected_records;

        // The sender changes keys after Finished and after EndOfEarlyData.
        if (type == ContentType::Handshake) {
            HandshakeReassembler hs;
            hs.feed(plaintext);
            bool change = false;
            for (;;) {
                auto m = hs.next();
                ASSERT_TRUE(m);
                if (!m->has_value()) break;
                const HandshakeType t = (*m)->type;
                change = change || t == HandshakeType::Finished || t == HandshakeType::EndOfEarlyData;
            }
            EXPECT_TRUE(hs.empty());  // RFC 8446 §5.1: no message spans a key change
            if (change && d.epoch + 1 < d.epochs.size()) {
                ++d.epoch;
                install(d);
            }
        }
    }
    EXPECT_GE(protected_records, 6);
}

// The hellos parse, decode and rebuild byte for byte.
TEST_P(Rfc8448, HelloCodecs) {
    const auto s = section();
    const Bytes ch_msg = message(s, "client", "ClientHello");
    const Bytes sh_msg = message(s, "server", "ServerHello");

    HandshakeReassembler hs;
    hs.feed(core::ByteView(ch_msg).first(10));
    auto none = hs.next();
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    hs.feed(core::ByteView(ch_msg).subspan(10));
    auto whole = hs.next();
    ASSERT_TRUE(whole && whole->has_value());
    EXPECT_EQ((*whole)->type, HandshakeType::ClientHello);
    EXPECT_EQ((*whole)->encoded, ch_msg);

    auto ch = parse_client_hello((*whole)->body());
    ASSERT_TRUE(ch);
    auto ch_body = build_client_hello(*ch);
    ASSERT_TRUE(ch_body);
    auto ch_again = build_handshake(HandshakeType::ClientHello, *ch_body);
    ASSERT_TRUE(ch_again);
    EXPECT_EQ(*ch_again, ch_msg);

    auto che = decode_client_hello_extensions(*ch);
    ASSERT_TRUE(che);
    ASSERT_TRUE(che->supported_versions.has_value());
    EXPECT_EQ(che->supported_versions->front(), kTls13);
    ASSERT_TRUE(che->key_shares.has_value());
    ASSERT_EQ(che->key_shares->size(), 1U);
    EXPECT_EQ(che->key_shares->front().group, 0x001d);  // x25519
    EXPECT_EQ(che->key_shares->front().key_exchange, key_pair(s, "client", "public_key"));
    EXPECT_TRUE(che->supported_groups.has_value());
    EXPECT_TRUE(che->signature_algorithms.has_value());
    ASSERT_TRUE(che->server_name.has_value());
    EXPECT_EQ(*che->server_name, "server");
    EXPECT_TRUE(che->psk_key_exchange_modes.has_value());
    EXPECT_EQ(ch->cipher_suites.front(), 0x1301);

    auto sh = parse_server_hello(core::ByteView(sh_msg).subspan(kHandshakeHeaderLength));
    ASSERT_TRUE(sh);
    EXPECT_FALSE(is_hello_retry_request(*sh));
    EXPECT_EQ(downgrade_sentinel(sh->random), Downgrade::None);
    auto sh_body = build_server_hello(*sh);
    ASSERT_TRUE(sh_body);
    auto sh_again = build_handshake(HandshakeType::ServerHello, *sh_body);
    ASSERT_TRUE(sh_again);
    EXPECT_EQ(*sh_again, sh_msg);
    const auto offered = offered_extension_types(*ch);
    auto she = decode_server_hello_extensions(*sh, offered);
    ASSERT_TRUE(she);
    EXPECT_EQ(she->selected_version, kTls13);
    ASSERT_TRUE(she->key_share.has_value());
    EXPECT_EQ(she->key_share->key_exchange, key_pair(s, "server", "public_key"));
    if (GetParam() == "4") {
        EXPECT_EQ(she->selected_identity, 0);
    }

    // Building from typed pieces reproduces the same extension bytes.
    std::vector<KeyShareEntry> shares = *che->key_shares;
    auto ks_ext = make_key_share_ch(shares);
    ASSERT_TRUE(ks_ext);
    EXPECT_EQ(*ks_ext, *ch->find(ExtensionType::KeyShare));
    auto sv_ext = make_supported_versions_ch(*che->supported_versions);
    ASSERT_TRUE(sv_ext);
    EXPECT_EQ(*sv_ext, *ch->find(ExtensionType::SupportedVersions));
    auto sg_ext = make_u16_list(ExtensionType::SupportedGroups, *che->supported_groups);
    ASSERT_TRUE(sg_ext);
    EXPECT_EQ(*sg_ext, *ch->find(ExtensionType::SupportedGroups));
    auto sn_ext = make_server_name(*che->server_name);
    ASSERT_TRUE(sn_ext);
    EXPECT_EQ(*sn_ext, *ch->find(ExtensionType::ServerName));
    auto ss_ext = make_key_share_sh(*she->key_share);
    ASSERT_TRUE(ss_ext);
    EXPECT_EQ(*ss_ext, *sh->find(ExtensionType::KeyShare));
    EXPECT_EQ(make_supported_versions_sh(kTls13), *sh->find(ExtensionType::SupportedVersions));
}

INSTANTIATE_TEST_SUITE_P(Sections, Rfc8448, ::testing::Values("3", "4"));

}  // namespace
}  // namespace strata::tls
