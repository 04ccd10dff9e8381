# IKEv2 interop: `strata ike` against strongSwan (charon + swanctl) in network
# namespaces (interop.ikev2.strongswan.<case>); see ike/strongswan_ikev2.py.
# The scripts share their plumbing through common/strongswan_peer.py.
set(_ike_dir ${CMAKE_CURRENT_SOURCE_DIR}/ike)
set(_ikev2_cases psk_initiator psk_responder natt_udp_encap ike_aes_gcm ike_aes_cbc_sha2 dh_x25519 dh_ecp256
                 dh_modp2048 delete_from_strata delete_from_strongswan transport_refused
                 child_rekey_pfs_by_strongswan ike_rekey_by_strongswan child_rekey_pfs_by_strata
                 ike_rekey_by_strata dpd_detects_dead_strongswan)
foreach(_case IN LISTS _ikev2_cases)
  add_test(NAME interop.ikev2.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_ike_dir}/strongswan_ikev2.py --strata $<TARGET_FILE:strata>
                   --case ${_case} --shared ${STRATA_SHARED_DIR}/interop
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/ike/${_case})
  set_tests_properties(interop.ikev2.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 120
                       SKIP_RETURN_CODE 77 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# Certificate authentication (RFC 7427) and IKE fragmentation against charon.
foreach(_case IN ITEMS cert_rsa_initiator cert_rsa_responder cert_ecdsa_initiator cert_ecdsa_responder
                       cert_fragmentation)
  add_test(NAME interop.ikev2.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_ike_dir}/strongswan_ikev2_cert.py --strata $<TARGET_FILE:strata>
                   --case ${_case} --shared ${STRATA_SHARED_DIR}/interop
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/ike/${_case})
  set_tests_properties(interop.ikev2.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 120
                       SKIP_RETURN_CODE 77 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
