qbench_add_test(quantization_math_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quant_math_test.cc
)
qbench_add_test(quantization_cases_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cases_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
qbench_add_test(quantization_static_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quantizer_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_test_util.cc
)
