// tls12_server_fuzz.cpp: arbitrary records fed to a TLS 1.2 server
// Connection at every handshake stage of every Scenario12 (from the
// ClientHello on: client Certificate, ClientKeyExchange for ECDHE and RSA
// key transport, CertificateVerify, change_cipher_spec, Finished, resumption
// by session ID and by ticket, a 1.3-capable server meeting a 1.2 client):
// raw, as one mutated client record, or sealed under the client's keys. See
// tls12_fuzz_common.hpp for the input layout and the invariants checked.
#include <cstddef>
#include <cstdint>

#include "tls12_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    strata::fuzz::run_stage12(false, data, size);
    return 0;
}
