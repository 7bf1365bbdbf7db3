#!/bin/sh
# Builds the built-in busybox image's rootfs as a reproducible tarball: the static busybox binary,
# a link per applet, /etc/passwd and /etc/group, and the mount points a container needs.
#
# Every entry's mtime is the busybox build's date: SOURCE_DATE_EPOCH when set (reproducible-builds
# convention), else the binary's mtime, which dpkg sets from the package (Debian builds stamp it
# with the changelog date). gockerd takes the image's Created time from it, so `images` shows when
# this busybox was built, and the image id stays the same for one busybox build.
set -eu
busybox_binary=$1
output=$2
epoch=${SOURCE_DATE_EPOCH:-$(stat -L -c %Y "$busybox_binary")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" \
         "$root/home" "$root/var" "$root/usr/bin" "$root/usr/sbin" "$root/sbin"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox_binary" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
# Hard links, as the upstream busybox image ships them: one inode, no symlink hops.
for applet in $("$busybox_binary" --list-full); do
  case $applet in bin/busybox) continue ;; esac
  mkdir -p "$root/$(dirname "$applet")"
  ln -f "$root/bin/busybox" "$root/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:12:
www-data:x:33:
users:x:100:
nogroup:x:65534:
GROUP
touch "$root/etc/hostname" "$root/etc/hosts" "$root/etc/resolv.conf"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$root" -cf "$output.tmp" .
mv "$output.tmp" "$output"
