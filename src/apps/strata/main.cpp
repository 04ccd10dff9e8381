// strata: the command-line front end.
#include <fmt/core.h>
#include <openssl/crypto.h>
#include <CLI/CLI.hpp>

#include <cstdio>

#include "crypto/selftest.hpp"

namespace {

int cmd_version() {
    fmt::print("strata {}\n", STRATA_VERSION);
    fmt::print("libcrypto {}\n", OpenSSL_version(OPENSSL_VERSION));
    return 0;
}

// cmd_selftest runs every known-answer test, one line per algorithm.
int cmd_selftest() {
    int failed = 0;
    for (const auto& r : strata::crypto::run_all_kats()) {
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
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Strata: IPsec and TLS"};
    app.require_subcommand(1);
    auto* version = app.add_subcommand("version", "Print the version of strata and of libcrypto");
    auto* selftest = app.add_subcommand("selftest", "Run a known-answer test for every crypto algorithm");
    CLI11_PARSE(app, argc, argv);
    if (version->parsed()) return cmd_version();
    if (selftest->parsed()) return cmd_selftest();
    return 2;
}
