#!/usr/bin/env python3
"""CI: lockgate deploys real public charts to the simulated cluster, and real Helm v4 reads
and rolls back what lockgate made.

    deploy_compat.py --compat-dir ../shared/helm-compat --lockgate target/release/lockgate

For podinfo and ingress-nginx (from the compatibility corpus): install; upgrade with a
changed image; an upgrade to a crash-looping image that lockgate rolls back by itself;
after each, Helm's history must show the expected revisions and statuses; then Helm's own
rollback must work on the release lockgate made. Exits non-zero on any difference.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import helm_python as helm

CASES = {
    "podinfo": {
        "upgrade": ["--set", "image.tag=6.14.2"],
        "crash": ["--set", "image.repository=ghcr.io/crashme/podinfo"],
        "deployment": "podinfo",
    },
    "ingress-nginx": {
        "upgrade": ["--set", "controller.image.tag=v1.15.2", "--set", "controller.image.digest="],
        "crash": ["--set", "controller.image.image=crashme/controller", "--set", "controller.image.digest="],
        "deployment": "ingress-nginx-controller",
    },
}


def start_sim(lockgate: str, workdir: str) -> tuple[subprocess.Popen, str]:
    kubeconfig = os.path.join(workdir, "kubeconfig")
    proc = subprocess.Popen(
        [lockgate, "simcluster", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
         "--crash-image", "*crashme*", "--time-scale", "0.05", "--tls"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "sim.log"), "w"))
    for _ in range(200):
        if os.path.exists(kubeconfig) and os.path.getsize(kubeconfig) > 0:
            return proc, kubeconfig
        if proc.poll() is not None:
            raise SystemExit(f"simcluster exited with {proc.returncode}")
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("simcluster did not write its kubeconfig")


def history(cfg: helm.Config, name: str) -> list[tuple[int, str, str]]:
    out = []
    for r in cfg.history(name):
        full = cfg.get_all(name, revision=r["revision"])
        info = full.get("info") if isinstance(full.get("info"), dict) else {}
        out.append((r["revision"], r["status"], info.get("description", "")))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compat-dir", required=True)
    ap.add_argument("--lockgate", required=True)
    a = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as work:
        sim, kubeconfig = start_sim(a.lockgate, work)
        try:
            for chart, case in CASES.items():
                path = os.path.join(a.compat_dir, "corpus", chart)
                ns = chart
                cfg = helm.Config(kubeconfig_path=kubeconfig, namespace=ns)

                def deploy(extra: list[str], timeout: str = "60s") -> subprocess.CompletedProcess:
                    t0 = time.perf_counter()
                    p = subprocess.run(
                        [a.lockgate, "deploy", path, "--release", chart, "-n", ns, "--create-namespace",
                         "--kubeconfig", kubeconfig, "--timeout", timeout, "--atomic", *extra],
                        capture_output=True, text=True)
                    print(f"  lockgate deploy {' '.join(extra) or '(defaults)'}: exit {p.returncode} "
                          f"in {time.perf_counter() - t0:.1f}s")
                    return p

                def expect(step: str, want: list[tuple[int, str]]) -> None:
                    got = history(cfg, chart)
                    if [(r, s) for r, s, _ in got] != want:
                        failures.append(f"{chart} {step}: helm history {got}, expected {want}")
                    else:
                        print(f"  {step}: helm history {[(r, s) for r, s, _ in got]} ok")

                print(f"{chart}:")
                p = deploy([])
                if p.returncode != 0:
                    failures.append(f"{chart} install failed: {p.stderr.strip()}")
                    continue
                expect("install", [(1, "deployed")])
                p = deploy(case["upgrade"])
                if p.returncode != 0:
                    failures.append(f"{chart} upgrade failed: {p.stderr.strip()}")
                expect("upgrade", [(1, "superseded"), (2, "deployed")])
                p = deploy(case["crash"], timeout="5s")
                if p.returncode == 0 or "rolled back: revision 4 runs revision 2 again" not in p.stderr:
                    failures.append(f"{chart} crash upgrade: expected an automatic rollback, got "
                                    f"exit {p.returncode}: {p.stderr.strip()}")
                else:
                    print("  " + p.stderr.strip().splitlines()[0][:160])
                expect("crash upgrade", [(1, "superseded"), (2, "superseded"), (3, "failed"),
                                         (4, "deployed")])
                try:
                    cfg.rollback(chart, version=1, timeout=120, wait="watcher")
                    expect("helm rollback 1", [(1, "superseded"), (2, "superseded"), (3, "failed"),
                                               (4, "superseded"), (5, "deployed")])
                    values = cfg.get_values(chart)
                    print(f"  helm get values: {json.dumps(values)[:80]}")
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{chart}: helm rollback failed: {e}")
                cfg.close()
        finally:
            sim.terminate()
            sim.wait(timeout=10)
    if failures:
        print("deploy-compat FAILED:")
        for f in failures:
            print("  " + f)
        return 1
    print(f"deploy-compat: {len(CASES)} charts installed, upgraded, rolled back by lockgate and by Helm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
