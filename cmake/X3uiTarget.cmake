# Helpers that give every project target the same flags: warnings as errors for our code only
# (third-party headers come in as SYSTEM), the repository root on the include path.

function(x3ui_apply_flags target)
  # GCC 12 reports maybe-uninitialized falsely through std::variant (Result<T>) at -O2, and
  # flags designated initializers that skip members, which our tables do on purpose (every
  # member has a default).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-maybe-uninitialized
                                           -Wno-missing-field-initializers)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
endfunction()

# x3ui_library(<name> SOURCES <files...> DEPS <targets...>)
function(x3ui_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  x3ui_apply_flags(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# x3ui_test(<name> SOURCES <files...> DEPS <targets...>): a GoogleTest binary registered with CTest.
function(x3ui_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  x3ui_apply_flags(${name})
  target_compile_definitions(${name} PRIVATE X3UI_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
