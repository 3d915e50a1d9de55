qbench_add_test(cli_vocabulary_test NEEDS_CLI LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cli_vocabulary_test.cc
)
