// vector_file.hpp: finding and loading ../shared/vectors/*.json in tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/hex.hpp"

namespace strata::test {

// shared_dir returns the shared/ folder: $STRATA_SHARED_DIR if set, else the
// path CMake found beside the checkout.
inline std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("STRATA_SHARED_DIR"); env != nullptr && *env != '\0') return env;
    return STRATA_SHARED_DIR;
}

// load_vectors parses shared/vectors/<name>; throws (failing the test) if the
// file is missing or is not JSON.
inline nlohmann::json load_vectors(const std::string& name) {
    const auto path = shared_dir() / "vectors" / name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open vector file " + path.string());
    return nlohmann::json::parse(in);
}

// hex decodes a JSON hex string (throws on invalid hex, failing the test).
inline core::Bytes hex(const nlohmann::json& j) {
    auto r = core::from_hex(j.get<std::string>());
    if (!r) throw std::runtime_error("invalid hex in vector file");
    return std::move(r).value();
}

}  // namespace strata::test
