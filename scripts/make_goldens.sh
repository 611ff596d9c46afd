#!/usr/bin/env bash
# Regenerates the golden `helm template` outputs of the test charts with real Helm v4
# (the oracle in the compatibility material). Dev-time only: the goldens are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
compat=${HELM_COMPAT_DIR:-../shared/helm-compat}
py=.venv/bin/python
charts=shared/helm/tests/charts
out=shared/helm/tests/golden
mkdir -p "$out"
# name | chart dir | extra oracle args
while IFS='|' read -r name chart args; do
  [ -n "$name" ] || continue
  # shellcheck disable=SC2086
  "$py" "$compat/oracle.py" "$charts/$chart" --stdout $args > "$out/$name.txt"
  echo "$out/$name.txt"
done <<'LIST'
webapp-default|webapp|
webapp-ingress|webapp|-f shared/helm/tests/charts/webapp/ci/ingress-values.yaml --name prod -n web
webapp-crds-skiptests|webapp|--include-crds --skip-tests --kube-version v1.30.0
webapp-set|webapp|--set replicaCount=5 --set image.tag=v9 --set-string env.RETRIES=7 --set env.LIST={a,b} --set cache.enabled=false
LIST
