# Accuracy targets of the quantizer on the shared trained models (need ../shared; skip otherwise).
if(TARGET qbench_quantization)
  qbench_add_test(quantization_targets_test LIBS qbench_quantization qbench_calibration qbench_eval SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/targets_test.cc
  )
endif()
