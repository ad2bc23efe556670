# Benchmark (bench/): tshark with vs without the plugin.
#   cmake --build build --target bench    full run on the built plugin (~9 min), writes
#                                         bench/last-run.md
# Its ctest entries (bench_smoke, and perf, in the default run) are registered in
# tests/CMakeLists.txt.
add_custom_target(bench
    COMMAND ${CMAKE_SOURCE_DIR}/bench/run.sh --plugin $<TARGET_FILE:wsclose>
    DEPENDS wsclose
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    USES_TERMINAL
    COMMENT "wsclose benchmark (about 9 minutes)")
