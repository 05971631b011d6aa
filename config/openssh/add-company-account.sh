#!/usr/bin/env bash
# Sets up one company for uploads through the host's OpenSSH server
# (config/openssh/person-import-sftp.conf; README.md, "An external OpenSSH server"):
#
#   add-company-account.sh COMPANY DROP_ROOT [DAEMON_GROUP [DAEMON_USER]]
#
# - a system account named COMPANY (the company key): no password, no shell
#   (/usr/sbin/nologin), home "/", member of the Match group of the sshd_config snippet
#   ($PERSON_IMPORT_SFTP_GROUP, default person-import-sftp, created if missing);
# - DROP_ROOT/COMPANY, the chroot: root:root 0755 (sshd refuses a chroot, or any folder above
#   it, that is not root-owned or is writable by group or others);
# - DROP_ROOT/COMPANY/inbox: COMPANY:DAEMON_GROUP 2770. The company uploads; the daemon's group
#   reads the uploads and moves them out (so no sticky bit: it would forbid that); setgid, so
#   every upload belongs to DAEMON_GROUP;
# - DROP_ROOT/COMPANY/outbox: DAEMON_USER:COMPANY 2750. The daemon writes the results; the
#   company's own group reads them (setgid: every result belongs to the COMPANY group); the
#   company cannot change anything there;
# - DROP_ROOT/.person-import (the daemon's default state_dir), DAEMON_USER:DAEMON_GROUP 0750,
#   when missing: a root-owned drop root does not let the daemon create it.
#
# DAEMON_GROUP and DAEMON_USER default to person-import (systemd/person-import.service).
# Idempotent: running it again fixes ownership and modes and changes nothing else. An existing
# account not made by this script (another comment field) is refused, never changed: a company
# key such as "mail" or "backup" must not take over a system account.
# Run as root. The company itself (and its keys) goes into the database with
# `person-import companies add COMPANY --authorized-key FILE`.
set -euo pipefail

usage() {
  echo "usage: $0 COMPANY DROP_ROOT [DAEMON_GROUP [DAEMON_USER]]" >&2
  exit 2
}
[ $# -ge 2 ] && [ $# -le 4 ] || usage
company=$1
drop_root=$2
daemon_group=${3:-person-import}
daemon_user=${4:-person-import}
sftp_group=${PERSON_IMPORT_SFTP_GROUP:-person-import-sftp}
# Marks the accounts this script made (the passwd comment field).
marker="person-import company"

fail() {
  echo "$0: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (useradd, chown)"
# The company key rule (core/common/company_key.h), and at most 32 characters: the longest
# account name useradd accepts.
[[ $company =~ ^[a-z0-9][a-z0-9_-]{0,31}$ ]] ||
  fail "invalid company key \"$company\" for an account: 1-32 lowercase letters, digits, '-' or '_', starting with a letter or digit"
[[ $drop_root == /* ]] || fail "DROP_ROOT must be an absolute path (sshd's ChrootDirectory is)"
[ -d "$drop_root" ] || fail "$drop_root is not a directory"
getent group "$daemon_group" >/dev/null || fail "no group $daemon_group (the daemon's group)"
id -u "$daemon_user" >/dev/null 2>&1 || fail "no user $daemon_user (the daemon's user)"

# sshd's rule for a chroot: every folder from / down to it root-owned and not writable by group
# or others. Checked here so the mistake shows now rather than as a refused login.
folder=$(realpath -e "$drop_root")
while :; do
  read -r owner mode < <(stat -c '%u %a' "$folder")
  if [ "$owner" -ne 0 ] || (((8#$mode & 8#022) != 0)); then
    fail "$folder must be owned by root and not writable by group or others (sshd's ChrootDirectory rule); it is uid $owner, mode $mode"
  fi
  [ "$folder" = / ] && break
  folder=$(dirname "$folder")
done

# The Match group of person-import-sftp.conf.
getent group "$sftp_group" >/dev/null || groupadd --system "$sftp_group"

# The account: its own group (named like it, used for the outbox), no password ('*' can match
# no password, and unlike useradd's '!' it does not count as locked, which sshd without PAM
# would refuse even for a key), no shell, home "/" (inside the chroot).
if getent passwd "$company" >/dev/null; then
  comment=$(getent passwd "$company" | cut -d: -f5)
  [ "$comment" = "$marker" ] ||
    fail "account $company exists and was not made by this script (comment \"$comment\"): refusing to change it"
  usermod --home / --shell /usr/sbin/nologin --append --groups "$sftp_group" "$company"
else
  useradd --system --user-group --no-create-home --home-dir / --shell /usr/sbin/nologin \
    --comment "$marker" --groups "$sftp_group" "$company"
fi
usermod --password '*' "$company"

# The folders: create what is missing, then set owner and mode every time.
chroot_dir=$drop_root/$company
install -d -o root -g root -m 0755 "$chroot_dir"
install -d -o "$company" -g "$daemon_group" -m 2770 "$chroot_dir/inbox"
install -d -o "$daemon_user" -g "$company" -m 2750 "$chroot_dir/outbox"
if [ ! -e "$drop_root/.person-import" ]; then
  install -d -o "$daemon_user" -g "$daemon_group" -m 0750 "$drop_root/.person-import"
fi
echo "company $company: account and folders ready under $chroot_dir" >&2
