# Developer targets that run the repository's checks from any build tree (the scripts do the work):
#   format-check  fail on files that clang-format-14 would change   (scripts/format.sh --check)
#   format        clang-format them in place                         (scripts/format.sh)
#   tidy          clang-tidy-14 over this build's compile commands  (scripts/tidy.sh)
add_custom_target(format-check
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/format.sh --check
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} USES_TERMINAL VERBATIM)
add_custom_target(format
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/format.sh
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} USES_TERMINAL VERBATIM)
add_custom_target(tidy
  COMMAND ${CMAKE_COMMAND} -E env STRATA_TIDY_BUILD_DIR=${PROJECT_BINARY_DIR}
          ${PROJECT_SOURCE_DIR}/scripts/tidy.sh
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} USES_TERMINAL VERBATIM)
