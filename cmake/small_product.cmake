# The product of the odd primes below 2^20 (lib/rsamod.c), made at build time
# by lib/gen/small_product.c (GMP) into ${SMALL_PRODUCT_C}: for the main build
# and the fuzz build alike. Include it where the GMP target is known and, in
# a sanitized build, before the sanitizer options (it is a host tool).
get_filename_component(_sp_repo ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(SMALL_PRODUCT_C ${CMAKE_BINARY_DIR}/gen/small_product_data.c)
add_executable(small_product ${_sp_repo}/lib/gen/small_product.c)
target_link_libraries(small_product PRIVATE PkgConfig::GMP)
add_custom_command(OUTPUT ${SMALL_PRODUCT_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gen
  COMMAND small_product ${SMALL_PRODUCT_C}
  DEPENDS small_product VERBATIM)
