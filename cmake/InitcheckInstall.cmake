include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS initcheck initcheck_cli EXPORT initcheckTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The public headers: every header but those of a module's detail/ folder (internals, e.g. the
# Boost.Math policy; Boost is a build-only dependency). No public header includes a detail one
# (tests/package/check_installed_headers.cmake checks the installed tree).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/initcheck DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "detail" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/sweep.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/initcheck)
install(EXPORT initcheckTargets NAMESPACE initcheck::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/initcheck)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/initcheckConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/initcheckConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/initcheck)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/initcheckConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/initcheckConfig.cmake ${PROJECT_BINARY_DIR}/initcheckConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/initcheck)
