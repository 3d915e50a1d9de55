qbench_add_test(quantization_math_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quant_math_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/weight_range_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/coverage_table_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_cases_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cases_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_static_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quantizer_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/exclude_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/range_rules_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/range_rules_heads_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/equalize_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_dynamic_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/dynamic_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_cli_test NEEDS_CLI LIBS qbench_core qbench_model nlohmann_json::nlohmann_json SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quantize_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantize_fallback_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/range_rules_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/fp16_cli_test.cc
)
qbench_add_test(quantization_graphs_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/subgraph_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tensor_shapes_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/shared_weight_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_verify_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/verify_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_verify_cli_test NEEDS_CLI LIBS qbench_core qbench_model nlohmann_json::nlohmann_json SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/verify_cli_test.cc
)
qbench_add_test(quantization_compat_test LIBS qbench_quantization qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/compat_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/compat_content_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_compat_cli_test NEEDS_CLI LIBS qbench_runtime qbench_model SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/compat_cli_test.cc
)
qbench_add_test(quantization_fp16_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/fp16_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
# Accuracy targets of the quantizer on the shared trained models (need ../shared; skip otherwise).
qbench_add_test(quantization_targets_test LIBS qbench_quantization qbench_calibration qbench_eval SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/targets_test.cc
)
# What ORT runs of a static int8 MobileNetV2 block (fusions, islands, bias correction of islands).
qbench_add_test(quantization_runtime_fusion_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/runtime_fusion_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_contrib_macs_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/contrib_macs_test.cc
)
