# gockerd's code laid out in the order it runs (its start, then a container's run), and its
# unreferenced sections dropped.
#
# An idle daemon's RSS is mostly code: the kernel maps a file-backed page fault's neighbours too
# (64 KB around it when they are in the page cache), so the ~2500 functions gockerd runs from exec
# to READY=1, about 1 MB of code scattered over its 9.6 MB of text, kept 6.5 MB of it resident.
# Compiled one section per function and linked by lld in the order daemon/startup-order.txt lists
# (the functions a real start runs, recorded by scripts/startup-order.sh), they sit in a few
# hundred kB instead: gockerd's own share of idle RSS 8.7 -> 3.4 MB here. The functions a
# container's run, listing, stop and removal add follow them (daemon/run-path-order.txt, recorded
# by scripts/run-path-order.sh): after a few runs, 5.5 -> 3.3 MB.
#
# gockerctl is linked the same way, in the order its common commands run (client/function-order.txt,
# scripts/client-order.sh): each command is a process start that faults in the code it touches.
#
# A stale list costs only memory: names it no longer matches are skipped, and functions missing
# from it keep their place. Needs lld 16 (Debian's lld-16): lld 14 cannot pack relative
# relocations in the form glibc 2.36 accepts (GLIBC_ABI_DT_RELR).
#
# Included from the top-level CMakeLists.txt in two steps: GOCKER_STARTUP_ORDER_STAGE "compile"
# before the targets (section per function everywhere), "link" once gockerd exists.
option(GOCKER_ORDER_STARTUP_CODE "Link gockerd with lld: its code laid out in the order it runs, unused sections dropped" ON)

# For scripts/run-path-order.sh only: every function of gocker's own code notes its first call
# (-finstrument-functions and daemon/profiling/function_recorder.cpp).
option(GOCKER_RECORD_FUNCTIONS "Record the functions gockerd runs (a profiling build, not for use)" OFF)

if(GOCKER_STARTUP_ORDER_STAGE STREQUAL "compile")
  if(GOCKER_RECORD_FUNCTIONS)
    add_library(gocker_function_recorder STATIC daemon/profiling/function_recorder.cpp)
    target_compile_options(gocker_function_recorder PRIVATE -fno-instrument-functions)
    add_compile_options(-finstrument-functions)
    link_libraries(gocker_function_recorder)
  endif()
  set(GOCKER_STARTUP_ORDER_LLD "")
  if(GOCKER_ORDER_STARTUP_CODE AND NOT GOCKER_SANITIZE AND NOT GOCKER_FUZZ)
    find_program(GOCKER_LD_LLD_16 ld.lld PATHS /usr/lib/llvm-16/bin NO_DEFAULT_PATH)
    if(GOCKER_LD_LLD_16)
      get_filename_component(GOCKER_STARTUP_ORDER_LLD "${GOCKER_LD_LLD_16}" DIRECTORY)
      add_compile_options(-ffunction-sections)
    else()
      message(WARNING "lld 16 (/usr/lib/llvm-16/bin/ld.lld, Debian package lld-16) not found: gockerd is "
                      "linked without its startup code laid out together (a few MB more idle RSS)")
    endif()
  endif()
  return()
endif()

# Links `target` with lld: its functions in the order the lists given after it name them, and its
# unreferenced sections dropped. Without lld 16 (or in a sanitized or fuzzing build) a no-op.
function(gocker_link_code_in_order target)
  if(NOT GOCKER_STARTUP_ORDER_LLD)
    return()
  endif()
  set(order_file ${PROJECT_BINARY_DIR}/${target}-function-order.txt)
  file(WRITE ${order_file} "")
  foreach(source IN LISTS ARGN)
    file(READ ${source} functions)
    file(APPEND ${order_file} "${functions}")
  endforeach()
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ARGN})
  # -B: GCC's -fuse-ld=lld runs the first "ld.lld" on its program path, which this puts first.
  target_link_options(${target} PRIVATE -B${GOCKER_STARTUP_ORDER_LLD} -fuse-ld=lld
    -Wl,--symbol-ordering-file=${order_file} -Wl,--no-warn-symbol-ordering -Wl,--gc-sections -Wl,--as-needed)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${order_file})
endfunction()

# The start's functions first, then those of a container's run that the start did not need, then
# those only page faults showed (scripts/fault-order.sh: static libraries' code, and code the
# instrumented build inlined). With a
# section per function, unreferenced code is dropped, and with it the libraries only that code
# needed: libarchive's pax writer calls a helper that sits beside its table of every format's
# writer, and xar's needs libxml2, which loads ICU and libstdc++.so (1.3 MB of idle RSS, and 1.4 MB
# less text).
gocker_link_code_in_order(gockerd ${PROJECT_SOURCE_DIR}/daemon/startup-order.txt ${PROJECT_SOURCE_DIR}/daemon/run-path-order.txt
                          ${PROJECT_SOURCE_DIR}/daemon/fault-order.txt)
