# The checked builds of issue 7: AddressSanitizer + UndefinedBehaviorSanitizer, and the libFuzzer
# targets of tests/fuzz. scripts/test.sh builds them in build/sanitize with clang, after the
# normal build, with only what they need (the libraries, gocker_unit_tests and the fuzzers):
#
#   cmake -S . -B build/sanitize -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
#         -DCMAKE_BUILD_TYPE=None -DGOCKER_SANITIZE=ON -DGOCKER_FUZZ=ON
#   cmake --build build/sanitize --target gocker_unit_tests gocker_fuzzers
#
# Either option leaves out the integration tests (tests/CMakeLists.txt): they drive gockerd, which
# this build does not make, and two builds of it would cost CI more time than they find.
option(GOCKER_SANITIZE "Build with AddressSanitizer and UBSan; any finding aborts the program" OFF)
option(GOCKER_FUZZ "Build the libFuzzer targets of tests/fuzz and register them as tests (clang)" OFF)

if(GOCKER_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GOCKER_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
endif()

if(GOCKER_SANITIZE OR GOCKER_FUZZ)
  # These builds exist to run checks, not to be fast or debugged, and CI pays for them on two
  # cores: -O0 compiles in about half the time of -O1 with the sanitizers on (measured on
  # daemon/server/container_routes.cpp: 13 s against 24 s of CPU), and the unit tests and the
  # time-bounded fuzz runs do not need the speed. Line tables are all a sanitizer report needs for
  # file:line frames, at a fraction of full debug info's compile and link time. Configure with
  # CMAKE_BUILD_TYPE=None: a build type's own -O/-g come first and these override them, but its
  # -DNDEBUG would still switch assert() off.
  add_compile_options(-O0 -gline-tables-only -fno-omit-frame-pointer)
  # Always a unity build (see GOCKER_UNITY_BUILD): with the sanitizers on, instrumenting the same
  # template instantiations again in every file makes batching pay even more (four engine files:
  # 21 s of CPU batched against 57 s). It changes nothing for the checks: the same code is
  # instrumented.
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE 8)
endif()

if(GOCKER_SANITIZE)
  # -fno-sanitize-recover: a UBSan finding aborts like an ASan one (by default UBSan prints and
  # goes on, and the test would pass).
  # -fno-sanitize=function: clang 14 cannot lay out that check's prologue data for the split
  # functions of a C++20 coroutine ("error: Cannot represent a difference across sections" on
  # every engine file with a co_await); the check (a call through a function pointer of the wrong
  # type) matters for C callbacks, which this code base barely has.
  set(gocker_sanitizers -fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=all)
  add_compile_options(${gocker_sanitizers})
  add_link_options(${gocker_sanitizers})
endif()

if(GOCKER_FUZZ)
  # Coverage instrumentation for everything; the fuzz targets alone link libFuzzer's main
  # (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()

# Files the unity build leaves alone: their file-local helpers share a name with another file's
# in the same library (a `fail`, a `trim`), which only a unity batch sees. Called from the
# top-level CMakeLists.txt once every directory is added; the tests' files only when they are.
function(gocker_exclude_from_unity_build)
  if(NOT CMAKE_UNITY_BUILD)
    return()
  endif()
  # gockerctl's commands (client/command_*.cpp) share file-local flag structs and helpers (a
  # ListFlags, a fail): compiled one by one, should anything build them here (the checked
  # build's targets never do, client/CMakeLists.txt).
  set_target_properties(gocker_client_commands PROPERTIES UNITY_BUILD OFF)
  # directory:file,file,...
  foreach(entry "daemon/runtime:exec_process.cpp,cgroups/cgroup_v2_stats.cpp"
                "daemon/engine:image_inspect.cpp,layer_diff.cpp,registry_http.cpp,signals.cpp"
                "client:messages.cpp"
                "tests:unit/engine/list_filters_test.cpp,unit/client/ps_format_test.cpp,unit/engine/status_text_test.cpp,unit/engine/time_bounds_test.cpp")
    string(REGEX REPLACE "[:,]" ";" files "${entry}")
    list(POP_FRONT files directory)
    if(directory STREQUAL "tests" AND NOT TARGET gocker_unit_tests)
      continue()
    endif()
    list(TRANSFORM files PREPEND "${PROJECT_SOURCE_DIR}/${directory}/")
    set_source_files_properties(${files} DIRECTORY "${PROJECT_SOURCE_DIR}/${directory}"
                                PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endforeach()
endfunction()
