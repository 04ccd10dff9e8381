// The key-schedule parts of shared/vectors/tls13_rfc8448.json (RFC 8448 §3, §4):
// HKDF-Extract, Derive-Secret (and its HkdfLabel), traffic keys, Finished,
// the PSK binder and the resumption PSK (RFC 8446 §4.4.4, §4.2.11.2, §4.6.1, §7).
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/kdf.hpp"
#include "crypto/mac.hpp"
#include "vectors/vector_file.hpp"

namespace strata::crypto {
namespace {

using core::Bytes;
using test::hex;

constexpr HashAlg kHash = HashAlg::Sha256;  // TLS_AES_128_GCM_SHA256 in both sections

Bytes bytes(const core::SecretBytes& s) { return Bytes(s.view().begin(), s.view().end()); }

// strip_prefix removes "tls13 " from a label as printed in the trace.
std::string strip_prefix(const std::string& full) {
    const std::string_view p = "tls13 ";
    if (full.rfind(p, 0) != 0) throw std::runtime_error("label without tls13 prefix: " + full);
    return full.substr(p.size());
}

class Tls13KeySchedule : public ::testing::TestWithParam<std::string> {
protected:
    nlohmann::json section() const {
        const auto j = test::load_vectors("tls13_rfc8448.json");
        EXPECT_EQ(j.at("sections").at(GetParam()).at("hash").get<std::string>(), "SHA-256");
        return j.at("sections").at(GetParam());
    }
};

TEST_P(Tls13KeySchedule, HkdfExtract) {
    const auto s = section();
    ASSERT_EQ(s.at("hkdf_extract").size(), 3u);
    for (const auto& c : s.at("hkdf_extract")) {
        SCOPED_TRACE(c.at("stage").get<std::string>());
        // RFC 8446 §7.1: a missing salt is HashLen zeros; an empty salt is the same under HMAC.
        auto secret = hkdf_extract(kHash, hex(c.at("salt")), hex(c.at("ikm")));
        ASSERT_TRUE(secret);
        EXPECT_EQ(bytes(*secret), hex(c.at("secret")));
    }
}

TEST_P(Tls13KeySchedule, DeriveSecret) {
    const auto s = section();
    ASSERT_GT(s.at("derive_secret").size(), 0u);
    for (const auto& c : s.at("derive_secret")) {
        SCOPED_TRACE(c.at("name").get<std::string>());
        const std::string label = strip_prefix(c.at("label").get<std::string>());
        const Bytes th = hex(c.at("transcript_hash"));
        auto info = tls13_hkdf_label(label, th, 32);
        ASSERT_TRUE(info);
        EXPECT_EQ(*info, hex(c.at("hkdf_label_info")));
        auto secret = tls13_derive_secret(kHash, hex(c.at("prk")), label, th);
        ASSERT_TRUE(secret);
        EXPECT_EQ(bytes(*secret), hex(c.at("secret")));
    }
}

TEST_P(Tls13KeySchedule, TrafficKeys) {
    const auto s = section();
    ASSERT_GT(s.at("traffic_keys").size(), 0u);
    for (const auto& [name, k] : s.at("traffic_keys").items()) {
        SCOPED_TRACE(name);
        const Bytes secret = hex(k.at("traffic_secret"));
        // RFC 8446 §7.3: key = HKDF-Expand-Label(Secret, "key", "", key_length), iv likewise with "iv".
        auto key = tls13_expand_label(kHash, secret, "key", {}, 16);
        auto iv = tls13_expand_label(kHash, secret, "iv", {}, 12);
        ASSERT_TRUE(key && iv);
        EXPECT_EQ(bytes(*key), hex(k.at("key")));
        EXPECT_EQ(bytes(*iv), hex(k.at("iv")));
    }
}

TEST_P(Tls13KeySchedule, Finished) {
    const auto s = section();
    const auto& msgs = s.at("handshake_messages");
    ASSERT_GT(s.at("finished").size(), 0u);
    for (const auto& c : s.at("finished")) {
        const std::string sender = c.at("sender").get<std::string>();
        SCOPED_TRACE(sender);
        // RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)
        auto info = tls13_hkdf_label("finished", {}, 32);
        ASSERT_TRUE(info);
        EXPECT_EQ(*info, hex(c.at("finished_key_info")));
        auto fk = tls13_expand_label(kHash, hex(c.at("base_key")), "finished", {}, 32);
        ASSERT_TRUE(fk);
        EXPECT_EQ(bytes(*fk), hex(c.at("finished_key")));
        // verify_data = HMAC(finished_key, Transcript-Hash(messages before this Finished))
        auto transcript = Hasher::create(kHash);
        ASSERT_TRUE(transcript);
        bool found = false;
        for (const auto& m : msgs) {
            if (m.at("type") == "Finished" && m.at("sender") == sender) {
                found = true;
                break;
            }
            ASSERT_TRUE(transcript->update(hex(m.at("hex"))));
        }
        ASSERT_TRUE(found);
        Bytes th(32);
        ASSERT_TRUE(transcript->finish(th));
        auto mac = Mac::create_hmac(kHash, *fk);
        ASSERT_TRUE(mac);
        EXPECT_TRUE(mac->verify(th, hex(c.at("verify_data"))));
    }
}

TEST_P(Tls13KeySchedule, PskBinderAndResumption) {
    const auto s = section();
    const std::size_t cases = s.at("psk_binder").size() + s.at("resumption").size();
    ASSERT_GT(cases, 0u);
    for (const auto& c : s.at("psk_binder")) {
        // RFC 8446 §4.2.11.2: binder = HMAC(finished_key(binder_key), Transcript-Hash(truncated ClientHello))
        const Bytes binder_hash = digest(kHash, hex(c.at("client_hello_prefix"))).value();
        EXPECT_EQ(binder_hash, hex(c.at("binder_hash")));
        auto fk = tls13_expand_label(kHash, hex(c.at("binder_key")), "finished", {}, 32);
        ASSERT_TRUE(fk);
        EXPECT_EQ(bytes(*fk), hex(c.at("finished_key")));
        EXPECT_EQ(hmac(kHash, *fk, binder_hash).value(), hex(c.at("binder")));
        // binder_key = Derive-Secret(early_secret, "res binder", "") (§7.1)
        const auto& early = s.at("hkdf_extract").at(0);
        ASSERT_EQ(early.at("stage"), "early");
        auto bk =
            tls13_derive_secret(kHash, hex(early.at("secret")), "res binder", digest(kHash, {}).value());
        ASSERT_TRUE(bk);
        EXPECT_EQ(bytes(*bk), hex(c.at("binder_key")));
    }
    for (const auto& c : s.at("resumption")) {
        // RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
        // Hash.length)
        const Bytes nonce = hex(c.at("context_ticket_nonce"));
        auto info = tls13_hkdf_label(strip_prefix(c.at("label").get<std::string>()), nonce, 32);
        ASSERT_TRUE(info);
        EXPECT_EQ(*info, hex(c.at("hkdf_label_info")));
        auto psk =
            tls13_expand_label(kHash, hex(c.at("prk_resumption_master_secret")), "resumption", nonce, 32);
        ASSERT_TRUE(psk);
        EXPECT_EQ(bytes(*psk), hex(c.at("psk")));
    }
}

INSTANTIATE_TEST_SUITE_P(Rfc8448, Tls13KeySchedule, ::testing::Values("3", "4"),
                         [](const auto& p) { return "Section" + p.param; });

}  // namespace
}  // namespace strata::crypto
