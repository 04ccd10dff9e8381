# IKEv1 interop: tshark dissects (and decrypts) every message two in-memory
# IKEv1 engines exchange (interop.ikev1.tshark.<case>). Included by
# tests/interop/CMakeLists.txt.
add_executable(ikev1_pcap ${CMAKE_CURRENT_LIST_DIR}/ikev1_pcap.cpp)
target_link_libraries(ikev1_pcap PRIVATE strata::ike)
target_include_directories(ikev1_pcap PRIVATE ${PROJECT_SOURCE_DIR}/tests)
strata_warnings(ikev1_pcap)
foreach(_case legacy modern ecp refusals signature)
  add_test(NAME interop.ikev1.tshark.${_case}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tshark_check.sh $<TARGET_FILE:ikev1_pcap> ${_case}
                   ${CMAKE_CURRENT_BINARY_DIR}/ikev1/tshark)
  set_tests_properties(interop.ikev1.tshark.${_case} PROPERTIES LABELS interop TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
# IKEv1 against strongSwan's charon (version = 1) in network namespaces:
# `strata ike --ike 1` as initiator and responder, NAT-T (kernel-libipsec needs
# ESP in UDP), DELETE both ways, a quick mode rekey by strongSwan, DPD
# (interop.ikev1.strongswan.<case>; see strongswan_ikev1.py).
foreach(_case main_mode_psk_initiator main_mode_psk_responder quick_mode_pfs aes_sha256_modp2048 ecp256
              delete_from_strata delete_from_strongswan child_rekey_by_strongswan dpd dpd_answered)
  add_test(NAME interop.ikev1.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/strongswan_ikev1.py --strata $<TARGET_FILE:strata>
                   --case ${_case} --shared ${STRATA_SHARED_DIR}/interop
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/ikev1/strongswan/${_case})
  set_tests_properties(interop.ikev1.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       SKIP_RETURN_CODE 77 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
# IKEv1 main mode with signatures and X.509 certificates against charon
# (interop.ikev1.strongswan.<case>; see strongswan_ikev1_cert.py).
foreach(_case rsa_sig_initiator rsa_sig_responder ecdsa_sig_responder cert_from_other_ca)
  add_test(NAME interop.ikev1.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/strongswan_ikev1_cert.py --strata $<TARGET_FILE:strata>
                   --case ${_case} --shared ${STRATA_SHARED_DIR}/interop
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/ikev1/strongswan/${_case})
  set_tests_properties(interop.ikev1.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       SKIP_RETURN_CODE 77 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
