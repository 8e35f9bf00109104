# API reference: Doxygen over include/dkimarc.h and its parts, built with everything else
# when Doxygen is installed. docs/Doxyfile.in makes every warning fatal, so an
# undocumented public declaration fails the build with its file and line.

option(DKIMARC_DOCS "Build the API reference with Doxygen when it is installed" ON)

if(DKIMARC_DOCS)
  find_package(Doxygen QUIET)
  if(DOXYGEN_FOUND)
    set(DKIMARC_APIDOCS_DIR ${PROJECT_BINARY_DIR}/docs/api)
    file(GLOB DKIMARC_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/dkimarc/*.h)
    configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/Doxyfile @ONLY)
    # The stamp is written only when doxygen succeeds, so a failed run is
    # retried by the next build instead of leaving half a reference behind.
    add_custom_command(
      OUTPUT ${DKIMARC_APIDOCS_DIR}/html.stamp
      COMMAND ${CMAKE_COMMAND} -E rm -rf ${DKIMARC_APIDOCS_DIR}/html
      COMMAND ${CMAKE_COMMAND} -E make_directory ${DKIMARC_APIDOCS_DIR}
      COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/Doxyfile
      COMMAND ${CMAKE_COMMAND} -E touch ${DKIMARC_APIDOCS_DIR}/html.stamp
      DEPENDS ${PROJECT_SOURCE_DIR}/include/dkimarc.h ${DKIMARC_PUBLIC_HEADERS}
        ${PROJECT_SOURCE_DIR}/docs/api.md
        ${PROJECT_BINARY_DIR}/Doxyfile
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      COMMENT "API reference (Doxygen): every public declaration must be documented"
      VERBATIM)
    add_custom_target(apidocs ALL DEPENDS ${DKIMARC_APIDOCS_DIR}/html.stamp)
    install(DIRECTORY ${DKIMARC_APIDOCS_DIR}/html/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/api)
  else()
    message(STATUS "Doxygen not found: the API reference is not built")
  endif()
endif()
