#include "crypto/mac.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/secret.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/hash.hpp"

namespace strata::crypto {

using core::Error;
using core::fail;

namespace {

// HmacHolder fetches the "HMAC" EVP_MAC once for the life of the process.
struct HmacHolder {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    HmacHolder() = default;
    ~HmacHolder() { EVP_MAC_free(mac); }
    HmacHolder(const HmacHolder&) = delete;
    HmacHolder& operator=(const HmacHolder&) = delete;
};

EVP_MAC* evp_hmac() noexcept {
    static const HmacHolder holder;
    return holder.mac;
}

// HmacTemplates holds, per digest, an unkeyed HMAC context with the digest
// already set: a new Mac copies one (EVP_MAC_CTX_dup) instead of looking the
// digest up by name again. The templates are only ever read.
struct HmacTemplates {
    static constexpr std::size_t kCount = 6;  // HashAlg::Md5 .. HashAlg::Sha512
    std::array<EVP_MAC_CTX*, kCount> ctx{};
    HmacTemplates() {
        for (std::size_t i = 0; i < kCount; ++i) {
            const auto hash = static_cast<HashAlg>(i);
            if (evp_hmac() == nullptr || evp_md(hash) == nullptr) continue;
            EVP_MAC_CTX* c = EVP_MAC_CTX_new(evp_hmac());
            std::string md_name(hash_openssl_name(hash));
            const OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md_name.data(), 0),
                OSSL_PARAM_construct_end(),
            };
            if (c != nullptr && EVP_MAC_CTX_set_params(c, params) != 1) {
                EVP_MAC_CTX_free(c);
                c = nullptr;
            }
            ctx[i] = c;
        }
    }
    ~HmacTemplates() {
        for (EVP_MAC_CTX* c : ctx) EVP_MAC_CTX_free(c);
    }
    HmacTemplates(const HmacTemplates&) = delete;
    HmacTemplates& operator=(const HmacTemplates&) = delete;
};

// hmac_template returns the unkeyed context for hash, or null.
const EVP_MAC_CTX* hmac_template(HashAlg hash) noexcept {
    static const HmacTemplates templates;
    const auto i = static_cast<std::size_t>(hash);
    return i < HmacTemplates::kCount ? templates.ctx[i] : nullptr;
}

// full_final ends the MAC into buf (kMaxDigestLength bytes); false on error.
bool full_final(EVP_MAC_CTX* ctx, std::array<std::uint8_t, kMaxDigestLength>& buf) noexcept {
    std::size_t n = 0;
    return EVP_MAC_final(ctx, buf.data(), &n, buf.size()) == 1;
}

}  // namespace

HashAlg mac_hash(MacAlg alg) noexcept {
    switch (alg) {
        case MacAlg::HmacMd5_96:
        case MacAlg::HmacMd5: return HashAlg::Md5;
        case MacAlg::HmacSha1_96:
        case MacAlg::HmacSha1: return HashAlg::Sha1;
        case MacAlg::HmacSha256_128:
        case MacAlg::HmacSha256: return HashAlg::Sha256;
        case MacAlg::HmacSha384_192:
        case MacAlg::HmacSha384: return HashAlg::Sha384;
        case MacAlg::HmacSha512_256:
        case MacAlg::HmacSha512: return HashAlg::Sha512;
    }
    return HashAlg::Sha256;
}

std::size_t mac_output_length(MacAlg alg) noexcept {
    switch (alg) {
        case MacAlg::HmacMd5_96:   // RFC 2403 §3
        case MacAlg::HmacSha1_96:  // RFC 2404 §3
            return 12;
        case MacAlg::HmacSha256_128:  // RFC 4868 §2.3: truncated to half the output
        case MacAlg::HmacSha384_192:
        case MacAlg::HmacSha512_256: return digest_length(mac_hash(alg)) / 2;
        default: return digest_length(mac_hash(alg));
    }
}

core::Result<Mac> Mac::create(MacAlg alg, core::ByteView key) {
    return make(mac_hash(alg), mac_output_length(alg), key);
}

core::Result<Mac> Mac::create_hmac(HashAlg hash, core::ByteView key) {
    return make(hash, digest_length(hash), key);
}

core::Result<Mac> Mac::make(HashAlg hash, std::size_t out_len, core::ByteView key) {
    const EVP_MAC_CTX* tmpl = hmac_template(hash);
    if (tmpl == nullptr) return fail(Error::UnsupportedAlgorithm);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(tmpl);
    if (ctx == nullptr) return fail(Error::CryptoFailure);
    // An empty key is legal HMAC (RFC 2104 pads it to a block of zeros), but
    // EVP_MAC_init treats a null key as "keep the old one": pass a real pointer.
    static constexpr std::uint8_t kEmpty[1] = {0};
    const std::uint8_t* key_ptr = key.empty() ? kEmpty : key.data();
    if (EVP_MAC_init(ctx, key_ptr, key.size(), nullptr) != 1) {
        EVP_MAC_CTX_free(ctx);
        return fail(Error::CryptoFailure);
    }
    return Mac(hash, out_len, ctx);
}

Mac::Mac(Mac&& o) noexcept : hash_(o.hash_), out_len_(o.out_len_), ctx_(std::exchange(o.ctx_, nullptr)) {}

Mac& Mac::operator=(Mac&& o) noexcept {
    if (this != &o) {
        EVP_MAC_CTX_free(ctx_);
        hash_ = o.hash_;
        out_len_ = o.out_len_;
        ctx_ = std::exchange(o.ctx_, nullptr);
    }
    return *this;
}

Mac::~Mac() { EVP_MAC_CTX_free(ctx_); }

core::Status Mac::init() noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    // OpenSSL 3 HMAC: a null key re-initialises with the key already set
    // (HMAC_Init_ex(ctx, NULL, 0, NULL, NULL) inside the provider).
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) return fail(Error::CryptoFailure);
    return {};
}

core::Status Mac::update(core::ByteView data) noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (data.empty()) return {};
    if (EVP_MAC_update(ctx_, data.data(), data.size()) != 1) return fail(Error::CryptoFailure);
    return {};
}

core::Status Mac::final(core::MutableByteView out) noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (out.size() < out_len_) return fail(Error::BufferTooSmall);
    std::array<std::uint8_t, kMaxDigestLength> full{};
    const bool ok = full_final(ctx_, full);
    if (ok) std::copy_n(full.begin(), out_len_, out.begin());  // truncation keeps the leftmost bytes
    core::wipe(full);
    if (!ok) return fail(Error::CryptoFailure);
    return {};
}

core::Status Mac::final_verify(core::ByteView tag) noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (tag.size() != out_len_) return fail(Error::InvalidTagLength);
    std::array<std::uint8_t, kMaxDigestLength> full{};
    if (!full_final(ctx_, full)) return fail(Error::CryptoFailure);
    const bool same = constant_time_equal(core::ByteView(full.data(), out_len_), tag);
    core::wipe(full);
    if (!same) return fail(Error::AuthenticationFailed);
    return {};
}

core::Status Mac::compute(core::ByteView data, core::MutableByteView out) noexcept {
    if (out.size() < out_len_) return fail(Error::BufferTooSmall);
    if (auto st = init(); !st) return st;
    if (auto st = update(data); !st) return st;
    return final(out);
}

core::Status Mac::verify(core::ByteView data, core::ByteView tag) noexcept {
    if (tag.size() != out_len_) return fail(Error::InvalidTagLength);
    if (auto st = init(); !st) return st;
    if (auto st = update(data); !st) return st;
    return final_verify(tag);
}

core::Result<core::Bytes> hmac(HashAlg hash, core::ByteView key, core::ByteView data) {
    auto mac = Mac::create_hmac(hash, key);
    if (!mac) return fail(mac.error());
    core::Bytes out(mac->output_len());
    if (auto st = mac->compute(data, out); !st) return fail(st.error());
    return out;
}

}  // namespace strata::crypto
