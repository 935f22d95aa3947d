# Runs at install time (install(SCRIPT) in packaging/CMakeLists.txt) for a build against a LibTorch that no
# Debian package provides: copies every shared library that the executables LENS_BUNDLE_EXECUTABLES load
# from under one of the folders LENS_BUNDLE_ROOTS into LENS_BUNDLE_DESTINATION (below $DESTDIR), keeping
# their symlinks. Libraries elsewhere (the system's) are left to the package's dependencies.

set(include_regexes)
foreach(root IN LISTS LENS_BUNDLE_ROOTS)
    string(REGEX REPLACE "([][+.*()^$?|\\\\{}])" "\\\\\\1" escaped "${root}")
    list(APPEND include_regexes "^${escaped}/")
endforeach()
file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${LENS_BUNDLE_EXECUTABLES}
    RESOLVED_DEPENDENCIES_VAR libraries
    UNRESOLVED_DEPENDENCIES_VAR unresolved # e.g. the NVIDIA driver's libcuda.so.1, which the target has
    POST_INCLUDE_REGEXES ${include_regexes}
    POST_EXCLUDE_REGEXES ".*")
if(NOT libraries)
    message(FATAL_ERROR "No library of the executables lies under ${LENS_BUNDLE_ROOTS}: nothing to bundle")
endif()
foreach(library IN LISTS libraries)
    file(INSTALL "${library}" DESTINATION "${LENS_BUNDLE_DESTINATION}" FOLLOW_SYMLINK_CHAIN)
endforeach()
