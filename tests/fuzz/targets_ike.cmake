# IKEv2 fuzz targets (included by CMakeLists.txt): a responder fed arbitrary
# datagrams, and an initiator stopped mid-exchange.
strata_fuzz_target(ike_responder SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ike_responder_fuzz.cpp LIBS strata::ike)
strata_fuzz_target(ike_initiator SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ike_initiator_fuzz.cpp LIBS strata::ike)
