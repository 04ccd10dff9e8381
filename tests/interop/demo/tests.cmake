# `strata demo --pcap --keys` read back by tshark (Wireshark's dissectors,
# an independent implementation): with the key files the demo writes, tshark
# must decrypt the ESP (inner ICMP and TCP), the IKEv2 SK payloads (the
# gateways' identities) and the TLS 1.3 handshake (the encrypted Certificate)
# and application data. No namespace needed: the demo runs on loopback.
add_test(NAME interop.demo.tshark.decrypt
         COMMAND ${STRATA_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/demo_tshark.py --strata $<TARGET_FILE:strata>
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/demo/tshark)
set_tests_properties(interop.demo.tshark.decrypt PROPERTIES LABELS interop TIMEOUT 180 SKIP_RETURN_CODE 77
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
# The same with `strata demo --ike 1`: ikev1_decryption_table decrypts main
# mode's MM5/MM6 (identities) and quick mode (ESP proposal, PFS KE).
add_test(NAME interop.demo.tshark.decrypt_ikev1
         COMMAND ${STRATA_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/demo_tshark.py --strata $<TARGET_FILE:strata>
                 --ike 1 --workdir ${CMAKE_CURRENT_BINARY_DIR}/demo/tshark-ikev1)
set_tests_properties(interop.demo.tshark.decrypt_ikev1 PROPERTIES LABELS interop TIMEOUT 180 SKIP_RETURN_CODE 77
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
