# Fuzz targets of the gateway: its configuration file, its control protocol and
# what the kernel reports beside a received datagram.
strata_fuzz_target(gateway_config SOURCE ${CMAKE_CURRENT_LIST_DIR}/gateway_config_fuzz.cpp LIBS strata::gateway)
strata_fuzz_target(gateway_control SOURCE ${CMAKE_CURRENT_LIST_DIR}/gateway_control_fuzz.cpp LIBS strata::gateway)
# The control messages of a received datagram and the IP header rebuilt from them.
strata_fuzz_target(recv_ancillary SOURCE ${CMAKE_CURRENT_LIST_DIR}/recv_ancillary_fuzz.cpp LIBS strata::gateway)
