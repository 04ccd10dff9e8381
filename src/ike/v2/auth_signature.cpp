#include "ike/v2/auth_signature.hpp"

#include <algorithm>
#include <array>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/kdf.hpp"

namespace strata::ike::v2 {

namespace {

// DER tags used by AlgorithmIdentifier (X.690 §8).
constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kOid = 0x06;
constexpr std::uint8_t kNull = 0x05;
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kCtx0 = 0xa0;
constexpr std::uint8_t kCtx1 = 0xa1;
constexpr std::uint8_t kCtx2 = 0xa2;
constexpr std::uint8_t kCtx3 = 0xa3;

// Object identifiers (content octets only).
constexpr std::array<std::uint8_t, 9> kOidRsaPkcs1Sha256{0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                         0x0d, 0x01, 0x01, 0x0b};
constexpr std::array<std::uint8_t, 9> kOidRsaPkcs1Sha384{0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                         0x0d, 0x01, 0x01, 0x0c};
constexpr std::array<std::uint8_t, 9> kOidRsaPkcs1Sha512{0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                         0x0d, 0x01, 0x01, 0x0d};
constexpr std::array<std::uint8_t, 9> kOidRsaPss{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
constexpr std::array<std::uint8_t, 9> kOidMgf1{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
constexpr std::array<std::uint8_t, 8> kOidEcdsaSha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::array<std::uint8_t, 8> kOidEcdsaSha384{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr std::array<std::uint8_t, 3> kOidEd25519{0x2b, 0x65, 0x70};
constexpr std::array<std::uint8_t, 9> kOidSha256{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
constexpr std::array<std::uint8_t, 9> kOidSha384{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
constexpr std::array<std::uint8_t, 9> kOidSha512{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};

bool is_oid(core::ByteView v, core::ByteView oid) {
    return std::equal(v.begin(), v.end(), oid.begin(), oid.end());
}

// tlv returns one DER element (lengths here stay below 128 bytes).
core::Bytes tlv(std::uint8_t tag, core::ByteView content) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(tag);
    w.u8(static_cast<std::uint8_t>(content.size()));
    w.bytes(content);
    return out;
}

core::Bytes cat(std::initializer_list<core::ByteView> parts) {
    core::Bytes out;
    for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Der reads one DER element: its tag and a sub-reader over its content.
struct Der {
    std::uint8_t tag = 0;
    core::Reader content;
};

core::Result<Der> read_der(core::Reader& r) {
    auto tag = r.u8();
    auto len = r.u8();
    if (!tag || !len) return core::fail(core::Error::DecodeFailed);
    std::size_t n = *len;
    if ((*len & 0x80) != 0) {
        // Only the one-octet long form: nothing here is longer than 255
        // bytes, and X.690 §10.1 (DER) wants the shortest form.
        if (*len != 0x81) return core::fail(core::Error::DecodeFailed);
        auto l = r.u8();
        if (!l || *l < 0x80) return core::fail(core::Error::DecodeFailed);
        n = *l;
    }
    auto c = r.sub(n);
    if (!c) return core::fail(core::Error::DecodeFailed);
    return Der{*tag, *c};
}

// hash_alg_oid reads AlgorithmIdentifier { OID, NULL or absent } of a hash.
core::Result<crypto::HashAlg> read_hash_algorithm(core::Reader& r) {
    auto seq = read_der(r);
    if (!seq || seq->tag != kSequence) return core::fail(core::Error::DecodeFailed);
    auto oid = read_der(seq->content);
    if (!oid || oid->tag != kOid) return core::fail(core::Error::DecodeFailed);
    if (!seq->content.empty()) {
        auto null = read_der(seq->content);
        if (!null || null->tag != kNull || !null->content.empty() || !seq->content.empty())
            return core::fail(core::Error::DecodeFailed);
    }
    const core::ByteView o = oid->content.rest();
    if (is_oid(o, kOidSha256)) return crypto::HashAlg::Sha256;
    if (is_oid(o, kOidSha384)) return crypto::HashAlg::Sha384;
    if (is_oid(o, kOidSha512)) return crypto::HashAlg::Sha512;
    return core::fail(core::Error::UnsupportedAlgorithm);
}

// parse_pss_params reads RSASSA-PSS-params (RFC 4055 §3.1) and maps it to a
// scheme crypto::verify checks: same hash for message and MGF1, salt length
// equal to the hash length, trailer field 1.
core::Result<crypto::SignatureAlg> parse_pss_params(core::Reader& r) {
    auto seq = read_der(r);
    if (!seq || seq->tag != kSequence || !r.empty()) return core::fail(core::Error::DecodeFailed);
    // Defaults (RFC 4055 §3.1): SHA-1, MGF1-SHA-1, salt 20: not offered here.
    std::optional<crypto::HashAlg> hash, mgf_hash;
    std::optional<unsigned> salt;
    while (!seq->content.empty()) {
        auto field = read_der(seq->content);
        if (!field) return core::fail(core::Error::DecodeFailed);
        if (field->tag == kCtx0) {
            auto h = read_hash_algorithm(field->content);
            if (!h) return core::fail(h.error());
            hash = *h;
        } else if (field->tag == kCtx1) {
            auto mseq = read_der(field->content);
            if (!mseq || mseq->tag != kSequence) return core::fail(core::Error::DecodeFailed);
            auto moid = read_der(mseq->content);
            if (!moid || moid->tag != kOid) return core::fail(core::Error::DecodeFailed);
            if (!is_oid(moid->content.rest(), kOidMgf1)) return core::fail(core::Error::UnsupportedAlgorithm);
            auto h = read_hash_algorithm(mseq->content);
            if (!h) return core::fail(h.error());
            mgf_hash = *h;
        } else if (field->tag == kCtx2) {
            auto i = read_der(field->content);
            if (!i || i->tag != kInteger || i->content.remaining() == 0 || i->content.remaining() > 2)
                return core::fail(core::Error::DecodeFailed);
            unsigned v = 0;
            while (!i->content.empty()) v = (v << 8) | *i->content.u8();
            salt = v;
        } else if (field->tag == kCtx3) {
            auto i = read_der(field->content);
            if (!i || i->tag != kInteger || i->content.remaining() != 1 || *i->content.u8() != 1)
                return core::fail(core::Error::UnsupportedAlgorithm);
        } else {
            return core::fail(core::Error::DecodeFailed);
        }
    }
    if (!hash || !mgf_hash || *hash != *mgf_hash || !salt)
        return core::fail(core::Error::UnsupportedAlgorithm);
    switch (*hash) {
        case crypto::HashAlg::Sha256:
            if (*salt == 32) return crypto::SignatureAlg::RsaPssSha256;
            break;
        case crypto::HashAlg::Sha384:
            if (*salt == 48) return crypto::SignatureAlg::RsaPssSha384;
            break;
        case crypto::HashAlg::Sha512:
            if (*salt == 64) return crypto::SignatureAlg::RsaPssSha512;
            break;
        default: break;
    }
    return core::fail(core::Error::UnsupportedAlgorithm);
}

core::Bytes pss_identifier(core::ByteView hash_oid, std::uint8_t salt) {
    const core::Bytes null_v = tlv(kNull, {});
    const core::Bytes hash_alg = tlv(kSequence, cat({tlv(kOid, hash_oid), null_v}));
    const core::Bytes mgf = tlv(kSequence, cat({tlv(kOid, kOidMgf1), hash_alg}));
    const std::array<std::uint8_t, 1> s{salt};
    const core::Bytes params =
        tlv(kSequence, cat({tlv(kCtx0, hash_alg), tlv(kCtx1, mgf), tlv(kCtx2, tlv(kInteger, s))}));
    return tlv(kSequence, cat({tlv(kOid, kOidRsaPss), params}));
}

HashAlgorithm hash_of(crypto::SignatureAlg a) {
    switch (a) {
        case crypto::SignatureAlg::RsaPkcs1Sha256:
        case crypto::SignatureAlg::RsaPssSha256:
        case crypto::SignatureAlg::EcdsaP256Sha256: return HashAlgorithm::Sha256;
        case crypto::SignatureAlg::RsaPkcs1Sha384:
        case crypto::SignatureAlg::RsaPssSha384:
        case crypto::SignatureAlg::EcdsaP384Sha384: return HashAlgorithm::Sha384;
        case crypto::SignatureAlg::RsaPkcs1Sha512:
        case crypto::SignatureAlg::RsaPssSha512: return HashAlgorithm::Sha512;
        case crypto::SignatureAlg::Ed25519: return HashAlgorithm::Identity;
    }
    return HashAlgorithm::Sha256;
}

}  // namespace

core::Bytes encode_hash_algorithms() {
    core::Bytes out;
    core::Writer w(out);
    for (auto h : kOurHashAlgorithms) w.u16(static_cast<std::uint16_t>(h));
    return out;
}

core::Result<std::vector<std::uint16_t>> parse_hash_algorithms(core::ByteView data) {
    if (data.empty() || data.size() % 2 != 0) return core::fail(core::Error::DecodeFailed);
    core::Reader r(data);
    std::vector<std::uint16_t> out;
    while (!r.empty()) out.push_back(*r.u16());
    return out;
}

core::Result<core::Bytes> signed_octets(const crypto::PrfInfo& prf, core::ByteView message,
                                        core::ByteView peer_nonce, core::ByteView sk_p,
                                        core::ByteView id_body) {
    // RFC 7296 §2.15: InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,
    // MACedIDForI = prf(SK_pi, RestOfInitIDPayload); the responder's likewise.
    auto maced = crypto::prf(prf.hash, sk_p, {id_body});
    if (!maced) return core::fail(maced.error());
    core::Bytes out;
    out.reserve(message.size() + peer_nonce.size() + maced->size());
    out.insert(out.end(), message.begin(), message.end());
    out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
    out.insert(out.end(), maced->view().begin(), maced->view().end());
    return out;
}

std::optional<crypto::SignatureAlg> choose_signature(crypto::KeyType key,
                                                     const std::vector<std::uint16_t>& peer_hashes,
                                                     bool rsa_pss) {
    auto offered = [&](HashAlgorithm h) {
        return std::find(peer_hashes.begin(), peer_hashes.end(), static_cast<std::uint16_t>(h)) !=
               peer_hashes.end();
    };
    std::vector<crypto::SignatureAlg> candidates;
    switch (key) {
        case crypto::KeyType::Rsa:
            if (rsa_pss) {
                candidates = {crypto::SignatureAlg::RsaPssSha256, crypto::SignatureAlg::RsaPssSha384,
                              crypto::SignatureAlg::RsaPssSha512};
            } else {
                candidates = {crypto::SignatureAlg::RsaPkcs1Sha256, crypto::SignatureAlg::RsaPkcs1Sha384,
                              crypto::SignatureAlg::RsaPkcs1Sha512};
            }
            break;
        case crypto::KeyType::RsaPss:
            candidates = {crypto::SignatureAlg::RsaPssSha256, crypto::SignatureAlg::RsaPssSha384,
                          crypto::SignatureAlg::RsaPssSha512};
            break;
        case crypto::KeyType::EcP256: candidates = {crypto::SignatureAlg::EcdsaP256Sha256}; break;
        case crypto::KeyType::EcP384: candidates = {crypto::SignatureAlg::EcdsaP384Sha384}; break;
        case crypto::KeyType::Ed25519: candidates = {crypto::SignatureAlg::Ed25519}; break;
        case crypto::KeyType::Other: break;
    }
    for (auto c : candidates)
        if (offered(hash_of(c))) return c;
    return std::nullopt;
}

core::Bytes algorithm_identifier(crypto::SignatureAlg alg) {
    // RFC 7427 Appendix A: PKCS#1 v1.5 with NULL parameters, ECDSA without
    // parameters, RSASSA-PSS with explicit hash, MGF1 and salt (A.4.3);
    // RFC 8420 §2: Ed25519 without parameters.
    const core::Bytes null_v = tlv(kNull, {});
    switch (alg) {
        case crypto::SignatureAlg::RsaPkcs1Sha256:
            return tlv(kSequence, cat({tlv(kOid, kOidRsaPkcs1Sha256), null_v}));
        case crypto::SignatureAlg::RsaPkcs1Sha384:
            return tlv(kSequence, cat({tlv(kOid, kOidRsaPkcs1Sha384), null_v}));
        case crypto::SignatureAlg::RsaPkcs1Sha512:
            return tlv(kSequence, cat({tlv(kOid, kOidRsaPkcs1Sha512), null_v}));
        case crypto::SignatureAlg::RsaPssSha256: return pss_identifier(kOidSha256, 32);
        case crypto::SignatureAlg::RsaPssSha384: return pss_identifier(kOidSha384, 48);
        case crypto::SignatureAlg::RsaPssSha512: return pss_identifier(kOidSha512, 64);
        case crypto::SignatureAlg::EcdsaP256Sha256: return tlv(kSequence, tlv(kOid, kOidEcdsaSha256));
        case crypto::SignatureAlg::EcdsaP384Sha384: return tlv(kSequence, tlv(kOid, kOidEcdsaSha384));
        case crypto::SignatureAlg::Ed25519: return tlv(kSequence, tlv(kOid, kOidEd25519));
    }
    return {};
}

core::Result<crypto::SignatureAlg> parse_algorithm_identifier(core::ByteView der) {
    core::Reader r(der);
    auto seq = read_der(r);
    if (!seq || seq->tag != kSequence || !r.empty()) return core::fail(core::Error::DecodeFailed);
    auto oid = read_der(seq->content);
    if (!oid || oid->tag != kOid) return core::fail(core::Error::DecodeFailed);
    const core::ByteView o = oid->content.rest();
    if (is_oid(o, kOidRsaPss)) return parse_pss_params(seq->content);
    // Other schemes: parameters absent or NULL (RFC 7427 Appendix A).
    if (!seq->content.empty()) {
        auto null = read_der(seq->content);
        if (!null || null->tag != kNull || !null->content.empty() || !seq->content.empty())
            return core::fail(core::Error::DecodeFailed);
    }
    if (is_oid(o, kOidRsaPkcs1Sha256)) return crypto::SignatureAlg::RsaPkcs1Sha256;
    if (is_oid(o, kOidRsaPkcs1Sha384)) return crypto::SignatureAlg::RsaPkcs1Sha384;
    if (is_oid(o, kOidRsaPkcs1Sha512)) return crypto::SignatureAlg::RsaPkcs1Sha512;
    if (is_oid(o, kOidEcdsaSha256)) return crypto::SignatureAlg::EcdsaP256Sha256;
    if (is_oid(o, kOidEcdsaSha384)) return crypto::SignatureAlg::EcdsaP384Sha384;
    if (is_oid(o, kOidEd25519)) return crypto::SignatureAlg::Ed25519;
    return core::fail(core::Error::UnsupportedAlgorithm);
}

core::Result<core::Bytes> sign_digital_signature(const crypto::PrivateKey& key, crypto::SignatureAlg alg,
                                                 core::ByteView octets) {
    auto sig = crypto::sign(key, alg, octets);
    if (!sig) return core::fail(sig.error());
    const core::Bytes ai = algorithm_identifier(alg);
    core::Bytes out;
    core::Writer w(out);
    // RFC 7427 §3: ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature Value.
    w.u8(static_cast<std::uint8_t>(ai.size()));
    w.bytes(ai);
    w.bytes(*sig);
    if (auto st = w.status(); !st) return core::fail(st.error());
    return out;
}

SignatureCheck verify_digital_signature(const crypto::PublicKey& key, core::ByteView auth_data,
                                        core::ByteView octets) {
    SignatureCheck c;
    core::Reader r(auth_data);
    auto len = r.u8();
    if (!len || r.remaining() <= *len) {
        c.reason = "malformed signature AUTH data";
        return c;
    }
    auto alg = parse_algorithm_identifier(*r.bytes(*len));
    if (!alg) {
        c.reason = alg.error() == core::Error::UnsupportedAlgorithm
                       ? "unsupported signature algorithm"
                       : "malformed signature AlgorithmIdentifier";
        return c;
    }
    c.alg = *alg;
    if (!crypto::key_fits(key.type(), *alg)) {
        c.reason = std::string("signature scheme ") + std::string(signature_name(*alg)) +
                   " does not fit the certificate's " + std::string(crypto::to_string(key.type())) + " key";
        return c;
    }
    if (auto st = crypto::verify(key, *alg, octets, r.rest()); !st) {
        c.reason =
            std::string("peer AUTH signature (") + std::string(signature_name(*alg)) + ") does not verify";
        return c;
    }
    c.ok = true;
    return c;
}

std::string_view signature_name(crypto::SignatureAlg alg) noexcept {
    switch (alg) {
        case crypto::SignatureAlg::RsaPkcs1Sha256: return "rsa-pkcs1-sha256";
        case crypto::SignatureAlg::RsaPkcs1Sha384: return "rsa-pkcs1-sha384";
        case crypto::SignatureAlg::RsaPkcs1Sha512: return "rsa-pkcs1-sha512";
        case crypto::SignatureAlg::RsaPssSha256: return "rsa-pss-sha256";
        case crypto::SignatureAlg::RsaPssSha384: return "rsa-pss-sha384";
        case crypto::SignatureAlg::RsaPssSha512: return "rsa-pss-sha512";
        case crypto::SignatureAlg::EcdsaP256Sha256: return "ecdsa-p256-sha256";
        case crypto::SignatureAlg::EcdsaP384Sha384: return "ecdsa-p384-sha384";
        case crypto::SignatureAlg::Ed25519: return "ed25519";
    }
    return "unknown";
}

}  // namespace strata::ike::v2
