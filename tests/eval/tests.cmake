qbench_add_test(eval_test LIBS qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/evaluator_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/sensitivity_test.cc
)
qbench_add_test(eval_cli_test NEEDS_CLI LIBS qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/eval_cli_test.cc
)
qbench_add_test(eval_report_test LIBS qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/eval_report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/eval_table_test.cc
)
