// ticket.cpp: ticket plaintext codec and the rotating ticket-key ring.
#include "tls/ticket.hpp"

#include <algorithm>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "tls/version.hpp"
#include "tls/wire.hpp"

namespace strata::tls {

namespace {

constexpr std::uint8_t kFormat = 1;
constexpr std::uint8_t kFlagExtendedMasterSecret = 0x01;
// kClockSkew tolerates a ticket created slightly "in the future" (the wall
// clock stepped back).
constexpr std::chrono::seconds kClockSkew{60};
// kMaxCreated bounds a session's creation time (Unix seconds, year 2106), so
// created + any uint32 lifetime stays far inside WallTime's range.
constexpr std::uint64_t kMaxCreated = 0xffffffff;

using wire::lift;
using wire::write_vec;

core::ByteView as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// vec reads a width-byte-prefixed vector and checks min..max.
Result<core::ByteView> vec(core::Reader& r, int width, std::size_t min, std::size_t max) {
    auto sub = wire::vec(r, width, min, max);
    if (!sub) return fail(sub.error());
    return sub->rest();
}

bool secret_length_fits(std::uint16_t version, std::size_t n) noexcept {
    if (version == kTls12) return n == 48;             // RFC 5246 §8.1
    if (version == kTls13) return n == 32 || n == 48;  // HashLen of SHA-256 / SHA-384
    return false;
}

}  // namespace

// ---- ticket plaintext ----

Result<core::SecretBytes> serialize_session(const Session& s) {
    if (!secret_length_fits(s.version, s.secret.size())) return fail(Error::InternalError);
    if (s.session_id.size() > 32) return fail(Error::BadVectorLength);  // RFC 5246 §7.4.1.2: <0..32>
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(s.created.time_since_epoch()).count();
    if (secs < 0 || static_cast<std::uint64_t>(secs) > kMaxCreated) return fail(Error::InternalError);
    core::Bytes out;
    core::Writer w(out);
    w.u8(kFormat);
    w.u16(s.version);
    w.u16(s.cipher_suite);
    write_vec(w, 1, s.secret);
    w.u8(s.extended_master_secret ? kFlagExtendedMasterSecret : 0);
    w.u64(static_cast<std::uint64_t>(secs));
    w.u32(s.ticket_lifetime);
    w.u32(s.ticket_age_add);
    write_vec(w, 1, s.ticket_nonce);
    write_vec(w, 1, as_bytes(s.alpn));
    write_vec(w, 2, as_bytes(s.server_name));
    write_vec(w, 2, as_bytes(s.peer_subject));
    write_vec(w, 1, s.session_id);
    const auto chain = w.open_length(3);
    for (const core::Bytes& der : s.peer_certificates) {
        if (der.empty()) {
            core::wipe(out);
            return fail(Error::BadVectorLength);
        }
        write_vec(w, 3, der);
    }
    w.close_length(chain);
    const bool ok = w.ok();
    core::SecretBytes plain(ok ? core::ByteView(out) : core::ByteView{});
    core::wipe(out);
    if (!ok) return fail(Error::BadVectorLength);
    return plain;
}

Result<Session> parse_session(core::ByteView plaintext) {
    core::Reader r(plaintext);
    Session s;
    auto format = lift(r.u8());
    if (!format) return fail(format.error());
    if (*format != kFormat) return fail(Error::IllegalParameter);
    auto version = lift(r.u16());
    if (!version) return fail(version.error());
    s.version = *version;
    auto suite = lift(r.u16());
    if (!suite) return fail(suite.error());
    s.cipher_suite = *suite;
    auto secret = vec(r, 1, 1, 0xff);
    if (!secret) return fail(secret.error());
    if (!secret_length_fits(s.version, secret->size())) return fail(Error::IllegalParameter);
    s.secret = core::SecretBytes(*secret);
    auto flags = lift(r.u8());
    if (!flags) return fail(flags.error());
    if ((*flags & ~kFlagExtendedMasterSecret) != 0) return fail(Error::IllegalParameter);
    s.extended_master_secret = (*flags & kFlagExtendedMasterSecret) != 0;
    auto created = lift(r.u64());
    if (!created) return fail(created.error());
    // Times past kMaxCreated cannot come from serialize_session (and would
    // let created + lifetime overflow the clock type).
    if (*created > kMaxCreated) return fail(Error::IllegalParameter);
    s.created = core::WallTime(std::chrono::duration_cast<core::WallTime::duration>(
        std::chrono::seconds(static_cast<std::int64_t>(*created))));
    auto lifetime = lift(r.u32());
    if (!lifetime) return fail(lifetime.error());
    s.ticket_lifetime = *lifetime;
    auto age_add = lift(r.u32());
    if (!age_add) return fail(age_add.error());
    s.ticket_age_add = *age_add;
    auto nonce = vec(r, 1, 0, 0xff);
    if (!nonce) return fail(nonce.error());
    s.ticket_nonce.assign(nonce->begin(), nonce->end());
    auto alpn = vec(r, 1, 0, 0xff);
    if (!alpn) return fail(alpn.error());
    s.alpn.assign(alpn->begin(), alpn->end());
    auto name = vec(r, 2, 0, 0xffff);
    if (!name) return fail(name.error());
    s.server_name.assign(name->begin(), name->end());
    auto subject = vec(r, 2, 0, 0xffff);
    if (!subject) return fail(subject.error());
    s.peer_subject.assign(subject->begin(), subject->end());
    auto sid = vec(r, 1, 0, 32);
    if (!sid) return fail(sid.error());
    s.session_id.assign(sid->begin(), sid->end());
    auto chain = lift(r.prefixed24());
    if (!chain) return fail(chain.error());
    while (!chain->empty()) {
        auto der = vec(*chain, 3, 1, 0xffffff);
        if (!der) return fail(der.error());
        s.peer_certificates.emplace_back(der->begin(), der->end());
    }
    if (!r.empty()) return fail(Error::TrailingBytes);
    return s;
}

// ---- TicketKeys ----

TicketKeys::TicketKeys(const core::Clock& clock, crypto::RandomSource& rng, TicketKeysConfig config)
    : clock_(clock), rng_(rng), config_(config) {}

TicketKeys::~TicketKeys() = default;

Status TicketKeys::add_key(core::Instant now) {
    std::array<std::uint8_t, kTicketKeyNameLength> name{};
    core::SecretBytes key(crypto::aead_key_length(crypto::AeadAlg::Aes256Gcm));
    if (!rng_.fill(name) || !rng_.fill(key.mutable_view())) return fail(Error::Crypto);
    auto aead = crypto::Aead::create(crypto::AeadAlg::Aes256Gcm, key, kTicketTagLength);
    if (!aead) return fail(Error::Crypto);
    keys_.push_front(Key{name, std::move(aead).value(), now});
    ++stats_.rotations;
    return {};
}

Status TicketKeys::refresh(core::Instant now, bool make_current) {
    // A key is retired when the next one was made, or when its rotation time
    // passed, whichever came first; it opens for `grace` after that.
    for (std::size_t i = keys_.size(); i-- > 0;) {
        core::Instant retired = keys_[i].created + config_.rotation;
        if (i > 0) retired = std::min(retired, keys_[i - 1].created);
        if (now >= retired + config_.grace) keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (make_current && (keys_.empty() || now >= keys_.front().created + config_.rotation))
        return add_key(now);
    return {};
}

Status TicketKeys::rotate() {
    const std::lock_guard lock(mu_);
    const core::Instant now = clock_.now();
    if (auto s = refresh(now, false); !s) return s;
    return add_key(now);
}

Result<core::Bytes> TicketKeys::seal(const Session& s) {
    auto plain = serialize_session(s);
    if (!plain) return fail(plain.error());
    if (plain->size() + kTicketOverhead > kMaxTicketLength) return fail(Error::BadVectorLength);

    const std::lock_guard lock(mu_);
    if (auto st = refresh(clock_.now(), true); !st) return fail(st.error());
    Key& key = keys_.front();
    core::Bytes ticket(kTicketOverhead + plain->size());
    const core::MutableByteView t(ticket);
    std::copy(key.name.begin(), key.name.end(), t.begin());
    const core::MutableByteView iv = t.subspan(kTicketKeyNameLength, kTicketIvLength);
    const core::MutableByteView body = t.subspan(kTicketKeyNameLength + kTicketIvLength, plain->size());
    const core::MutableByteView tag = t.subspan(kTicketKeyNameLength + kTicketIvLength + plain->size());
    // A random 96-bit nonce per ticket; rotation bounds the number of tickets
    // per key far below the 2^32 random-nonce limit of NIST SP 800-38D §8.3.
    if (!rng_.fill(iv)) return fail(Error::Crypto);
    std::copy(plain->view().begin(), plain->view().end(), body.begin());
    // key_name is the additional authenticated data.
    if (!key.aead.seal(iv, core::ByteView(key.name), body, tag)) {
        core::wipe(body);
        return fail(Error::Crypto);
    }
    ++stats_.sealed;
    return ticket;
}

std::optional<Session> TicketKeys::open(core::ByteView ticket) {
    const std::lock_guard lock(mu_);
    (void)refresh(clock_.now(), true);  // a failed rotation leaves the ring as it was
    core::Reader r(ticket);
    auto name = r.bytes(kTicketKeyNameLength);
    auto iv = r.bytes(kTicketIvLength);
    if (!name || !iv || r.remaining() < kTicketTagLength) {
        ++stats_.bad_ticket;
        return std::nullopt;
    }
    auto it = std::find_if(keys_.begin(), keys_.end(),
                           [&](const Key& k) { return core::equal_public(k.name, *name); });
    if (it == keys_.end()) {
        ++stats_.unknown_key;
        return std::nullopt;
    }
    const core::ByteView sealed = r.take_rest();
    const std::size_t body_len = sealed.size() - kTicketTagLength;
    core::SecretBytes body(sealed.first(body_len));
    if (!it->aead.open(*iv, core::ByteView(it->name), body.mutable_view(), sealed.subspan(body_len))) {
        ++stats_.bad_ticket;
        return std::nullopt;
    }
    auto session = parse_session(body);
    if (!session) {
        ++stats_.bad_ticket;
        return std::nullopt;
    }
    // The session must still be within its lifetime (RFC 5077 §5.6, RFC 8446 §4.6.1).
    std::chrono::seconds life = config_.ticket_lifetime;
    if (session->ticket_lifetime != 0) life = std::min(life, std::chrono::seconds(session->ticket_lifetime));
    const core::WallTime now = clock_.wall_now();
    if (now >= session->created + life || session->created > now + kClockSkew) {
        ++stats_.expired;
        return std::nullopt;
    }
    ++stats_.opened;
    return std::move(session).value();
}

std::size_t TicketKeys::key_count() const {
    const std::lock_guard lock(mu_);
    return keys_.size();
}

TicketStats TicketKeys::stats() const {
    const std::lock_guard lock(mu_);
    return stats_;
}

}  // namespace strata::tls
