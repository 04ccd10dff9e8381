// handshake.cpp: handshake framing, hello codecs and extension codecs.
#include "tls/handshake.hpp"

#include <algorithm>

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "tls/wire.hpp"

namespace strata::tls {

namespace {

using wire::done;
using wire::finish;
using wire::lift;
using wire::to_bytes;
using wire::u16_list;
using wire::vec;

// parse_extensions reads the extensions block of a hello: rejects a type seen
// twice (RFC 8446 §4.2) and, when psk_last, anything after pre_shared_key
// (RFC 8446 §4.2.11).
Status parse_extensions(core::Reader& r, bool psk_last, bool& has, std::vector<Extension>& out) {
    if (r.empty()) {
        has = false;  // RFC 5246 §7.4.1.2: the extensions block may be absent
        return {};
    }
    has = true;
    auto block = vec(r, 2, 0, 0xffff);
    if (!block) return fail(block.error());
    while (!block->empty()) {
        auto type = lift(block->u16());
        if (!type) return fail(type.error());
        auto data = lift(block->prefixed16());
        if (!data) return fail(data.error());
        for (const Extension& e : out) {
            if (e.type == *type) return fail(Error::DuplicateExtension);
            if (psk_last && e.type == static_cast<std::uint16_t>(ExtensionType::PreSharedKey)) {
                return fail(Error::PskNotLast);
            }
        }
        out.push_back(Extension{*type, to_bytes(data->rest())});
    }
    return done(r);
}

void write_extensions(core::Writer& w, bool has, const std::vector<Extension>& exts) {
    if (!has) return;
    const auto block = w.open_length(2);
    for (const Extension& e : exts) {
        w.u16(e.type);
        const auto len = w.open_length(2);
        w.bytes(e.data);
        w.close_length(len);
    }
    w.close_length(block);
}

const Extension* find_in(const std::vector<Extension>& exts, ExtensionType t) noexcept {
    for (const Extension& e : exts) {
        if (e.type == static_cast<std::uint16_t>(t)) return &e;
    }
    return nullptr;
}

Result<Extension> finish_ext(ExtensionType t, core::Writer& w, core::Bytes&& out) {
    auto b = finish(w, std::move(out));
    if (!b) return fail(b.error());
    return Extension{static_cast<std::uint16_t>(t), std::move(b).value()};
}

constexpr std::array<std::uint8_t, 7> kDowngradePrefix = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};

}  // namespace

std::string_view to_string(HandshakeType t) noexcept {
    switch (t) {
        case HandshakeType::HelloRequest: return "hello_request";
        case HandshakeType::ClientHello: return "client_hello";
        case HandshakeType::ServerHello: return "server_hello";
        case HandshakeType::NewSessionTicket: return "new_session_ticket";
        case HandshakeType::EndOfEarlyData: return "end_of_early_data";
        case HandshakeType::EncryptedExtensions: return "encrypted_extensions";
        case HandshakeType::Certificate: return "certificate";
        case HandshakeType::ServerKeyExchange: return "server_key_exchange";
        case HandshakeType::CertificateRequest: return "certificate_request";
        case HandshakeType::ServerHelloDone: return "server_hello_done";
        case HandshakeType::CertificateVerify: return "certificate_verify";
        case HandshakeType::ClientKeyExchange: return "client_key_exchange";
        case HandshakeType::Finished: return "finished";
        case HandshakeType::KeyUpdate: return "key_update";
        case HandshakeType::MessageHash: return "message_hash";
    }
    return "unknown";
}

// ---- reassembly ----

void HandshakeReassembler::feed(core::ByteView fragment) {
    if (start_ > 0 && start_ >= buf_.size() / 2) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buf_.insert(buf_.end(), fragment.begin(), fragment.end());
}

Result<std::optional<HandshakeMessage>> HandshakeReassembler::next() {
    if (failed_) return fail(*failed_);
    core::Reader r(core::ByteView(buf_).subspan(start_));
    if (r.remaining() < kHandshakeHeaderLength) return std::optional<HandshakeMessage>{};
    const std::uint8_t type = r.u8().value();
    const std::uint32_t length = r.u24().value();
    if (length > max_length_) {
        failed_ = Error::HandshakeTooLarge;
        return fail(Error::HandshakeTooLarge);
    }
    if (r.remaining() < length) return std::optional<HandshakeMessage>{};
    const core::ByteView whole = core::ByteView(buf_).subspan(start_, kHandshakeHeaderLength + length);
    HandshakeMessage msg{static_cast<HandshakeType>(type), to_bytes(whole)};
    start_ += whole.size();
    if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
    }
    return std::optional<HandshakeMessage>{std::move(msg)};
}

Result<core::Bytes> build_handshake(HandshakeType t, core::ByteView body) {
    if (body.size() >= (std::size_t{1} << 24)) return fail(Error::HandshakeTooLarge);
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(t));
    w.u24(static_cast<std::uint32_t>(body.size()));
    w.bytes(body);
    return finish(w, std::move(out));
}

// ---- hellos ----

const Extension* ClientHello::find(ExtensionType t) const noexcept { return find_in(extensions, t); }
const Extension* ServerHello::find(ExtensionType t) const noexcept { return find_in(extensions, t); }

Result<ClientHello> parse_client_hello(core::ByteView body) {
    core::Reader r(body);
    ClientHello ch;
    auto version = lift(r.u16());
    if (!version) return fail(version.error());
    ch.legacy_version = *version;
    if (!r.copy_to(ch.random)) return fail(Error::Truncated);
    auto sid = vec(r, 1, 0, 32);  // RFC 8446 §4.1.2: legacy_session_id<0..32>
    if (!sid) return fail(sid.error());
    ch.legacy_session_id = to_bytes(sid->rest());
    auto suites = u16_list(r, 2, 2, 0xfffe);  // cipher_suites<2..2^16-2>
    if (!suites) return fail(suites.error());
    ch.cipher_suites = std::move(suites).value();
    auto comp = vec(r, 1, 1, 0xff);  // legacy_compression_methods<1..2^8-1>
    if (!comp) return fail(comp.error());
    ch.compression_methods = to_bytes(comp->rest());
    // RFC 5246 §7.4.1.2: the list MUST include null; Strata never compresses.
    if (std::find(ch.compression_methods.begin(), ch.compression_methods.end(), 0) ==
        ch.compression_methods.end()) {
        return fail(Error::CompressionRefused);
    }
    if (auto s = parse_extensions(r, true, ch.has_extensions, ch.extensions); !s) return fail(s.error());
    return ch;
}

Result<core::Bytes> build_client_hello(const ClientHello& ch) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(ch.legacy_version);
    w.bytes(ch.random);
    auto l = w.open_length(1);
    w.bytes(ch.legacy_session_id);
    w.close_length(l);
    l = w.open_length(2);
    for (std::uint16_t s : ch.cipher_suites) w.u16(s);
    w.close_length(l);
    l = w.open_length(1);
    w.bytes(ch.compression_methods);
    w.close_length(l);
    write_extensions(w, ch.has_extensions, ch.extensions);
    return finish(w, std::move(out));
}

Result<ServerHello> parse_server_hello(core::ByteView body) {
    core::Reader r(body);
    ServerHello sh;
    auto version = lift(r.u16());
    if (!version) return fail(version.error());
    sh.legacy_version = *version;
    if (!r.copy_to(sh.random)) return fail(Error::Truncated);
    auto sid = vec(r, 1, 0, 32);
    if (!sid) return fail(sid.error());
    sh.legacy_session_id_echo = to_bytes(sid->rest());
    auto suite = lift(r.u16());
    auto comp = lift(r.u8());
    if (!suite || !comp) return fail(Error::Truncated);
    sh.cipher_suite = *suite;
    sh.legacy_compression_method = *comp;
    // RFC 8446 §4.1.3: legacy_compression_method MUST be 0; in TLS 1.2 Strata
    // offers only null, so anything else was never offered.
    if (*comp != 0) return fail(Error::CompressionRefused);
    if (auto s = parse_extensions(r, false, sh.has_extensions, sh.extensions); !s) return fail(s.error());
    return sh;
}

Result<core::Bytes> build_server_hello(const ServerHello& sh) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(sh.legacy_version);
    w.bytes(sh.random);
    auto l = w.open_length(1);
    w.bytes(sh.legacy_session_id_echo);
    w.close_length(l);
    w.u16(sh.cipher_suite);
    w.u8(sh.legacy_compression_method);
    write_extensions(w, sh.has_extensions, sh.extensions);
    return finish(w, std::move(out));
}

// RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest".
const Random kHelloRetryRequestRandom = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

bool is_hello_retry_request(const ServerHello& sh) noexcept { return sh.random == kHelloRetryRequestRandom; }

Downgrade downgrade_sentinel(const Random& random) noexcept {
    // RFC 8446 §4.1.3: the last 8 bytes are 44 4F 57 4E 47 52 44 0x.
    if (!std::equal(kDowngradePrefix.begin(), kDowngradePrefix.end(), random.end() - 8))
        return Downgrade::None;
    switch (random[kRandomLength - 1]) {
        case 0x01: return Downgrade::Tls12;
        case 0x00: return Downgrade::Tls11OrBelow;
        default: return Downgrade::None;
    }
}

void set_downgrade_sentinel(Random& random, Downgrade d) noexcept {
    if (d == Downgrade::None) return;
    std::copy(kDowngradePrefix.begin(), kDowngradePrefix.end(), random.end() - 8);
    random[kRandomLength - 1] = d == Downgrade::Tls12 ? 0x01 : 0x00;
}

// ---- typed extensions ----

namespace {

Status decode_ch_extension(const Extension& e, ClientHelloExtensions& out) {
    core::Reader r(e.data);
    switch (static_cast<ExtensionType>(e.type)) {
        case ExtensionType::SupportedVersions: {  // RFC 8446 §4.2.1: versions<2..254>
            auto v = u16_list(r, 1, 2, 254);
            if (!v) return fail(v.error());
            out.supported_versions = std::move(v).value();
            break;
        }
        case ExtensionType::KeyShare: {  // RFC 8446 §4.2.8: client_shares<0..2^16-1>
            auto list = vec(r, 2, 0, 0xffff);
            if (!list) return fail(list.error());
            std::vector<KeyShareEntry> shares;
            while (!list->empty()) {
                auto group = lift(list->u16());
                if (!group) return fail(group.error());
                auto key = vec(*list, 2, 1, 0xffff);
                if (!key) return fail(key.error());
                // RFC 8446 §4.2.8: clients MUST NOT offer two shares for one group.
                for (const KeyShareEntry& k : shares) {
                    if (k.group == *group) return fail(Error::DuplicateKeyShare);
                }
                shares.push_back(KeyShareEntry{*group, to_bytes(key->rest())});
            }
            out.key_shares = std::move(shares);
            break;
        }
        case ExtensionType::SupportedGroups:
        case ExtensionType::SignatureAlgorithms:
        case ExtensionType::SignatureAlgorithmsCert: {  // <2..2^16-2>
            auto v = u16_list(r, 2, 2, 0xfffe);
            if (!v) return fail(v.error());
            auto& slot = e.type == static_cast<std::uint16_t>(ExtensionType::SupportedGroups)
                             ? out.supported_groups
                         : e.type == static_cast<std::uint16_t>(ExtensionType::SignatureAlgorithms)
                             ? out.signature_algorithms
                             : out.signature_algorithms_cert;
            slot = std::move(v).value();
            break;
        }
        case ExtensionType::ServerName: {  // RFC 6066 §3: server_name_list<1..2^16-1>
            auto list = vec(r, 2, 1, 0xffff);
            if (!list) return fail(list.error());
            while (!list->empty()) {
                auto name_type = lift(list->u8());
                if (!name_type) return fail(name_type.error());
                auto name = vec(*list, 2, 1, 0xffff);
                if (!name) return fail(name.error());
                if (*name_type != 0) continue;  // only host_name (0) is defined
                // RFC 6066 §3: no more than one name of the same name_type.
                if (out.server_name) return fail(Error::IllegalParameter);
                const core::ByteView host = name->rest();
                if (std::find(host.begin(), host.end(), 0) != host.end())
                    return fail(Error::IllegalParameter);
                out.server_name = std::string(host.begin(), host.end());
            }
            break;
        }
        case ExtensionType::Alpn: {  // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>
            auto list = vec(r, 2, 2, 0xffff);
            if (!list) return fail(list.error());
            std::vector<std::string> names;
            while (!list->empty()) {
                auto name = vec(*list, 1, 1, 0xff);  // ProtocolName<1..2^8-1>
                if (!name) return fail(name.error());
                const core::ByteView n = name->rest();
                names.emplace_back(n.begin(), n.end());
            }
            out.alpn = std::move(names);
            break;
        }
        case ExtensionType::PskKeyExchangeModes: {  // RFC 8446 §4.2.9: ke_modes<1..255>
            auto modes = vec(r, 1, 1, 255);
            if (!modes) return fail(modes.error());
            const core::ByteView m = modes->rest();
            out.psk_key_exchange_modes = std::vector<std::uint8_t>(m.begin(), m.end());
            break;
        }
        case ExtensionType::PreSharedKey: {  // RFC 8446 §4.2.11
            OfferedPsks psks;
            auto ids = vec(r, 2, 7, 0xffff);  // identities<7..2^16-1>
            if (!ids) return fail(ids.error());
            while (!ids->empty()) {
                auto id = vec(*ids, 2, 1, 0xffff);
                if (!id) return fail(id.error());
                auto age = lift(ids->u32());
                if (!age) return fail(age.error());
                psks.identities.push_back(PskIdentity{to_bytes(id->rest()), *age});
            }
            auto binders = vec(r, 2, 33, 0xffff);  // binders<33..2^16-1>
            if (!binders) return fail(binders.error());
            while (!binders->empty()) {
                auto b = vec(*binders, 1, 32, 255);  // PskBinderEntry<32..255>
                if (!b) return fail(b.error());
                psks.binders.push_back(to_bytes(b->rest()));
            }
            if (psks.binders.size() != psks.identities.size()) return fail(Error::PskBinderMismatch);
            out.pre_shared_key = std::move(psks);
            break;
        }
        case ExtensionType::Cookie: {  // RFC 8446 §4.2.2: cookie<1..2^16-1>
            auto c = vec(r, 2, 1, 0xffff);
            if (!c) return fail(c.error());
            out.cookie = to_bytes(c->rest());
            break;
        }
        case ExtensionType::RenegotiationInfo: {  // RFC 5746 §3.2: renegotiated_connection<0..255>
            auto rc = vec(r, 1, 0, 255);
            if (!rc) return fail(rc.error());
            out.renegotiation_info = to_bytes(rc->rest());
            break;
        }
        case ExtensionType::SessionTicket:  // RFC 5077 §3.2: the ticket, or empty
            out.session_ticket = to_bytes(r.take_rest());
            break;
        case ExtensionType::ExtendedMasterSecret: out.extended_master_secret = true; break;  // RFC 7627 §5.1
        case ExtensionType::EncryptThenMac: out.encrypt_then_mac = true; break;              // RFC 7366 §2
        case ExtensionType::EarlyData: out.early_data = true; break;  // RFC 8446 §4.2.10
        default: return {};  // RFC 8446 §4.2: unrecognised extensions are ignored
    }
    return done(r);
}

bool allowed_in_server_hello(std::uint16_t type, bool tls13, bool hrr) noexcept {
    switch (static_cast<ExtensionType>(type)) {
        case ExtensionType::SupportedVersions:
        case ExtensionType::KeyShare: return tls13 || hrr;
        case ExtensionType::PreSharedKey: return tls13 && !hrr;
        case ExtensionType::Cookie: return hrr;
        case ExtensionType::ServerName:
        case ExtensionType::EcPointFormats:
        case ExtensionType::Alpn:
        case ExtensionType::EncryptThenMac:
        case ExtensionType::ExtendedMasterSecret:
        case ExtensionType::SessionTicket:
        case ExtensionType::RenegotiationInfo: return !tls13 && !hrr;
        default: return false;
    }
}

Status decode_sh_extension(const Extension& e, bool hrr, ServerHelloExtensions& out) {
    core::Reader r(e.data);
    switch (static_cast<ExtensionType>(e.type)) {
        case ExtensionType::SupportedVersions: {  // RFC 8446 §4.2.1: selected_version
            auto v = lift(r.u16());
            if (!v) return fail(v.error());
            out.selected_version = *v;
            break;
        }
        case ExtensionType::KeyShare: {  // RFC 8446 §4.2.8
            auto group = lift(r.u16());
            if (!group) return fail(group.error());
            if (hrr) {
                out.selected_group = *group;
                break;
            }
            auto key = vec(r, 2, 1, 0xffff);
            if (!key) return fail(key.error());
            out.key_share = KeyShareEntry{*group, to_bytes(key->rest())};
            break;
        }
        case ExtensionType::PreSharedKey: {  // RFC 8446 §4.2.11: selected_identity
            auto id = lift(r.u16());
            if (!id) return fail(id.error());
            out.selected_identity = *id;
            break;
        }
        case ExtensionType::Cookie: {
            auto c = vec(r, 2, 1, 0xffff);
            if (!c) return fail(c.error());
            out.cookie = to_bytes(c->rest());
            break;
        }
        case ExtensionType::Alpn: {  // RFC 7301 §3.1: exactly one ProtocolName
            auto list = vec(r, 2, 2, 0xffff);
            if (!list) return fail(list.error());
            auto name = vec(*list, 1, 1, 0xff);
            if (!name) return fail(name.error());
            if (!list->empty()) return fail(Error::IllegalParameter);
            const core::ByteView n = name->rest();
            out.alpn = std::string(n.begin(), n.end());
            break;
        }
        case ExtensionType::RenegotiationInfo: {
            auto rc = vec(r, 1, 0, 255);
            if (!rc) return fail(rc.error());
            out.renegotiation_info = to_bytes(rc->rest());
            break;
        }
        case ExtensionType::ServerName: out.server_name_ack = true; break;
        case ExtensionType::ExtendedMasterSecret: out.extended_master_secret = true; break;
        case ExtensionType::EncryptThenMac: out.encrypt_then_mac = true; break;
        case ExtensionType::SessionTicket: out.session_ticket = true; break;
        case ExtensionType::EcPointFormats: r.take_rest(); break;  // RFC 8422 §5.2: uncompressed only
        default: return fail(Error::UnsupportedExtension);
    }
    return done(r);
}

}  // namespace

Result<ClientHelloExtensions> decode_client_hello_extensions(const ClientHello& ch) {
    ClientHelloExtensions out;
    for (const Extension& e : ch.extensions) {
        if (auto s = decode_ch_extension(e, out); !s) return fail(s.error());
    }
    return out;
}

std::vector<std::uint16_t> offered_extension_types(const ClientHello& ch) {
    std::vector<std::uint16_t> out;
    out.reserve(ch.extensions.size());
    for (const Extension& e : ch.extensions) out.push_back(e.type);
    return out;
}

Result<ServerHelloExtensions> decode_server_hello_extensions(const ServerHello& sh,
                                                             std::span<const std::uint16_t> offered) {
    const bool hrr = is_hello_retry_request(sh);
    bool tls13 = hrr;
    if (const Extension* sv = sh.find(ExtensionType::SupportedVersions); sv != nullptr) {
        core::Reader r(sv->data);
        auto v = r.u16();
        tls13 = tls13 || (v && *v == kTls13);
    }
    ServerHelloExtensions out;
    for (const Extension& e : sh.extensions) {
        // RFC 8446 §4.2 / RFC 5246 §7.4.1.4: a server sends only extensions
        // the client offered (unsupported_extension); RFC 8446 §4.2: a known
        // extension in a message it is not defined for is illegal_parameter.
        if (std::find(offered.begin(), offered.end(), e.type) == offered.end()) {
            return fail(Error::UnsupportedExtension);
        }
        if (!allowed_in_server_hello(e.type, tls13, hrr)) return fail(Error::IllegalParameter);
        if (auto s = decode_sh_extension(e, hrr, out); !s) return fail(s.error());
    }
    return out;
}

// ---- encoders ----

Result<Extension> make_supported_versions_ch(std::span<const std::uint16_t> versions) {
    if (versions.empty() || versions.size() > 127) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(1);
    for (std::uint16_t v : versions) w.u16(v);
    w.close_length(l);
    return finish_ext(ExtensionType::SupportedVersions, w, std::move(out));
}

Extension make_supported_versions_sh(std::uint16_t version) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(version);
    return Extension{static_cast<std::uint16_t>(ExtensionType::SupportedVersions), std::move(out)};
}

Result<Extension> make_key_share_ch(std::span<const KeyShareEntry> shares) {
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(2);
    for (const KeyShareEntry& k : shares) {
        if (k.key_exchange.empty()) return fail(Error::BadVectorLength);
        w.u16(k.group);
        const auto kl = w.open_length(2);
        w.bytes(k.key_exchange);
        w.close_length(kl);
    }
    w.close_length(l);
    return finish_ext(ExtensionType::KeyShare, w, std::move(out));
}

Result<Extension> make_key_share_sh(const KeyShareEntry& share) {
    if (share.key_exchange.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    w.u16(share.group);
    const auto kl = w.open_length(2);
    w.bytes(share.key_exchange);
    w.close_length(kl);
    return finish_ext(ExtensionType::KeyShare, w, std::move(out));
}

Extension make_key_share_hrr(std::uint16_t group) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(group);
    return Extension{static_cast<std::uint16_t>(ExtensionType::KeyShare), std::move(out)};
}

Result<Extension> make_u16_list(ExtensionType t, std::span<const std::uint16_t> values) {
    if (values.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(2);
    for (std::uint16_t v : values) w.u16(v);
    w.close_length(l);
    return finish_ext(t, w, std::move(out));
}

Result<Extension> make_server_name(std::string_view host) {
    if (host.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto list = w.open_length(2);
    w.u8(0);  // host_name
    const auto name = w.open_length(2);
    w.bytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(host.data()), host.size()));
    w.close_length(name);
    w.close_length(list);
    return finish_ext(ExtensionType::ServerName, w, std::move(out));
}

Result<Extension> make_alpn(std::span<const std::string> protocols) {
    if (protocols.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto list = w.open_length(2);
    for (const std::string& p : protocols) {
        if (p.empty()) return fail(Error::BadVectorLength);
        const auto name = w.open_length(1);
        w.bytes(core::ByteView(reinterpret_cast<const std::uint8_t*>(p.data()), p.size()));
        w.close_length(name);
    }
    w.close_length(list);
    return finish_ext(ExtensionType::Alpn, w, std::move(out));
}

Result<Extension> make_psk_key_exchange_modes(std::span<const std::uint8_t> modes) {
    if (modes.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(1);
    w.bytes(modes);
    w.close_length(l);
    return finish_ext(ExtensionType::PskKeyExchangeModes, w, std::move(out));
}

Result<Extension> make_cookie(core::ByteView cookie) {
    if (cookie.empty()) return fail(Error::BadVectorLength);
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(2);
    w.bytes(cookie);
    w.close_length(l);
    return finish_ext(ExtensionType::Cookie, w, std::move(out));
}

Result<Extension> make_renegotiation_info(core::ByteView renegotiated_connection) {
    core::Bytes out;
    core::Writer w(out);
    const auto l = w.open_length(1);
    w.bytes(renegotiated_connection);
    w.close_length(l);
    return finish_ext(ExtensionType::RenegotiationInfo, w, std::move(out));
}

Extension make_empty(ExtensionType t) { return Extension{static_cast<std::uint16_t>(t), {}}; }

}  // namespace strata::tls
