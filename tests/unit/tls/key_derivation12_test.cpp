#include "tls/key_derivation12.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>

#include "vectors/vector_file.hpp"

namespace strata::tls {
namespace {

using core::Bytes;

Bytes bytes_of(core::ByteView v) { return Bytes(v.begin(), v.end()); }

Random random_of(const Bytes& b) {
    Random r{};
    EXPECT_EQ(b.size(), r.size());
    std::copy_n(b.begin(), std::min(b.size(), r.size()), r.begin());
    return r;
}

// oracle_prf computes the TLS 1.2 PRF with libcrypto's own TLS1-PRF KDF, an
// implementation independent of crypto::tls12_prf.
Bytes oracle_prf(const char* digest, core::ByteView secret, std::string_view label, core::ByteView seed,
                 std::size_t length) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    const Bytes full_seed = core::concat(
        {core::ByteView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()), seed});
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(secret.data()),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<std::uint8_t*>(full_seed.data()),
                                          full_seed.size()),
        OSSL_PARAM_construct_end()};
    Bytes out(length);
    const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    EXPECT_EQ(rc, 1);
    return out;
}

const nlohmann::json& find_case(const nlohmann::json& j, const std::string& label) {
    for (const auto& c : j.at("cases")) {
        if (c.at("label") == label) return c;
    }
    throw std::runtime_error("no case with label " + label);
}

// shared/vectors/tls12_prf.json, NIST SP 800-135 "master secret" case.
TEST(KeyDerivation12, MasterSecretVector) {
    const auto j = test::load_vectors("tls12_prf.json");
    const auto& c = find_case(j, "master secret");
    ASSERT_EQ(c.at("hash"), "SHA-256");
    auto ms = master_secret12(crypto::HashAlg::Sha256, test::hex(c.at("secret")),
                              random_of(test::hex(c.at("client_random"))),
                              random_of(test::hex(c.at("server_random"))));
    ASSERT_TRUE(ms);
    EXPECT_EQ(ms->size(), kMasterSecretLength);
    EXPECT_EQ(bytes_of(*ms), test::hex(c.at("output")));
}

// shared/vectors/tls12_prf.json, "key expansion" case: the key block of
// three suites is a prefix of the vector's output, split in RFC 5246 §6.3
// order.
TEST(KeyDerivation12, KeyBlockVector) {
    const auto j = test::load_vectors("tls12_prf.json");
    const auto& c = find_case(j, "key expansion");
    const Bytes master = test::hex(c.at("secret"));
    const Random cr = random_of(test::hex(c.at("client_random")));
    const Random sr = random_of(test::hex(c.at("server_random")));
    const Bytes block = test::hex(c.at("output"));

    struct Want {
        std::uint16_t suite;
        std::size_t mac, key, iv;
    };
    const Want wants[] = {
        {0xc02f, 0, 16, 4},   // ECDHE-RSA-AES128-GCM-SHA256: RFC 5288 §3 salt
        {0xcca8, 0, 32, 12},  // ECDHE-RSA-CHACHA20-POLY1305: RFC 7905 §2 12-byte IV
        {0xc027, 32, 16, 0},  // ECDHE-RSA-AES128-CBC-SHA256: HMAC-SHA256 key, explicit IVs
    };
    for (const Want& w : wants) {
        SCOPED_TRACE(w.suite);
        const auto* suite = crypto::find_tls_cipher_suite(w.suite);
        ASSERT_NE(suite, nullptr);
        auto layout = key_block_layout(*suite);
        ASSERT_TRUE(layout);
        EXPECT_EQ(layout->mac_key_length, w.mac);
        EXPECT_EQ(layout->enc_key_length, w.key);
        EXPECT_EQ(layout->fixed_iv_length, w.iv);
        ASSERT_LE(layout->total(), block.size());
        auto kb = key_block12(*suite, master, cr, sr);
        ASSERT_TRUE(kb);
        std::size_t at = 0;
        auto next = [&](std::size_t n) {
            Bytes part(block.begin() + static_cast<std::ptrdiff_t>(at),
                       block.begin() + static_cast<std::ptrdiff_t>(at + n));
            at += n;
            return part;
        };
        EXPECT_EQ(bytes_of(kb->client_mac_key), next(w.mac));
        EXPECT_EQ(bytes_of(kb->server_mac_key), next(w.mac));
        EXPECT_EQ(bytes_of(kb->client_key), next(w.key));
        EXPECT_EQ(bytes_of(kb->server_key), next(w.key));
        EXPECT_EQ(bytes_of(kb->client_iv), next(w.iv));
        EXPECT_EQ(bytes_of(kb->server_iv), next(w.iv));
    }
}

TEST(KeyDerivation12, CbcSha1Layout) {
    const auto* suite = crypto::find_tls_cipher_suite(0xc014);  // ECDHE-RSA-AES256-CBC-SHA
    ASSERT_NE(suite, nullptr);
    auto layout = key_block_layout(*suite);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->mac_key_length, 20u);  // RFC 5246 §6.3: HMAC-SHA1 key = 20 bytes
    EXPECT_EQ(layout->enc_key_length, 32u);
    EXPECT_EQ(layout->fixed_iv_length, 0u);
    EXPECT_EQ(layout->total(), 104u);
}

TEST(KeyDerivation12, Tls13SuiteRefused) {
    const auto* suite = crypto::find_tls_cipher_suite(0x1301);
    ASSERT_NE(suite, nullptr);
    EXPECT_EQ(key_block_layout(*suite).error(), Error::HandshakeFailure);
    Random r{};
    EXPECT_FALSE(key_block12(*suite, Bytes(48, 1), r, r));
}

// RFC 7627 §4 against libcrypto's TLS1-PRF with the "extended master
// secret" label, for SHA-256 and SHA-384 suites.
TEST(KeyDerivation12, ExtendedMasterSecretMatchesOracle) {
    const Bytes premaster(48, 0x03);
    const Bytes session_hash32(32, 0xc4);
    const Bytes session_hash48(48, 0xc5);
    auto ems = extended_master_secret12(crypto::HashAlg::Sha256, premaster, session_hash32);
    ASSERT_TRUE(ems);
    EXPECT_EQ(bytes_of(*ems), oracle_prf("SHA256", premaster, "extended master secret", session_hash32, 48));
    auto ems384 = extended_master_secret12(crypto::HashAlg::Sha384, premaster, session_hash48);
    ASSERT_TRUE(ems384);
    EXPECT_EQ(bytes_of(*ems384),
              oracle_prf("SHA384", premaster, "extended master secret", session_hash48, 48));
    // The extended master secret differs from the classic one for the same premaster.
    Random cr{};
    Random sr{};
    auto classic = master_secret12(crypto::HashAlg::Sha256, premaster, cr, sr);
    ASSERT_TRUE(classic);
    EXPECT_NE(bytes_of(*classic), bytes_of(*ems));
}

TEST(KeyDerivation12, FinishedMatchesOracleAndChecks) {
    const Bytes master(48, 0x77);
    const Bytes hash(32, 0x10);
    auto client = finished_verify_data12(crypto::HashAlg::Sha256, master, FinishedSender::Client, hash);
    auto server = finished_verify_data12(crypto::HashAlg::Sha256, master, FinishedSender::Server, hash);
    ASSERT_TRUE(client && server);
    EXPECT_EQ(client->size(), 12u);
    EXPECT_EQ(*client, oracle_prf("SHA256", master, "client finished", hash, 12));
    EXPECT_EQ(*server, oracle_prf("SHA256", master, "server finished", hash, 12));
    EXPECT_NE(*client, *server);

    EXPECT_TRUE(check_finished12(crypto::HashAlg::Sha256, master, FinishedSender::Client, hash, *client));
    Bytes tampered = *client;
    tampered[11] ^= 1;
    auto bad = check_finished12(crypto::HashAlg::Sha256, master, FinishedSender::Client, hash, tampered);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), Error::DecryptError);
    EXPECT_EQ(alert_for(bad.error()), AlertDescription::DecryptError);
    // The server's verify_data does not pass as the client's.
    EXPECT_FALSE(check_finished12(crypto::HashAlg::Sha256, master, FinishedSender::Client, hash, *server));
    // A short verify_data fails too.
    EXPECT_FALSE(check_finished12(crypto::HashAlg::Sha256, master, FinishedSender::Client, hash,
                                  core::ByteView(*client).first(11)));
}

}  // namespace
}  // namespace strata::tls
