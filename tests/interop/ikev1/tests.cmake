# IKEv1 interop: tshark dissects (and decrypts) every message two in-memory
# IKEv1 engines exchange (interop.ikev1.tshark.<case>). Included by
# tests/interop/CMakeLists.txt.
add_executable(ikev1_pcap ${CMAKE_CURRENT_LIST_DIR}/ikev1_pcap.cpp)
target_link_libraries(ikev1_pcap PRIVATE strata::ike)
target_include_directories(ikev1_pcap PRIVATE ${PROJECT_SOURCE_DIR}/tests)
strata_warnings(ikev1_pcap)
foreach(_case legacy modern ecp refusals)
  add_test(NAME interop.ikev1.tshark.${_case}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tshark_check.sh $<TARGET_FILE:ikev1_pcap> ${_case}
                   ${CMAKE_CURRENT_BINARY_DIR}/ikev1/tshark)
  set_tests_properties(interop.ikev1.tshark.${_case} PROPERTIES LABELS interop TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
