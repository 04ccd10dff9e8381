// tls12_test_keys.hpp: an RSA test PKI for the TLS 1.2 connection tests made
// without generating RSA keys. Each ctest test is a process of its own, so a
// generated RSA PKI (three RSA-2048 keys) cost every RSA test seconds; here
// one fixed RSA-2048 key (tests only: the private key is public) serves the
// CA, the server and the client, and only the certificates are issued, once
// per process (the same names and lifetimes as testing::TestPki::make).
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "tls_test_pki.hpp"

namespace strata::tls::testing {

// kFixedRsaKey was made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.
inline constexpr std::string_view kFixedRsaKey = R"(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCnloFUg6iLdHtv
bbXh15/evdwtwMP+E1lWekB7rpkAgkxBLr/rM19MYxlCpPxE57DuLgjxIbZGbsiv
Md4uU3AQ6HHul2TgYQuI776ZLso7SdGWjC7vvmeedf7rukj8RElwKrdGuaWi1bxT
vzHSigcqc0rvPZEU+gPJwMdsEGgJOFqXdP7XlFy/bWLo4Kwl5CP83XDVg+74XrE6
bYNnfG9YcUDUAuoG8GQWESP9qSdfzNj1qFWXQ0SODwU4BnEG9I3XSJyRCa+IS5MJ
BJY0NYJsbHOFKWbEGrovIfyK5wmh2mOXYNFezU6Urv7qKtW/1BAYhl6jRw98MWDu
ICcV8MvLAgMBAAECggEAC66tsE8HOkVx71gWBDrMPbI9fYEBCJ6frSwTf6uxpbvv
heG05jfsDj6gPamTnlgKWOgjnm+Lrcg+PBw9UTxmxP73JjsugIezTqXrwvDkjxJ7
xkNaaEL9JSozjYosWU2HUwbfRNJfLgU5PhtHZVZS3o4v7JJ9oRk2l2NVY36XSgEj
RRltdLf50FgYiHjkQKaMrWYwPqJMpNgWG4ZaFN3VBS6XUG9Zx0sN6QuXiIKEbmp/
baZhYcouPU2/2jrv6TxFrEVYUPcG7GquwWccq7G6nEto5RkSZM38y6HvS3GHXKju
EkqwdLak8H4RBAG6WbZcfqJNFZunbtZ0yx6fz+ShgQKBgQDXbPKXqM+Y59BU8dpB
L+vOAcCQ4xaVauvaS3xJPLyL2gjb6ImQJ/wDEwxo6oym/y6+J7qzyWwGnUTMNo6G
BDB7G+6vbZnOah5YAXQYJTcVG8dUzHhPBC/Fjg46vdiJoDank99sSjmOyRx1dCgC
+B4YwIKOun8TQ6PEAo0xE3N7gQKBgQDHJv7+63H/h9LMw2uT+gszmxMk/j+Ni7oC
BMxvBk2U7j/L4mMQmI4Lxo49C1HLf00dEMowA33c8X2yaJ1CDYrkx62cberiaOww
92CiNmu1PFve1xCplwvX0e116D5zG4oydg5lMqmtvnWtkm+DUxaWp3UMZ7eXqjpr
mrgIVR4dSwKBgBoIoIiTbgMcgKDDWYznLagHri3UQ7Zq5XXMCYkQPfjosIli4Lz7
GAmHE8jaD4Ve8VcplfaEMPnbp6TGMxMfDnzSM1Yf+KZpTKF2C4GffbifUsd8rk1e
RCersyyGJNT8953o0OdVUP9gboADOZKiSYDUQvLctt6tHe1iIY38u8gBAoGAb6gl
f7dyCtqUDcnjHuwqK5zedvc1mp6kg009cWIPTVjm2+DpufxOZ7vDM+aMzZNqIMmx
EopinuWmm8ibotUE8pAhfnsCHj7Fbg7EVy475TkaKS5bYToWocJJaLn1iYP/T5tx
Jrvo9ki6ob5gVzjWiVEKBxJ/lMEUUBBG7iUK5VECgYEAwlSMEryNm+W7z6YSjre4
FQYhtuIiXrAQoTQR4aCSz+DT6aCsZE6OAgV0aviOTVmfbc5DfZM5VHMJCdojsVk3
ijww0HFFpw9al3ANDJq9gFzzgv1Hh6mycjzCX3p1b+95VC6FaMgDVwJ2E1N/2tSA
xIwgEsjUmfaNfmHlroXiFjg=
-----END PRIVATE KEY-----
)";

// fixed_rsa_pki returns the RSA TestPki, made once per process.
inline const TestPki& fixed_rsa_pki() {
    static const TestPki pki = [] {
        auto key = std::make_shared<crypto::PrivateKey>(crypto::PrivateKey::from_pem(kFixedRsaKey).value());
        return TestPki::issue(key, key, key);
    }();
    return pki;
}

}  // namespace strata::tls::testing
