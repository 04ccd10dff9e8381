#include "crypto/dh.hpp"
#include "crypto/openssl_ptr.hpp"

#include <array>
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "core/hex.hpp"
#include "core/writer.hpp"

namespace strata::crypto {

using core::Bytes;
using core::ByteView;
using core::Error;
using core::fail;
using core::Result;
using core::SecretBytes;

namespace {

// The MODP primes, big-endian hex. Each was computed here from the formula its
// RFC prints (p = 2^b - 2^(b-64) - 1 + 2^64 * (floor(2^(b-130) * pi) + k)) and
// compared with shared/vectors/modp_groups.json; groups 14 and 15 are also
// compared at run time with libcrypto's built-in modp_2048 / modp_3072.

// RFC 2409 §6.2: the Second Oakley Group (IKE group 2), 1024 bits.
constexpr const char* kModp1024[] = {
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff"};
// RFC 3526 §3: the 2048-bit MODP group (IKE group 14).
constexpr const char* kModp2048[] = {
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff"};
// RFC 3526 §4: the 3072-bit MODP group (IKE group 15).
constexpr const char* kModp3072[] = {
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
    "3995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33"
    "a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7"
    "abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864"
    "d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e2"
    "08e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff"};
// All three groups use generator 2 (RFC 2409 §6.2, RFC 3526 §3-4).
constexpr std::uint8_t kGenerator = 2;

using ossl::Bn;
using ossl::Params;
using ossl::Pkey;
using ossl::PkeyCtx;
using Bld = ossl::ParamBld;

bool is_modp(DhGroup g) noexcept {
    return g == DhGroup::Modp1024 || g == DhGroup::Modp2048 || g == DhGroup::Modp3072;
}
bool is_ecp(DhGroup g) noexcept { return g == DhGroup::Ecp256 || g == DhGroup::Ecp384; }

std::size_t prime_length(DhGroup g) noexcept {
    switch (g) {
        case DhGroup::Modp1024: return 128;
        case DhGroup::Modp2048: return 256;
        case DhGroup::Modp3072: return 384;
        default: return 0;
    }
}

std::size_t coordinate_length(DhGroup g) noexcept {
    switch (g) {
        case DhGroup::Ecp256: return 32;
        case DhGroup::Ecp384: return 48;
        case DhGroup::X25519: return 32;
        default: return 0;
    }
}

const char* curve_name(DhGroup g) noexcept { return g == DhGroup::Ecp256 ? "P-256" : "P-384"; }

template <std::size_t N>
Bytes join_hex(const char* const (&lines)[N]) {
    std::string hex;
    for (const char* line : lines) hex += line;
    auto r = core::from_hex(hex);
    return r ? std::move(r).value() : Bytes{};
}

const Bytes& prime_ref(DhGroup g) {
    static const Bytes p1024 = join_hex(kModp1024);
    static const Bytes p2048 = join_hex(kModp2048);
    static const Bytes p3072 = join_hex(kModp3072);
    static const Bytes none;
    switch (g) {
        case DhGroup::Modp1024: return p1024;
        case DhGroup::Modp2048: return p2048;
        case DhGroup::Modp3072: return p3072;
        default: return none;
    }
}

Bn to_bn(ByteView b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

// modp_key builds a DH EVP_PKEY over the group's p and g, with a private
// and/or public value if given (parameters only if neither).
Pkey modp_key(DhGroup g, ByteView priv, ByteView pub) {
    const Bytes& p = prime_ref(g);
    Bn bp = to_bn(p);
    Bn bg = to_bn(ByteView(&kGenerator, 1));
    Bn bx = priv.empty() ? nullptr : to_bn(priv);
    Bn by = pub.empty() ? nullptr : to_bn(pub);
    Bld bld(OSSL_PARAM_BLD_new());
    if (!bp || !bg || !bld || (!priv.empty() && !bx) || (!pub.empty() && !by)) return nullptr;
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, bp.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, bg.get()) != 1 ||
        (bx && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bx.get()) != 1) ||
        (by && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, by.get()) != 1)) {
        return nullptr;
    }
    Params params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
    const int selection = bx ? EVP_PKEY_KEYPAIR : by ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS;
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) return nullptr;
    return Pkey(key);
}

// modp_params returns the group's (p, g) parameters as a shared EVP_PKEY,
// built once per process: key generation only reads it, so it need not be
// rebuilt for every exchange. Null if libcrypto could not build it.
EVP_PKEY* modp_params(DhGroup g) {
    static const Pkey p1024 = modp_key(DhGroup::Modp1024, {}, {});
    static const Pkey p2048 = modp_key(DhGroup::Modp2048, {}, {});
    static const Pkey p3072 = modp_key(DhGroup::Modp3072, {}, {});
    switch (g) {
        case DhGroup::Modp1024: return p1024.get();
        case DhGroup::Modp2048: return p2048.get();
        case DhGroup::Modp3072: return p3072.get();
        default: return nullptr;
    }
}

// ecp_point_key builds an EC public key from an uncompressed point 04||x||y.
// libcrypto's decoder rejects a point that is not on the curve.
Pkey ecp_point_key(DhGroup g, ByteView point) {
    const char* name = curve_name(g);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(point.data()),
                                          point.size()),
        OSSL_PARAM_construct_end(),
    };
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        return nullptr;
    }
    return Pkey(key);
}

// ecp_private_key loads scalar d as an SEC1 ECPrivateKey without the optional
// public key (RFC 5915 §3); libcrypto's decoder then computes Q = dG itself.
Pkey ecp_private_key(DhGroup g, ByteView d) {
    // Curve OIDs (RFC 5480 §2.1.1.1): secp256r1 1.2.840.10045.3.1.7, secp384r1 1.3.132.0.34.
    static constexpr std::array<std::uint8_t, 10> kP256Oid = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                              0xce, 0x3d, 0x03, 0x01, 0x07};
    static constexpr std::array<std::uint8_t, 7> kP384Oid = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    const ByteView oid = g == DhGroup::Ecp256 ? ByteView(kP256Oid) : ByteView(kP384Oid);
    SecretBytes der(128);  // every length below fits DER's one-byte short form
    core::Writer w(der.mutable_view());
    w.u8(0x30);  // SEQUENCE
    const auto seq = w.open_length(1);
    w.bytes(std::array<std::uint8_t, 3>{0x02, 0x01, 0x01});  // version INTEGER 1
    w.u8(0x04);                                              // privateKey OCTET STRING
    w.u8(static_cast<std::uint8_t>(d.size()));
    w.bytes(d);
    w.u8(0xa0);  // [0] parameters: namedCurve
    const auto params = w.open_length(1);
    w.bytes(oid);
    w.close_length(params);
    w.close_length(seq);
    if (!w.ok()) return nullptr;
    const std::uint8_t* in = der.data();
    return Pkey(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &in, static_cast<long>(w.size())));
}

Result<Bytes> encoded_public(const EVP_PKEY* key, std::size_t expected) {
    Bytes out(expected);
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(),
                                        &len) != 1 ||
        len != expected) {
        return fail(Error::CryptoFailure);
    }
    return out;
}

// run_derive computes the raw shared secret of own and peer.
Result<SecretBytes> run_derive(DhGroup g, EVP_PKEY* own, EVP_PKEY* peer, bool validate_peer) {
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return fail(Error::CryptoFailure);
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, validate_peer ? 1 : 0) != 1) {
        return fail(Error::InvalidPublicValue);
    }
    // RFC 7296 §2.14 and RFC 8446 §7.4.1: g^xy is left-padded to the prime length.
    if (is_modp(g) && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1) return fail(Error::CryptoFailure);
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) return fail(Error::CryptoFailure);
    SecretBytes out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
        // libcrypto's X25519 derive fails only on the all-zero output.
        return fail(g == DhGroup::X25519 ? Error::SharedSecretZero : Error::CryptoFailure);
    }
    out.resize(len);
    if (len != shared_secret_length(g)) return fail(Error::CryptoFailure);
    if (g == DhGroup::X25519) {
        // RFC 7748 §6.1: check for the all-zero value (constant time).
        std::uint8_t acc = 0;
        for (std::uint8_t b : out.view()) acc = static_cast<std::uint8_t>(acc | b);
        if (acc == 0) return fail(Error::SharedSecretZero);
    }
    return out;
}

// modp_in_range is the RFC 7296 §2.14 / RFC 8446 §4.2.8.1 check 1 < y < p-1
// (NIST SP 800-56A §5.6.2.3.1 partial validation).
bool modp_in_range(DhGroup g, ByteView y) {
    Bn by = to_bn(y);
    Bn pm1 = to_bn(prime_ref(g));
    if (!by || !pm1 || BN_sub_word(pm1.get(), 1) != 1) return false;
    return !BN_is_zero(by.get()) && !BN_is_one(by.get()) && BN_cmp(by.get(), pm1.get()) < 0;
}

}  // namespace

std::size_t public_value_length(DhGroup group, Encoding e) noexcept {
    if (is_modp(group)) return prime_length(group);
    if (is_ecp(group)) return 2 * coordinate_length(group) + (e == Encoding::Tls ? 1 : 0);
    if (group == DhGroup::X25519) return 32;
    return 0;
}

std::size_t shared_secret_length(DhGroup group) noexcept {
    return is_modp(group) ? prime_length(group) : coordinate_length(group);
}

Bytes modp_prime(DhGroup group) { return prime_ref(group); }

Result<Bytes> openssl_modp_prime(DhGroup group) {
    const char* name = group == DhGroup::Modp2048   ? "modp_2048"
                       : group == DhGroup::Modp3072 ? "modp_3072"
                                                    : nullptr;
    if (name == nullptr) return fail(Error::UnsupportedAlgorithm);
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 ||
        EVP_PKEY_paramgen(ctx.get(), &raw) != 1) {
        return fail(Error::UnsupportedAlgorithm);
    }
    Pkey key(raw);
    BIGNUM* p = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P, &p) != 1) return fail(Error::CryptoFailure);
    Bn bp(p);
    Bytes out(static_cast<std::size_t>(BN_num_bytes(p)));
    BN_bn2bin(p, out.data());
    return out;
}

void KeyExchange::KeyFree::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

KeyExchange::KeyExchange(DhGroup group, evp_pkey_st* key, Bytes public_tls)
    : group_(group), key_(key), public_tls_(std::move(public_tls)) {}

KeyExchange::~KeyExchange() = default;

Result<KeyExchange> KeyExchange::generate(DhGroup group) {
    Pkey key;
    if (is_modp(group)) {
        EVP_PKEY* params = modp_params(group);
        if (params == nullptr) return fail(Error::CryptoFailure);
        PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params, nullptr));
        EVP_PKEY* raw = nullptr;
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
            return fail(Error::CryptoFailure);
        }
        key.reset(raw);
    } else if (is_ecp(group)) {
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(group)));
    } else if (group == DhGroup::X25519) {
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
    } else {
        return fail(Error::UnsupportedAlgorithm);
    }
    if (!key) return fail(Error::CryptoFailure);
    auto pub = encoded_public(key.get(), public_value_length(group, Encoding::Tls));
    if (!pub) return fail(pub.error());
    return KeyExchange(group, key.release(), std::move(pub).value());
}

Result<KeyExchange> KeyExchange::generate(DhGroup group, RandomSource& rng) {
    // The system source is libcrypto's own DRBG, so drawing bytes here and
    // importing them as a key only adds work: let libcrypto generate the pair.
    // Seeded and replay sources keep the draw-and-import path below, so their
    // keys stay reproducible.
    if (dynamic_cast<SystemRandom*>(&rng) != nullptr) return generate(group);
    std::size_t len = 0;
    if (is_modp(group))
        len = prime_length(group);
    else if (is_ecp(group) || group == DhGroup::X25519)
        len = coordinate_length(group);
    else
        return fail(Error::UnsupportedAlgorithm);
    SecretBytes priv(len);
    // A draw out of range (ECP scalar >= n, or 0/1) is redrawn; the chance of
    // one retry is below 2^-32, so a handful of tries means a broken source.
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (auto st = rng.fill(priv.mutable_view()); !st) return fail(st.error());
        if (is_modp(group)) priv.data()[0] &= 0x7f;  // x < 2^(8*len-1) < p-1
        auto kx = from_private(group, priv.view());
        if (kx || kx.error() != Error::InvalidKeyLength) return kx;
    }
    return fail(Error::CryptoFailure);
}

Result<KeyExchange> KeyExchange::from_private(DhGroup group, ByteView private_key) {
    if (is_modp(group)) {
        if (private_key.empty() || private_key.size() > prime_length(group))
            return fail(Error::InvalidKeyLength);
        if (!modp_in_range(group, private_key)) return fail(Error::InvalidKeyLength);
        // libcrypto does not compute y from x on import: y = g^x is the shared
        // secret with the "peer" value g, so derive it (padded) from that.
        Pkey priv_only = modp_key(group, private_key, {});
        Pkey gen = modp_key(group, {}, ByteView(&kGenerator, 1));
        if (!priv_only || !gen) return fail(Error::CryptoFailure);
        auto y = run_derive(group, priv_only.get(), gen.get(), false);
        if (!y) return fail(Error::CryptoFailure);
        Pkey key = modp_key(group, private_key, y->view());
        if (!key) return fail(Error::CryptoFailure);
        return KeyExchange(group, key.release(), Bytes(y->view().begin(), y->view().end()));
    }
    if (is_ecp(group)) {
        if (private_key.size() != coordinate_length(group)) return fail(Error::InvalidKeyLength);
        Pkey key = ecp_private_key(group, private_key);
        if (!key) return fail(Error::InvalidKeyLength);
        PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
        // The scalar must lie in [1, n-1] (SEC 1 §3.2.1).
        if (!ctx || EVP_PKEY_private_check(ctx.get()) != 1) return fail(Error::InvalidKeyLength);
        auto pub = encoded_public(key.get(), public_value_length(group, Encoding::Tls));
        if (!pub) return fail(pub.error());
        return KeyExchange(group, key.release(), std::move(pub).value());
    }
    if (group == DhGroup::X25519) {
        if (private_key.size() != 32) return fail(Error::InvalidKeyLength);
        Pkey key(
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), private_key.size()));
        if (!key) return fail(Error::CryptoFailure);
        auto pub = encoded_public(key.get(), 32);
        if (!pub) return fail(pub.error());
        return KeyExchange(group, key.release(), std::move(pub).value());
    }
    return fail(Error::UnsupportedAlgorithm);
}

Bytes KeyExchange::public_value(Encoding e) const {
    // RFC 5903 §7: the IKE KE payload carries x||y without the 04 prefix.
    if (is_ecp(group_) && e == Encoding::Ike) return Bytes(public_tls_.begin() + 1, public_tls_.end());
    return public_tls_;
}

Result<SecretBytes> KeyExchange::derive(ByteView peer_public, Encoding e) const {
    if (peer_public.size() != public_value_length(group_, e)) return fail(Error::InvalidKeyLength);
    Pkey peer;
    if (is_modp(group_)) {
        if (!modp_in_range(group_, peer_public)) return fail(Error::InvalidPublicValue);
        peer = modp_key(group_, {}, peer_public);
    } else if (is_ecp(group_)) {
        Bytes point;
        if (e == Encoding::Tls) {
            // RFC 8446 §4.2.8.2: only the uncompressed form (legacy_form 4).
            if (peer_public[0] != 0x04) return fail(Error::InvalidPublicValue);
            point.assign(peer_public.begin(), peer_public.end());
        } else {
            point = core::concat({std::array<std::uint8_t, 1>{0x04}, peer_public});
        }
        peer = ecp_point_key(group_, point);
        if (!peer) return fail(Error::InvalidPublicValue);
        // RFC 8446 §4.2.8.2 / SP 800-56A §5.6.2.3.3: full public key validation.
        PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
        if (!check || EVP_PKEY_public_check(check.get()) != 1) return fail(Error::InvalidPublicValue);
    } else if (group_ == DhGroup::X25519) {
        // RFC 7748 §5: the top bit of u is ignored (libcrypto masks it).
        peer.reset(
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
    } else {
        return fail(Error::UnsupportedAlgorithm);
    }
    if (!peer) return fail(Error::InvalidPublicValue);
    return run_derive(group_, key_.get(), peer.get(), true);
}

Result<SecretBytes> x25519(ByteView scalar, ByteView u) {
    if (scalar.size() != 32 || u.size() != 32) return fail(Error::InvalidKeyLength);
    auto kx = KeyExchange::from_private(DhGroup::X25519, scalar);
    if (!kx) return fail(kx.error());
    return kx->derive(u, Encoding::Ike);
}

}  // namespace strata::crypto
