#include "crypto/x509.hpp"
#include "crypto/openssl_ptr.hpp"

#include <ctime>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace strata::crypto {

using core::Bytes;
using core::ByteView;
using core::Error;
using core::fail;
using core::Result;

namespace {

struct StackFree {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }  // does not free the certs
};
using ossl::Bio;

Bio memory_bio(std::string_view text) {
    return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

int no_password(char*, int, int, void*) { return 0; }

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string name_string(const X509_NAME* name) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
    return bio_string(bio.get());
}

core::WallTime to_wall(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::size_t count_blocks(std::string_view pem) {
    constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    std::size_t n = 0;
    for (std::size_t at = pem.find(kBegin); at != std::string_view::npos; at = pem.find(kBegin, at + 1)) ++n;
    return n;
}

bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    if (ext == nullptr) return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

}  // namespace

void detail::X509Free::operator()(x509_st* cert) const noexcept { X509_free(cert); }
void detail::StoreFree::operator()(x509_store_st* store) const noexcept { X509_STORE_free(store); }

// ---- Certificate

Certificate Certificate::encoded(x509_st* cert) noexcept {
    std::shared_ptr<const Bytes> der;
    std::uint8_t* buf = nullptr;
    const int len = i2d_X509(cert, &buf);
    if (len > 0) {
        try {
            der = std::make_shared<const Bytes>(buf, buf + len);
        } catch (...) {  // out of memory: to_der() reports it later
        }
        OPENSSL_free(buf);
    }
    ERR_clear_error();
    return Certificate(cert, std::move(der));
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
    Bio bio = memory_bio(pem);
    if (!bio) return fail(Error::CryptoFailure);
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr);
    ERR_clear_error();
    if (cert == nullptr) return fail(Error::DecodeFailed);
    return encoded(cert);
}

Result<std::vector<Certificate>> Certificate::all_from_pem(std::string_view pem) {
    const std::size_t expected = count_blocks(pem);
    Bio bio = memory_bio(pem);
    if (!bio) return fail(Error::CryptoFailure);
    std::vector<Certificate> out;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr))
        out.push_back(encoded(cert));
    ERR_clear_error();  // the loop ends on "no start line"
    // A block that failed to parse stops the loop early: the counts differ.
    if (out.empty() || out.size() != expected) return fail(Error::DecodeFailed);
    return out;
}

Result<Certificate> Certificate::from_der(ByteView der) {
    const std::uint8_t* in = der.data();
    X509* cert = d2i_X509(nullptr, &in, static_cast<long>(der.size()));
    if (cert == nullptr) {
        ERR_clear_error();
        return fail(Error::DecodeFailed);
    }
    Certificate out(cert, nullptr);
    if (in != der.data() + der.size()) return fail(Error::DecodeFailed);
    // The bytes parsed are the encoding: d2i_X509 accepted all of them.
    out.der_ = std::make_shared<const Bytes>(der.begin(), der.end());
    return out;
}

Certificate Certificate::adopt(x509_st* cert) noexcept { return encoded(cert); }

Certificate::Certificate(const Certificate& o) noexcept : der_(o.der_) {
    if (o.cert_ && X509_up_ref(o.cert_.get()) == 1) cert_.reset(o.cert_.get());
}

Certificate& Certificate::operator=(const Certificate& o) noexcept {
    if (this != &o) {
        Certificate copy(o);
        cert_ = std::move(copy.cert_);
        der_ = std::move(copy.der_);
    }
    return *this;
}

Result<Bytes> Certificate::to_der() const {
    if (!der_) return fail(Error::CryptoFailure);
    return *der_;
}

Result<std::string> Certificate::to_pem() const {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) return fail(Error::CryptoFailure);
    return bio_string(bio.get());
}

std::string Certificate::subject() const { return name_string(X509_get_subject_name(cert_.get())); }
std::string Certificate::issuer() const { return name_string(X509_get_issuer_name(cert_.get())); }

Result<PublicKey> Certificate::public_key() const {
    EVP_PKEY* key = X509_get_pubkey(cert_.get());  // a new reference
    if (key == nullptr) return fail(Error::DecodeFailed);
    return PublicKey::adopt(key);
}

core::WallTime Certificate::not_before() const { return to_wall(X509_get0_notBefore(cert_.get())); }
core::WallTime Certificate::not_after() const { return to_wall(X509_get0_notAfter(cert_.get())); }

// ---- TrustStore

TrustStore::TrustStore() : store_(X509_STORE_new()) {}

core::Status TrustStore::add(const Certificate& cert) {
    if (!store_ || cert.native() == nullptr) return fail(Error::CryptoFailure);
    if (X509_STORE_add_cert(store_.get(), cert.native()) != 1) return fail(Error::CryptoFailure);
    ++count_;
    return {};
}

core::Status TrustStore::add_pem(std::string_view pem) {
    auto certs = Certificate::all_from_pem(pem);
    if (!certs) return fail(certs.error());
    for (const Certificate& c : *certs) {
        if (auto st = add(c); !st) return st;
    }
    return {};
}

core::Status TrustStore::verify(const Certificate& leaf, std::span<const Certificate> intermediates,
                                core::WallTime at) const {
    if (!store_ || leaf.native() == nullptr) return fail(Error::CryptoFailure);
    std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
    ossl::StoreCtx ctx(X509_STORE_CTX_new());
    if (!chain || !ctx) return fail(Error::CryptoFailure);
    for (const Certificate& c : intermediates) {
        if (sk_X509_push(chain.get(), c.native()) <= 0) return fail(Error::CryptoFailure);
    }
    if (X509_STORE_CTX_init(ctx.get(), store_.get(), leaf.native(), chain.get()) != 1) {
        return fail(Error::CryptoFailure);
    }
    // RFC 5280 §6.1.3 (a)(2): validity is checked at the time given, not "now".
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                               std::chrono::system_clock::to_time_t(at));
    const int ok = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    if (ok == 1) return {};
    if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
        return fail(Error::CertificateExpired);
    }
    return fail(Error::CertificateUntrusted);
}

// ---- names

core::Status check_host(const Certificate& cert, std::string_view host) {
    if (host.empty()) return fail(Error::NameMismatch);
    // Only subjectAltName dNSName counts (RFC 6125 §6.4.4 is obsoleted in
    // practice by RFC 9525 §6.3: no common-name fallback), and no partial
    // wildcards like "w*.example.com" (RFC 6125 §6.4.3).
    const unsigned int flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    if (X509_check_host(cert.native(), host.data(), host.size(), flags, nullptr) != 1) {
        ERR_clear_error();
        return fail(Error::NameMismatch);
    }
    return {};
}

core::Status check_ip(const Certificate& cert, std::string_view ip) {
    const std::string text(ip);  // X509_check_ip_asc wants a C string
    if (text.empty() || text.find('\0') != std::string::npos ||
        X509_check_ip_asc(cert.native(), text.c_str(), 0) != 1) {
        ERR_clear_error();
        return fail(Error::NameMismatch);
    }
    return {};
}

// ---- issuing (tests, tools)

Result<Certificate> issue_certificate(const CertificateSpec& spec, const PublicKey& subject_key,
                                      const PrivateKey& issuer_key, const Certificate* issuer) {
    std::unique_ptr<X509, detail::X509Free> owner(X509_new());
    X509* raw = owner.get();
    if (raw == nullptr) return fail(Error::CryptoFailure);
    X509_NAME* subject = X509_get_subject_name(raw);
    bool ok =
        X509_set_version(raw, X509_VERSION_3) == 1 &&
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(raw), spec.serial) == 1 &&
        ASN1_TIME_set(X509_getm_notBefore(raw), std::chrono::system_clock::to_time_t(spec.not_before)) !=
            nullptr &&
        ASN1_TIME_set(X509_getm_notAfter(raw), std::chrono::system_clock::to_time_t(spec.not_after)) !=
            nullptr &&
        X509_set_pubkey(raw, subject_key.native()) == 1 &&
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1,
                                   0) == 1 &&
        X509_set_issuer_name(raw, issuer != nullptr ? X509_get_subject_name(issuer->native()) : subject) == 1;
    if (!ok) return fail(Error::CryptoFailure);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->native() : raw, raw, nullptr, nullptr, 0);
    // RFC 5280 §4.2.1.9 and §4.2.1.3: CAs assert cA and keyCertSign.
    ok = add_extension(raw, &ctx, NID_basic_constraints,
                       spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
         add_extension(raw, &ctx, NID_key_usage,
                       spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
         add_extension(raw, &ctx, NID_subject_key_identifier, "hash");
    std::string san;
    for (const std::string& d : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const std::string& a : spec.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + a;
    if (ok && !san.empty()) ok = add_extension(raw, &ctx, NID_subject_alt_name, san);
    if (!ok) {
        ERR_clear_error();
        return fail(Error::CryptoFailure);
    }
    // Ed25519 signs without a separate digest (RFC 8410 §6).
    const EVP_MD* md = issuer_key.type() == KeyType::Ed25519 ? nullptr : EVP_sha256();
    if (X509_sign(raw, issuer_key.native(), md) <= 0) return fail(Error::CryptoFailure);
    // Encoded only now that it is signed: the Certificate keeps its DER.
    Certificate cert = Certificate::adopt(owner.release());
    if (cert.der().empty()) return fail(Error::CryptoFailure);
    return cert;
}

// ---- CertificateCache

CertificateCache::CertificateCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

CertificateCache& CertificateCache::shared() {
    static CertificateCache cache;
    return cache;
}

std::string_view CertificateCache::key_of(const Certificate& c) noexcept {
    const ByteView d = c.der();
    return {reinterpret_cast<const char*>(d.data()), d.size()};
}

Result<Certificate> CertificateCache::parse(ByteView der) {
    const std::string_view key(reinterpret_cast<const char*>(der.data()), der.size());
    {
        const std::lock_guard<std::mutex> lock(mu_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            ++hits_;
            return it->second;
        }
        ++misses_;
    }
    // Parsed outside the lock; a concurrent parse of the same bytes is harmless.
    auto cert = Certificate::from_der(der);
    if (!cert) return cert;
    const std::lock_guard<std::mutex> lock(mu_);
    const std::string_view own = key_of(*cert);
    if (own.size() != der.size() || entries_.contains(own)) return cert;
    while (entries_.size() >= capacity_ && !order_.empty()) {
        // Found first, then erased by position: the key views the entry's own bytes.
        if (auto old = entries_.find(order_.front()); old != entries_.end()) entries_.erase(old);
        order_.pop_front();
    }
    entries_.emplace(own, *cert);
    order_.push_back(own);
    return cert;
}

std::size_t CertificateCache::size() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
}

std::uint64_t CertificateCache::hits() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return hits_;
}

std::uint64_t CertificateCache::misses() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return misses_;
}

}  // namespace strata::crypto
