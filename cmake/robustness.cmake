# Robustness (issue 7): sanitizers, fuzzing, equality of the plugin's output with tshark's own.
#
#   -DWSCLOSE_SANITIZE=ON   build wsclose and wsclose_pure with ASan + UBSan.  tshark itself is
#                           not instrumented: run it with the runtime in LD_PRELOAD
#                           (WSCLOSE_SANITIZER_PRELOAD below; tests/sanitized.sh does it all).
#   -DWSCLOSE_FUZZ_PURE=OFF skip the harnesses of the pure C parts (tests/fuzz/fuzz_*.c).
#
# The pure C parts get libFuzzer harnesses.  With clang as the compiler they are ordinary
# targets (fuzz_ws_frame, fuzz_close_payload, fuzz_winhttp_status; run one with e.g.
# `build/fuzz_ws_frame -max_total_time=600`).  With gcc the same harnesses are built twice:
# with a seeded random driver under gcc's ASan/UBSan (fuzz_*_gcc), and, when clang is
# installed, with libFuzzer by clang directly (build/fuzz_*.libfuzzer).
#
# ctest entries (all in the default run):
#   fuzz_pure_*        the harnesses (random driver: 200k inputs; libFuzzer: 8 s each)
#   equality           tests/test_equality.py with the plugin as built
#   sanitized_build    configures and builds ${CMAKE_BINARY_DIR}/asan with WSCLOSE_SANITIZE=ON
#   sanitized_tests    the label tests (dissection, real captures) with the sanitized plugin,
#                      failing on any report (tests/sanitized.sh test: those and equality)
#   fuzz_slice         tests/fuzz/fuzz.py --ci: mutated and generated captures, ASan + valgrind

option(WSCLOSE_SANITIZE "Build wsclose with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(WSCLOSE_FUZZ_PURE "Build and test the fuzz harnesses of the pure C parts" ON)

set(WSCLOSE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined -g)
set(_wsclose_fuzz_dir "${CMAKE_CURRENT_LIST_DIR}/../tests/fuzz")
get_filename_component(_wsclose_fuzz_dir "${_wsclose_fuzz_dir}" ABSOLUTE)
get_filename_component(_wsclose_tests_dir "${_wsclose_fuzz_dir}/.." ABSOLUTE)
get_filename_component(_wsclose_plugin_dir "${_wsclose_fuzz_dir}/../../plugin" ABSOLUTE)
set(_wsclose_pure_src
    ${_wsclose_plugin_dir}/winhttp_status.c
    ${_wsclose_plugin_dir}/ws_frame.c
    ${_wsclose_plugin_dir}/close_payload.c)
set(_wsclose_harnesses ws_frame close_payload winhttp_status)

function(_wsclose_sanitize target)
    target_compile_options(${target} PRIVATE ${WSCLOSE_SANITIZE_FLAGS} ${ARGN})
    if(COMMAND target_link_options)
        target_link_options(${target} PRIVATE ${WSCLOSE_SANITIZE_FLAGS} ${ARGN})
    else()
        string(REPLACE ";" " " _flags "${WSCLOSE_SANITIZE_FLAGS};${ARGN}")
        set_property(TARGET ${target} APPEND_STRING PROPERTY LINK_FLAGS " ${_flags}")
    endif()
endfunction()

# The ASan runtime a non-instrumented tshark must preload to load the sanitized plugin.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-resource-dir
                    OUTPUT_VARIABLE _rd OUTPUT_STRIP_TRAILING_WHITESPACE)
    file(GLOB _rt "${_rd}/lib/linux/libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so")
    set(_wsclose_asan_rt "${_rt}")
else()
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE _wsclose_asan_rt OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
set(WSCLOSE_SANITIZER_PRELOAD "${_wsclose_asan_rt}" CACHE FILEPATH
    "Sanitizer runtime to LD_PRELOAD into tshark for the sanitized plugin")

if(WSCLOSE_SANITIZE)
    _wsclose_sanitize(wsclose_pure)
    if(CMAKE_C_COMPILER_ID MATCHES "Clang")
        # clang links its runtime statically by default, which a dlopen()ed module cannot use.
        _wsclose_sanitize(wsclose -shared-libasan)
    else()
        _wsclose_sanitize(wsclose)
    endif()
    message(STATUS "wsclose: ASan+UBSan build; preload ${WSCLOSE_SANITIZER_PRELOAD} into tshark")
endif()

if(WSCLOSE_FUZZ_PURE)
    find_program(WSCLOSE_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
    foreach(h ${_wsclose_harnesses})
        set(_src ${_wsclose_fuzz_dir}/fuzz_${h}.c)
        if(CMAKE_C_COMPILER_ID MATCHES "Clang")
            add_executable(fuzz_${h} ${_src} ${_wsclose_pure_src})
            target_include_directories(fuzz_${h} PRIVATE ${_wsclose_plugin_dir})
            target_compile_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined
                                   -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
            if(COMMAND target_link_options)
                target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined)
            else()
                set_property(TARGET fuzz_${h} APPEND_STRING PROPERTY LINK_FLAGS
                             " -fsanitize=fuzzer,address,undefined")
            endif()
            add_test(NAME fuzz_pure_${h}
                COMMAND fuzz_${h} -max_total_time=8 -seed=1 -max_len=512 -print_final_stats=1)
        else()
            # gcc has no libFuzzer: a seeded random driver, still under ASan + UBSan.
            add_executable(fuzz_${h}_gcc ${_src} ${_wsclose_pure_src}
                           ${_wsclose_fuzz_dir}/standalone_main.c)
            target_include_directories(fuzz_${h}_gcc PRIVATE ${_wsclose_plugin_dir})
            _wsclose_sanitize(fuzz_${h}_gcc)
            add_test(NAME fuzz_pure_${h}_gcc
                COMMAND fuzz_${h}_gcc -runs=200000 -seed=1 -max_len=300)
            if(WSCLOSE_CLANG)
                # ...and libFuzzer through clang directly, when clang is installed.
                set(_out ${CMAKE_BINARY_DIR}/fuzz_${h}.libfuzzer)
                add_custom_command(OUTPUT ${_out}
                    COMMAND ${WSCLOSE_CLANG} -std=c11 -O1 -g -fno-omit-frame-pointer
                            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                            -I${_wsclose_plugin_dir} -o ${_out} ${_src} ${_wsclose_pure_src}
                    DEPENDS ${_src} ${_wsclose_pure_src}
                    COMMENT "Building libFuzzer harness fuzz_${h} with clang")
                add_custom_target(fuzz_${h}_libfuzzer ALL DEPENDS ${_out})
                add_test(NAME fuzz_pure_${h}_libfuzzer
                    COMMAND ${_out} -max_total_time=8 -seed=1 -max_len=512
                            -print_final_stats=1)
            endif()
        endif()
    endforeach()
endif()

# tshark-based tests.
set(_wsclose_py_env "WSCLOSE_PLUGIN=$<TARGET_FILE:wsclose>;PYTHONDONTWRITEBYTECODE=1")
add_test(NAME equality
    COMMAND ${Python3_EXECUTABLE} -m unittest -v test_equality
    WORKING_DIRECTORY ${_wsclose_tests_dir})
set_tests_properties(equality PROPERTIES ENVIRONMENT "${_wsclose_py_env}" LABELS core)

# The sanitized plugin: this build when it is sanitized, else a second build dir.
if(WSCLOSE_SANITIZE)
    set(_wsclose_asan_build "${CMAKE_BINARY_DIR}")
else()
    set(_wsclose_asan_build "${CMAKE_BINARY_DIR}/asan")
endif()
set(_wsclose_sanitized_env
    "${_wsclose_py_env};WSCLOSE_ASAN_BUILD=${_wsclose_asan_build};WSCLOSE_SOURCE_DIR=${CMAKE_SOURCE_DIR};WSCLOSE_SANITIZER_PRELOAD=${WSCLOSE_SANITIZER_PRELOAD}")
add_test(NAME sanitized_build
    COMMAND bash ${_wsclose_tests_dir}/sanitized.sh build)
add_test(NAME sanitized_tests
    COMMAND bash ${_wsclose_tests_dir}/sanitized.sh test test_dissection test_real_captures test_diagnosis
            test_winhttp_view)
add_test(NAME fuzz_slice
    COMMAND bash ${_wsclose_tests_dir}/sanitized.sh fuzz --ci --rounds 2)
set_tests_properties(sanitized_build sanitized_tests fuzz_slice PROPERTIES
    ENVIRONMENT "${_wsclose_sanitized_env}")
set_tests_properties(sanitized_build PROPERTIES FIXTURES_SETUP wsclose_asan)
# Limits against a hang, not a measure: on a shared 2-core machine under load (other
# jobs' valgrind and callgrind runs) sanitized_tests took over 600 s.
set_tests_properties(sanitized_tests fuzz_slice PROPERTIES FIXTURES_REQUIRED wsclose_asan
    TIMEOUT 1800)
# fuzz.py exits with 77 when a tool it needs (valgrind) is not installed.
set_tests_properties(fuzz_slice PROPERTIES SKIP_RETURN_CODE 77)
