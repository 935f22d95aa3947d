# Runs after CPack has written the packages (CPACK_POST_BUILD_SCRIPTS in packaging/CMakeLists.txt). CPack
# 3.25 writes the -dbgsym package with an md5sums file that lists build-tree paths, .debug files marked
# executable and no copyright; this rebuilds it as debhelper makes one: md5sums of the installed paths,
# .debug files 0644, and /usr/share/doc/<name>-dbgsym a symlink to the main package's documentation.

find_program(LENS_DPKG_DEB dpkg-deb REQUIRED)
foreach(package IN LISTS CPACK_PACKAGE_FILES)
    if(NOT package MATCHES "\\.ddeb$")
        continue()
    endif()
    set(tree "${package}.tree")
    file(REMOVE_RECURSE "${tree}")
    execute_process(COMMAND ${LENS_DPKG_DEB} --raw-extract "${package}" "${tree}" COMMAND_ERROR_IS_FATAL ANY)

    file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${tree}" "${tree}/usr/*")
    list(SORT files)
    set(md5sums "")
    foreach(path IN LISTS files)
        file(CHMOD "${tree}/${path}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
        file(MD5 "${tree}/${path}" md5)
        string(APPEND md5sums "${md5}  ${path}\n")
    endforeach()
    file(WRITE "${tree}/DEBIAN/md5sums" "${md5sums}")

    file(STRINGS "${tree}/DEBIAN/control" name REGEX "^Package: ")
    file(STRINGS "${tree}/DEBIAN/control" depends REGEX "^Depends: ")
    string(REGEX REPLACE "^Package: " "" name "${name}")
    string(REGEX REPLACE "^Depends: ([^ ]+).*" "\\1" main "${depends}")
    file(MAKE_DIRECTORY "${tree}/usr/share/doc")
    file(CREATE_LINK "${main}" "${tree}/usr/share/doc/${name}" SYMBOLIC)

    execute_process(COMMAND ${LENS_DPKG_DEB} --root-owner-group -Zxz --build "${tree}" "${package}"
                    OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
    file(REMOVE_RECURSE "${tree}")
endforeach()
