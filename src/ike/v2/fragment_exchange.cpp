// fragment_exchange.cpp: an IKE SA sending and receiving SKF fragments
// (RFC 7383) once both sides announced IKEV2_FRAGMENTATION_SUPPORTED.
#include "ike/v2/ike_sa.hpp"

namespace strata::ike::v2 {

namespace {

// limit returns the largest message sent whole on the SA's path (RFC 7383 §2.5.1).
std::size_t limit(const IkeSa& sa) {
    return fragment_datagram_limit(
        sa.conn_.fragment_size, !sa.remote_.address.is_v4(),
        sa.local_.port == kNattPort || sa.local_.port == sa.conn_.natt_port || sa.remote_.port == kNattPort);
}

}  // namespace

bool IkeSa::send_fragmented_request(Output& out, ExchangeType ex, const std::vector<RawPayload>& pl,
                                    core::Instant now) {
    const Header h = header(ex, false, next_request_id_);
    auto whole = sk_->seal(h, pl, eng_.rng_);
    if (!whole) return false;
    // RFC 7383 §2.5: SKF fragments are protected with the same SK transforms.
    auto frags = auth_.fragmentation && whole->size() > limit(*this)
                     ? fragment_message(*sk_, h, pl, limit(*this), eng_.rng_)
                     : core::Result<std::vector<core::Bytes>>(core::fail(core::Error::InvalidInputLength));
    if (!frags) {
        // Not negotiated, small enough, or the path limit leaves no room:
        // the message goes whole (IP fragments it if it must).
        send_request(out, ex, std::move(whole).value(), now);
        return true;
    }
    // RFC 7383 §2.6.1: all fragments go out, and are retransmitted, together.
    auto& fs = *frags;
    send_request(out, ex, std::move(fs.front()), now);
    for (std::size_t n = 1; n < fs.size(); ++n) {
        out.datagrams.push_back(dg(fs[n]));
        outstanding_->more.push_back(std::move(fs[n]));
    }
    return true;
}

void IkeSa::send_fragmented_response(Output& out, ExchangeType ex, std::uint32_t mid,
                                     const std::vector<RawPayload>& pl) {
    const Header h = header(ex, true, mid);
    auto whole = sk_->seal(h, pl, eng_.rng_);
    if (!whole) return;
    // RFC 7383 §2.5: SKF fragments are protected with the same SK transforms.
    auto frags = auth_.fragmentation && whole->size() > limit(*this)
                     ? fragment_message(*sk_, h, pl, limit(*this), eng_.rng_)
                     : core::Result<std::vector<core::Bytes>>(core::fail(core::Error::InvalidInputLength));
    auth_.response_fragments.clear();
    auth_.response_mid.reset();
    if (!frags) {
        last_response_ = *whole;
        out.datagrams.push_back(dg(std::move(whole).value()));
        return;
    }
    auto& fs = *frags;
    last_response_ = fs.front();
    out.datagrams.push_back(dg(std::move(fs.front())));
    for (std::size_t n = 1; n < fs.size(); ++n) {
        out.datagrams.push_back(dg(fs[n]));
        auth_.response_fragments.push_back(std::move(fs[n]));
    }
    auth_.response_mid = mid;
}

std::optional<std::vector<RawPayload>> IkeSa::open_fragment(const ParsedMessage& m) {
    // RFC 7383 §2.5: SKF only after both sides announced support.
    if (!auth_.fragmentation || !sk_) {
        ++eng_.stats_.malformed;
        return std::nullopt;
    }
    auto f = open_fragment_payload(*sk_, raw_, m);
    if (!f) {
        // §2.6: a fragment whose ICV fails is dropped like an SK message.
        if (f.error() == ParseError::IntegrityFailed) {
            ++eng_.stats_.integrity_failed;
        } else {
            ++eng_.stats_.malformed;
        }
        return std::nullopt;
    }
    auto whole = auth_.reassembly.add(m.header.message_id, std::move(f).value());
    if (!whole) {
        ++eng_.stats_.malformed;
        return std::nullopt;
    }
    return std::move(whole).value();
}

void IkeSa::resend_response_fragments(const Datagram& in, std::uint32_t mid, Output& out) const {
    if (auth_.response_mid != mid) return;
    for (const auto& f : auth_.response_fragments) out.datagrams.push_back(Datagram{in.local, in.remote, f});
}

}  // namespace strata::ike::v2
