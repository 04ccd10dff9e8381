# Fuzz targets of tls::Connection (included by CMakeLists.txt): arbitrary
# records at every handshake stage of a TLS 1.3 client and server, and of a
# TLS 1.2 client and server (tls12_*: every key exchange, protection,
# client authentication and resumption scenario).
strata_fuzz_target(tls_client SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls_client_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls_server SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls_server_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls12_client SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls12_client_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls12_server SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls12_server_fuzz.cpp LIBS strata::tls)
foreach(_t tls_client tls_server tls12_client tls12_server)
  if(TARGET fuzz_${_t})
    target_include_directories(fuzz_${_t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endif()
endforeach()
