# jx_add_test_suites(target LABEL label): one CTest test per GoogleTest suite of `target`.
#
# GoogleTest's own gtest_discover_tests makes one CTest test, and so one process, per test case. A
# process of jx_tests starts in 0.2 s, and in about 1 s under AddressSanitizer; over some 1,400 cases
# that start-up cost more than the tests themselves and pushed .ci/run past its limit. A suite's cases
# share a fixture and a source file, so running them together keeps failures easy to place while the
# suite count (about 200) still keeps both cores busy under `ctest -j`.
#
# The list of suites is read from the built binary after each link (as gtest_discover_tests does) and
# written to a file that CTest includes; until the binary is built, a placeholder test fails and says so.
function(jx_add_test_suites target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL" "")
  set(ctest_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
  add_custom_command(
    TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>" -D "CTEST_FILE=${ctest_file}"
            -D "TEST_LABEL=${arg_LABEL}" -D "WORKING_DIRECTORY=${CMAKE_CURRENT_BINARY_DIR}"
            -P "${PROJECT_SOURCE_DIR}/cmake/write_test_suites.cmake"
    BYPRODUCTS "${ctest_file}"
    VERBATIM)
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  file(WRITE "${include_file}"
       "if(EXISTS \"${ctest_file}\")\n"
       "  include(\"${ctest_file}\")\n"
       "else()\n"
       "  add_test(${target}_NOT_BUILT \"${target}_NOT_BUILT\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
