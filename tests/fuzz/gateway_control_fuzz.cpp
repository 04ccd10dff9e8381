// Fuzz target: the control-socket request parser (gateway/control_protocol.hpp).
// A request that parses must print back to a line that parses to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/control_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);  // NOLINT
    auto r = strata::gateway::parse_request(line);
    if (r) {
        auto again = strata::gateway::parse_request(strata::gateway::format_request(*r));
        if (!again || !(*again == *r)) std::abort();
    }
    return 0;
}
