# The conformance-corpus test (issue 9 §7): `qbench quantize` over Debian libonnx-testdata.
# A plain program (not gtest): it prints a table and "N passed, N failed"; exit 77 = skipped.
add_executable(corpus_test ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cc ${CMAKE_CURRENT_LIST_DIR}/corpus_case.cc)
target_link_libraries(corpus_test PRIVATE qbench_runtime qbench_model nlohmann_json::nlohmann_json)
target_include_directories(corpus_test PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_definitions(corpus_test PRIVATE QBENCH_CLI_PATH="$<TARGET_FILE:qbench>")
add_dependencies(corpus_test qbench)
# Six shards (NAME@REGEX; the regexes hold '|') of about 140-200 models each, one process per shard (--jobs 1), so that `ctest -j N`
# runs N of them at once and balances them with the rest of the suite (docs/corpus.md).
set(_corpus_shards
  "node_a-c@/node/test_[a-c]"
  "node_d-l@/node/test_[d-l]"
  "node_m-q@/node/test_[m-q]"
  "node_r_t-z@/node/test_(r|[t-z])"
  "node_s@/node/test_s"
  "simple_pytorch@/(simple|pytorch-converted|pytorch-operator)/")
foreach(_shard ${_corpus_shards})
  string(REPLACE "@" ";" _parts "${_shard}")
  list(GET _parts 0 _name)
  list(GET _parts 1 _filter)
  add_test(NAME corpus_quantize_${_name} COMMAND corpus_test --jobs 1 --name ${_name} --filter "${_filter}")
  set_tests_properties(corpus_quantize_${_name} PROPERTIES LABELS corpus TIMEOUT 1200 SKIP_RETURN_CODE 77)
endforeach()

qbench_add_test(corpus_case_test LIBS qbench_runtime qbench_model nlohmann_json::nlohmann_json SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/corpus_case_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/corpus_case.cc
)
