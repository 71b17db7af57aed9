#!/usr/bin/env bash
# Builds the image the Dockerfile describes without a container engine, in Debian chroots made by
# debootstrap, and runs its entrypoint as the image's user: the build stage in a minimal bookworm
# (what the debian:bookworm image is) with only the packages its RUN installs, the runtime stage
# in a minimal bookworm trimmed as bookworm-slim is (no documentation, manuals or locales) with
# only its own packages. A missing build package, COPY line or runtime library fails here, before
# anyone builds the image.
#
# Usage: hack/image-chroot.sh [WORK_DIR]      (as root; the chroots stay in WORK_DIR when it is
# given, else they go in a temporary folder removed at the end)
# Took 412 s on 2 cores (57 s of it the one-time debootstrap, 300 s the Release build inside the
# chroot, with the test suite's build running beside it), so the test
# suite does not run it (tests/e2e/dockerfile_build_test.sh builds the same stage on the machine
# itself). The bookworm base is downloaded once and kept in /var/cache/x3ui-operator.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/hack/dockerfile.sh"

if [ "$(id -u)" -ne 0 ]; then echo "image-chroot: run as root (chroot, mount)" >&2; exit 2; fi
# Private mounts: /proc and /dev inside the chroots vanish with this process, however it ends.
if [ -z "${IMAGE_CHROOT_UNSHARED:-}" ]; then
  IMAGE_CHROOT_UNSHARED=1 exec unshare --mount --propagation private "$0" "$@"
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

declare -A rootfs workdir user entrypoint
# The chroots' /proc and /dev go before anything is removed (/dev is the host's, bound).
unmount_all() {
  local r
  for r in "${rootfs[@]}"; do umount -l "$r/dev" 2>/dev/null || true; umount -l "$r/proc" 2>/dev/null || true; done
}
if [ -n "${1:-}" ]; then
  work=$1
  trap unmount_all EXIT
else
  work=$(mktemp -d)
  trap 'unmount_all; rm -rf --one-file-system "$work"' EXIT
fi
mkdir -p "$work"
cache=/var/cache/x3ui-operator
base=$cache/bookworm-minbase.tar
started=$SECONDS
log() { printf 'image-chroot: [%4ds] %s\n' $((SECONDS - started)) "$*"; }

# The machine's own Debian mirror (deb822 or one-line sources); the chroots use the same sources.
mirror=$(awk '/^Types:/ {deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/)} deb && /^URIs:/ {u=$2} deb && /^Suites:/ && /bookworm([ \t]|$)/ && u {print u; exit}' \
           /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "image-chroot: no bookworm entry in the machine's apt sources" >&2; exit 1; }

if [ ! -s "$base" ]; then
  log "debootstrap --variant=minbase bookworm (once per machine)"
  mkdir -p "$cache"; rm -rf "$work/base"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/base/var/cache/apt/archives/"*.deb
  tar -C "$work/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$work/base"
fi

new_stage() {  # $1 stage, $2 image
  local r=$work/rootfs-$1
  rm -rf --one-file-system "$r"; mkdir -p "$r"; tar -C "$r" -xf "$base"
  case $2 in
    debian:bookworm) ;;
    debian:bookworm-slim)
      # What turns debian:bookworm into bookworm-slim: dpkg leaves these paths out.
      cat >"$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
      rm -rf "$r/usr/share/doc/"*/[!c]* "$r/usr/share/man/"* "$r/usr/share/info/"* ;;
    *) echo "image-chroot: FROM $2 is not a bookworm image this script can make" >&2; exit 1 ;;
  esac
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  mount -t proc proc "$r/proc"
  mount --bind /dev "$r/dev"
  rootfs[$1]=$r
}
in_chroot() {  # $1 stage, $2 userspec (or ""), rest: command
  local st=$1 spec=$2; shift 2
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    chroot ${spec:+--userspec=$spec} "${rootfs[$st]}" "$@"
}

while IFS=$'\t' read -r stage instr args; do
  case $instr in
    FROM) log "stage $stage: FROM $args"; new_stage "$stage" "${args%% *}" ;;
    EXPOSE) ;;
    WORKDIR) workdir[$stage]=$args; mkdir -p "${rootfs[$stage]}$args" ;;
    USER) user[$stage]=$args ;;
    ENTRYPOINT) entrypoint[$stage]=$args ;;
    COPY)
      set -- $args
      if [[ $1 == --from=* ]]; then
        src=${rootfs[${1#--from=}]}$2 dst=${rootfs[$stage]}$3
        log "stage $stage: COPY $args"
        mkdir -p "$(dirname "$dst")"; cp -a "$src" "$dst"
      else
        dst=$2; [[ $dst == /* ]] || dst=${workdir[$stage]:-/}/$dst
        dst=${rootfs[$stage]}$dst
        dockerfile_copy "$root/$1" "$dst"
      fi ;;
    RUN)
      log "stage $stage: RUN ${args:0:100}..."
      in_chroot "$stage" "" /bin/sh -c "cd '${workdir[$stage]:-/}' && $args" >"$work/run.log" 2>&1 \
        || { tail -n 30 "$work/run.log"; echo "image-chroot: stage $stage: RUN failed" >&2; exit 1; } ;;
    *) echo "image-chroot: the Dockerfile's $instr instruction is not one this script carries out" >&2; exit 1 ;;
  esac
done < <(dockerfile_steps "$root/Dockerfile")

final=$(dockerfile_steps "$root/Dockerfile" | tail -n 1 | cut -f1)
mapfile -t argv < <(dockerfile_entrypoint "${entrypoint[$final]}")
log "stage $final: ${argv[*]} --version as ${user[$final]}"
out=$(in_chroot "$final" "${user[$final]}" "${argv[@]}" --version)
echo "$out"
grep -qE '^x3ui-operator [0-9]+\.[0-9]+\.[0-9]+ ' <<<"$out" || { echo "image-chroot: unexpected --version output" >&2; exit 1; }
in_chroot "$final" "${user[$final]}" "${argv[@]}" --help >/dev/null
log "the image's entrypoint runs as ${user[$final]} with only the runtime stage's packages ($(du -shx "${rootfs[$final]}" | cut -f1) root filesystem)"
