qbench_add_test(data_test LIBS qbench_data SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/image_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/dataset_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/subset_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
)
