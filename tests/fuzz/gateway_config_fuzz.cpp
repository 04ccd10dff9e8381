// Fuzz target: the gateway's TOML configuration parser (gateway/config.hpp).
// Any input must give a configuration or a ConfigError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
    // Relative paths (manual, psk_file) resolve under a directory that does
    // not exist, so the fuzzer never reads the machine's files by accident.
    auto cfg = strata::gateway::parse_gateway_config(text, "fuzz.toml", "/nonexistent-strata-fuzz");
    if (cfg) {
        (void)strata::gateway::check_runnable(*cfg);
        (void)strata::gateway::remote_prefixes(*cfg);
    }
    return 0;
}
