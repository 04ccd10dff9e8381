#include "ike/v1/payload.hpp"

#include "core/reader.hpp"
#include "core/writer.hpp"
#include "ike/v1/wire.hpp"

namespace strata::ike::v1 {

namespace {

using core::fail;
using wire::read16;
using wire::read32;
using wire::read8;
using wire::read_bytes;
using wire::read_sub;

constexpr std::uint16_t kAttrFormatBasic = 0x8000;
// Limits no real offer comes near; they bound the work a hostile SA causes.
constexpr std::size_t kMaxProposals = 64;
constexpr std::size_t kMaxTransforms = 64;
constexpr std::size_t kMaxAttributes = 32;

// RFC 2408 §3.3: data attributes fill the rest of a transform body.
core::Result<std::vector<Attribute>, Error> decode_attributes(core::Reader r) {
    std::vector<Attribute> out;
    while (!r.empty()) {
        if (out.size() >= kMaxAttributes) return fail(Error::BadProposalSyntax);
        std::uint16_t type = 0;
        std::uint16_t len_or_value = 0;
        if (!read16(r, type) || !read16(r, len_or_value)) return fail(Error::Truncated);
        Attribute a;
        a.type = static_cast<std::uint16_t>(type & ~kAttrFormatBasic);
        a.basic = (type & kAttrFormatBasic) != 0;
        if (a.basic) {
            a.value = len_or_value;
        } else if (!read_bytes(r, len_or_value, a.data)) {
            return fail(Error::Truncated);
        }
        out.push_back(std::move(a));
    }
    return out;
}

void encode_attributes(core::Writer& w, const std::vector<Attribute>& attrs) {
    for (const Attribute& a : attrs) {
        if (a.basic) {
            w.u16(static_cast<std::uint16_t>(a.type | kAttrFormatBasic));
            w.u16(a.value);
        } else {
            w.u16(static_cast<std::uint16_t>(a.type & ~kAttrFormatBasic));
            w.u16(static_cast<std::uint16_t>(a.data.size()));
            w.bytes(a.data);
        }
    }
}

// RFC 2408 §3.6: a transform payload (generic header included).
core::Result<Transform, Error> decode_transform(core::Reader body) {
    Transform t;
    std::uint16_t reserved = 0;
    if (!read8(body, t.number) || !read8(body, t.id) || !read16(body, reserved))
        return fail(Error::Truncated);
    auto attrs = decode_attributes(body);
    if (!attrs) return fail(attrs.error());
    t.attributes = std::move(attrs).value();
    return t;
}

// RFC 2408 §3.5: a proposal body followed by its transform payloads.
core::Result<Proposal, Error> decode_proposal(core::Reader body) {
    Proposal p;
    std::uint8_t spi_size = 0;
    std::uint8_t count = 0;
    if (!read8(body, p.number) || !read8(body, p.protocol) || !read8(body, spi_size) || !read8(body, count))
        return fail(Error::Truncated);
    if (!read_bytes(body, spi_size, p.spi)) return fail(Error::Truncated);
    if (count == 0 || count > kMaxTransforms) return fail(Error::BadProposalSyntax);
    auto next = static_cast<std::uint8_t>(PayloadType::Transform);
    while (next != 0) {
        if (next != static_cast<std::uint8_t>(PayloadType::Transform)) return fail(Error::BadProposalSyntax);
        std::uint8_t reserved = 0;
        std::uint16_t length = 0;
        if (!read8(body, next) || !read8(body, reserved) || !read16(body, length))
            return fail(Error::Truncated);
        if (length < kGenericHeaderLength) return fail(Error::BadLength);
        core::Reader t;
        if (!read_sub(body, length - kGenericHeaderLength, t)) return fail(Error::BadLength);
        auto tr = decode_transform(t);
        if (!tr) return fail(tr.error());
        p.transforms.push_back(std::move(tr).value());
        if (p.transforms.size() > count) return fail(Error::BadProposalSyntax);
    }
    // RFC 2408 §3.5: "# Of Transforms" must be what follows.
    if (p.transforms.size() != count || !body.empty()) return fail(Error::BadProposalSyntax);
    return p;
}

}  // namespace

Attribute Attribute::basic_of(std::uint16_t type, std::uint16_t value) {
    Attribute a;
    a.type = type;
    a.basic = true;
    a.value = value;
    return a;
}

Attribute Attribute::variable_of(std::uint16_t type, core::ByteView data) {
    Attribute a;
    a.type = type;
    a.basic = false;
    a.data.assign(data.begin(), data.end());
    return a;
}

std::optional<std::uint64_t> Attribute::number() const {
    if (basic) return value;
    if (data.empty() || data.size() > 8) return std::nullopt;
    std::uint64_t v = 0;
    for (std::uint8_t b : data) v = (v << 8) | b;
    return v;
}

Attribute number_attribute(std::uint16_t type, std::uint64_t value) {
    if (value <= 0xffff) return Attribute::basic_of(type, static_cast<std::uint16_t>(value));
    core::Bytes b;
    core::Writer w(b);
    if (value <= 0xffffffff) {
        w.u32(static_cast<std::uint32_t>(value));
    } else {
        w.u64(value);
    }
    return Attribute::variable_of(type, b);
}

const Attribute* Transform::find(std::uint16_t type) const {
    for (const Attribute& a : attributes)
        if (a.type == type) return &a;
    return nullptr;
}

core::Result<SaPayload, Error> decode_sa(core::ByteView bytes) {
    core::Reader body(bytes);
    SaPayload sa;
    if (!read32(body, sa.doi)) return fail(Error::Truncated);
    // RFC 2408 §5.4: the DOI and the situation are checked first.
    if (sa.doi != kDoiIpsec) return fail(Error::DoiNotSupported);
    if (!read32(body, sa.situation)) return fail(Error::Truncated);
    if (sa.situation != kSituationIdentityOnly) return fail(Error::SituationNotSupported);
    auto next = static_cast<std::uint8_t>(PayloadType::Proposal);
    while (next != 0) {
        if (next != static_cast<std::uint8_t>(PayloadType::Proposal)) return fail(Error::BadProposalSyntax);
        if (sa.proposals.size() >= kMaxProposals) return fail(Error::BadProposalSyntax);
        std::uint8_t reserved = 0;
        std::uint16_t length = 0;
        if (!read8(body, next) || !read8(body, reserved) || !read16(body, length))
            return fail(Error::Truncated);
        if (length < kGenericHeaderLength) return fail(Error::BadLength);
        core::Reader p;
        if (!read_sub(body, length - kGenericHeaderLength, p)) return fail(Error::BadLength);
        auto prop = decode_proposal(p);
        if (!prop) return fail(prop.error());
        sa.proposals.push_back(std::move(prop).value());
    }
    if (!body.empty()) return fail(Error::BadLength);
    return sa;
}

core::Bytes encode_sa(const SaPayload& sa) {
    core::Bytes out;
    core::Writer w(out);
    w.u32(sa.doi);
    w.u32(sa.situation);
    for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
        const Proposal& p = sa.proposals[i];
        w.u8(i + 1 < sa.proposals.size() ? static_cast<std::uint8_t>(PayloadType::Proposal) : 0);
        w.u8(0);
        const std::size_t pat = w.size();
        w.u16(0);  // RFC 2408 §3.2: the length counts the generic header, patched below
        w.u8(p.number);
        w.u8(p.protocol);
        w.u8(static_cast<std::uint8_t>(p.spi.size()));
        w.u8(static_cast<std::uint8_t>(p.transforms.size()));
        w.bytes(p.spi);
        for (std::size_t j = 0; j < p.transforms.size(); ++j) {
            const Transform& t = p.transforms[j];
            w.u8(j + 1 < p.transforms.size() ? static_cast<std::uint8_t>(PayloadType::Transform) : 0);
            w.u8(0);
            const std::size_t tat = w.size();
            w.u16(0);
            w.u8(t.number);
            w.u8(t.id);
            w.u16(0);
            encode_attributes(w, t.attributes);
            w.patch_u16(tat, static_cast<std::uint16_t>(w.size() - tat + 2));
        }
        w.patch_u16(pat, static_cast<std::uint16_t>(w.size() - pat + 2));
    }
    return out;
}

core::Result<IdPayload, Error> decode_id(core::ByteView bytes) {
    core::Reader body(bytes);
    IdPayload id;
    if (!read8(body, id.type) || !read8(body, id.protocol) || !read16(body, id.port))
        return fail(Error::InvalidIdInformation);
    auto rest = body.take_rest();
    id.data.assign(rest.begin(), rest.end());
    return id;
}

core::Bytes encode_id(const IdPayload& id) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(id.type);
    w.u8(id.protocol);
    w.u16(id.port);
    w.bytes(id.data);
    return out;
}

core::Result<NotifyPayload, Error> decode_notify(core::ByteView bytes) {
    core::Reader body(bytes);
    NotifyPayload n;
    std::uint8_t spi_size = 0;
    if (!read32(body, n.doi) || !read8(body, n.protocol) || !read8(body, spi_size) || !read16(body, n.type))
        return fail(Error::Truncated);
    // RFC 2408 §5.5: the DOI of a notification is checked; 0 is ISAKMP's own
    // and tolerated (some peers send it for phase 1 notifications).
    if (n.doi != kDoiIpsec && n.doi != 0) return fail(Error::DoiNotSupported);
    if (!read_bytes(body, spi_size, n.spi)) return fail(Error::Truncated);
    auto rest = body.take_rest();
    n.data.assign(rest.begin(), rest.end());
    return n;
}

core::Bytes encode_notify(const NotifyPayload& n) {
    core::Bytes out;
    core::Writer w(out);
    w.u32(n.doi);
    w.u8(n.protocol);
    w.u8(static_cast<std::uint8_t>(n.spi.size()));
    w.u16(n.type);
    w.bytes(n.spi);
    w.bytes(n.data);
    return out;
}

core::Result<DeletePayload, Error> decode_delete(core::ByteView bytes) {
    core::Reader body(bytes);
    DeletePayload d;
    std::uint16_t count = 0;
    if (!read32(body, d.doi) || !read8(body, d.protocol) || !read8(body, d.spi_size) || !read16(body, count))
        return fail(Error::Truncated);
    if (d.doi != kDoiIpsec) return fail(Error::DoiNotSupported);
    if (d.spi_size == 0 && count != 0) return fail(Error::InvalidSpi);
    for (std::uint16_t i = 0; i < count; ++i) {
        core::Bytes spi;
        if (!read_bytes(body, d.spi_size, spi)) return fail(Error::Truncated);
        d.spis.push_back(std::move(spi));
    }
    if (!body.empty()) return fail(Error::BadLength);
    return d;
}

core::Bytes encode_delete(const DeletePayload& d) {
    core::Bytes out;
    core::Writer w(out);
    w.u32(d.doi);
    w.u8(d.protocol);
    w.u8(d.spi_size);
    w.u16(static_cast<std::uint16_t>(d.spis.size()));
    for (const auto& s : d.spis) w.bytes(s);
    return out;
}

core::Result<CertPayload, Error> decode_cert(core::ByteView bytes) {
    core::Reader body(bytes);
    CertPayload c;
    if (!read8(body, c.encoding)) return fail(Error::Truncated);
    auto rest = body.take_rest();
    c.data.assign(rest.begin(), rest.end());
    return c;
}

core::Bytes encode_cert(const CertPayload& c) {
    core::Bytes out;
    core::Writer w(out);
    w.u8(c.encoding);
    w.bytes(c.data);
    return out;
}

}  // namespace strata::ike::v1
