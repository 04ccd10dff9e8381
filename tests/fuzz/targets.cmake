# Fuzz targets of the packet layer (included by CMakeLists.txt).
strata_fuzz_target(ipv4 SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ipv4_fuzz.cpp LIBS strata::packet)
strata_fuzz_target(ipv6 SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ipv6_fuzz.cpp LIBS strata::packet)
strata_fuzz_target(udp SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/udp_fuzz.cpp LIBS strata::packet)
strata_fuzz_target(icmp SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/icmp_fuzz.cpp LIBS strata::packet)
strata_fuzz_target(pcap SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/pcap_fuzz.cpp LIBS strata::ipsec)
strata_fuzz_target(ipsec_inbound SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ipsec_inbound_fuzz.cpp LIBS strata::ipsec)
strata_fuzz_target(tls_record SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tls_record_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls_handshake SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tls_handshake_fuzz.cpp LIBS strata::tls)
strata_fuzz_target(tls_messages SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tls_messages_fuzz.cpp LIBS strata::tls)
# Further areas keep their targets in their own file.
foreach(_area tls_connection ike ikev1 gateway)
  include(${CMAKE_CURRENT_LIST_DIR}/targets_${_area}.cmake OPTIONAL)
endforeach()
