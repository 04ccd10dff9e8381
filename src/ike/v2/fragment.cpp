#include "ike/v2/fragment.hpp"

#include <algorithm>

#include "core/reader.hpp"
#include "core/writer.hpp"

namespace strata::ike::v2 {

namespace {

constexpr std::size_t kSkfHeader = 8;  // generic payload header + Fragment Number + Total Fragments
constexpr std::size_t kUdpHeader = 8;

}  // namespace

std::size_t fragment_datagram_limit(std::size_t fragment_size, bool ipv6, bool port_4500) noexcept {
    // RFC 7383 §2.5.1: 1280 bytes for IPv6 (its minimum MTU) and 576 for IPv4
    // unless configured; these include the IP and UDP headers.
    const std::size_t ip = fragment_size != 0 ? fragment_size : (ipv6 ? 1280 : 576);
    const std::size_t overhead = (ipv6 ? 40 : 20) + kUdpHeader + (port_4500 ? 4 : 0);
    return ip > overhead ? ip - overhead : 0;
}

namespace {

// seal_one returns one SKF message holding slice (RFC 7383 §2.5).
core::Result<core::Bytes> seal_one(SkCrypto& sk, Header h, std::uint16_t number, std::uint16_t total,
                                   PayloadType first, core::ByteView slice, crypto::RandomSource& rng) {
    const std::size_t ct_len = sk.padded_length(slice.size());
    const std::size_t pad = ct_len - slice.size() - 1;
    const std::size_t payload_len = kSkfHeader + sk.iv_len() + ct_len + sk.icv_len();
    core::Bytes out;
    core::Writer w(out);
    h.next = PayloadType::SKF;
    h.length = static_cast<std::uint32_t>(kHeaderLength + payload_len);
    encode_header(w, h);
    // §2.5: Next Payload is the first inner payload in fragment 1, else 0.
    w.u8(static_cast<std::uint8_t>(number == 1 ? first : PayloadType::None));
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(payload_len));
    w.u16(number);
    w.u16(total);
    const std::size_t iv_at = w.size();
    w.zeros(sk.iv_len());
    w.bytes(slice);
    w.zeros(pad);
    w.u8(static_cast<std::uint8_t>(pad));
    w.zeros(sk.icv_len());
    if (auto st = w.status(); !st) return core::fail(st.error());
    // §2.5: each fragment is protected like an SK payload; the AAD runs to
    // the end of the SKF header (Fragment Number and Total Fragments).
    if (auto st = sk.seal_region(out, iv_at, rng); !st) return core::fail(st.error());
    return out;
}

}  // namespace

core::Result<std::vector<core::Bytes>> fragment_message(SkCrypto& sk, Header h,
                                                        const std::vector<RawPayload>& payloads,
                                                        std::size_t max_message, crypto::RandomSource& rng) {
    core::Bytes inner;
    core::Writer iw(inner);
    encode_chain(iw, payloads);
    const std::size_t block = sk.block_len();
    const std::size_t fixed =
        kHeaderLength + kSkfHeader + sk.iv_len() + sk.icv_len() + 1;  // + pad length octet
    if (max_message <= fixed + block) return core::fail(core::Error::InvalidInputLength);
    // The largest slice whose padded length still fits.
    // The ciphertext (slice | padding | pad length) is a whole number of blocks.
    const std::size_t avail = max_message - (fixed - 1);
    const std::size_t room = (avail / block) * block - 1;
    const std::size_t total = (inner.size() + room - 1) / room;
    if (total == 0 || total > kMaxFragments) return core::fail(core::Error::InvalidInputLength);
    const PayloadType first = payloads.empty() ? PayloadType::None : payloads.front().type;
    std::vector<core::Bytes> out;
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t at = i * room;
        const core::ByteView slice = core::ByteView(inner).subspan(at, std::min(room, inner.size() - at));
        auto m = seal_one(sk, h, static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(total), first,
                          slice, rng);
        if (!m) return core::fail(m.error());
        out.push_back(std::move(m).value());
    }
    return out;
}

bool is_fragment(const ParsedMessage& m) noexcept {
    return !m.sk && m.payloads.size() == 1 && m.payloads.front().type == PayloadType::SKF &&
           m.header.next == PayloadType::SKF;
}

core::Result<Fragment, ParseError> open_fragment_payload(SkCrypto& sk, core::ByteView message,
                                                         const ParsedMessage& m) {
    if (!is_fragment(m)) return core::fail(ParseError::InvalidSyntax);
    // The SKF payload is the only one: its generic header starts right after
    // the IKE header, so the message is header | SKF header | IV | ct | ICV.
    core::Reader r(message.subspan(kHeaderLength));
    const auto next = static_cast<PayloadType>(*r.u8());
    (void)r.skip(3);
    auto number = r.u16();
    auto total = r.u16();
    if (!number || !total || *number == 0 || *total == 0 || *number > *total || *total > kMaxFragments)
        return core::fail(ParseError::InvalidSyntax);
    // RFC 7383 §2.6: the ICV of each fragment is checked as it arrives.
    auto plain = sk.open_region(message, kHeaderLength + kSkfHeader);
    if (!plain) return core::fail(plain.error());
    return Fragment{*number, *total, *number == 1 ? next : PayloadType::None, std::move(plain).value()};
}

void Reassembly::reset() noexcept {
    message_id_.reset();
    total_ = 0;
    parts_.clear();
    bytes_ = 0;
}

core::Result<std::optional<std::vector<RawPayload>>, ParseError> Reassembly::add(std::uint32_t message_id,
                                                                                 Fragment f) {
    using Out = std::optional<std::vector<RawPayload>>;
    if (f.number == 0 || f.total == 0 || f.number > f.total || f.total > kMaxFragments)
        return core::fail(ParseError::InvalidSyntax);
    if (message_id_ && *message_id_ != message_id) {
        if (message_id < *message_id_) return Out{};  // a stale fragment of an older message
        reset();
    }
    if (message_id_ && f.total != total_) {
        // RFC 7383 §2.6: a larger Total Fragments restarts the reassembly
        // (the sender re-fragmented for a smaller MTU); a smaller one is a
        // leftover of the earlier attempt and is dropped.
        if (f.total < total_) return Out{};
        reset();
    }
    message_id_ = message_id;
    total_ = f.total;
    if (parts_.count(f.number) != 0) return Out{};  // duplicate
    if (bytes_ + f.plain.size() > kMaxReassembled) {
        reset();
        return core::fail(ParseError::TooManyPayloads);
    }
    bytes_ += f.plain.size();
    parts_.emplace(f.number, std::move(f));
    if (parts_.size() < total_) return Out{};
    core::Bytes whole;
    whole.reserve(bytes_);
    for (const auto& [n, part] : parts_) whole.insert(whole.end(), part.plain.begin(), part.plain.end());
    const PayloadType first = parts_.begin()->second.first_inner;
    reset();
    auto chain = parse_chain(first, whole);
    if (!chain) return core::fail(chain.error());
    return Out{std::move(chain).value()};
}

}  // namespace strata::ike::v2
