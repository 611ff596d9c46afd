#!/usr/bin/env python3
"""Benchmark: lockgate's native engine against real Helm v4, side by side in one run.

    helm_bench.py --compat-dir ../shared/helm-compat --lockgate target/release/lockgate
                  [--iterations 15] [--cold-runs 3] [--only CHART]

In process: each corpus chart (default values) is loaded once, then rendered N times
(dependencies, values, every template) by Helm's Go SDK and by lockgate; the per-chart
ratio is Helm's median over lockgate's median. Cold: a whole `lockgate template` process
against a whole oracle process (`oracle.py CHART --no-raw`), median wall time.
Prints every chart and the medians over the corpus.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compat-dir", required=True)
    ap.add_argument("--lockgate", required=True)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--only")
    a = ap.parse_args()
    sys.path.insert(0, a.compat_dir)
    import oracle  # noqa: E402

    corpus_dir = os.path.join(a.compat_dir, "corpus")
    charts = sorted(c for c in os.listdir(corpus_dir) if not a.only or c == a.only)
    opts = {"name": "release-name", "namespace": "default", "revision": 1, "is_install": True}
    ratios, cold = [], []
    print(f"{'chart':32} {'helm ms':>9} {'lockgate ms':>12} {'ratio':>7}")
    for name in charts:
        path = os.path.join(corpus_dir, name)
        p = subprocess.run([a.lockgate, "bench", path, "--iterations", str(a.iterations)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{name:32} lockgate failed: {p.stderr.strip()[:80]}")
            continue
        ours = json.loads(p.stdout.splitlines()[-1])["median_ns"] / 1e6
        chart = oracle.helm.Chart.load(path)
        times = []
        opts_json = json.dumps(opts)
        try:
            for _ in range(a.iterations):
                # only Helm's own call (dependencies, values, render); the JSON it returns
                # is decoded outside the timed span
                t0 = time.perf_counter()
                out = oracle._native.call_string("helm_render", chart._raw(), "{}", opts_json)
                times.append(time.perf_counter() - t0)
                json.loads(out)
        except Exception as e:  # noqa: BLE001  (Helm refused the chart)
            print(f"{name:32} helm failed: {str(e)[:80]}")
            continue
        finally:
            chart.close()
        helm_ms = statistics.median(times) * 1e3
        ratio = helm_ms / ours if ours > 0 else float("inf")
        ratios.append(ratio)
        print(f"{name:32} {helm_ms:9.3f} {ours:12.3f} {ratio:7.1f}x", flush=True)
    for name in charts:
        path = os.path.join(corpus_dir, name)
        lt, ht = [], []
        for _ in range(a.cold_runs):
            t0 = time.perf_counter()
            lp = subprocess.run([a.lockgate, "template", path], capture_output=True)
            lt.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            hp = subprocess.run([sys.executable, os.path.join(a.compat_dir, "oracle.py"), path,
                                 "--no-raw"], capture_output=True)
            ht.append(time.perf_counter() - t0)
        if a.cold_runs and lp.returncode == 0 and hp.returncode == 0:
            cold.append((statistics.median(ht), statistics.median(lt)))
    if ratios:
        print(f"helm-bench in-process: median ratio {statistics.median(ratios):.1f}x over "
              f"{len(ratios)} charts (min {min(ratios):.1f}x, max {max(ratios):.1f}x)")
    if cold:
        h = statistics.median(c[0] for c in cold) * 1e3
        l = statistics.median(c[1] for c in cold) * 1e3
        print(f"helm-bench cold process: helm {h:.0f} ms, lockgate {l:.1f} ms median over "
              f"{len(cold)} charts ({h / l:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
