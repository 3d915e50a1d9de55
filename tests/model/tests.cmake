qbench_add_test(model_shapes_test LIBS qbench_runtime SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/shapes_test.cc
)
qbench_add_test(model_inspect_test LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/inspect_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/int8_storage_test.cc
)
qbench_add_test(model_inspect_cli_test NEEDS_CLI LIBS qbench_core SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/inspect_cli_test.cc
)
qbench_add_test(model_fuzz_test LIBS qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/model_fuzz_test.cc
)
