# Fuzz targets of tls::Connection (included by CMakeLists.txt): arbitrary
# records at every handshake stage of a TLS 1.3 client and server.
strata_fuzz_target(tls_client SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls_client_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls_server SOURCE ${CMAKE_CURRENT_LIST_DIR}/tls_server_fuzz.cpp LIBS strata::tls)
foreach(_t tls_client tls_server)
  if(TARGET fuzz_${_t})
    target_include_directories(fuzz_${_t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endif()
endforeach()
