# tls_bench: Strata's tls::Connection beside OpenSSL's libssl (included by
# bench/CMakeLists.txt). libssl is linked here only, never into the library.
add_executable(tls_bench ${CMAKE_CURRENT_SOURCE_DIR}/tls_bench.cpp)
target_link_libraries(tls_bench PRIVATE strata::tls OpenSSL::SSL OpenSSL::Crypto benchmark::benchmark)
strata_warnings(tls_bench)
