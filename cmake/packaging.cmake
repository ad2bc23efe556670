# Debian package of the plugin, built by CPack:
#
#   cmake -S . -B build && cmake --build build -j2 && (cd build && cpack -G DEB)
#   (or: cmake --build build --target package)
#
# The package installs wsclose.so into Wireshark's system plugin folder
# (${Wireshark_PLUGIN_INSTALL_DIR}/epan) and depends on the libwireshark package the
# plugin was built against, limited to that Wireshark minor version (a plugin is
# built per major.minor).
#
# Packaging uses its own install component, "deb", which `cmake --install build` leaves
# alone (EXCLUDE_FROM_ALL): the plain install still goes where the top-level CMakeLists.txt
# says (the personal folder by default), and the package never holds a file under a HOME.
# Its test (package: build, install, load, purge) is registered in tests/CMakeLists.txt.

# The system plugin folder, relative to Wireshark's prefix, so CPack installs it under
# CPACK_PACKAGING_INSTALL_PREFIX instead of writing to an absolute path.
file(RELATIVE_PATH WSCLOSE_DEB_PLUGIN_DIR "${Wireshark_INSTALL_PREFIX}"
     "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
install(TARGETS wsclose
    LIBRARY DESTINATION "${WSCLOSE_DEB_PLUGIN_DIR}" NAMELINK_SKIP
    COMPONENT deb EXCLUDE_FROM_ALL)

# The libwireshark the plugin links against: the file the imported target `epan`
# resolves to, and its soname.
set(_wsclose_epan_lib "")
foreach(_prop IMPORTED_LOCATION IMPORTED_LOCATION_NONE IMPORTED_LOCATION_RELEASE
              IMPORTED_LOCATION_RELWITHDEBINFO IMPORTED_LOCATION_NOCONFIG)
    if(NOT _wsclose_epan_lib)
        get_target_property(_loc epan ${_prop})
        if(_loc)
            set(_wsclose_epan_lib "${_loc}")
        endif()
    endif()
endforeach()
if(NOT _wsclose_epan_lib)
    get_target_property(_configs epan IMPORTED_CONFIGURATIONS)
    foreach(_cfg ${_configs})
        if(NOT _wsclose_epan_lib)
            get_target_property(_loc epan IMPORTED_LOCATION_${_cfg})
            if(_loc)
                set(_wsclose_epan_lib "${_loc}")
            endif()
        endif()
    endforeach()
endif()

# Its Debian package: the owner of that file (dpkg -S), else the Debian name of the
# soname (libwireshark.so.16 -> libwireshark16).
set(WSCLOSE_DEB_LIBWIRESHARK "")
find_program(WSCLOSE_DPKG dpkg)
find_program(WSCLOSE_DPKG_QUERY dpkg-query)
if(_wsclose_epan_lib AND WSCLOSE_DPKG)
    get_filename_component(_real "${_wsclose_epan_lib}" REALPATH)
    foreach(_f "${_wsclose_epan_lib}" "${_real}")
        if(NOT WSCLOSE_DEB_LIBWIRESHARK)
            execute_process(COMMAND "${WSCLOSE_DPKG}" -S "${_f}"
                OUTPUT_VARIABLE _owner ERROR_QUIET RESULT_VARIABLE _rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
            # "libwireshark16:amd64: /usr/lib/x86_64-linux-gnu/libwireshark.so.16.0.17"
            if(_rc EQUAL 0 AND _owner MATCHES "^([a-z0-9][a-z0-9.+-]*)(:[a-z0-9-]+)?: ")
                set(WSCLOSE_DEB_LIBWIRESHARK "${CMAKE_MATCH_1}")
            endif()
        endif()
    endforeach()
endif()
if(NOT WSCLOSE_DEB_LIBWIRESHARK)
    get_target_property(_soname epan IMPORTED_SONAME_NONE)
    if(NOT _soname)
        get_target_property(_soname epan IMPORTED_SONAME)
    endif()
    if(_soname MATCHES "^libwireshark\\.so\\.([0-9]+)$")
        set(WSCLOSE_DEB_LIBWIRESHARK "libwireshark${CMAKE_MATCH_1}")
    elseif(_wsclose_epan_lib MATCHES "libwireshark\\.so\\.([0-9]+)")
        set(WSCLOSE_DEB_LIBWIRESHARK "libwireshark${CMAKE_MATCH_1}")
    else()
        message(STATUS "wsclose packaging: cannot tell the libwireshark package; "
                       "no .deb target")
        return()
    endif()
endif()

# Only this Wireshark minor version: 4.0.x for a plugin built against 4.0.
math(EXPR _wsclose_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_mm "${Wireshark_VERSION_MM}")
set(_next "${Wireshark_MAJOR_VERSION}.${_wsclose_next_minor}~")
set(WSCLOSE_DEB_DEPENDS
    "${WSCLOSE_DEB_LIBWIRESHARK} (>= ${_mm}), ${WSCLOSE_DEB_LIBWIRESHARK} (<< ${_next}), wireshark-common (>= ${_mm}), wireshark-common (<< ${_next})")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-wsclose)
set(CPACK_PACKAGE_VENDOR "wsclose")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# Only the "deb" component of this build, installed under Wireshark's prefix.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};deb;/")
set(CPACK_PACKAGING_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}")
set(CPACK_DEBIAN_PACKAGE_NAME wireshark-plugin-wsclose)
# One package per Wireshark minor version: say which in the version.
set(CPACK_DEBIAN_PACKAGE_VERSION "${PROJECT_VERSION}+wireshark${_mm}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "wsclose maintainers <wsclose@example.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${WSCLOSE_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "wireshark-qt | tshark")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Wireshark plugin: WinHTTP close status of WebSocket close frames")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "wsclose labels every WebSocket close frame with the WINHTTP_WEB_SOCKET_CLOSE_STATUS
value WinHttpWebSocketQueryCloseStatus reports to the application, with the
documentation's meaning, as filterable fields (wsclose.*), in the Info column and
as expert info, in Wireshark and tshark. Built for Wireshark ${_mm}.")
set(CPACK_STRIP_FILES ON)
include(CPack)

message(STATUS "wsclose packaging: ${CPACK_DEBIAN_PACKAGE_NAME} into "
               "${Wireshark_PLUGIN_INSTALL_DIR}/epan, Depends: ${WSCLOSE_DEB_DEPENDS}")

# The Lua edition as users take it: one file, build/lua-edition/wsclose.lua, checked to be what
# lua/gen_lua.py writes from the C sources (README, "Lua edition").
add_custom_target(lua-edition
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/lua/gen_lua.py --check
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/lua-edition
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/lua/wsclose.lua
            ${CMAKE_BINARY_DIR}/lua-edition/wsclose.lua
    COMMENT "The Lua edition: ${CMAKE_BINARY_DIR}/lua-edition/wsclose.lua"
    VERBATIM)
