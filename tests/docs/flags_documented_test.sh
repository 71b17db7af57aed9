#!/usr/bin/env bash
# The flag table of README.md ("Configuration (flags)") against the binary: every flag
# x3ui-operator --help lists is in the table, and every flag the table, the Helm chart's Deployment
# and kustomize's manager pass is one the binary knows (a renamed flag would leave the docs or a
# pod's arguments wrong).
# Usage: flags_documented_test.sh OPERATOR_BINARY
set -uo pipefail
op=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
failed=0
known=$("$op" --help 2>&1 | grep -o '^  --[a-z-]*' | sed 's/^  //' | sort -u)
table=$(sed -n '/^## Configuration (flags)/,/^## /p' "$root/README.md")
for f in $known; do
  grep -q -- "\`$f[\` ]" <<<"$table" || { echo "FAIL: $f is not in README.md's flag table"; failed=1; }
done
documented=$(grep -o '^| `--[a-z-]*\|, `--[a-z-]*' <<<"$table" | grep -o -- '--[a-z-]*' | sort -u)
passed_by_manifests=$(grep -ho -- '- --[a-z-]*' "$root/charts/x3ui-operator/templates/manager/deployment.yaml" \
  "$root/manifests/manager/manager.yaml" | sed 's/^- //' | sort -u)
for f in $documented $passed_by_manifests; do
  grep -qx -- "$f" <<<"$known" || { echo "FAIL: $f (README.md or a manifest) is not a flag of x3ui-operator"; failed=1; }
done
[ "$(wc -w <<<"$known")" -gt 20 ] || { echo "FAIL: --help listed too few flags"; failed=1; }
[ $failed -eq 0 ] && echo "every flag documented, every documented or passed flag known"
exit $failed
