#!/bin/sh
# Creates the system user gocker and gives it subordinate uid and gid ranges (65536 ids each in
# /etc/subuid and /etc/subgid): what `gockerd --userns-remap default` maps container ids onto, as
# dockerd does with its dockremap user. The account owns no files and cannot log in; only its
# ranges matter. Its primary group is gocker (scripts/add-gocker-group.sh runs first).
#
# Idempotent: an existing user keeps its ranges; a user without ranges gets the first 65536 ids
# above every range already given out in either file, so no two users share host ids.
#
# Usage: add-gocker-user.sh [ROOT]
#   ROOT  work on ROOT/etc/{passwd,group,shadow,subuid,subgid} instead of /etc (tests)
set -eu

root=${1:-}
user=gocker
count=65536

if ! grep -q "^$user:" "$root/etc/passwd"; then
  useradd ${root:+--prefix "$root"} --system --gid gocker --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "gocker user namespace remapping" "$user"
fi

has_range() { [ -f "$1" ] && grep -q "^$user:" "$1"; }
if has_range "$root/etc/subuid" && has_range "$root/etc/subgid"; then exit 0; fi

# The first free start at or above 100000 (login.defs' SUB_UID_MIN) past every listed range.
start=$(cat "$root/etc/subuid" "$root/etc/subgid" 2>/dev/null |
  awk -F: -v first=100000 'NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { end = $2 + $3; if (end > first) first = end }
                           END { printf "%d\n", first }')
end=$((start + count - 1))
has_range "$root/etc/subuid" || usermod ${root:+--prefix "$root"} --add-subuids "$start-$end" "$user"
has_range "$root/etc/subgid" || usermod ${root:+--prefix "$root"} --add-subgids "$start-$end" "$user"
