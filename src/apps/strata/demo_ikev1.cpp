// demo_ikev1.cpp: ISAKMP messages described from their own bytes.
#include "apps/strata/demo_ikev1.hpp"

#include <fmt/core.h>

#include "apps/strata/demo_explain.hpp"
#include "ike/v1/message.hpp"
#include "ike/v1/natt.hpp"
#include "ike/v1/payload.hpp"

namespace strata::apps::demo {

namespace {

namespace v1 = ike::v1;

std::string cookie_hex(const v1::Cookie& c) { return fmt::format("{:016x}", v1::cookie_u64(c)); }

// attribute_name names the RFC 2409 Appendix A / RFC 2407 §4.5 classes the demo offers.
std::string transform_text(bool phase1, const v1::Transform& t) {
    std::string s;
    for (const auto& a : t.attributes) {
        const auto n = a.number();
        std::string name;
        if (phase1) {
            switch (static_cast<v1::Phase1Attr>(a.type)) {
                case v1::Phase1Attr::EncryptionAlgorithm: name = "encr"; break;
                case v1::Phase1Attr::HashAlgorithm: name = "hash"; break;
                case v1::Phase1Attr::AuthenticationMethod: name = "auth"; break;
                case v1::Phase1Attr::GroupDescription: name = "group"; break;
                case v1::Phase1Attr::KeyLength: name = "keylen"; break;
                case v1::Phase1Attr::LifeType: name = "life-type"; break;
                case v1::Phase1Attr::LifeDuration: name = "life"; break;
                default: name = fmt::format("attr{}", a.type);
            }
        } else {
            switch (static_cast<v1::Phase2Attr>(a.type)) {
                case v1::Phase2Attr::GroupDescription: name = "pfs-group"; break;
                case v1::Phase2Attr::EncapsulationMode: name = "mode"; break;
                case v1::Phase2Attr::AuthenticationAlgorithm: name = "auth"; break;
                case v1::Phase2Attr::KeyLength: name = "keylen"; break;
                case v1::Phase2Attr::LifeType: name = "life-type"; break;
                case v1::Phase2Attr::LifeDuration: name = "life"; break;
                default: name = fmt::format("attr{}", a.type);
            }
        }
        s += fmt::format(" {}={}", name, n ? std::to_string(*n) : "?");
    }
    return s;
}

std::string vid_name(core::ByteView v) {
    if (core::equal_public(v, core::ByteView(v1::kDpdVendorId, sizeof v1::kDpdVendorId)))
        return "dead peer detection (RFC 3706)";
    if (core::equal_public(v, core::ByteView(v1::kNattVendorId, sizeof v1::kNattVendorId)))
        return "NAT traversal (RFC 3947)";
    return hex_short(v);
}

}  // namespace

std::vector<std::string> explain_ikev1(core::ByteView message) {
    std::vector<std::string> out;
    auto h = v1::parse_header(message);
    if (!h) {
        out.push_back(fmt::format("({} bytes that do not parse as ISAKMP: {})", message.size(),
                                  v1::to_string(h.error())));
        return out;
    }
    out.push_back(fmt::format("ISAKMP {}  CKY-I {} CKY-R {}  M-ID {:08x}  {}{} bytes",
                              v1::to_string(static_cast<v1::ExchangeType>(h->exchange)),
                              cookie_hex(h->initiator), cookie_hex(h->responder), h->message_id,
                              h->encrypted() ? "E flag, " : "", h->length));
    if (h->encrypted()) {
        out.push_back(fmt::format(
            "    encrypted body ({} bytes, CBC with the key from SKEYID_e; first payload {})",
            message.size() - v1::kHeaderLength, v1::to_string(static_cast<v1::PayloadType>(h->next))));
        return out;
    }
    auto chain = v1::parse_chain(h->next, message.subspan(v1::kHeaderLength), false);
    if (!chain) {
        out.push_back(fmt::format("    (payloads do not parse: {})", v1::to_string(chain.error())));
        return out;
    }
    for (const auto& p : *chain) {
        switch (p.type) {
            case v1::PayloadType::Sa: {
                auto sa = v1::decode_sa(p.body);
                if (!sa) break;
                for (const auto& pr : sa->proposals) {
                    const bool phase1 = pr.protocol == static_cast<std::uint8_t>(v1::ProtocolId::Isakmp);
                    out.push_back(fmt::format("    SA proposal #{} protocol {}{}", pr.number,
                                              phase1             ? "ISAKMP"
                                              : pr.protocol == 3 ? "ESP"
                                                                 : "AH",
                                              pr.spi.empty() ? "" : " SPI " + hex_short(pr.spi)));
                    for (const auto& t : pr.transforms)
                        out.push_back(fmt::format("      transform #{} id {}:{}", t.number, t.id,
                                                  transform_text(phase1, t)));
                }
                break;
            }
            case v1::PayloadType::KeyExchange:
                out.push_back(fmt::format("    KE: Diffie-Hellman public value g^x ({} bytes) {}",
                                          p.body.size(), hex_short(p.body)));
                break;
            case v1::PayloadType::Nonce:
                out.push_back(fmt::format("    Nonce ({} bytes) {}", p.body.size(), hex_short(p.body)));
                break;
            case v1::PayloadType::VendorId:
                out.push_back(fmt::format("    Vendor ID: {}", vid_name(p.body)));
                break;
            case v1::PayloadType::NatD:
                out.push_back(
                    fmt::format("    NAT-D: HASH(CKY-I | CKY-R | IP | port) {}", hex_short(p.body)));
                break;
            case v1::PayloadType::Notification: {
                auto n = v1::decode_notify(p.body);
                if (n)
                    out.push_back(
                        fmt::format("    Notify {}", v1::to_string(static_cast<v1::NotifyType>(n->type))));
                break;
            }
            default: out.push_back(fmt::format("    {} ({} bytes)", v1::to_string(p.type), p.body.size()));
        }
    }
    return out;
}

}  // namespace strata::apps::demo
