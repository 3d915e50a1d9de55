qbench_add_test(runtime_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ort_runner_test.cc
)
