#===- MPInstall.cmake - install rules and the MP CMake package -----------===#
#
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#===----------------------------------------------------------------------===#
#
# Included at the end of the top-level CMakeLists.txt, once every target
# exists. `cmake --install <build> --prefix <P>` then yields
#
#   P/include/mp/**.h, **.h.inc, **.td       public headers (+ generated)
#   P/lib/libMP*.a, P/lib/MPPlugin.so        libraries and the mlir-opt plugin
#   P/bin/mp-opt, mp-run, ...                tools
#   P/lib/cmake/mp/MPConfig.cmake            find_package(MP CONFIG)
#   P/lib/cmake/mp/MPTargets.cmake           imported targets MP::MPDialect, ...
#
# add_mlir_library() already installs every library into the export set
# `MLIRTargets` (the name is fixed by AddMLIR.cmake); it is exported here
# under the MP:: namespace.
#
#===----------------------------------------------------------------------===#

include(CMakePackageConfigHelpers)

if(NOT DEFINED MP_VERSION)
  set(MP_VERSION 0.1.0)
endif()

set(MP_INSTALL_PACKAGE_DIR "lib${LLVM_LIBDIR_SUFFIX}/cmake/mp" CACHE STRING
  "Path for CMake package files, relative to the install prefix")

# The public libraries, in dependency order.
set(MP_EXPORTED_LIBS
  MPDialect
  MPAnalysis
  MPTransforms
  MPFP8Emulation
  MPToLinalg
  MPPipelines
  MPRegistration
  MPRunner
  )
foreach(lib ${MP_EXPORTED_LIBS})
  if(NOT TARGET ${lib})
    message(FATAL_ERROR "MPInstall.cmake: ${lib} is not a target")
  endif()
  # The tree uses directory-wide include_directories(); installed consumers
  # get the same paths through the targets.
  target_include_directories(${lib} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
endforeach()

# Headers: sources and TableGen-generated declarations. The .cpp.inc files
# are private to the libraries.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mp
  DESTINATION include
  COMPONENT mp-headers
  FILES_MATCHING
  PATTERN "*.h"
  PATTERN "*.td"
  PATTERN "CMakeLists.txt" EXCLUDE)
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/mp
  DESTINATION include
  COMPONENT mp-headers
  FILES_MATCHING
  PATTERN "*.h.inc"
  PATTERN "CMakeFiles" EXCLUDE)

# Tools. add_llvm_executable does not install; the installed binaries must
# still find libMLIR.so, which lives outside the prefix.
set(MP_INSTALLED_TOOLS mp-opt mp-run mp-train mp-cast-check mp-gradcheck)
foreach(tool ${MP_INSTALLED_TOOLS})
  if(TARGET ${tool})
    set_property(TARGET ${tool} APPEND PROPERTY INSTALL_RPATH
      "${LLVM_LIBRARY_DIR}")
    install(TARGETS ${tool} RUNTIME DESTINATION bin COMPONENT ${tool})
  endif()
endforeach()
if(TARGET MPPlugin)
  set_property(TARGET MPPlugin APPEND PROPERTY INSTALL_RPATH
    "${LLVM_LIBRARY_DIR}")
endif()

# The package.
install(EXPORT MLIRTargets
  NAMESPACE MP::
  FILE MPTargets.cmake
  DESTINATION ${MP_INSTALL_PACKAGE_DIR}
  COMPONENT mp-cmake-exports)

set(MP_CONFIG_MLIR_DIR "${MLIR_DIR}")
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/MPConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lib/cmake/mp/MPConfig.cmake
  INSTALL_DESTINATION ${MP_INSTALL_PACKAGE_DIR}
  )
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/lib/cmake/mp/MPConfigVersion.cmake
  VERSION ${MP_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/lib/cmake/mp/MPConfig.cmake
  ${PROJECT_BINARY_DIR}/lib/cmake/mp/MPConfigVersion.cmake
  DESTINATION ${MP_INSTALL_PACKAGE_DIR}
  COMPONENT mp-cmake-exports)
