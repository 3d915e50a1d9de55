qbench_add_test(quantization_math_test LIBS qbench_quantization SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/quant_math_test.cc
)
