# `cmake --install`: the libraries (shared and static), the public headers, the fetchpool
# binary, its man page and bash, zsh and fish completions, a CMake package (find_package(fetchpool) ->
# fetchpool::fetchpool, fetchpool::fetchpool_static) and a pkg-config file.

include(CMakePackageConfigHelpers)

set(FETCHPOOL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fetchpool)

install(TARGETS fetchpool_shared fetchpool_lib EXPORT fetchpoolTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS fetchpool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/fetchpool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT fetchpoolTargets NAMESPACE fetchpool:: DESTINATION ${FETCHPOOL_CMAKE_DIR})

configure_package_config_file(cmake/fetchpoolConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/fetchpoolConfig.cmake
  INSTALL_DESTINATION ${FETCHPOOL_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/fetchpoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fetchpoolConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/fetchpoolConfigVersion.cmake
  DESTINATION ${FETCHPOOL_CMAKE_DIR})

# Relocatable: the prefix is wherever the .pc file is found, as with --prefix at install time.
file(RELATIVE_PATH FETCHPOOL_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(cmake/fetchpool.pc.in ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The man page and the completions come from the binary itself, from the same option table
# that prints --help.
set(FETCHPOOL_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.1 ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.bash
  ${CMAKE_CURRENT_BINARY_DIR}/_fetchpool ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.fish)
add_custom_command(OUTPUT ${FETCHPOOL_GENERATED}
  COMMAND fetchpool --generate man > ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.1
  COMMAND fetchpool --generate bash-completion > ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.bash
  COMMAND fetchpool --generate zsh-completion > ${CMAKE_CURRENT_BINARY_DIR}/_fetchpool
  COMMAND fetchpool --generate fish-completion > ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.fish
  DEPENDS fetchpool
  COMMENT "Generating the man page and the bash, zsh and fish completions")
add_custom_target(fetchpool_docs ALL DEPENDS ${FETCHPOOL_GENERATED})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME fetchpool)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/_fetchpool DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fetchpool.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
