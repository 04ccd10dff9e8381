// tls12_client_fuzz.cpp: arbitrary records fed to a TLS 1.2 client
// Connection at every handshake stage of every Scenario12 (ECDHE with ECDSA
// and RSA certificates, RSA key transport, GCM / ChaCha20 / CBC with and
// without encrypt-then-MAC, client authentication, resumption by session ID
// and by ticket, a 1.3-capable client meeting a 1.2 server): raw, as one
// mutated server record, or sealed under the server's keys. See
// tls12_fuzz_common.hpp for the input layout and the invariants checked.
#include <cstddef>
#include <cstdint>

#include "tls12_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    strata::fuzz::run_stage12(true, data, size);
    return 0;
}
