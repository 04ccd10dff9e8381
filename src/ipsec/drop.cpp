#include "ipsec/drop.hpp"

namespace strata::ipsec {

std::string_view to_string(Drop d) noexcept {
    switch (d) {
        case Drop::Malformed: return "Malformed";
        case Drop::Truncated: return "Truncated";
        case Drop::UnknownSpi: return "UnknownSpi";
        case Drop::ReplayTooOld: return "ReplayTooOld";
        case Drop::ReplayDuplicate: return "ReplayDuplicate";
        case Drop::IcvMismatch: return "IcvMismatch";
        case Drop::BadPadding: return "BadPadding";
        case Drop::BadPadLength: return "BadPadLength";
        case Drop::BadBlockLength: return "BadBlockLength";
        case Drop::DummyPacket: return "DummyPacket";
        case Drop::PolicyMismatch: return "PolicyMismatch";
        case Drop::PolicyDiscard: return "PolicyDiscard";
        case Drop::NoPolicy: return "NoPolicy";
        case Drop::SaExpired: return "SaExpired";
        case Drop::SequenceExhausted: return "SequenceExhausted";
        case Drop::NoSa: return "NoSa";
        case Drop::NoRoom: return "NoRoom";
        case Drop::UnsupportedPacket: return "UnsupportedPacket";
        case Drop::CryptoFailure: return "CryptoFailure";
        case Drop::Count_: break;
    }
    return "Unknown";
}

std::uint64_t DropCounters::total() const noexcept {
    std::uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
}

}  // namespace strata::ipsec
