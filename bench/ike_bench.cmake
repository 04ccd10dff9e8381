# ike_bench: IKEv2 SA setups between two engines in memory beside the DH and
# signature operations they contain (included by bench/CMakeLists.txt).
add_executable(ike_bench ${CMAKE_CURRENT_SOURCE_DIR}/ike_bench.cpp)
target_link_libraries(ike_bench PRIVATE strata::ike strata::crypto benchmark::benchmark)
strata_warnings(ike_bench)
