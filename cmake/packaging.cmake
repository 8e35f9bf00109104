# Binary packages with CPack: `cpack -G DEB` in a build directory makes one
# .deb with the two libraries, the command, the header, pkg-config and CMake files,
# the man pages, the API reference and the Python binding, installed under
# /usr. Dependencies come from dpkg-shlibdeps, so they match the libraries the
# build actually linked. tests/packaging/test_deb.sh checks the result.

set(CPACK_PACKAGE_NAME "dkimarc")
set(CPACK_PACKAGE_VENDOR "dkimarc")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "DKIM and ARC verification of stored mail against live DNS or archived keys")
set(CPACK_PACKAGE_DESCRIPTION
  "dkimarc tells whether an email is authentic by verifying its DKIM and ARC
signatures, against keys kept in archive files or live DNS, and gives every
message a verdict with its reasons and where each key came from. This package
holds the command dkimarc, the C libraries libdkimarc (the verifier, which
links no GLib) and libdkimarc-corpus (folders, maildirs and mbox files,
through GMime) with their headers, pkg-config and CMake files, the man pages,
the API reference and the Python binding.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES OFF)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "dkimarc maintainers <dkimarc@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The command links the library of the same package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}")
# A shlibs file and an ldconfig trigger for libdkimarc.so.0 and libdkimarc-corpus.so.0.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# Python binding: loads the library with ctypes, needs only the interpreter.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, publicsuffix")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_GENERATOR "DEB")
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "__pycache__")

include(CPack)
