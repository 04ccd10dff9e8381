// kat_asymmetric.cpp: self-tests for DH/ECDH, signatures, X.509 and random.
//
// True known-answer tests where a published vector exists (RFC 7748 §6.1,
// RFC 5903 §8.1, RFC 8032 §7.1 TEST 1); pairwise consistency tests otherwise.
#include <array>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/hex.hpp"
#include "crypto/dh.hpp"
#include "crypto/random.hpp"
#include "crypto/selftest.hpp"
#include "crypto/signature.hpp"
#include "crypto/x509.hpp"

namespace strata::crypto {

namespace {

using core::Bytes;
using core::ByteView;

// A test RSA-2048 key, made for this self-test only with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (OpenSSL
// 3.0.19). Embedded so the self-test need not generate RSA keys (slow).
constexpr std::string_view kTestRsaKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDINH4Cx1si7jwF\n"
    "tO3X7jmQQhR7SEGiUx260XPbvbMPM8CjwaVvGbHu6QfzQyuq7RcCbXzI4YrwSE3q\n"
    "mLMzr3NxE8JMQaxO6ZC5bvCRocHEzD191cfRpHZRrnqrnSNXvNaVonaN+fPbNEp/\n"
    "U+sK56S+H2EkLJ+XDe2saPqkMZUWO2nV7DMGBP45v1XzHYD8heBJg4jAKl4c1u7/\n"
    "S7dKjjtaATDCcT3lvkwv8/qmnIgF3m9wkPeVQyxKFcb+61QWogWdgqQOvxjPwYMa\n"
    "pVhQbJzDh2YJDDGDeToaqJNVjsPl0wkLomvj4bdE1wVlJ04nro+kVfhjZwgV4T9o\n"
    "Mm7RhkyHAgMBAAECggEADLxDzvMDrn0WaoLNrrvvOnrtDZ0nkoumj9obM0acvf2b\n"
    "3SW/JK7BZqa5OxoyHpHkRFCf9dXvGZe6KSG22toxIWesuYOIP/yK4caXgcHN7zIb\n"
    "sCGXnaYHPaPu8irDl7drIjTu/CReYEz7LjMNLs15DiB/BsuRUeiC18IMYnkPipXk\n"
    "ix9nLRlqPi9hl/Cz2Bm7SwLanf6XrJ4lH7Y4xLv/lSsAy69rq3iAA29Y2pUlNjkQ\n"
    "VhgG611ru12gBBG4yf6iND1YcrsrqXEmSyTsZhvhOyLgv7cLkV9+2m/RFvxGwOBJ\n"
    "eb/Ny04KQqeMJO1YiBVLvmjymbrk31ptS4yPOZ/QwQKBgQDuMvlUJRZ4ypvu9I9J\n"
    "W+ok4WGrKbSZ28x6XFujb3bZhMfrgNhvQRlMoKbcHIY1SISmfa8/liopvBMayCHQ\n"
    "X1kbg+aNYs/P1kgarif2rjMbwIFV2VFn3giLYvUfOKu9nf9ZOa+amh7rNimHliyi\n"
    "qNnXQ/tr0AkVRtUZc96lD9YzRwKBgQDXKqXHM6vuVj5RARKUVlPzJ0udPiuyB5oD\n"
    "kbxiFPNjHLsbvzZ/6K+TCUfvQ9VpU+3jypS9gx1CNiIUqeEd1VkfVHFqvK2jnfNO\n"
    "vxy+AB/nHw/yrwDSeM6Jlpeku5VAYSQ58qKA8+gz8gn11pKBOuZCEFVdL2N0o1M3\n"
    "pTfXC1M8wQKBgElE9rqyWdI4CHUdVwHquwAzL7bVsk7tdF1jEXEZdUZ9eH1xeaHn\n"
    "NWADvq/QOlwjfWI1IPX/O+LwjjPbwcL1wVQcY4u0DFZTBIToczSG6wOrWF1O5qJ7\n"
    "gsdVXi8HYJSICCaq/uAgbkhNtcKWKA60v6VerPTB3jlkO2KD6MV/NJU7AoGAM7gb\n"
    "mxNPi32NgxkX5zINAdB7O3O7OxLasWrxdj4E9tjsHNJMflhnA5fig5+xh5zV/MAw\n"
    "GpGOkeDDNmZTJ0GmJ4K7tGVf84k+97m2ZfFPudVclv/72ZuSQb5B+yXfzVbMR2WM\n"
    "LCT0tq/CNyZ5lriaqlyUuE5wwJOVqDV9g6JEQsECgYBjiqUI3zrwcD1/mPb8TeO7\n"
    "sn3IYCZQ4uLHi7xJmnzGf1Atg1G/s42D6Kp2AEwOfK43h7IsfbJs2H9urgsHPvXa\n"
    "Qyh7pOFVPOdlkjLxg8RsL5iWvXmU3WWg7UlEh96jF9X3LZYdYVVYEZBd9WxqfQd5\n"
    "yLc1Swafonun/3wqtUDl2g==\n"
    "-----END PRIVATE KEY-----\n";

Bytes unhex(std::string_view h) { return core::from_hex(h).value_or(Bytes{}); }

// Check runs one test body; the body returns "" on success or why it failed.
KatResult check(std::string name, const std::function<std::string()>& body) {
    KatResult r;
    r.name = std::move(name);
    r.detail = body();
    r.ok = r.detail.empty();
    return r;
}

std::string why(std::string_view what, core::Error e) {
    return std::string(what) + ": " + std::string(core::to_string(e));
}

// agree runs a key exchange between two fresh keys in both encodings.
std::string agree(DhGroup g) {
    auto a = KeyExchange::generate(g);
    auto b = KeyExchange::generate(g);
    if (!a || !b) return "key generation failed";
    for (Encoding e : {Encoding::Ike, Encoding::Tls}) {
        auto sa = a->derive(b->public_value(e), e);
        auto sb = b->derive(a->public_value(e), e);
        if (!sa) return why("derive", sa.error());
        if (!sb) return why("derive", sb.error());
        if (!core::equal_public(*sa, *sb)) return "shared secrets differ";
    }
    return {};
}

// modp checks the embedded prime (RFC 2409 §6.2 / RFC 3526: the top and
// bottom 64 bits are all ones; libcrypto's copy where it has one), then agreement.
std::string modp(DhGroup g, std::size_t bytes) {
    const Bytes p = modp_prime(g);
    if (p.size() != bytes) return "prime has the wrong length";
    for (std::size_t i = 0; i < 8; ++i) {
        if (p[i] != 0xff || p[p.size() - 1 - i] != 0xff) return "prime is not of the RFC form";
    }
    if (g != DhGroup::Modp1024) {
        auto builtin = openssl_modp_prime(g);
        if (!builtin) return why("libcrypto prime", builtin.error());
        if (*builtin != p) return "prime differs from libcrypto's";
    }
    return agree(g);
}

// ecp256 is RFC 5903 §8.1: both public values and the shared x-coordinate.
std::string ecp256() {
    auto i = KeyExchange::from_private(
        DhGroup::Ecp256, unhex("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"));
    auto r = KeyExchange::from_private(
        DhGroup::Ecp256, unhex("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"));
    if (!i || !r) return "cannot load the RFC 5903 private keys";
    const Bytes gi = unhex(
        "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
        "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
    const Bytes gr = unhex(
        "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
        "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
    if (i->public_value(Encoding::Ike) != gi || r->public_value(Encoding::Ike) != gr) return "public value";
    auto s = i->derive(gr, Encoding::Ike);
    if (!s) return why("derive", s.error());
    if (!core::equal_public(*s, unhex("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"))) {
        return "shared secret";
    }
    return agree(DhGroup::Ecp256);
}

// x25519 is RFC 7748 §6.1: Alice's and Bob's public keys and shared secret.
std::string x25519_kat() {
    auto alice = KeyExchange::from_private(
        DhGroup::X25519, unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    if (!alice) return "cannot load Alice's key";
    if (alice->public_value(Encoding::Ike) !=
        unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")) {
        return "public value";
    }
    auto s = alice->derive(unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
                           Encoding::Ike);
    if (!s) return why("derive", s.error());
    if (!core::equal_public(*s, unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))) {
        return "shared secret";
    }
    // RFC 7748 §6.1: the all-zero output must be refused.
    auto zero = alice->derive(Bytes(32, 0), Encoding::Ike);
    if (zero || zero.error() != core::Error::SharedSecretZero) return "all-zero output not refused";
    return {};
}

// sign_verify signs, verifies, and checks that a changed message fails.
std::string sign_verify(const PrivateKey& key, SignatureAlg alg) {
    const Bytes msg = {'s', 'e', 'l', 'f', 't', 'e', 's', 't'};
    auto pub = key.public_key();
    if (!pub) return why("public key", pub.error());
    auto sig = sign(key, alg, msg);
    if (!sig) return why("sign", sig.error());
    if (auto st = verify(*pub, alg, msg, *sig); !st) return why("verify", st.error());
    Bytes other = msg;
    other[0] ^= 1;
    auto bad = verify(*pub, alg, other, *sig);
    if (bad || bad.error() != core::Error::SignatureInvalid) return "changed message verified";
    return {};
}

std::string rsa(SignatureAlg alg) {
    auto key = PrivateKey::from_pem(kTestRsaKey);
    if (!key) return why("load key", key.error());
    return sign_verify(*key, alg);
}

std::string ecdsa(SignatureAlg alg) {
    auto key = PrivateKey::generate(alg);
    if (!key) return why("generate", key.error());
    return sign_verify(*key, alg);
}

// ed25519 is RFC 8032 §7.1 TEST 1 (empty message).
std::string ed25519() {
    auto key = PrivateKey::from_raw_ed25519(
        unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    auto expected_pub = PublicKey::from_raw_ed25519(
        unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    if (!key || !expected_pub) return "cannot load the RFC 8032 keys";
    auto pub = key->public_key();
    if (!pub || !pub->equals(*expected_pub)) return "public key";
    auto sig = sign(*key, SignatureAlg::Ed25519, {});
    if (!sig) return why("sign", sig.error());
    if (*sig != unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
                      "701cf9b46bd25"
                      "bf5f0595bbe24655141438e7a100b")) {
        return "signature";
    }
    if (auto st = verify(*expected_pub, SignatureAlg::Ed25519, {}, *sig); !st)
        return why("verify", st.error());
    return sign_verify(*key, SignatureAlg::Ed25519);
}

// x509 issues a root and a leaf in-process and verifies the chain at fixed
// times: inside the validity period, after it, and against an empty store.
std::string x509() {
    auto root_key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256);
    auto leaf_key = PrivateKey::generate(SignatureAlg::EcdsaP256Sha256);
    if (!root_key || !leaf_key) return "key generation failed";
    const core::WallTime start = std::chrono::system_clock::from_time_t(1893456000);  // 2030-01-01
    const core::WallTime end = start + std::chrono::hours(24 * 30);
    CertificateSpec root_spec;
    root_spec.common_name = "selftest root";
    root_spec.is_ca = true;
    root_spec.not_before = start;
    root_spec.not_after = end;
    CertificateSpec leaf_spec;
    leaf_spec.common_name = "selftest leaf";
    leaf_spec.dns_names = {"selftest.invalid"};
    leaf_spec.not_before = start;
    leaf_spec.not_after = end;
    leaf_spec.serial = 2;
    auto root = issue_certificate(root_spec, root_key->public_key().value(), *root_key, nullptr);
    if (!root) return why("issue root", root.error());
    auto leaf = issue_certificate(leaf_spec, leaf_key->public_key().value(), *root_key, &*root);
    if (!leaf) return why("issue leaf", leaf.error());
    TrustStore store;
    if (auto st = store.add(*root); !st) return why("trust store", st.error());
    const core::WallTime mid = start + std::chrono::hours(24);
    if (auto st = store.verify(*leaf, {}, mid); !st) return why("verify", st.error());
    auto late = store.verify(*leaf, {}, end + std::chrono::hours(1));
    if (late || late.error() != core::Error::CertificateExpired) return "expiry not detected";
    TrustStore empty;
    auto untrusted = empty.verify(*leaf, {}, mid);
    if (untrusted || untrusted.error() != core::Error::CertificateUntrusted)
        return "untrusted chain accepted";
    if (!check_host(*leaf, "selftest.invalid") || check_host(*leaf, "other.invalid"))
        return "host name check";
    return {};
}

// random checks the system source gives distinct, non-zero blocks.
std::string random() {
    std::array<std::uint8_t, 32> a{};
    std::array<std::uint8_t, 32> b{};
    if (!system_random().fill(a) || !system_random().fill(b)) return "RAND_bytes failed";
    if (a == b) return "repeated output";
    if (a == std::array<std::uint8_t, 32>{}) return "all-zero output";
    return {};
}

}  // namespace

std::vector<KatResult> run_asymmetric_kats() {
    return {
        check("modp1024", [] { return modp(DhGroup::Modp1024, 128); }),
        check("modp2048", [] { return modp(DhGroup::Modp2048, 256); }),
        check("modp3072", [] { return modp(DhGroup::Modp3072, 384); }),
        check("ecp256", ecp256),
        check("ecp384", [] { return agree(DhGroup::Ecp384); }),
        check("x25519", x25519_kat),
        check("rsa-pkcs1", [] { return rsa(SignatureAlg::RsaPkcs1Sha256); }),
        check("rsa-pss", [] { return rsa(SignatureAlg::RsaPssSha256); }),
        check("ecdsa-p256", [] { return ecdsa(SignatureAlg::EcdsaP256Sha256); }),
        check("ecdsa-p384", [] { return ecdsa(SignatureAlg::EcdsaP384Sha384); }),
        check("ed25519", ed25519),
        check("x509", x509),
        check("random", random),
    };
}

}  // namespace strata::crypto
