# TLS interop: Strata's `strata tls client|server` against openssl s_server /
# s_client and gnutls-serv / gnutls-cli (Debian's), each case in a network
# namespace of its own (private loopback: the fixed port never clashes under
# ctest -j). Names: interop.tls.<openssl|gnutls>.<client|server>_<case>, where
# "client" is Strata's client against the peer's server and "server" the
# peer's client against Strata's server. tls_interop.py lists the cases.
set(_tls_dir ${CMAKE_CURRENT_LIST_DIR})
set(_tls_cases aes128gcm aes256gcm chacha20 x25519 p256 rsa ecdsa hrr mtls mtls_ecdsa resume)
foreach(_peer openssl gnutls)
  foreach(_role client server)
    foreach(_case IN LISTS _tls_cases)
      set(_name ${_peer}.${_role}_${_case})
      add_test(NAME interop.tls.${_name}
               COMMAND ${STRATA_INTEROP_PYTHON} ${_tls_dir}/tls_interop.py --strata $<TARGET_FILE:strata>
                       --shared ${STRATA_SHARED_DIR} --case ${_name}
                       --workdir ${CMAKE_CURRENT_BINARY_DIR}/tls/${_name})
      set_tests_properties(interop.tls.${_name} PROPERTIES LABELS interop TIMEOUT 120
                           ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
    endforeach()
  endforeach()
endforeach()
# tshark decrypts a capture of Strata's client talking to openssl s_server,
# with the key log Strata wrote, and shows the application data both ways.
add_test(NAME interop.tls.tshark.client_keylog
         COMMAND ${STRATA_INTEROP_PYTHON} ${_tls_dir}/tls_interop.py --strata $<TARGET_FILE:strata>
                 --shared ${STRATA_SHARED_DIR} --case openssl.client_tshark
                 --workdir ${CMAKE_CURRENT_BINARY_DIR}/tls/tshark.client_keylog)
set_tests_properties(interop.tls.tshark.client_keylog PROPERTIES LABELS interop TIMEOUT 120
                     ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
# TLS 1.2 (tls12_interop.py): interop.tls.<peer>.<client|server>_tls12_<case>.
# gnutls-serv cannot send a HelloRequest, so the renegotiation case against
# GnuTLS exists only with gnutls-cli --rehandshake against Strata's server.
set(_tls12_cases ecdsa_gcm rsa_chacha cbc_etm cbc_noetm rsa_kx mtls resume_id resume_ticket reneg)
foreach(_peer openssl gnutls)
  foreach(_role client server)
    foreach(_case IN LISTS _tls12_cases)
      if(_peer STREQUAL "gnutls" AND _role STREQUAL "client" AND _case STREQUAL "reneg")
        continue()
      endif()
      set(_name ${_peer}.${_role}_tls12_${_case})
      add_test(NAME interop.tls.${_name}
               COMMAND ${STRATA_INTEROP_PYTHON} ${_tls_dir}/tls12_interop.py --strata $<TARGET_FILE:strata>
                       --shared ${STRATA_SHARED_DIR} --case ${_name}
                       --workdir ${CMAKE_CURRENT_BINARY_DIR}/tls/${_name})
      set_tests_properties(interop.tls.${_name} PROPERTIES LABELS interop TIMEOUT 60
                           ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
    endforeach()
  endforeach()
endforeach()
# TLS 1.2 with an Ed25519 server certificate against OpenSSL
# (tls12_ed25519_interop.py, RFC 8422 §5.1, signature algorithm 0x0807).
foreach(_role client server)
  set(_name openssl.${_role}_tls12_ed25519)
  add_test(NAME interop.tls.${_name}
           COMMAND ${STRATA_INTEROP_PYTHON} ${_tls_dir}/tls12_ed25519_interop.py --strata $<TARGET_FILE:strata>
                   --shared ${STRATA_SHARED_DIR} --case ${_name}
                   --workdir ${CMAKE_CURRENT_BINARY_DIR}/tls/${_name})
  set_tests_properties(interop.tls.${_name} PROPERTIES LABELS interop TIMEOUT 60
                       ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
endforeach()
