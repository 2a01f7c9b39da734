# MPI tests (issue 7): the global dedup stages under mpirun -np 3 on loopback.
add_test(NAME test_mpi_dedup COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/dist/mpi_test.sh)
set_tests_properties(test_mpi_dedup PROPERTIES ENVIRONMENT "${WINNOW_TEST_ENV}" TIMEOUT 300)
