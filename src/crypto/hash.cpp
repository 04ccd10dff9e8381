#include "crypto/hash.hpp"

#include <array>
#include <string>
#include <utility>

#include <openssl/evp.h>

namespace strata::crypto {

using core::Error;
using core::fail;

namespace {

constexpr std::size_t kHashCount = 6;

std::size_t index_of(HashAlg alg) noexcept { return static_cast<std::size_t>(alg); }

// MdTable fetches every digest once; the function-local static makes the
// fetch thread-safe and the destructor returns them at exit.
struct MdTable {
    std::array<EVP_MD*, kHashCount> md{};
    MdTable() {
        for (std::size_t i = 0; i < kHashCount; ++i) {
            const std::string name(hash_openssl_name(static_cast<HashAlg>(i)));
            md[i] = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
        }
    }
    ~MdTable() {
        for (EVP_MD* m : md) EVP_MD_free(m);
    }
    MdTable(const MdTable&) = delete;
    MdTable& operator=(const MdTable&) = delete;
};

}  // namespace

std::string_view hash_openssl_name(HashAlg alg) noexcept {
    switch (alg) {
        case HashAlg::Md5: return "MD5";
        case HashAlg::Sha1: return "SHA1";
        case HashAlg::Sha224: return "SHA2-224";
        case HashAlg::Sha256: return "SHA2-256";
        case HashAlg::Sha384: return "SHA2-384";
        case HashAlg::Sha512: return "SHA2-512";
    }
    return "";
}

const EVP_MD* evp_md(HashAlg alg) noexcept {
    static const MdTable table;
    const std::size_t i = index_of(alg);
    return i < kHashCount ? table.md[i] : nullptr;
}

std::size_t digest_length(HashAlg alg) noexcept {
    switch (alg) {
        case HashAlg::Md5: return 16;
        case HashAlg::Sha1: return 20;
        case HashAlg::Sha224: return 28;
        case HashAlg::Sha256: return 32;
        case HashAlg::Sha384: return 48;
        case HashAlg::Sha512: return 64;
    }
    return 0;
}

std::size_t hash_block_length(HashAlg alg) noexcept {
    return (alg == HashAlg::Sha384 || alg == HashAlg::Sha512) ? 128 : 64;
}

core::Status digest_into(HashAlg alg, core::ByteView data, core::MutableByteView out) noexcept {
    const EVP_MD* md = evp_md(alg);
    if (md == nullptr) return fail(Error::UnsupportedAlgorithm);
    if (out.size() < digest_length(alg)) return fail(Error::BufferTooSmall);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr) != 1) {
        return fail(Error::CryptoFailure);
    }
    return {};
}

core::Result<core::Bytes> digest(HashAlg alg, core::ByteView data) {
    core::Bytes out(digest_length(alg));
    if (auto st = digest_into(alg, data, out); !st) return fail(st.error());
    return out;
}

core::Result<Hasher> Hasher::create(HashAlg alg) {
    const EVP_MD* md = evp_md(alg);
    if (md == nullptr) return fail(Error::UnsupportedAlgorithm);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return fail(Error::CryptoFailure);
    if (EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
        EVP_MD_CTX_free(ctx);
        return fail(Error::CryptoFailure);
    }
    return Hasher(alg, ctx);
}

Hasher::Hasher(Hasher&& o) noexcept : alg_(o.alg_), ctx_(std::exchange(o.ctx_, nullptr)) {}

Hasher& Hasher::operator=(Hasher&& o) noexcept {
    if (this != &o) {
        EVP_MD_CTX_free(ctx_);
        alg_ = o.alg_;
        ctx_ = std::exchange(o.ctx_, nullptr);
    }
    return *this;
}

Hasher::~Hasher() { EVP_MD_CTX_free(ctx_); }

core::Status Hasher::update(core::ByteView data) noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (data.empty()) return {};
    if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) return fail(Error::CryptoFailure);
    return {};
}

core::Status Hasher::peek(core::MutableByteView out) const noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (out.size() < length()) return fail(Error::BufferTooSmall);
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    if (copy == nullptr) return fail(Error::CryptoFailure);
    unsigned int n = 0;
    const bool ok = EVP_MD_CTX_copy_ex(copy, ctx_) == 1 && EVP_DigestFinal_ex(copy, out.data(), &n) == 1;
    EVP_MD_CTX_free(copy);
    if (!ok) return fail(Error::CryptoFailure);
    return {};
}

core::Status Hasher::finish(core::MutableByteView out) noexcept {
    if (ctx_ == nullptr) return fail(Error::CryptoFailure);
    if (out.size() < length()) return fail(Error::BufferTooSmall);
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1) return fail(Error::CryptoFailure);
    if (EVP_DigestInit_ex(ctx_, evp_md(alg_), nullptr) != 1) return fail(Error::CryptoFailure);
    return {};
}

}  // namespace strata::crypto
