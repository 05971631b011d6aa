# Included by ctest after every discovered test (tests/CMakeLists.txt): the order tests start in.
# Without timings from an earlier run (a clean build tree, as in CI), ctest starts tests in the
# order they were declared, so the few that take a minute or more under the sanitizers started
# last and ran alone at the end while the other core idled. It starts tests with a higher COST
# first: the slow ones, then the other integration tests, then the unit tests, which fill the
# gaps. Only the order changes, never what runs.
set(slow_test_patterns
  "large import" "long batch" "database vanishing" "2 GiB line" "100,000 failing rows"
  "interrupted anywhere" "lost anywhere" "lost PostgreSQL connection")
foreach(list_name integration_test_TESTS postgresql_tests_integration_test importing_test_TESTS
    postgresql_tests_importing_test)
  if(list_name MATCHES "integration")
    set(base_cost 10)
  else()
    set(base_cost 0)
  endif()
  foreach(test_name IN LISTS ${list_name})
    set(cost ${base_cost})
    foreach(pattern IN LISTS slow_test_patterns)
      string(FIND "${test_name}" "${pattern}" position)
      if(NOT position EQUAL -1)
        set(cost 100)
      endif()
    endforeach()
    if(cost GREATER 0)
      set_tests_properties("${test_name}" PROPERTIES COST ${cost})
    endif()
  endforeach()
endforeach()
