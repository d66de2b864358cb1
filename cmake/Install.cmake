# Install rules and the cnnc package: `cmake --install <build> --prefix P` gives
#   P/bin/cnnc, P/lib/libcnnc_runtime.a, P/include/cnn/*.hpp, and in P/lib/cmake/cnnc/ the
#   package config (targets cnnc::cnnc and cnnc::runtime), cnn_add_model and the trainer's main,
# so that another project does find_package(cnnc) and cnn_add_model(<name> <file.cnn>).
include(CMakePackageConfigHelpers)

set(CNNC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cnnc
    CACHE STRING "Where the cnnc package config is installed, under the prefix")

install(TARGETS cnnc EXPORT cnncTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS cnnc_runtime EXPORT cnncTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/cnn
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT cnncTargets NAMESPACE cnnc:: DESTINATION ${CNNC_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cnncConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/cnncConfig.cmake
                              INSTALL_DESTINATION ${CNNC_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the language or the generated API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cnncConfig.cmake ${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CnnAddModel.cmake
              ${PROJECT_SOURCE_DIR}/runtime/train_main.cpp.in
        DESTINATION ${CNNC_INSTALL_CMAKEDIR})
