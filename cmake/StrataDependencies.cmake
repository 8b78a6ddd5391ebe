# Finds the libraries the strata library itself links against (all from Debian packages).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(xsimd REQUIRED)
# Debian's xsimd target names a library "xtl" that does not exist; xsimd is header-only, so use its
# include directory and not the target.
get_target_property(STRATA_XSIMD_INCLUDE_DIRS xsimd INTERFACE_INCLUDE_DIRECTORIES)
find_package(nlohmann_json REQUIRED)
find_package(ZLIB REQUIRED)
# LMDB ships only a pkg-config file on Debian.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
