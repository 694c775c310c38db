# Run by CTest after doctest's discovered tests are added (tests/CMakeLists.txt): a unit test
# whose name ends in "[exNN.K]" is also labelled exNN.K, as the check of that exercise.
foreach(t IN LISTS box-unit_TESTS)
  if(t MATCHES "\\[(ex[0-9][0-9]\\.[0-9]+)\\]$")
    set_tests_properties("${t}" PROPERTIES LABELS "unit;${CMAKE_MATCH_1}")
  endif()
endforeach()
