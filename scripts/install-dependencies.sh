#!/usr/bin/env bash
# Installs the Debian 12 packages person-import needs to build and test, when any is missing.
# Runs apt-get as root, or through sudo when not root. Safe to run again: it does nothing when
# everything is there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config     # compiler and build
  libsqlite3-dev                       # embedded storage
  libphonenumber-dev                   # mdn validation and the built-in carrier classifier
  libicu-dev                           # Unicode character properties (upper-case letters)
  nlohmann-json3-dev                   # reports, export, field definitions
  libspdlog-dev                        # logging
  libsimdjson-dev                      # fast UTF-8 validation of whole files
  libcli11-dev                         # command-line parsing
  libtoml11-dev                        # the daemon's configuration file (TOML: admins can comment it)
  libboost-dev                         # Boost.Asio: the daemon's worker pool and signal handling
  libssl-dev                           # OpenSSL EVP: the sha256 of each received file
  libssh-dev                           # the daemon's built-in SFTP server
  openssh-client                       # sftp, ssh, ssh-keygen: the SFTP tests and the demo's client
  catch2                               # tests (Catch2 v2)
  clang-format                         # the formatting gate
  clang-tidy                           # the clang-tidy gate (scripts/tidy.sh)
  clang libclang-rt-14-dev             # libFuzzer: the fuzz targets (scripts/fuzz.sh)
  time                                 # /usr/bin/time for the memory benchmark
  python3                              # benchmark file generator
  systemd                              # systemd-analyze: the tests verify systemd/person-import.service
  libpqxx-dev                          # PostgreSQL storage (libpqxx over libpq)
  postgresql-15                        # a private PostgreSQL instance for the tests (and psql)
  openssh-server                       # /usr/sbin/sshd: the test of config/openssh/ (external SFTP server)
  openssh-client                       # sftp, ssh, ssh-keygen: that test's stock clients
  dpkg-dev                             # dpkg-shlibdeps: the .deb's runtime dependencies (cpack -G DEB)
  groff-base                           # the test that renders the man page without warnings
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq
run_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
