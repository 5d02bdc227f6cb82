# Warnings are errors for the project's own code; third-party headers come in as system headers.
function(slipway_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor
                                           -Wimplicit-fallthrough)
endfunction()

# slipway_module(NAME SOURCES... DEPS ...): a static library for a module folder.
function(slipway_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(slipway_${name} STATIC ${ARG_SOURCES})
  add_library(slipway::${name} ALIAS slipway_${name})
  target_include_directories(slipway_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(slipway_${name} PUBLIC ${ARG_DEPS})
  slipway_warnings(slipway_${name})
endfunction()
