# The daemon's idle memory: every shared library it loads is relocated and partly paged in at
# start (libcrypto alone was 3.3 MB of gockerd's RSS for the one digest it uses). Linked from the
# archives Debian ships, only the objects gocker calls are in the binary and only the pages it
# runs are resident. Libraries without an archive in Debian (zstd, lz4, acl, xml2, systemd) stay
# shared; spdlog and fmt are compiled in from their headers (gocker_spdlog below).
#
# Included twice from the top-level CMakeLists.txt: with GOCKER_STATIC_DEPS_STAGE "before" ahead
# of the find_package calls, and "after" them.
option(GOCKER_STATIC_DEPS "Link libcrypto, libsqlite3, libarchive and libstdc++ statically" ON)

if(GOCKER_STATIC_DEPS_STAGE STREQUAL "before")
  if(GOCKER_STATIC_DEPS)
    set(OPENSSL_USE_STATIC_LIBS TRUE)
    set(ZLIB_USE_STATIC_LIBS TRUE)
  endif()
  return()
endif()

# libarchive as gocker links it: PkgConfig::LIBARCHIVE, or its archive plus the archives of its
# own dependencies where Debian has them.
add_library(gocker_libarchive INTERFACE)
find_library(GOCKER_LIBARCHIVE_ARCHIVE NAMES libarchive.a)
if(GOCKER_STATIC_DEPS AND GOCKER_LIBARCHIVE_ARCHIVE)
  set(archive_dependencies "")
  foreach(name IN LISTS LIBARCHIVE_STATIC_LIBRARIES)
    if(name STREQUAL "archive")
      continue()
    endif()
    # libxml2.a would drag in ICU's archives and their C++ runtime: the shared one is lighter.
    unset(dependency_archive CACHE)
    if(NOT name STREQUAL "xml2")
      find_library(dependency_archive NAMES lib${name}.a)
    endif()
    if(dependency_archive)
      list(APPEND archive_dependencies ${dependency_archive})
    else()
      list(APPEND archive_dependencies ${name})
    endif()
  endforeach()
  unset(dependency_archive CACHE)
  target_link_libraries(gocker_libarchive INTERFACE ${GOCKER_LIBARCHIVE_ARCHIVE} ${archive_dependencies})
  target_include_directories(gocker_libarchive INTERFACE ${LIBARCHIVE_INCLUDE_DIRS})
else()
  target_link_libraries(gocker_libarchive INTERFACE PkgConfig::LIBARCHIVE)
endif()

# spdlog and fmt as gocker links them. Their shared libraries are C++ and would load libstdc++.so,
# libgcc_s and libm beside the static C++ runtime gockerd carries: 1.7 MB of idle RSS, most of it
# the loader's symbol lookups through libstdc++'s tables. Compiled in from their headers instead,
# only the logging code gocker calls is in the binary.
add_library(gocker_spdlog INTERFACE)
if(GOCKER_STATIC_DEPS)
  target_compile_definitions(gocker_spdlog INTERFACE SPDLOG_FMT_EXTERNAL)
  target_link_libraries(gocker_spdlog INTERFACE fmt::fmt-header-only Threads::Threads)
else()
  target_link_libraries(gocker_spdlog INTERFACE spdlog::spdlog)
endif()

if(GOCKER_STATIC_DEPS)
  find_library(GOCKER_SQLITE3_ARCHIVE NAMES libsqlite3.a)
  if(GOCKER_SQLITE3_ARCHIVE AND TARGET SQLite::SQLite3)
    set_target_properties(SQLite::SQLite3 PROPERTIES IMPORTED_LOCATION ${GOCKER_SQLITE3_ARCHIVE})
    set_property(TARGET SQLite::SQLite3 APPEND PROPERTY INTERFACE_LINK_LIBRARIES m dl Threads::Threads)
  endif()
endif()

# For gockerctl: everything from archives, glibc too (as the docker CLI, a static Go binary, is).
# The client uses no NSS lookups (no users, groups or host names), the one thing static glibc
# cannot do, and every command is a process start: no dynamic loader and no relocations saved
# another 0.8 ms of `gockerctl version` (4.95 -> 4.13 ms here).
function(gocker_link_fully_statically target)
  if(GOCKER_STATIC_DEPS)
    target_link_options(${target} PRIVATE -static)
  endif()
endfunction()

# For gockerd: the C++ runtime from its archive too.
function(gocker_link_runtime_statically target)
  if(GOCKER_STATIC_DEPS)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
