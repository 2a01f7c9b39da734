# source/jsonl byte ranges under mpirun -np 3 (issue 7).
add_test(NAME test_mpi_jsonl_ranges COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/dist/jsonl_ranges_test.sh)
set_tests_properties(test_mpi_jsonl_ranges PROPERTIES ENVIRONMENT "${WINNOW_TEST_ENV}" TIMEOUT 300)
