#!/usr/bin/env bash
# The chart's alert rules: promtool checks their syntax and runs their unit tests (each alert
# firing and not firing, its annotations rendered); see alerts_test.yaml.
set -euo pipefail
cd "$(dirname "$0")"
promtool=$(bash ../../hack/promtool.sh)
"$promtool" check rules ../../charts/x3ui-operator/files/alerts.yaml
"$promtool" test rules alerts_test.yaml
