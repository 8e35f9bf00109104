# Installs the Python binding (bindings/python/dkimarc) beside the library.
# The default place is Debian's for system packages, right for the .deb
# (prefix /usr); for another prefix, add <prefix>/lib/python3/dist-packages
# to PYTHONPATH or set DKIMARC_PYTHON_DIR. The package finds the library
# through the relative path written into _installed.py.

option(DKIMARC_PYTHON "Install the Python binding" ON)
set(DKIMARC_PYTHON_DIR "lib/python3/dist-packages" CACHE STRING
  "Where the Python package dkimarc is installed, relative to the prefix")

if(DKIMARC_PYTHON)
  if(IS_ABSOLUTE "${DKIMARC_PYTHON_DIR}")
    file(RELATIVE_PATH DKIMARC_PY_LIBDIR "${DKIMARC_PYTHON_DIR}/dkimarc"
      "${CMAKE_INSTALL_FULL_LIBDIR}")
  else()
    # Both relative to the prefix: right for any prefix, cpack's /usr included.
    file(RELATIVE_PATH DKIMARC_PY_LIBDIR "/p/${DKIMARC_PYTHON_DIR}/dkimarc"
      "/p/${CMAKE_INSTALL_LIBDIR}")
  endif()
  file(WRITE ${PROJECT_BINARY_DIR}/python/_installed.py
    "# Written by cmake --install: where libdkimarc is, from this package.\n"
    "LIBDIR_FROM_PACKAGE = \"${DKIMARC_PY_LIBDIR}\"\n")
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/python/dkimarc
    DESTINATION ${DKIMARC_PYTHON_DIR}
    FILES_MATCHING PATTERN "*.py" PATTERN "py.typed" PATTERN "__pycache__" EXCLUDE)
  install(FILES ${PROJECT_BINARY_DIR}/python/_installed.py
    DESTINATION ${DKIMARC_PYTHON_DIR}/dkimarc)
endif()
