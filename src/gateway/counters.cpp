#include "gateway/counters.hpp"

namespace strata::gateway {

std::string_view to_string(GatewayDrop d) noexcept {
    switch (d) {
        case GatewayDrop::TunReadError: return "TunReadError";
        case GatewayDrop::TunWriteError: return "TunWriteError";
        case GatewayDrop::TunBypass: return "TunBypass";
        case GatewayDrop::SendFailed: return "SendFailed";
        case GatewayDrop::SendBufferFull: return "SendBufferFull";
        case GatewayDrop::OversizeDatagram: return "OversizeDatagram";
        case GatewayDrop::IkeUnavailable: return "IkeUnavailable";
        case GatewayDrop::IkeQueueFull: return "IkeQueueFull";
        case GatewayDrop::Count_: break;
    }
    return "Unknown";
}

}  // namespace strata::gateway
