qbench_add_test(runtime_test
  ${CMAKE_CURRENT_LIST_DIR}/ort_runner_test.cc
)
