qbench_add_test(runtime_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ort_runner_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/ort_errors_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/placement_test.cc
)
# Runs bench, quantize and lab with HOME in a temporary folder (label cli: it needs the qbench binary).
qbench_add_test(telemetry_cli_test NEEDS_CLI LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/telemetry_cli_test.cc
)
qbench_add_test(runtime_inputs_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/inputs_test.cc
)
qbench_add_test(runtime_ort_limits_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ort_limits_test.cc
)
qbench_add_test(runtime_session_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/session_test.cc
)
