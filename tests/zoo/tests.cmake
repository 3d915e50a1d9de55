qbench_add_test(zoo_test LIBS qbench_zoo SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/zoo_test.cc
)
qbench_add_test(zoo_ort_test LIBS qbench_zoo qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/zoo_ort_test.cc
)
qbench_add_test(zoo_cli_test NEEDS_CLI LIBS qbench_zoo SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/zoo_cli_test.cc
)
