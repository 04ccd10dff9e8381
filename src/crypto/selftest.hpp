// selftest.hpp: known-answer tests for every algorithm the crypto layer offers.
//
// `strata selftest` prints one line per result and fails if any is not ok, the
// way strongSwan and Libreswan test their crypto before use.
#pragma once

#include <string>
#include <vector>

namespace strata::crypto {

// KatResult is the outcome of one algorithm's known-answer test.
struct KatResult {
    std::string name;  // e.g. "aes128gcm16", "hmac-sha256", "x25519"
    bool ok = false;
    std::string detail;  // why it failed (empty when ok)
};

// run_symmetric_kats tests AEADs, block ciphers, MACs and KDFs (kat_symmetric.cpp).
std::vector<KatResult> run_symmetric_kats();
// run_asymmetric_kats tests DH/ECDH groups, signatures, X.509 and the random
// source (kat_asymmetric.cpp).
std::vector<KatResult> run_asymmetric_kats();
// run_all_kats runs both, symmetric first.
std::vector<KatResult> run_all_kats();

}  // namespace strata::crypto
