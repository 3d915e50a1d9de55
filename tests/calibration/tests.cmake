qbench_add_test(calibration_test LIBS qbench_calibration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/histogram_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/data_reader_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/calibrate_model_test.cc
)
