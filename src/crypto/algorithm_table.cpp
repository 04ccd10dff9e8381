#include "crypto/algorithm_table.hpp"

#include <array>

namespace strata::crypto {

namespace {

constexpr AeadAlg kG128 = AeadAlg::Aes128Gcm;
constexpr AeadAlg kG256 = AeadAlg::Aes256Gcm;
constexpr AeadAlg kG192 = AeadAlg::Aes192Gcm;
constexpr AeadAlg kChaCha = AeadAlg::ChaCha20Poly1305;
constexpr CipherAlg kNone = CipherAlg::Null;

// IKEv2 IDs: IANA "Transform Type 1 - Encryption Algorithm Transform IDs"
// (RFC 7296 §3.3.2, RFC 4106 §8, RFC 7634 §2). IKEv1 ESP IDs: IPsec DOI
// (RFC 2407 §4.4.4, RFC 3602 §5, RFC 4106 §8.1). IKEv1 phase 1 IDs: RFC 2409
// Appendix A (3DES-CBC = 5) and RFC 3602 §5 (AES-CBC = 7).
constexpr std::array kEncryption = {
    //            keyword            alias            id  bits  aead   aead   cipher               key salt
    //            icv iv blk esp1 p1     legacy
    EncryptionInfo{"aes128gcm16", "aes128gcm128", 20, 128, true, kG128, kNone, 16, 4, 16, 8, 1, 20, kNoId,
                   false},
    EncryptionInfo{"aes256gcm16", "aes256gcm128", 20, 256, true, kG256, kNone, 32, 4, 16, 8, 1, 20, kNoId,
                   false},
    EncryptionInfo{"aes128gcm12", "aes128gcm96", 19, 128, true, kG128, kNone, 16, 4, 12, 8, 1, 19, kNoId,
                   false},
    EncryptionInfo{"aes256gcm12", "aes256gcm96", 19, 256, true, kG256, kNone, 32, 4, 12, 8, 1, 19, kNoId,
                   false},
    EncryptionInfo{"aes128gcm8", "aes128gcm64", 18, 128, true, kG128, kNone, 16, 4, 8, 8, 1, 18, kNoId,
                   false},
    EncryptionInfo{"aes256gcm8", "aes256gcm64", 18, 256, true, kG256, kNone, 32, 4, 8, 8, 1, 18, kNoId,
                   false},
    EncryptionInfo{"aes192gcm16", "aes192gcm128", 20, 192, true, kG192, kNone, 24, 4, 16, 8, 1, 20, kNoId,
                   false},
    EncryptionInfo{"aes192gcm12", "aes192gcm96", 19, 192, true, kG192, kNone, 24, 4, 12, 8, 1, 19, kNoId,
                   false},
    EncryptionInfo{"aes192gcm8", "aes192gcm64", 18, 192, true, kG192, kNone, 24, 4, 8, 8, 1, 18, kNoId,
                   false},
    EncryptionInfo{"chacha20poly1305", "", 28, 0, true, kChaCha, kNone, 32, 4, 16, 8, 1, kNoId, kNoId, false},
    EncryptionInfo{"aes128", "aes128cbc", 12, 128, false, kG128, CipherAlg::Aes128Cbc, 16, 0, 0, 16, 16, 12,
                   7, false},
    EncryptionInfo{"aes192", "aes192cbc", 12, 192, false, kG128, CipherAlg::Aes192Cbc, 24, 0, 0, 16, 16, 12,
                   7, false},
    EncryptionInfo{"aes256", "aes256cbc", 12, 256, false, kG128, CipherAlg::Aes256Cbc, 32, 0, 0, 16, 16, 12,
                   7, false},
    EncryptionInfo{"3des", "", 3, 0, false, kG128, CipherAlg::TripleDesCbc, 24, 0, 0, 8, 8, 3, 5, true},
    // RFC 2410: NULL encryption, only ever with an integrity algorithm.
    EncryptionInfo{"null", "", 11, 0, false, kG128, CipherAlg::Null, 0, 0, 0, 0, 1, 11, kNoId, false},
};

// IKEv2 IDs: IANA "Transform Type 3 - Integrity Algorithm Transform IDs"
// (RFC 7296 §3.3.2, RFC 4868 §2). IKEv1: IPsec DOI Authentication Algorithm
// attribute (RFC 2407 §4.5) and AH transform IDs (RFC 2407 §4.4.3).
constexpr std::array kIntegrity = {
    IntegrityInfo{"sha256", "sha2_256", 12, MacAlg::HmacSha256_128, 32, 16, 5, 5, false},
    IntegrityInfo{"sha384", "sha2_384", 13, MacAlg::HmacSha384_192, 48, 24, 6, 6, false},
    IntegrityInfo{"sha512", "sha2_512", 14, MacAlg::HmacSha512_256, 64, 32, 7, 7, false},
    IntegrityInfo{"sha1", "sha", 2, MacAlg::HmacSha1_96, 20, 12, 2, 3, true},
    IntegrityInfo{"md5", "", 1, MacAlg::HmacMd5_96, 16, 12, 1, 2, true},
};

// IKEv2 IDs: IANA "Transform Type 2 - Pseudorandom Function Transform IDs"
// (RFC 7296 §3.3.2, RFC 4868). IKEv1 Hash Algorithm attribute: RFC 2409
// Appendix A (MD5 = 1, SHA = 2) and IANA (SHA2-256 = 4, 384 = 5, 512 = 6).
constexpr std::array kPrf = {
    PrfInfo{"prfsha256", 5, HashAlg::Sha256, 4, false}, PrfInfo{"prfsha384", 6, HashAlg::Sha384, 5, false},
    PrfInfo{"prfsha512", 7, HashAlg::Sha512, 6, false}, PrfInfo{"prfsha1", 2, HashAlg::Sha1, 2, true},
    PrfInfo{"prfmd5", 1, HashAlg::Md5, 1, true},
};

// IKE numbers: IANA "Transform Type 4" (RFC 7296, RFC 3526, RFC 5903, RFC 8031).
// TLS NamedGroup: RFC 8446 §4.2.7. MODP groups have no TLS number (TLS uses
// the different RFC 7919 ffdhe groups).
constexpr std::array kDh = {
    DhInfo{"x25519", "curve25519", DhGroup::X25519, 0x001d, 32, false},
    DhInfo{"ecp256", "", DhGroup::Ecp256, 0x0017, 64, false},
    DhInfo{"ecp384", "", DhGroup::Ecp384, 0x0018, 96, false},
    DhInfo{"modp3072", "", DhGroup::Modp3072, kNoId, 384, false},
    DhInfo{"modp2048", "", DhGroup::Modp2048, kNoId, 256, false},
    DhInfo{"modp1024", "", DhGroup::Modp1024, kNoId, 128, true},
};

constexpr TlsKeyExchange k13 = TlsKeyExchange::Tls13;
constexpr TlsKeyExchange kRsa = TlsKeyExchange::Rsa;
constexpr TlsKeyExchange kEr = TlsKeyExchange::EcdheRsa;
constexpr TlsKeyExchange kEe = TlsKeyExchange::EcdheEcdsa;
constexpr MacAlg kNoMac = MacAlg::HmacSha256;  // unused for AEAD suites

// IANA "TLS Cipher Suites" (RFC 8446 §B.4, RFC 5288, RFC 5289, RFC 7905, RFC 5246 App. C).
constexpr std::array kTlsSuites = {
    TlsCipherSuiteInfo{0x1301, "TLS_AES_128_GCM_SHA256", k13, true, kG128, kNone, kNoMac, HashAlg::Sha256},
    TlsCipherSuiteInfo{0x1302, "TLS_AES_256_GCM_SHA384", k13, true, kG256, kNone, kNoMac, HashAlg::Sha384},
    TlsCipherSuiteInfo{0x1303, "TLS_CHACHA20_POLY1305_SHA256", k13, true, kChaCha, kNone, kNoMac,
                       HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", kEe, true, kG128, kNone, kNoMac,
                       HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", kEe, true, kG256, kNone, kNoMac,
                       HashAlg::Sha384},
    TlsCipherSuiteInfo{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", kEr, true, kG128, kNone, kNoMac,
                       HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", kEr, true, kG256, kNone, kNoMac,
                       HashAlg::Sha384},
    TlsCipherSuiteInfo{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", kEe, true, kChaCha, kNone,
                       kNoMac, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", kEr, true, kChaCha, kNone,
                       kNoMac, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", kEe, false, kG128,
                       CipherAlg::Aes128Cbc, MacAlg::HmacSha256, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", kEr, false, kG128,
                       CipherAlg::Aes128Cbc, MacAlg::HmacSha256, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", kEe, false, kG128,
                       CipherAlg::Aes128Cbc, MacAlg::HmacSha1, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", kEe, false, kG128,
                       CipherAlg::Aes256Cbc, MacAlg::HmacSha1, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", kEr, false, kG128, CipherAlg::Aes128Cbc,
                       MacAlg::HmacSha1, HashAlg::Sha256},
    TlsCipherSuiteInfo{0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", kEr, false, kG128, CipherAlg::Aes256Cbc,
                       MacAlg::HmacSha1, HashAlg::Sha256},
    TlsCipherSuiteInfo{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", kRsa, true, kG128, kNone, kNoMac,
                       HashAlg::Sha256},
    TlsCipherSuiteInfo{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", kRsa, true, kG256, kNone, kNoMac,
                       HashAlg::Sha384},
    TlsCipherSuiteInfo{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", kRsa, false, kG128, CipherAlg::Aes128Cbc,
                       MacAlg::HmacSha256, HashAlg::Sha256},
    TlsCipherSuiteInfo{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", kRsa, false, kG128, CipherAlg::Aes256Cbc,
                       MacAlg::HmacSha256, HashAlg::Sha256},
    TlsCipherSuiteInfo{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", kRsa, false, kG128, CipherAlg::Aes128Cbc,
                       MacAlg::HmacSha1, HashAlg::Sha256},
    TlsCipherSuiteInfo{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", kRsa, false, kG128, CipherAlg::Aes256Cbc,
                       MacAlg::HmacSha1, HashAlg::Sha256},
};

// RFC 8446 §4.2.3.
constexpr std::array kSignatureSchemes = {
    SignatureSchemeInfo{0x0403, "ecdsa_secp256r1_sha256", SignatureAlg::EcdsaP256Sha256},
    SignatureSchemeInfo{0x0503, "ecdsa_secp384r1_sha384", SignatureAlg::EcdsaP384Sha384},
    SignatureSchemeInfo{0x0807, "ed25519", SignatureAlg::Ed25519},
    SignatureSchemeInfo{0x0804, "rsa_pss_rsae_sha256", SignatureAlg::RsaPssSha256},
    SignatureSchemeInfo{0x0805, "rsa_pss_rsae_sha384", SignatureAlg::RsaPssSha384},
    SignatureSchemeInfo{0x0806, "rsa_pss_rsae_sha512", SignatureAlg::RsaPssSha512},
    SignatureSchemeInfo{0x0401, "rsa_pkcs1_sha256", SignatureAlg::RsaPkcs1Sha256},
    SignatureSchemeInfo{0x0501, "rsa_pkcs1_sha384", SignatureAlg::RsaPkcs1Sha384},
    SignatureSchemeInfo{0x0601, "rsa_pkcs1_sha512", SignatureAlg::RsaPkcs1Sha512},
};

template <typename Row, typename Pred>
const Row* find_row(std::span<const Row> rows, Pred pred) {
    for (const Row& r : rows)
        if (pred(r)) return &r;
    return nullptr;
}

bool named(std::string_view kw, std::string_view keyword, std::string_view alias) {
    return kw == keyword || (!alias.empty() && kw == alias);
}

}  // namespace

std::span<const EncryptionInfo> encryption_table() { return kEncryption; }
std::span<const IntegrityInfo> integrity_table() { return kIntegrity; }
std::span<const PrfInfo> prf_table() { return kPrf; }
std::span<const DhInfo> dh_table() { return kDh; }
std::span<const TlsCipherSuiteInfo> tls_cipher_suite_table() { return kTlsSuites; }
std::span<const SignatureSchemeInfo> signature_scheme_table() { return kSignatureSchemes; }

const EncryptionInfo* find_encryption(std::string_view kw) {
    return find_row(encryption_table(),
                    [&](const EncryptionInfo& r) { return named(kw, r.keyword, r.alias); });
}
const EncryptionInfo* find_encryption_ikev2(std::uint16_t id, std::uint16_t key_bits) {
    return find_row(encryption_table(),
                    [&](const EncryptionInfo& r) { return r.ikev2_id == id && r.key_bits == key_bits; });
}
const IntegrityInfo* find_integrity(std::string_view kw) {
    return find_row(integrity_table(), [&](const IntegrityInfo& r) { return named(kw, r.keyword, r.alias); });
}
const IntegrityInfo* find_integrity_ikev2(std::uint16_t id) {
    return find_row(integrity_table(), [&](const IntegrityInfo& r) { return r.ikev2_id == id; });
}
const PrfInfo* find_prf(std::string_view kw) {
    return find_row(prf_table(), [&](const PrfInfo& r) { return r.keyword == kw; });
}
const PrfInfo* find_prf_ikev2(std::uint16_t id) {
    return find_row(prf_table(), [&](const PrfInfo& r) { return r.ikev2_id == id; });
}
const DhInfo* find_dh(std::string_view kw) {
    return find_row(dh_table(), [&](const DhInfo& r) { return named(kw, r.keyword, r.alias); });
}
const DhInfo* find_dh(DhGroup g) {
    return find_row(dh_table(), [&](const DhInfo& r) { return r.group == g; });
}
const DhInfo* find_dh_tls(std::uint16_t tls_group) {
    return find_row(dh_table(),
                    [&](const DhInfo& r) { return r.tls_group == tls_group && tls_group != kNoId; });
}
const TlsCipherSuiteInfo* find_tls_cipher_suite(std::uint16_t id) {
    return find_row(tls_cipher_suite_table(), [&](const TlsCipherSuiteInfo& r) { return r.id == id; });
}
const SignatureSchemeInfo* find_signature_scheme(std::uint16_t id) {
    return find_row(signature_scheme_table(), [&](const SignatureSchemeInfo& r) { return r.id == id; });
}

std::string_view hash_name(HashAlg h) {
    switch (h) {
        case HashAlg::Md5: return "md5";
        case HashAlg::Sha1: return "sha1";
        case HashAlg::Sha224: return "sha224";
        case HashAlg::Sha256: return "sha256";
        case HashAlg::Sha384: return "sha384";
        case HashAlg::Sha512: return "sha512";
    }
    return "unknown";
}

std::string_view to_string(ProposalError e) noexcept {
    switch (e) {
        case ProposalError::Empty: return "Empty";
        case ProposalError::UnknownKeyword: return "UnknownKeyword";
        case ProposalError::AeadWithIntegrity: return "AeadWithIntegrity";
        case ProposalError::MissingEncryption: return "MissingEncryption";
    }
    return "UnknownProposalError";
}

core::Result<Proposal, ProposalError> parse_proposal(std::string_view text, std::string* bad_token) {
    using core::fail;
    if (text.empty()) return fail(ProposalError::Empty);
    Proposal p;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t dash = text.find('-', start);
        const std::string_view tok =
            text.substr(start, dash == std::string_view::npos ? text.size() - start : dash - start);
        if (tok.empty()) return fail(ProposalError::Empty);
        if (const auto* e = find_encryption(tok)) {
            p.encryption.push_back(e);
        } else if (const auto* i = find_integrity(tok)) {
            p.integrity.push_back(i);
        } else if (const auto* f = find_prf(tok)) {
            p.prf.push_back(f);
        } else if (const auto* d = find_dh(tok)) {
            p.dh.push_back(d);
        } else if (tok == "esn" || tok == "noesn") {
            p.esn.push_back(tok == "esn");
        } else {
            if (bad_token != nullptr) *bad_token = std::string(tok);
            return fail(ProposalError::UnknownKeyword);
        }
        if (dash == std::string_view::npos) break;
        start = dash + 1;
    }
    if (p.encryption.empty()) return fail(ProposalError::MissingEncryption);
    bool any_aead = false;
    for (const auto* e : p.encryption) any_aead = any_aead || e->aead;
    // RFC 7296 §3.3: combined-mode ciphers are proposed without an integrity
    // transform (or with "none"); mixing them in one proposal is refused.
    if (any_aead && !p.integrity.empty()) return fail(ProposalError::AeadWithIntegrity);
    return p;
}

}  // namespace strata::crypto
