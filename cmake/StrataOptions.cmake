# Compiler flags shared by every Strata target.

# strata_warnings(target): our own code builds warning-free, warnings as errors.
function(strata_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor)
endfunction()

if(STRATA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

if(STRATA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "STRATA_FUZZ needs clang (libFuzzer)")
  endif()
  # Instrument everything for coverage; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# strata_layer(name SOURCES... DEPS...): one static library per layer, with
# src/ as the include root so that includes read "core/reader.hpp".
function(strata_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT L_SOURCES)  # a layer still being written: headers only
    add_library(strata_${name} INTERFACE)
    add_library(strata::${name} ALIAS strata_${name})
    target_include_directories(strata_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(strata_${name} INTERFACE ${L_DEPS})
    return()
  endif()
  add_library(strata_${name} STATIC ${L_SOURCES})
  add_library(strata::${name} ALIAS strata_${name})
  target_include_directories(strata_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(strata_${name} PUBLIC ${L_DEPS})
  strata_warnings(strata_${name})
endfunction()
