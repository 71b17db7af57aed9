#!/usr/bin/env bash
# Builds what the Dockerfile builds, with the Dockerfile's own instructions, on this machine
# (there is no container engine here): the build stage's packages must be installed, its COPY
# lines alone make the source tree (a file the build needs but no COPY brings fails here), its
# RUN lines run as written with the stage's absolute paths under a scratch root, and the runtime
# stage's COPY --from must find the binary, which then answers --version as the image's USER.
# hack/image-chroot.sh does the same in Debian chroots, package lists included.
# Usage: dockerfile_build_test.sh SCRATCH_DIR
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
. "$root/tests/e2e/lib.sh"
. "$root/hack/dockerfile.sh"
rm -rf "$work"; mkdir -p "$work"
stage_root() { echo "$work/stage-$1"; }
# The same compiler cache as the rest of the suite, with paths taken relative to the stage root.
export CCACHE_BASEDIR=$work

declare -A workdir user entrypoint
while IFS=$'\t' read -r stage instr args; do
  r=$(stage_root "$stage"); mkdir -p "$r"
  cwd="$r${workdir[$stage]:-/}"
  case $instr in
    FROM|EXPOSE) ;;
    WORKDIR) workdir[$stage]=$args; mkdir -p "$r$args" ;;
    USER) user[$stage]=$args ;;
    ENTRYPOINT) entrypoint[$stage]=$args ;;
    COPY)
      set -- $args
      if [[ $1 == --from=* ]]; then
        from=${1#--from=}
        check "COPY --from=$from finds $2 in stage $from" test -f "$(stage_root "$from")$2"
        mkdir -p "$(dirname "$r$3")"; cp -a "$(stage_root "$from")$2" "$r$3"
      else
        dst=$2; [[ $dst == /* ]] || dst="$cwd/$dst"
        check "stage $stage: COPY $args finds its source" dockerfile_copy "$root/$1" "$dst"
      fi ;;
    RUN)
      pkgs=$(dockerfile_apt_packages "$args")
      if [ -n "$pkgs" ]; then
        # The package steps are what the chroot script proves; here the machine must have them.
        missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
        check "stage $stage's packages are installed (missing: ${missing:-none})" test -z "$missing"
        continue
      fi
      # The stage's absolute paths (/build, /src) move under its scratch root.
      cmd=${args// \// $r/}
      echo "stage $stage: RUN $cmd"
      check "stage $stage: RUN ${args:0:60}... succeeds" bash -c "cd '$cwd' && $cmd" ;;
    *) check "the Dockerfile's $instr instruction is one this test knows" false ;;
  esac
done < <(dockerfile_steps "$root/Dockerfile")

final=$(dockerfile_steps "$root/Dockerfile" | tail -n 1 | cut -f1)
r=$(stage_root "$final")
mapfile -t argv < <(dockerfile_entrypoint "${entrypoint[$final]}")
uid=${user[$final]%%:*} gid=${user[$final]##*:}
check "the image runs as a numeric non-root user (${user[$final]})" test "$uid" -gt 0
out=$(setpriv --reuid="$uid" --regid="$gid" --clear-groups "$r${argv[0]}" "${argv[@]:1}" --version 2>&1)
echo "--version: $out"
check "the entrypoint answers --version as user $uid" grep -qE '^x3ui-operator [0-9]+\.[0-9]+\.[0-9]+ ' <<<"$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
