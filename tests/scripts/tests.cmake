# Shell tests of the scripts/ (plain bash, no build needed).
add_test(NAME setup_os_packages
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/os_packages_test.sh ${CMAKE_SOURCE_DIR}/scripts/os_packages.sh)
