# The conformance-corpus test (issue 9 §7): `qbench quantize` over Debian libonnx-testdata.
# A plain program (not gtest): it prints a table and "N passed, N failed"; exit 77 = skipped.
add_executable(corpus_test ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cc ${CMAKE_CURRENT_LIST_DIR}/corpus_case.cc)
target_link_libraries(corpus_test PRIVATE qbench_runtime qbench_model nlohmann_json::nlohmann_json)
target_include_directories(corpus_test PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_definitions(corpus_test PRIVATE QBENCH_CLI_PATH="$<TARGET_FILE:qbench>")
add_dependencies(corpus_test qbench)
add_test(NAME corpus_quantize COMMAND corpus_test)
set_tests_properties(corpus_quantize PROPERTIES LABELS corpus TIMEOUT 1800 SKIP_RETURN_CODE 77)

qbench_add_test(corpus_case_test LIBS qbench_runtime qbench_model nlohmann_json::nlohmann_json SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/corpus_case_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/corpus_case.cc
)
