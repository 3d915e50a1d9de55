qbench_add_test(cli_vocabulary_test NEEDS_CLI LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cli_vocabulary_test.cc
)
# The suggestion rule is CLI code (tools/qbench): compiled into the test directly.
qbench_add_test(cli_suggest_test LIBS qbench_core SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/suggest_test.cc
  ${CMAKE_SOURCE_DIR}/tools/qbench/suggest.cc
)
target_include_directories(cli_suggest_test PRIVATE ${CMAKE_SOURCE_DIR}/tools/qbench)
qbench_add_test(cli_outputs_test NEEDS_CLI LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/inputs_never_overwritten_test.cc
)
qbench_add_test(cli_slips_test NEEDS_CLI LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cli_slips_test.cc
)
# The fallback's stdout section is CLI code (tools/qbench): compiled into the test directly.
qbench_add_test(cli_fallback_line_test LIBS qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/fallback_line_test.cc
  ${CMAKE_SOURCE_DIR}/tools/qbench/quantize_fallback.cc
)
target_include_directories(cli_fallback_line_test PRIVATE ${CMAKE_SOURCE_DIR}/tools/qbench)
qbench_add_test(cli_inspect_columns_test NEEDS_CLI LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/inspect_columns_test.cc
)
