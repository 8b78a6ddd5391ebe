# Finds the libraries the strata library itself links against (all from Debian packages).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(xsimd REQUIRED)
find_package(nlohmann_json REQUIRED)
