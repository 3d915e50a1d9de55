qbench_add_test(lab_test LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/sweep_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/results_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/results_content_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/coverage_record_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/old_results_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/old_settings_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/one_schema_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/estimate_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_flags_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/preflight_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/preflight_data_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/shard_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/variants_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/honest_numbers_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/honest_plan_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/model_content_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/busy_machine_test.cc
)
qbench_add_test(lab_auto_test LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/auto_quantize_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_auto_variant_test.cc
)
qbench_add_test(lab_auto_cli_test NEEDS_CLI LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/auto_cli_test.cc
)
qbench_add_test(lab_cli_test NEEDS_CLI LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lab_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_shapes_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_plan_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_int8_cli_test.cc
)
qbench_add_test(lab_shard_cli_test NEEDS_CLI LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lab_shard_cli_test.cc
)
qbench_add_test(lab_run_cli_test NEEDS_CLI LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lab_run_cli_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_flags_cli_test.cc
)
# Issue 13 (external variants, energy, providers); the MobileNetV2 study takes ~1 min (label lab_slow).
qbench_add_test(lab_devices_cli_test NEEDS_CLI LABELS lab_slow LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lab_devices_cli_test.cc
)
