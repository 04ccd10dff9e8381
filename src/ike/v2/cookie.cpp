#include "ike/v2/cookie.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "crypto/constant_time.hpp"
#include "crypto/hash.hpp"

namespace strata::ike::v2 {

namespace {

constexpr std::size_t kSecretLength = 32;

}  // namespace

core::Status CookieJar::rotate(core::Instant now) {
    if (current_ && now < changed_at_ + lifetime_) return {};
    Secret s;
    s.version = current_ ? current_->version + 1 : 1;
    s.bytes = core::SecretBytes(kSecretLength);
    if (auto st = rng_.fill(s.bytes.mutable_view()); !st) return st;
    // RFC 7296 §2.6: keep the old secret for a while after a change. A jar
    // idle for two lifetimes drops it too (its cookies are long stale).
    if (current_ && now < changed_at_ + 2 * lifetime_) {
        previous_ = std::move(current_);
    } else {
        previous_.reset();
    }
    current_ = std::move(s);
    changed_at_ = now;
    return {};
}

core::Result<core::Bytes> CookieJar::compute(const Secret& s, core::ByteView ni, const packet::IpAddress& ip,
                                             std::uint64_t spi_i) {
    // Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>) (RFC 7296 §2.6).
    core::Bytes in;
    core::Writer w(in);
    w.bytes(ni);
    w.bytes(ip.bytes());
    w.u64(spi_i);
    w.bytes(s.bytes.view());
    auto h = crypto::digest(crypto::HashAlg::Sha256, in);
    core::wipe(in);
    if (!h) return core::fail(h.error());
    core::Bytes out;
    core::Writer o(out);
    o.u32(s.version);
    o.bytes(*h);
    return out;
}

core::Result<core::Bytes> CookieJar::make(core::ByteView ni, const packet::IpAddress& ip, std::uint64_t spi_i,
                                          core::Instant now) {
    if (auto st = rotate(now); !st) return core::fail(st.error());
    return compute(*current_, ni, ip, spi_i);
}

bool CookieJar::check(core::ByteView cookie, core::ByteView ni, const packet::IpAddress& ip,
                      std::uint64_t spi_i, core::Instant now) {
    if (!rotate(now) || cookie.size() != kCookieLength) return false;
    core::Reader r(cookie);
    const std::uint32_t version = *r.u32();
    const Secret* s = nullptr;
    if (current_ && current_->version == version) {
        s = &*current_;
    } else if (previous_ && previous_->version == version) {
        s = &*previous_;
    }
    if (s == nullptr) return false;
    auto expect = compute(*s, ni, ip, spi_i);
    return expect && crypto::constant_time_equal(*expect, cookie);
}

}  // namespace strata::ike::v2
