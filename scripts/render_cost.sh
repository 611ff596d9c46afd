#!/usr/bin/env bash
# Per-render cost of lockgate's Helm engine on corpus charts, counted by callgrind (the
# counts repeat even on a busy machine, unlike wall time), for A/B comparisons:
#
#   scripts/render_cost.sh [--bin LOCKGATE] [--compat-dir DIR] [CHART...]
#
# LOCKGATE is a release build of the CLI (`cargo build --release -p lockgate`); its
# `bench` command renders a loaded chart N times, and only the renders are counted.
# Each chart is rendered 1 and 11 times; the difference over 10 is one render: its
# instructions and an estimated cycle count (instructions + 15 per mispredicted branch
# + 10 per L1 miss + 60 per last-level miss, from callgrind's cache and branch models).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/lockgate
compat=../shared/helm-compat
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --compat-dir) compat=$2; shift 2 ;;
    *) break ;;
  esac
done
charts=("$@")
if [[ ${#charts[@]} -eq 0 ]]; then
  charts=(helm-create helm-subpop metrics-server podinfo sealed-secrets kube-state-metrics
          argo-workflows ingress-nginx grafana)
fi
command -v valgrind >/dev/null || { echo "render_cost: valgrind is not installed" >&2; exit 2; }
[[ -x $bin ]] || { echo "render_cost: $bin not found: cargo build --release -p lockgate" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
totals() {  # N CHART -> callgrind's totals line
  valgrind --tool=callgrind --branch-sim=yes --cache-sim=yes \
    --callgrind-out-file="$tmp/out" --toggle-collect='*render_loaded*' \
    "$bin" bench "$compat/corpus/$2" --iterations "$1" >/dev/null 2>&1
  grep -E '^(summary|totals):' "$tmp/out" | head -1
}
printf '%-30s %14s %14s\n' chart instructions est.cycles
for ch in "${charts[@]}"; do
  one=$(totals 1 "$ch")
  eleven=$(totals 11 "$ch")
  python3 - "$ch" "$one" "$eleven" <<'PY'
import sys
ev = "Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim".split()
a = list(map(int, sys.argv[2].split()[1:]))
b = list(map(int, sys.argv[3].split()[1:]))
d = {e: (y - x) / 10 for e, x, y in zip(ev, a, b)}
cyc = (d["Ir"] + 15 * (d["Bcm"] + d["Bim"]) + 10 * (d["I1mr"] + d["D1mr"] + d["D1mw"])
       + 60 * (d["ILmr"] + d["DLmr"] + d["DLmw"]))
print(f"{sys.argv[1]:30} {int(d['Ir']):14d} {int(cyc):14d}")
PY
done
