# Fuzz targets of the gateway: its configuration file and its control protocol.
strata_fuzz_target(gateway_config SOURCE ${CMAKE_CURRENT_LIST_DIR}/gateway_config_fuzz.cpp LIBS strata::gateway)
strata_fuzz_target(gateway_control SOURCE ${CMAKE_CURRENT_LIST_DIR}/gateway_control_fuzz.cpp LIBS strata::gateway)
