# Run by jx_add_test_suites (cmake/JxTestSuites.cmake) after each link: lists TEST_EXECUTABLE's
# GoogleTest suites and writes CTEST_FILE, one `add_test` per suite running `--gtest_filter=<suite>.*`.
execute_process(
  COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests
  WORKING_DIRECTORY "${WORKING_DIRECTORY}"
  OUTPUT_VARIABLE listing
  RESULT_VARIABLE status
  TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${status}):\n${listing}")
endif()

set(script "")
string(REPLACE "\n" ";" lines "${listing}")
foreach(line IN LISTS lines)
  # A suite is a line at column 0 ending in '.', with a "  # TypeParam = ..." comment for typed suites;
  # indented lines are its cases, and gtest_main's "Running main() from ..." banner matches neither.
  string(REGEX REPLACE "  #.*" "" line "${line}")
  if(line MATCHES "^([A-Za-z_][A-Za-z0-9_/]*)\\.$")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND script
           "add_test(\"${suite}\" \"${TEST_EXECUTABLE}\" \"--gtest_filter=${suite}.*\")\n"
           "set_tests_properties(\"${suite}\" PROPERTIES WORKING_DIRECTORY \"${WORKING_DIRECTORY}\""
           " LABELS \"${TEST_LABEL}\")\n")
  endif()
endforeach()
if(script STREQUAL "")
  message(FATAL_ERROR "${TEST_EXECUTABLE} lists no test suites:\n${listing}")
endif()
file(WRITE "${CTEST_FILE}" "${script}")
