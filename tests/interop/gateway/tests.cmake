# interop.gateway.strata.<case>: two Strata gateways with manually keyed SAs
# in namespaces of their own (../shared/interop/topology.sh); see
# gateway/gateway_e2e.py for what each case checks.
set(_gw_dir ${CMAKE_CURRENT_LIST_DIR})
foreach(_case ping_v4_udp ping_v6_udp ping_v4_esp tcp_udp tcp_esp capture_udp capture_esp counters_json
              garbage_udp unknown_spi ctl_junk reload_sighup bad_config)
  add_test(NAME interop.gateway.strata.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_e2e.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/${_case})
  set_tests_properties(interop.gateway.strata.${_case} PROPERTIES LABELS interop TIMEOUT 180
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.<peer>.<case>: IKE peers (gateway/gateway_ike.py says what
# each case checks): two Strata gateways, or Strata and strongSwan.
foreach(_case ikev2_psk ikev1_psk ikev2_trap ike_garbage sigterm_deletes kill9_restart_dpd ikev2_rekey_no_loss
              ikev2_terminate)
  add_test(NAME interop.gateway.strata.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_ike.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ike-${_case})
  set_tests_properties(interop.gateway.strata.${_case} PROPERTIES LABELS interop TIMEOUT 120
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
# strongSwan (charon with kernel-libipsec) in D; its ESP is always in UDP 4500.
foreach(_case ikev2_strata_initiates ikev2_strongswan_initiates ikev1_strata_initiates ikev1_strongswan_initiates
              ikev2_rekey_by_strongswan ikev1_rekey_by_strongswan)
  add_test(NAME interop.gateway.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_ike.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case strongswan_${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ike-sw-${_case})
  set_tests_properties(interop.gateway.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 120
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.strata.ikev2_cert / transport_mode: certificate
# authentication (and a certificate from another CA refused) and a
# transport-mode child between the gateways' own addresses;
# gateway/gateway_certs.py says what each case checks.
foreach(_case ikev2_cert transport_mode)
  add_test(NAME interop.gateway.strata.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_certs.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/certs-${_case})
  set_tests_properties(interop.gateway.strata.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.strongswan.ikev1_cert: a Strata gateway with version = 1 and
# certificates against strongSwan (gateway/gateway_certs.py).
add_test(NAME interop.gateway.strongswan.ikev1_cert
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_certs.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case ikev1_cert
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/certs-ikev1_cert)
set_tests_properties(interop.gateway.strongswan.ikev1_cert PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)

# interop.gateway.strata.manual_transport: manually keyed transport-mode SAs
# (ESP and AH) between the gateways themselves; gateway/gateway_manual.py
# says what it checks.
add_test(NAME interop.gateway.strata.manual_transport
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_manual.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case manual_transport
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/manual-transport)
set_tests_properties(interop.gateway.strata.manual_transport PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)

# interop.gateway.strata.reload_peers: peers added, changed (PSK) and
# removed by `strata ctl reload` / SIGHUP without a restart;
# gateway/gateway_reload.py says what it checks.
add_test(NAME interop.gateway.strata.reload_peers
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_reload.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case reload_peers
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/reload-peers)
set_tests_properties(interop.gateway.strata.reload_peers PROPERTIES LABELS interop TIMEOUT 120
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)

# interop.gateway.strata.ecn_outer: the outer header of UDP-encapsulated ESP
# carries the inner ECN (RFC 6040 §4.1); gateway/gateway_manual.py.
add_test(NAME interop.gateway.strata.ecn_outer
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_manual.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case ecn_outer
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ecn-outer)
set_tests_properties(interop.gateway.strata.ecn_outer PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)

# interop.gateway.<peer>.<case>: IKEv2 IKE SA rekeys by the gateway itself and
# several children per peer; gateway/gateway_children.py says what each checks.
foreach(_case ikev2_ike_rekey ikev2_two_children)
  add_test(NAME interop.gateway.strata.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_children.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ch-${_case})
  set_tests_properties(interop.gateway.strata.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
# (short work directories: the control socket path must stay under 100 characters)
foreach(_who strata_initiates strongswan_initiates)
  add_test(NAME interop.gateway.strongswan.ikev2_two_children_${_who}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_children.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case strongswan_ikev2_two_children_${_who}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ch-sw-${_who})
  set_tests_properties(interop.gateway.strongswan.ikev2_two_children_${_who} PROPERTIES LABELS interop
                       TIMEOUT 90 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.strata.manual_ah6 / dscp_udp4 / dscp_esp6: manually keyed
# AH over IPv6 in transport and tunnel mode, and copy_dscp per SA on the wire
# (ESP in UDP over IPv4, ESP over IPv6, an IKEv2 child); gateway/gateway_manual.py
# says what each checks.
foreach(_case manual_ah6 dscp_udp4 dscp_esp6 dscp_ikev2)
  add_test(NAME interop.gateway.strata.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_manual.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/m-${_case})
  set_tests_properties(interop.gateway.strata.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.<peer>.ikev1_two_children*: an IKEv1 peer with children
# net4 and net6, a quick mode each under one ISAKMP SA, against Strata and
# strongSwan (each initiating); rekeys keep each SA's selectors;
# gateway/gateway_children.py says what each case checks.
add_test(NAME interop.gateway.strata.ikev1_two_children
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_children.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case ikev1_two_children
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ch-v1)
set_tests_properties(interop.gateway.strata.ikev1_two_children PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
foreach(_who strata_initiates strongswan_initiates)
  add_test(NAME interop.gateway.strongswan.ikev1_two_children_${_who}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_children.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case strongswan_ikev1_two_children_${_who}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ch-v1sw-${_who})
  set_tests_properties(interop.gateway.strongswan.ikev1_two_children_${_who} PROPERTIES LABELS interop
                       TIMEOUT 90 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.<peer>.nonstandard_ports: ike_port 1500 / natt_port 14500
# and remote_port (swanctl's) between two Strata gateways (IKEv2 and IKEv1)
# and against strongSwan with charon.port / port_nat_t (IKEv2, IKEv1);
# gateway/gateway_ports.py says what each checks.
add_test(NAME interop.gateway.strata.nonstandard_ports
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_ports.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case nonstandard_ports
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/ports)
set_tests_properties(interop.gateway.strata.nonstandard_ports PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
# (short work directories: the control socket path must stay under 100 characters)
foreach(_case nonstandard_ports nonstandard_ports_ikev1)
  string(REPLACE "nonstandard_ports" "psw" _dir ${_case})
  add_test(NAME interop.gateway.strongswan.${_case}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_ports.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case strongswan_${_case}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/${_dir})
  set_tests_properties(interop.gateway.strongswan.${_case} PROPERTIES LABELS interop TIMEOUT 90
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()

# interop.gateway.strata.reload_first_peer: the first IKE peer added to a
# gateway started with manual SAs only, then removed again, by reload;
# gateway/gateway_reload.py says what it checks.
add_test(NAME interop.gateway.strata.reload_first_peer
         COMMAND ${STRATA_INTEROP_PYTHON} ${_gw_dir}/gateway_reload.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case reload_first_peer
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/gateway/reload-first)
set_tests_properties(interop.gateway.strata.reload_first_peer PROPERTIES LABELS interop TIMEOUT 90
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
