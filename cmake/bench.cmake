# Benchmark (bench/, issue 6): tshark with vs without the plugin.
#   cmake --build build --target bench    full run on the built plugin (~9 min), writes
#                                         bench/last-run.md
# Not part of the default test run, except bench_smoke: the same machinery on tiny
# captures (< 1 min; skipped, exit 77, where valgrind is not installed). It checks that
# the benchmark works, not the limits.
add_custom_target(bench
    COMMAND ${CMAKE_SOURCE_DIR}/bench/run.sh --plugin $<TARGET_FILE:wsclose>
    DEPENDS wsclose
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    USES_TERMINAL
    COMMENT "wsclose benchmark (about 9 minutes)")

add_test(NAME bench_smoke
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/bench/bench.py --smoke
            --plugin $<TARGET_FILE:wsclose>)
set_tests_properties(bench_smoke PROPERTIES LABELS bench TIMEOUT 600
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1" SKIP_RETURN_CODE 77)
