# What `cmake --install` puts where, and the Debian package `cpack -G DEB` builds from it.
#
#   <prefix>/bin/person-import                              the program
#   <prefix>/lib/systemd/system/person-import.service       the service unit
#   /etc/person-import/person-import.toml                   the configuration (when absent)
#   <prefix>/share/person-import/person-import.toml         the documented example, always
#   <prefix>/share/person-import/openssh/                   sshd_config snippet, account script
#   <prefix>/share/man/man1/person-import.1                 the manual
#   <prefix>/share/bash-completion/completions/person-import
#   <prefix>/share/doc/person-import/                       README, file format, decisions,
#                                                           systemd.md (running the service)
#
# The unit and the OpenSSH snippet name the program as /usr/bin/person-import (the package's
# path); installed elsewhere, they are written with the install prefix's path instead, so that
# they always agree with where the program is.
include(GNUInstallDirs)

install(TARGETS person-import RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Files that name the program: copied at install time with its installed path.
function(install_naming_the_program source destination permissions)
  get_filename_component(name ${source} NAME)
  install(CODE "
    file(READ \"${PROJECT_SOURCE_DIR}/${source}\" text)
    string(REPLACE \"/usr/bin/person-import\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/person-import\" text \"\${text}\")
    file(WRITE \"${PROJECT_BINARY_DIR}/installed/${name}\" \"\${text}\")
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${destination}\" TYPE FILE
         FILE_PERMISSIONS ${permissions} FILES \"${PROJECT_BINARY_DIR}/installed/${name}\")
  ")
endfunction()
install_naming_the_program(systemd/person-import.service lib/systemd/system
                           "OWNER_READ;OWNER_WRITE;GROUP_READ;WORLD_READ")
install_naming_the_program(config/openssh/person-import-sftp.conf
                           ${CMAKE_INSTALL_DATADIR}/person-import/openssh
                           "OWNER_READ;OWNER_WRITE;GROUP_READ;WORLD_READ")
install(PROGRAMS config/openssh/add-company-account.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/person-import/openssh)

# The configuration: in /etc (not under the prefix, where the program looks for it) only when
# none is there, so that reinstalling never overwrites an administrator's file; the pristine
# example always beside the program's data.
install(FILES config/person-import.toml DESTINATION ${CMAKE_INSTALL_DATADIR}/person-import)
install(CODE "
  set(config \"\$ENV{DESTDIR}/etc/person-import/person-import.toml\")
  if(EXISTS \"\${config}\")
    message(STATUS \"Kept: \${config}\")
  else()
    file(INSTALL DESTINATION /etc/person-import TYPE FILE
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES \"${PROJECT_SOURCE_DIR}/config/person-import.toml\")
  endif()
")

install(FILES docs/person-import.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES packaging/bash-completion/person-import
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES README.md docs/file-format.md docs/decisions.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/person-import)
install(FILES systemd/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/person-import
        RENAME systemd.md)

# ---- the Debian package ----------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME person-import)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "person-import maintainers <person-import@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "batch person import for a mobile engagement platform: daemon, SFTP intake and command line")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# The shared libraries the program loads, found by dpkg-shlibdeps (Debian's own dependency
# lines: libsqlite3-0, libssh-4, libpqxx-6.4, ...); useradd is in passwd, which is required.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-server, postgresql-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles;${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
