qbench_add_test(core_test LIBS qbench_core SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/npy_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/fs_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/half_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/table_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_test.cc
)
