#!/bin/sh
# Creates the system groups a sysusers.d(5) file declares ("g NAME -" lines; gocker has only the
# group gocker): through systemd-sysusers where it exists, else with groupadd --system, which has
# the same effect (a gid from the system range, nothing done when the group exists).
#
# Usage: add-gocker-group.sh [SYSUSERS_FILE [ROOT]]
#   SYSUSERS_FILE  default: systemd/gocker.sysusers next to this script
#   ROOT           work on ROOT/etc/group instead of /etc/group (tests)
set -eu

file=${1:-$(dirname "$0")/../systemd/gocker.sysusers}
root=${2:-}
[ -r "$file" ] || { echo "add-gocker-group: cannot read $file" >&2; exit 1; }

if command -v systemd-sysusers >/dev/null 2>&1; then
  # On stdin: with --root, a path argument would be looked up inside ROOT.
  systemd-sysusers ${root:+--root="$root"} - < "$file"
else
  # Only the line type gocker uses: a group with an automatically chosen gid.
  awk '$1 == "g" && ($3 == "-" || $3 == "") { print $2 }' "$file" | while read -r group; do
    groupadd --force --system ${root:+--prefix "$root"} "$group"
  done
fi
