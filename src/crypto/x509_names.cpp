#include "crypto/x509_names.hpp"

#include <memory>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_ptr.hpp"

namespace strata::crypto {

namespace {

using Name = std::unique_ptr<X509_NAME, ossl::Deleter<X509_NAME_free>>;

core::Result<core::Bytes> name_der(const X509_NAME* name) {
    unsigned char* out = nullptr;
    const int len = i2d_X509_NAME(name, &out);
    if (len <= 0 || out == nullptr) return core::fail(core::Error::CryptoFailure);
    core::Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
}

Name parse_name(core::ByteView der) {
    const unsigned char* p = der.data();
    Name n(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
    if (!n || p != der.data() + der.size()) {
        ERR_clear_error();
        return nullptr;
    }
    return n;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

}  // namespace

core::Result<core::Bytes> subject_der(const Certificate& cert) {
    return name_der(X509_get_subject_name(cert.native()));
}

core::Result<core::Bytes> dn_from_text(std::string_view text) {
    Name name(X509_NAME_new());
    if (!name) return core::fail(core::Error::CryptoFailure);
    const char sep =
        text.find('/') != std::string_view::npos && text.find(',') == std::string_view::npos ? '/' : ',';
    if (!text.empty() && text.front() == '/') text.remove_prefix(1);
    bool any = false;
    while (!text.empty()) {
        const std::size_t end = text.find(sep);
        const std::string_view part = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) return core::fail(core::Error::DecodeFailed);
        const std::string key(trim(part.substr(0, eq)));
        const std::string value(trim(part.substr(eq + 1)));
        if (key.empty() || value.empty() ||
            X509_NAME_add_entry_by_txt(name.get(), key.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                       0) != 1) {
            ERR_clear_error();
            return core::fail(core::Error::DecodeFailed);
        }
        any = true;
    }
    if (!any) return core::fail(core::Error::DecodeFailed);
    return name_der(name.get());
}

std::string dn_to_text(core::ByteView der) {
    Name n = parse_name(der);
    if (!n) return {};
    ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), n.get(), 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

bool same_dn(core::ByteView a, core::ByteView b) {
    Name x = parse_name(a);
    Name y = parse_name(b);
    return x && y && X509_NAME_cmp(x.get(), y.get()) == 0;
}

core::Status check_email(const Certificate& cert, std::string_view email) {
    if (email.empty() || X509_check_email(cert.native(), email.data(), email.size(),
                                          X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) != 1) {
        ERR_clear_error();
        return core::fail(core::Error::NameMismatch);
    }
    return {};
}

}  // namespace strata::crypto
