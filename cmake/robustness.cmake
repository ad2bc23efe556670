# Robustness: sanitizers and fuzz harnesses (their tests: tests/CMakeLists.txt).
#
#   -DWSCLOSE_SANITIZE=ON   build wsclose and wsclose_pure with ASan + UBSan.  tshark itself is
#                           not instrumented: run it with the runtime in LD_PRELOAD
#                           (WSCLOSE_SANITIZER_PRELOAD below; tests/sanitized.sh does it all).
#   -DWSCLOSE_FUZZ_PURE=OFF skip the harnesses of the pure C parts (tests/fuzz/fuzz_*.c).
#
# The pure C parts get libFuzzer harnesses.  With clang as the compiler they are ordinary
# targets (fuzz_wsclose_frame, fuzz_close_payload, fuzz_winhttp_status; run one with e.g.
# `build/fuzz_wsclose_frame -max_total_time=600`).  With gcc the same harnesses are built twice:
# with a seeded random driver under gcc's ASan/UBSan (fuzz_*_gcc), and, when clang is
# installed, with libFuzzer by clang directly (build/fuzz_*.libfuzzer; the target
# fuzz_*_libfuzzer names that file in its WSCLOSE_FUZZER property).

option(WSCLOSE_SANITIZE "Build wsclose with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(WSCLOSE_FUZZ_PURE "Build and test the fuzz harnesses of the pure C parts" ON)

set(WSCLOSE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined -g)
set(_wsclose_fuzz_dir "${PROJECT_SOURCE_DIR}/tests/fuzz")
set(_wsclose_plugin_dir "${PROJECT_SOURCE_DIR}/plugin")
# The pure C sources are listed once, as the sources of wsclose_pure (plugin/CMakeLists.txt);
# the harnesses compile them again with their own instrumentation.
get_target_property(_wsclose_pure_names wsclose_pure SOURCES)
get_target_property(_wsclose_pure_dir wsclose_pure SOURCE_DIR)
set(WSCLOSE_PURE_SRC "")
foreach(_src IN LISTS _wsclose_pure_names)
    get_filename_component(_src "${_src}" ABSOLUTE BASE_DIR "${_wsclose_pure_dir}")
    list(APPEND WSCLOSE_PURE_SRC "${_src}")
endforeach()
set(WSCLOSE_FUZZ_HARNESSES wsclose_frame close_payload winhttp_status winhttp_api wsclose_upgrade)

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
    foreach(h ${WSCLOSE_FUZZ_HARNESSES})
        set(_src ${_wsclose_fuzz_dir}/fuzz_${h}.c)
        if(CMAKE_C_COMPILER_ID MATCHES "Clang")
            add_executable(fuzz_${h} ${_src} ${WSCLOSE_PURE_SRC})
            target_include_directories(fuzz_${h} PRIVATE ${_wsclose_plugin_dir})
            target_compile_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined
                                   -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
            if(COMMAND target_link_options)
                target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer,address,undefined)
            else()
                set_property(TARGET fuzz_${h} APPEND_STRING PROPERTY LINK_FLAGS
                             " -fsanitize=fuzzer,address,undefined")
            endif()
        else()
            # gcc has no libFuzzer: a seeded random driver, still under ASan + UBSan.
            add_executable(fuzz_${h}_gcc ${_src} ${WSCLOSE_PURE_SRC}
                           ${_wsclose_fuzz_dir}/standalone_main.c)
            target_include_directories(fuzz_${h}_gcc PRIVATE ${_wsclose_plugin_dir})
            _wsclose_sanitize(fuzz_${h}_gcc)
            if(WSCLOSE_CLANG)
                # ...and libFuzzer through clang directly, when clang is installed.
                set(_out ${CMAKE_BINARY_DIR}/fuzz_${h}.libfuzzer)
                add_custom_command(OUTPUT ${_out}
                    COMMAND ${WSCLOSE_CLANG} -std=c11 -O1 -g -fno-omit-frame-pointer
                            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                            -I${_wsclose_plugin_dir} -o ${_out} ${_src} ${WSCLOSE_PURE_SRC}
                    DEPENDS ${_src} ${WSCLOSE_PURE_SRC}
                    COMMENT "Building libFuzzer harness fuzz_${h} with clang")
                add_custom_target(fuzz_${h}_libfuzzer ALL DEPENDS ${_out})
                set_target_properties(fuzz_${h}_libfuzzer PROPERTIES WSCLOSE_FUZZER ${_out})
            endif()
        endif()
    endforeach()
endif()
