// error.hpp: the error every configuration loader returns.
#pragma once

#include <string>

namespace strata::config {

// ConfigError is a refused configuration: "file:line: reason" plus the
// offending line, as toml11 formats it.
struct ConfigError {
    std::string message;
};

}  // namespace strata::config
