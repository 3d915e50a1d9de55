qbench_add_test(html_report_test LABELS html LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/html_report_test.cc
)
