#include "ike/v2/message.hpp"

#include "packet/address.hpp"

namespace strata::ike::v2 {

namespace {

constexpr std::size_t kGenericHeader = 4;

template <typename T>
core::Result<T, ParseError> syntax() {
    return core::fail(ParseError::InvalidSyntax);
}

}  // namespace

std::string_view to_string(ParseError e) noexcept {
    switch (e) {
        case ParseError::Truncated: return "Truncated";
        case ParseError::BadMajorVersion: return "BadMajorVersion";
        case ParseError::BadLength: return "BadLength";
        case ParseError::BadPayloadLength: return "BadPayloadLength";
        case ParseError::SkNotLast: return "SkNotLast";
        case ParseError::InvalidSyntax: return "InvalidSyntax";
        case ParseError::TooManyPayloads: return "TooManyPayloads";
        case ParseError::IntegrityFailed: return "IntegrityFailed";
    }
    return "Unknown";
}

bool is_known(PayloadType t) noexcept {
    switch (t) {
        case PayloadType::SA:
        case PayloadType::KE:
        case PayloadType::IDi:
        case PayloadType::IDr:
        case PayloadType::CERT:
        case PayloadType::CERTREQ:
        case PayloadType::AUTH:
        case PayloadType::Nonce:
        case PayloadType::Notify:
        case PayloadType::Delete:
        case PayloadType::Vendor:
        case PayloadType::TSi:
        case PayloadType::TSr:
        case PayloadType::SK:
        case PayloadType::CP:
        case PayloadType::EAP:
        case PayloadType::SKF: return true;
        case PayloadType::None: return false;
    }
    return false;
}

core::Result<Header, ParseError> parse_header(core::ByteView data) {
    core::Reader r(data);
    if (r.remaining() < kHeaderLength) return core::fail(ParseError::Truncated);
    Header h;
    h.spi_i = *r.u64();
    h.spi_r = *r.u64();
    h.next = static_cast<PayloadType>(*r.u8());
    h.version = *r.u8();
    h.exchange = static_cast<ExchangeType>(*r.u8());
    h.flags = *r.u8();
    h.message_id = *r.u32();
    h.length = *r.u32();
    // RFC 7296 §3.1: a major version above 2 is answered with INVALID_MAJOR_VERSION.
    if ((h.version >> 4) != 2) return core::fail(ParseError::BadMajorVersion);
    return h;
}

core::Result<std::vector<RawPayload>, ParseError> parse_chain(PayloadType first, core::ByteView data) {
    std::vector<RawPayload> out;
    core::Reader r(data);
    PayloadType next = first;
    while (next != PayloadType::None) {
        if (out.size() >= kMaxPayloads) return core::fail(ParseError::TooManyPayloads);
        if (next == PayloadType::SK) return core::fail(ParseError::InvalidSyntax);
        if (r.remaining() < kGenericHeader) return core::fail(ParseError::Truncated);
        RawPayload p;
        p.type = next;
        next = static_cast<PayloadType>(*r.u8());
        p.critical = (*r.u8() & 0x80) != 0;
        const std::uint16_t len = *r.u16();
        if (len < kGenericHeader || len - kGenericHeader > r.remaining())
            return core::fail(ParseError::BadPayloadLength);
        auto body = *r.bytes(len - kGenericHeader);
        p.body.assign(body.begin(), body.end());
        out.push_back(std::move(p));
    }
    // Padding after the last payload is not allowed outside SK (the SK
    // plaintext's padding is removed before this is called).
    if (!r.empty()) return core::fail(ParseError::BadPayloadLength);
    return out;
}

core::Result<ParsedMessage, ParseError> parse_message(core::ByteView data) {
    auto h = parse_header(data);
    if (!h) return core::fail(h.error());
    if (h->length != data.size()) return core::fail(ParseError::BadLength);
    ParsedMessage m;
    m.header = *h;
    core::Reader r(data.subspan(kHeaderLength));
    PayloadType next = h->next;
    while (next != PayloadType::None) {
        if (m.payloads.size() >= kMaxPayloads) return core::fail(ParseError::TooManyPayloads);
        const std::size_t offset = kHeaderLength + r.offset();
        if (r.remaining() < kGenericHeader) return core::fail(ParseError::Truncated);
        const PayloadType type = next;
        next = static_cast<PayloadType>(*r.u8());
        const bool critical = (*r.u8() & 0x80) != 0;
        const std::uint16_t len = *r.u16();
        if (len < kGenericHeader || len - kGenericHeader > r.remaining())
            return core::fail(ParseError::BadPayloadLength);
        auto body = *r.bytes(len - kGenericHeader);
        if (type == PayloadType::SK) {
            // RFC 7296 §3.14: the SK payload is the last one; its Next Payload
            // names the first payload inside.
            if (!r.empty()) return core::fail(ParseError::SkNotLast);
            m.sk = SkPayload{next, offset, body};
            return m;
        }
        if (type == PayloadType::SKF) {
            // RFC 7383 §2.5: an SKF payload is last as well; its Next Payload
            // names the first inner payload in fragment 1 and is 0 in others.
            if (!r.empty()) return core::fail(ParseError::SkNotLast);
            m.payloads.push_back(RawPayload{type, critical, core::Bytes(body.begin(), body.end())});
            return m;
        }
        m.payloads.push_back(RawPayload{type, critical, core::Bytes(body.begin(), body.end())});
    }
    if (!r.empty()) return core::fail(ParseError::BadPayloadLength);
    return m;
}

void encode_header(core::Writer& w, const Header& h) {
    w.u64(h.spi_i);
    w.u64(h.spi_r);
    w.u8(static_cast<std::uint8_t>(h.next));
    w.u8(h.version);
    w.u8(static_cast<std::uint8_t>(h.exchange));
    w.u8(h.flags);
    w.u32(h.message_id);
    w.u32(h.length);
}

void encode_chain(core::Writer& w, const std::vector<RawPayload>& payloads, PayloadType last_next) {
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        const auto& p = payloads[i];
        w.u8(static_cast<std::uint8_t>(i + 1 < payloads.size() ? payloads[i + 1].type : last_next));
        w.u8(p.critical ? 0x80 : 0x00);
        w.u16(static_cast<std::uint16_t>(p.body.size() + kGenericHeader));
        w.bytes(p.body);
    }
}

core::Bytes encode_plain(Header h, const std::vector<RawPayload>& payloads) {
    core::Bytes out;
    core::Writer w(out);
    h.next = payloads.empty() ? PayloadType::None : payloads.front().type;
    h.length = 0;
    encode_header(w, h);
    encode_chain(w, payloads);
    w.patch_u32(24, static_cast<std::uint32_t>(w.size()));
    return out;
}

// ---- SA ----

core::Result<std::vector<Proposal>, ParseError> parse_sa(core::ByteView body) {
    std::vector<Proposal> out;
    core::Reader r(body);
    bool more = true;
    while (more) {
        if (out.size() >= kMaxPayloads) return core::fail(ParseError::TooManyPayloads);
        auto last = r.u8();
        if (!last || (*last != 0 && *last != 2)) return syntax<std::vector<Proposal>>();
        more = *last == 2;
        if (!r.skip(1)) return syntax<std::vector<Proposal>>();
        auto len = r.u16();
        if (!len || *len < 8 || *len - 4U > r.remaining()) return syntax<std::vector<Proposal>>();
        auto pr = *r.sub(*len - 4U);
        Proposal p;
        p.number = *pr.u8();
        p.protocol = static_cast<ProtocolId>(*pr.u8());
        const std::uint8_t spi_size = *pr.u8();
        const std::uint8_t num_transforms = *pr.u8();
        auto spi = pr.bytes(spi_size);
        if (!spi) return syntax<std::vector<Proposal>>();
        p.spi.assign(spi->begin(), spi->end());
        bool tmore = num_transforms > 0;
        while (tmore) {
            auto tlast = pr.u8();
            if (!tlast || (*tlast != 0 && *tlast != 3)) return syntax<std::vector<Proposal>>();
            tmore = *tlast == 3;
            if (!pr.skip(1)) return syntax<std::vector<Proposal>>();
            auto tlen = pr.u16();
            if (!tlen || *tlen < 8 || *tlen - 4U > pr.remaining()) return syntax<std::vector<Proposal>>();
            auto tr = *pr.sub(*tlen - 4U);
            Transform t;
            t.type = static_cast<TransformType>(*tr.u8());
            (void)tr.skip(1);
            t.id = *tr.u16();
            while (!tr.empty()) {
                auto at = tr.u16();
                if (!at) return syntax<std::vector<Proposal>>();
                const bool tv = (*at & 0x8000) != 0;
                const std::uint16_t type = *at & 0x7fff;
                if (tv) {
                    auto v = tr.u16();
                    if (!v) return syntax<std::vector<Proposal>>();
                    if (type == kAttrKeyLength) {
                        t.key_bits = *v;
                    } else {
                        t.unknown_attribute = true;
                    }
                } else {
                    auto v = tr.prefixed16();
                    if (!v) return syntax<std::vector<Proposal>>();
                    t.unknown_attribute = true;
                }
            }
            p.transforms.push_back(t);
            if (p.transforms.size() > 255) return syntax<std::vector<Proposal>>();
        }
        if (p.transforms.size() != num_transforms || !pr.empty()) return syntax<std::vector<Proposal>>();
        out.push_back(std::move(p));
    }
    if (!r.empty() || out.empty()) return syntax<std::vector<Proposal>>();
    return out;
}

core::Bytes encode_sa(const std::vector<Proposal>& proposals) {
    core::Bytes out;
    core::Writer w(out);
    for (std::size_t i = 0; i < proposals.size(); ++i) {
        const auto& p = proposals[i];
        const std::size_t start = w.size();
        w.u8(i + 1 < proposals.size() ? 2 : 0);
        w.u8(0);
        w.u16(0);  // length, patched below
        w.u8(p.number);
        w.u8(static_cast<std::uint8_t>(p.protocol));
        w.u8(static_cast<std::uint8_t>(p.spi.size()));
        w.u8(static_cast<std::uint8_t>(p.transforms.size()));
        w.bytes(p.spi);
        for (std::size_t j = 0; j < p.transforms.size(); ++j) {
            const auto& t = p.transforms[j];
            w.u8(j + 1 < p.transforms.size() ? 3 : 0);
            w.u8(0);
            w.u16(static_cast<std::uint16_t>(t.key_bits ? 12 : 8));
            w.u8(static_cast<std::uint8_t>(t.type));
            w.u8(0);
            w.u16(t.id);
            if (t.key_bits) {
                w.u16(0x8000 | kAttrKeyLength);
                w.u16(*t.key_bits);
            }
        }
        w.patch_u16(start + 2, static_cast<std::uint16_t>(w.size() - start));
    }
    return out;
}

// ---- KE, ID, AUTH, N, D, CERT ----

core::Result<KeyExchange, ParseError> parse_ke(core::ByteView body) {
    core::Reader r(body);
    auto g = r.u16();
    if (!g || !r.skip(2)) return syntax<KeyExchange>();
    auto d = r.take_rest();
    return KeyExchange{*g, core::Bytes(d.begin(), d.end())};
}

core::Bytes encode_ke(const KeyExchange& ke) {
    core::Bytes out;
    core::Writer w(out);
    w.u16(ke.group);
    w.u16(0);
    w.bytes(ke.data);
    return out;
}

core::Result<Identity, ParseError> parse_identity_payload(core::ByteView body) {
    core::Reader r(body);
    auto t = r.u8();
    if (!t || !r.skip(3)) return syntax<Identity>();
    auto d = r.take_rest();
    if (d.empty()) return syntax<Identity>();
    return Identity{static_cast<IdType>(*t), core::Bytes(d.begin(), d.end())};
}

core::Bytes encode_identity_payload(const Identity& id) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(id.type));
    w.zeros(3);
    w.bytes(id.data);
    return out;
}

core::Result<Auth, ParseError> parse_auth(core::ByteView body) {
    core::Reader r(body);
    auto m = r.u8();
    if (!m || !r.skip(3)) return syntax<Auth>();
    auto d = r.take_rest();
    if (d.empty()) return syntax<Auth>();
    return Auth{static_cast<AuthMethod>(*m), core::Bytes(d.begin(), d.end())};
}

core::Bytes encode_auth(const Auth& a) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(a.method));
    w.zeros(3);
    w.bytes(a.data);
    return out;
}

core::Result<Notify, ParseError> parse_notify(core::ByteView body) {
    core::Reader r(body);
    auto proto = r.u8();
    auto spi_size = r.u8();
    auto type = r.u16();
    if (!proto || !spi_size || !type) return syntax<Notify>();
    auto spi = r.bytes(*spi_size);
    if (!spi) return syntax<Notify>();
    auto d = r.take_rest();
    return Notify{static_cast<ProtocolId>(*proto), core::Bytes(spi->begin(), spi->end()),
                  static_cast<NotifyType>(*type), core::Bytes(d.begin(), d.end())};
}

core::Bytes encode_notify(const Notify& n) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(n.protocol));
    w.u8(static_cast<std::uint8_t>(n.spi.size()));
    w.u16(static_cast<std::uint16_t>(n.type));
    w.bytes(n.spi);
    w.bytes(n.data);
    return out;
}

core::Result<Delete, ParseError> parse_delete(core::ByteView body) {
    core::Reader r(body);
    auto proto = r.u8();
    auto spi_size = r.u8();
    auto num = r.u16();
    if (!proto || !spi_size || !num) return syntax<Delete>();
    Delete d;
    d.protocol = static_cast<ProtocolId>(*proto);
    // RFC 7296 §3.11: SPI size 0 for IKE, 4 for AH/ESP.
    if (d.protocol == ProtocolId::Ike ? *spi_size != 0 : *spi_size != 4) return syntax<Delete>();
    if (*spi_size == 0 && *num != 0) return syntax<Delete>();
    if (static_cast<std::size_t>(*num) * *spi_size != r.remaining()) return syntax<Delete>();
    for (unsigned i = 0; i < *num; ++i) {
        auto s = *r.bytes(*spi_size);
        d.spis.emplace_back(s.begin(), s.end());
    }
    return d;
}

core::Bytes encode_delete(const Delete& d) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(d.protocol));
    w.u8(d.protocol == ProtocolId::Ike ? 0 : 4);
    w.u16(static_cast<std::uint16_t>(d.spis.size()));
    for (const auto& s : d.spis) w.bytes(s);
    return out;
}

core::Result<Cert, ParseError> parse_cert(core::ByteView body) {
    core::Reader r(body);
    auto e = r.u8();
    if (!e) return syntax<Cert>();
    auto d = r.take_rest();
    return Cert{*e, core::Bytes(d.begin(), d.end())};
}

core::Bytes encode_cert(const Cert& c) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(c.encoding);
    w.bytes(c.data);
    return out;
}

// ---- TS ----

namespace {

constexpr std::uint8_t kTsIpv4Range = 7;
constexpr std::uint8_t kTsIpv6Range = 8;

}  // namespace

core::Result<std::vector<TrafficSelector>, ParseError> parse_ts(core::ByteView body) {
    core::Reader r(body);
    auto num = r.u8();
    if (!num || !r.skip(3) || *num == 0) return syntax<std::vector<TrafficSelector>>();
    std::vector<TrafficSelector> out;
    for (unsigned i = 0; i < *num; ++i) {
        auto type = r.u8();
        auto proto = r.u8();
        auto len = r.u16();
        if (!type || !proto || !len || *len < 4 || *len - 4U > r.remaining()) {
            return syntax<std::vector<TrafficSelector>>();
        }
        auto s = *r.sub(*len - 4U);
        if (*type != kTsIpv4Range && *type != kTsIpv6Range) continue;  // §3.13.1: unknown TS types skipped
        const std::size_t alen = *type == kTsIpv4Range ? 4 : 16;
        if (s.remaining() != 4 + 2 * alen) return syntax<std::vector<TrafficSelector>>();
        TrafficSelector ts;
        ts.protocol = *proto;
        ts.ports.first = *s.u16();
        ts.ports.last = *s.u16();
        ts.addresses.first = *packet::IpAddress::from_bytes(*s.bytes(alen));
        ts.addresses.last = *packet::IpAddress::from_bytes(*s.bytes(alen));
        out.push_back(ts);
    }
    if (!r.empty()) return syntax<std::vector<TrafficSelector>>();
    return out;
}

core::Bytes encode_ts(const std::vector<TrafficSelector>& ts) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(static_cast<std::uint8_t>(ts.size()));
    w.zeros(3);
    for (const auto& t : ts) {
        const bool v4 = t.addresses.first.is_v4();
        w.u8(v4 ? kTsIpv4Range : kTsIpv6Range);
        w.u8(t.protocol);
        w.u16(static_cast<std::uint16_t>(v4 ? 16 : 40));
        w.u16(t.ports.first);
        w.u16(t.ports.last);
        w.bytes(t.addresses.first.bytes());
        w.bytes(t.addresses.last.bytes());
    }
    return out;
}

const RawPayload* find(const std::vector<RawPayload>& payloads, PayloadType t) noexcept {
    for (const auto& p : payloads)
        if (p.type == t) return &p;
    return nullptr;
}

core::Result<std::vector<Notify>, ParseError> find_notifies(const std::vector<RawPayload>& payloads) {
    std::vector<Notify> out;
    for (const auto& p : payloads) {
        if (p.type != PayloadType::Notify) continue;
        auto n = parse_notify(p.body);
        if (!n) return core::fail(n.error());
        out.push_back(std::move(n).value());
    }
    return out;
}

}  // namespace strata::ike::v2
