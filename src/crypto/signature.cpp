#include "crypto/signature.hpp"
#include "crypto/openssl_ptr.hpp"

#include <array>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::crypto {

using core::Bytes;
using core::ByteView;
using core::Error;
using core::fail;
using core::Result;

namespace {

using ossl::Bio;
using ossl::MdCtx;
using ossl::PkeyCtx;

Bio memory_bio(std::string_view text) {
    return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// no_password refuses to decrypt: keys are loaded unencrypted, and libcrypto
// must never prompt on a terminal.
int no_password(char*, int, int, void*) { return 0; }

KeyType type_of(const EVP_PKEY* key) noexcept {
    if (key == nullptr) return KeyType::Other;
    if (EVP_PKEY_is_a(key, "RSA")) return KeyType::Rsa;
    if (EVP_PKEY_is_a(key, "RSA-PSS")) return KeyType::RsaPss;
    if (EVP_PKEY_is_a(key, "ED25519")) return KeyType::Ed25519;
    if (EVP_PKEY_is_a(key, "EC")) {
        std::array<char, 32> name{};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(), &len) !=
            1) {
            return KeyType::Other;
        }
        const std::string_view n(name.data(), len);
        if (n == "prime256v1" || n == "P-256") return KeyType::EcP256;
        if (n == "secp384r1" || n == "P-384") return KeyType::EcP384;
    }
    return KeyType::Other;
}

// digest_name returns the libcrypto digest of alg, or null for Ed25519
// (PureEdDSA hashes internally, RFC 8032 §5.1.6).
const char* digest_name(SignatureAlg alg) noexcept {
    switch (alg) {
        case SignatureAlg::RsaPkcs1Sha256:
        case SignatureAlg::RsaPssSha256:
        case SignatureAlg::EcdsaP256Sha256: return "SHA256";
        case SignatureAlg::RsaPkcs1Sha384:
        case SignatureAlg::RsaPssSha384:
        case SignatureAlg::EcdsaP384Sha384: return "SHA384";
        case SignatureAlg::RsaPkcs1Sha512:
        case SignatureAlg::RsaPssSha512: return "SHA512";
        case SignatureAlg::Ed25519: return nullptr;
    }
    return nullptr;
}

bool is_pss(SignatureAlg alg) noexcept {
    return alg == SignatureAlg::RsaPssSha256 || alg == SignatureAlg::RsaPssSha384 ||
           alg == SignatureAlg::RsaPssSha512;
}

// configure sets the RSA padding: PKCS#1 v1.5, or PSS with salt = hash length
// and MGF1 over the signing hash (RFC 8446 §4.2.3; RFC 4055 §3.1).
bool configure(EVP_PKEY_CTX* pctx, SignatureAlg alg) {
    if (is_pss(alg)) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    if (alg == SignatureAlg::RsaPkcs1Sha256 || alg == SignatureAlg::RsaPkcs1Sha384 ||
        alg == SignatureAlg::RsaPkcs1Sha512) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    }
    return true;
}

// read_der_length reads a DER definite length (short form, or long form of
// one or two bytes, minimal).
Result<std::size_t> read_der_length(core::Reader& r) {
    auto first = r.u8();
    if (!first) return fail(Error::DecodeFailed);
    if (*first < 0x80) return std::size_t{*first};
    if (*first == 0x81) {
        auto b = r.u8();
        if (!b || *b < 0x80) return fail(Error::DecodeFailed);
        return std::size_t{*b};
    }
    if (*first == 0x82) {
        auto v = r.u16();
        if (!v || *v < 0x100) return fail(Error::DecodeFailed);
        return std::size_t{*v};
    }
    return fail(Error::DecodeFailed);
}

// read_positive_integer reads a DER INTEGER that must be positive and
// minimally encoded, and returns its magnitude without a leading zero.
Result<ByteView> read_positive_integer(core::Reader& r) {
    auto tag = r.u8();
    if (!tag || *tag != 0x02) return fail(Error::DecodeFailed);
    auto len = read_der_length(r);
    if (!len || *len == 0) return fail(Error::DecodeFailed);
    auto body = r.bytes(*len);
    if (!body) return fail(Error::DecodeFailed);
    ByteView v = *body;
    if ((v[0] & 0x80) != 0) return fail(Error::DecodeFailed);  // negative
    if (v[0] == 0x00) {
        if (v.size() == 1 || (v[1] & 0x80) == 0) return fail(Error::DecodeFailed);  // zero or not minimal
        v = v.subspan(1);
    }
    return v;
}

// integer_body returns x without leading zero bytes (at least one byte).
ByteView strip_zeros(ByteView x) {
    std::size_t i = 0;
    while (i + 1 < x.size() && x[i] == 0) ++i;
    return x.subspan(i);
}

// decoded turns what a libcrypto key decoder returned into a result: null is
// DecodeFailed, with the thread's error queue cleared so that no stale entry
// is left behind.
Result<EVP_PKEY*> decoded(EVP_PKEY* key) {
    if (key == nullptr) {
        ERR_clear_error();
        return fail(Error::DecodeFailed);
    }
    return key;
}

// decode_pem runs a PEM key reader (PEM_read_bio_PUBKEY / _PrivateKey) over text.
template <typename PemReader>
Result<EVP_PKEY*> decode_pem(std::string_view pem, PemReader read) {
    Bio bio = memory_bio(pem);
    if (!bio) return fail(Error::CryptoFailure);
    return decoded(read(bio.get(), nullptr, no_password, nullptr));
}

// decode_der runs a DER key decoder (d2i_PUBKEY / d2i_AutoPrivateKey); bytes
// left over after the key are DecodeFailed.
template <typename DerDecoder>
Result<EVP_PKEY*> decode_der(ByteView der, DerDecoder d2i) {
    const std::uint8_t* in = der.data();
    auto key = decoded(d2i(nullptr, &in, static_cast<long>(der.size())));
    if (key && in != der.data() + der.size()) {
        EVP_PKEY_free(*key);
        return fail(Error::DecodeFailed);
    }
    return key;
}

// decode_raw_ed25519 builds an Ed25519 key from its 32 raw bytes with new_raw
// (EVP_PKEY_new_raw_public_key / _private_key).
template <typename RawNew>
Result<EVP_PKEY*> decode_raw_ed25519(ByteView raw, RawNew make) {
    if (raw.size() != 32) return fail(Error::InvalidKeyLength);
    return decoded(make(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
}

}  // namespace

void detail::PkeyFree::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

std::string_view to_string(KeyType t) noexcept {
    switch (t) {
        case KeyType::Rsa: return "rsa";
        case KeyType::RsaPss: return "rsa-pss";
        case KeyType::EcP256: return "ecdsa-p256";
        case KeyType::EcP384: return "ecdsa-p384";
        case KeyType::Ed25519: return "ed25519";
        case KeyType::Other: return "other";
    }
    return "other";
}

// ---- PublicKey

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
    auto key = decode_pem(pem, PEM_read_bio_PUBKEY);
    if (!key) return fail(key.error());
    return PublicKey(*key);
}

Result<PublicKey> PublicKey::from_der(ByteView der) {
    auto key = decode_der(der, d2i_PUBKEY);
    if (!key) return fail(key.error());
    return PublicKey(*key);
}

Result<PublicKey> PublicKey::from_raw_ed25519(ByteView raw) {
    auto key = decode_raw_ed25519(raw, EVP_PKEY_new_raw_public_key);
    if (!key) return fail(key.error());
    return PublicKey(*key);
}

PublicKey PublicKey::adopt(evp_pkey_st* key) noexcept { return PublicKey(key); }

// The kind is looked up once here: EVP_PKEY_is_a and the group-name query
// are string work libcrypto would otherwise repeat for every signature.
PublicKey::PublicKey(evp_pkey_st* key) noexcept : key_(key), type_(type_of(key)) {}

PublicKey::PublicKey(const PublicKey& o) noexcept : type_(o.type_) {
    if (o.key_ && EVP_PKEY_up_ref(o.key_.get()) == 1) key_.reset(o.key_.get());
}

PublicKey& PublicKey::operator=(const PublicKey& o) noexcept {
    if (this != &o) {
        PublicKey copy(o);
        key_ = std::move(copy.key_);
        type_ = copy.type_;
    }
    return *this;
}

std::size_t PublicKey::bits() const noexcept {
    return key_ ? static_cast<std::size_t>(EVP_PKEY_get_bits(key_.get())) : 0;
}

Result<Bytes> PublicKey::to_der() const {
    std::uint8_t* buf = nullptr;
    const int len = i2d_PUBKEY(key_.get(), &buf);
    if (len <= 0) return fail(Error::CryptoFailure);
    Bytes out(buf, buf + len);
    OPENSSL_free(buf);
    return out;
}

bool PublicKey::equals(const PublicKey& o) const noexcept {
    return key_ && o.key_ && EVP_PKEY_eq(key_.get(), o.key_.get()) == 1;
}

// ---- PrivateKey

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    auto key = decode_pem(pem, PEM_read_bio_PrivateKey);
    if (!key) return fail(key.error());
    return PrivateKey(*key);
}

Result<PrivateKey> PrivateKey::from_der(ByteView der) {
    auto key = decode_der(der, d2i_AutoPrivateKey);
    if (!key) return fail(key.error());
    return PrivateKey(*key);
}

Result<PrivateKey> PrivateKey::from_raw_ed25519(ByteView raw) {
    auto key = decode_raw_ed25519(raw, EVP_PKEY_new_raw_private_key);
    if (!key) return fail(key.error());
    return PrivateKey(*key);
}

Result<PrivateKey> PrivateKey::generate(SignatureAlg alg, std::size_t rsa_bits) {
    EVP_PKEY* key = nullptr;
    switch (alg) {
        case SignatureAlg::EcdsaP256Sha256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
        case SignatureAlg::EcdsaP384Sha384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
        case SignatureAlg::Ed25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
        default: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", rsa_bits); break;
    }
    if (key == nullptr) return fail(Error::CryptoFailure);
    return PrivateKey(key);
}

PrivateKey::PrivateKey(evp_pkey_st* key) noexcept : key_(key), type_(type_of(key)) {}

Result<PublicKey> PrivateKey::public_key() const {
    // Re-encode only the public half so the copy carries no private material.
    std::uint8_t* buf = nullptr;
    const int len = i2d_PUBKEY(key_.get(), &buf);
    if (len <= 0) return fail(Error::CryptoFailure);
    auto pub = PublicKey::from_der(ByteView(buf, static_cast<std::size_t>(len)));
    OPENSSL_free(buf);
    return pub;
}

Result<std::string> PrivateKey::to_pem() const {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return fail(Error::CryptoFailure);
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_reset(bio.get());  // wipes the memory BIO's copy of the key
    return out;
}

// ---- sign / verify

bool key_fits(KeyType t, SignatureAlg alg) noexcept {
    switch (alg) {
        case SignatureAlg::RsaPkcs1Sha256:
        case SignatureAlg::RsaPkcs1Sha384:
        case SignatureAlg::RsaPkcs1Sha512: return t == KeyType::Rsa;
        case SignatureAlg::RsaPssSha256:
        case SignatureAlg::RsaPssSha384:
        case SignatureAlg::RsaPssSha512: return t == KeyType::Rsa || t == KeyType::RsaPss;
        case SignatureAlg::EcdsaP256Sha256: return t == KeyType::EcP256;
        case SignatureAlg::EcdsaP384Sha384: return t == KeyType::EcP384;
        case SignatureAlg::Ed25519: return t == KeyType::Ed25519;
    }
    return false;
}

Result<Bytes> sign(const PrivateKey& key, SignatureAlg alg, ByteView message) {
    if (!key_fits(key.type(), alg)) return fail(Error::KeyMismatch);
    MdCtx md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by md
    if (!md ||
        EVP_DigestSignInit_ex(md.get(), &pctx, digest_name(alg), nullptr, nullptr, key.native(), nullptr) !=
            1 ||
        !configure(pctx, alg)) {
        return fail(Error::CryptoFailure);
    }
    std::size_t len = 0;
    if (EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1)
        return fail(Error::CryptoFailure);
    Bytes sig(len);
    if (EVP_DigestSign(md.get(), sig.data(), &len, message.data(), message.size()) != 1) {
        return fail(Error::CryptoFailure);
    }
    sig.resize(len);
    return sig;
}

core::Status verify(const PublicKey& key, SignatureAlg alg, ByteView message, ByteView signature) {
    if (!key_fits(key.type(), alg)) return fail(Error::KeyMismatch);
    MdCtx md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by md
    if (!md ||
        EVP_DigestVerifyInit_ex(md.get(), &pctx, digest_name(alg), nullptr, nullptr, key.native(), nullptr) !=
            1 ||
        !configure(pctx, alg)) {
        return fail(Error::CryptoFailure);
    }
    // 1 is a valid signature; 0 a wrong one, <0 a malformed one: both invalid.
    if (EVP_DigestVerify(md.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
        return fail(Error::SignatureInvalid);
    }
    return {};
}

// ---- ECDSA encodings

Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t coordinate_length) {
    // RFC 3279 §2.2.3: Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
    core::Reader outer(der);
    auto tag = outer.u8();
    if (!tag || *tag != 0x30) return fail(Error::DecodeFailed);
    auto len = read_der_length(outer);
    if (!len) return fail(Error::DecodeFailed);
    auto seq = outer.sub(*len);
    if (!seq || !outer.expect_empty()) return fail(Error::DecodeFailed);
    auto r = read_positive_integer(*seq);
    if (!r) return fail(r.error());
    auto s = read_positive_integer(*seq);
    if (!s) return fail(s.error());
    if (!seq->expect_empty()) return fail(Error::DecodeFailed);
    if (r->size() > coordinate_length || s->size() > coordinate_length) return fail(Error::DecodeFailed);
    // RFC 4754 §7: r and s each left-padded to the coordinate length.
    Bytes out(2 * coordinate_length, 0);
    std::copy(r->begin(), r->end(), out.begin() + static_cast<std::ptrdiff_t>(coordinate_length - r->size()));
    std::copy(s->begin(), s->end(), out.end() - static_cast<std::ptrdiff_t>(s->size()));
    return out;
}

Result<Bytes> ecdsa_raw_to_der(ByteView raw) {
    if (raw.empty() || raw.size() % 2 != 0) return fail(Error::InvalidInputLength);
    const std::size_t half = raw.size() / 2;
    const std::array<ByteView, 2> ints = {strip_zeros(raw.first(half)), strip_zeros(raw.subspan(half))};
    std::size_t body = 0;
    for (ByteView v : ints) body += 2 + v.size() + ((v[0] & 0x80) != 0 ? 1 : 0);
    if (body > 255) return fail(Error::InvalidInputLength);  // longer than any curve here
    Bytes out;
    core::Writer w(out);
    w.u8(0x30);
    if (body >= 0x80) w.u8(0x81);
    w.u8(static_cast<std::uint8_t>(body));
    for (ByteView v : ints) {
        const bool pad = (v[0] & 0x80) != 0;  // keep the INTEGER positive
        w.u8(0x02);
        w.u8(static_cast<std::uint8_t>(v.size() + (pad ? 1 : 0)));
        if (pad) w.u8(0x00);
        w.bytes(v);
    }
    if (!w.ok()) return fail(Error::CryptoFailure);
    return out;
}

}  // namespace strata::crypto
