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
