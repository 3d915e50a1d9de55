# Analysis, verdicts and report.md of lab studies run with the lab's fake backend (tests/lab/fake_backend.h).
qbench_add_test(report_test LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/op_profile_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/verdicts_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/ci_level_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/markdown_tables_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/auto_variant_report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/report_labels_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/hand_built_study_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/correlation_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/findings_test.cc
)
qbench_add_test(html_report_test LABELS html LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/html_report_test.cc
)
qbench_add_test(merge_test LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/merge_test.cc
)
# The figures' layout from text extents and the point-label placement (pure; no PLplot).
qbench_add_test(plot_layout_test LIBS qbench_report SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/plot_layout_test.cc
)
