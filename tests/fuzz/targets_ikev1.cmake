# IKEv1 fuzz targets (included by CMakeLists.txt): the responder fed
# arbitrary datagrams, and an initiator stopped mid-exchange.
strata_fuzz_target(ikev1_responder SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ikev1_responder_fuzz.cpp LIBS strata::ike)
strata_fuzz_target(ikev1_initiator SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/ikev1_initiator_fuzz.cpp LIBS strata::ike)
target_include_directories(fuzz_ikev1_initiator PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_include_directories(fuzz_ikev1_responder PRIVATE ${PROJECT_SOURCE_DIR}/tests)
