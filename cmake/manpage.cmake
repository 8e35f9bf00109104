# At install time (install(SCRIPT)): writes DKIMARC_MAN_IN to DKIMARC_MAN_OUT with each
# PREFIX/<dir>/ made the installed directory, from DKIMARC_MAN_DIRS ("dir=installdir;...",
# installdir relative to CMAKE_INSTALL_PREFIX unless absolute).
file(READ "${DKIMARC_MAN_IN}" page)
foreach(pair IN LISTS DKIMARC_MAN_DIRS)
  string(REGEX REPLACE "=.*" "" from "${pair}")
  string(REGEX REPLACE "^[^=]*=" "" to "${pair}")
  if(NOT IS_ABSOLUTE "${to}")
    set(to "${CMAKE_INSTALL_PREFIX}/${to}")
  endif()
  string(REPLACE "PREFIX/${from}/" "${to}/" page "${page}")
endforeach()
if(page MATCHES "PREFIX/")
  message(FATAL_ERROR "${DKIMARC_MAN_IN}: a PREFIX/ path without an installed directory")
endif()
file(WRITE "${DKIMARC_MAN_OUT}" "${page}")
