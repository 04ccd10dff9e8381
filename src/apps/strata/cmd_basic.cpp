// `strata version` and `strata selftest`.
#include <fmt/core.h>
#include <openssl/crypto.h>

#include <cstdio>

#include "apps/strata/commands.hpp"
#include "crypto/selftest.hpp"

namespace strata::apps {

namespace {

void run_version() {
    fmt::print("strata {}\n", STRATA_VERSION);
    fmt::print("libcrypto {}\n", OpenSSL_version(OPENSSL_VERSION));
}

// run_selftest runs every known-answer test, one line per algorithm.
void run_selftest() {
    int failed = 0;
    for (const auto& r : crypto::run_all_kats()) {
        if (r.ok) {
            fmt::print("{:<28} ok\n", r.name);
        } else {
            ++failed;
            fmt::print("{:<28} FAIL {}\n", r.name, r.detail);
        }
    }
    std::fflush(stdout);
    if (failed != 0) {
        fmt::print(stderr, "selftest: {} algorithm(s) FAILED\n", failed);
        throw ExitCode{1};
    }
}

}  // namespace

void add_basic_commands(CLI::App& app) {
    app.add_subcommand("version", "Print the version of strata and of libcrypto")->callback(run_version);
    app.add_subcommand("selftest", "Run a known-answer test for every crypto algorithm")
        ->callback(run_selftest);
}

}  // namespace strata::apps
