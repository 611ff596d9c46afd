#!/usr/bin/env python3
"""Benchmark: apply and wait on a 200-object release against the simulated cluster.

    deploy_bench.py --lockgate target/release/lockgate [--objects 200] [--runs 3]

Starts `lockgate simcluster` as its own process, generates a chart with N objects
(ConfigMaps, Secrets, ServiceAccounts, Services, Deployments), and times `lockgate deploy`
(install, then an upgrade touching every object) and, side by side in the same run,
real Helm v4's install/upgrade with wait on the same chart. Prints objects/second and how
the CPU time divides between lockgate and the API server.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import helm_python as helm

KINDS = ["ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment"]

TEMPLATE = """{{- range $i := until (int .Values.perKind) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  value: {{ $.Values.generation | quote }}
---
apiVersion: v1
kind: Secret
metadata:
  name: secret-{{ $i }}
stringData:
  value: {{ $.Values.generation | quote }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa-{{ $i }}
  labels:
    generation: {{ $.Values.generation | quote }}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{{ $i }}
  labels:
    generation: {{ $.Values.generation | quote }}
spec:
  selector:
    app: app-{{ $i }}
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $i }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{{ $i }}
  template:
    metadata:
      labels:
        app: app-{{ $i }}
    spec:
      containers:
        - name: app
          image: "registry.example.com/app:{{ $.Values.generation }}"
{{- end }}
"""


def make_chart(root: str, objects: int) -> str:
    path = os.path.join(root, "bench")
    os.makedirs(os.path.join(path, "templates"))
    with open(os.path.join(path, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: bench\nversion: 1.0.0\n")
    with open(os.path.join(path, "values.yaml"), "w") as f:
        f.write(f"perKind: {objects // len(KINDS)}\ngeneration: \"1\"\n")
    with open(os.path.join(path, "templates", "objects.yaml"), "w") as f:
        f.write(TEMPLATE)
    return path


def cpu_of(pid: int) -> float:
    """utime + stime of a process, seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgate", required=True)
    ap.add_argument("--objects", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--helm-runs", type=int, default=1,
                    help="Helm reference runs (its wait is slow here: one run by default)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        chart = make_chart(work, a.objects)
        kubeconfig = os.path.join(work, "kubeconfig")
        sim = subprocess.Popen([a.lockgate, "simcluster", "--listen", "127.0.0.1:0", "--kubeconfig-out",
                                kubeconfig, "--time-scale", "0.01", "--tls"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if os.path.exists(kubeconfig) and os.path.getsize(kubeconfig) > 0:
                    break
                time.sleep(0.05)
            ours, theirs, shares = [], [], []
            for run in range(a.runs):
                ns = f"lockgate-{run}"
                for gen in ("1", "2"):
                    sim_cpu0, our_cpu0, t0 = cpu_of(sim.pid), children_cpu(), time.perf_counter()
                    p = subprocess.run([a.lockgate, "deploy", chart, "--release", "bench", "-n", ns,
                                        "--create-namespace", "--kubeconfig", kubeconfig, "--timeout", "5m",
                                        "--set", f"generation={gen}"], capture_output=True, text=True)
                    wall = time.perf_counter() - t0
                    if p.returncode != 0:
                        print(f"lockgate deploy failed: {p.stderr.strip()}")
                        return 1
                    our_cpu, sim_cpu = children_cpu() - our_cpu0, cpu_of(sim.pid) - sim_cpu0
                    ours.append(wall)
                    shares.append((our_cpu, sim_cpu, wall))
                if run >= a.helm_runs:
                    continue
                hns = f"helm-{run}"
                subprocess.run([a.lockgate, "deploy", chart, "--release", "ns-holder", "-n", hns,
                                "--create-namespace", "--kubeconfig", kubeconfig, "--set", "perKind=0"],
                               capture_output=True)
                cfg = helm.Config(kubeconfig_path=kubeconfig, namespace=hns)
                for gen in ("1", "2"):
                    t0 = time.perf_counter()
                    fn = cfg.install if gen == "1" else cfg.upgrade
                    fn(chart, "bench", {"generation": gen}, namespace=hns, timeout=300, wait="watcher")
                    theirs.append(time.perf_counter() - t0)
                cfg.close()
        finally:
            sim.terminate()
            sim.wait(timeout=10)
    n = a.objects // len(KINDS) * len(KINDS)
    lw, hw = statistics.median(ours), statistics.median(theirs)
    our_cpu = sum(s[0] for s in shares)
    sim_cpu = sum(s[1] for s in shares)
    walls = sum(s[2] for s in shares)
    print(f"deploy-bench: {n} objects, apply + wait until ready, median of {len(ours)} deploys "
          f"(installs and upgrades)")
    print(f"  lockgate: {lw:.2f} s ({n / lw:.0f} objects/s); Helm v4 (same chart, wait=watcher): "
          f"{hw:.2f} s ({n / hw:.0f} objects/s); lockgate {hw / lw:.1f}x Helm's rate")
    print(f"  CPU: lockgate {our_cpu:.2f} s, API server (simcluster) {sim_cpu:.2f} s over {walls:.2f} s wall: "
          f"lockgate {100 * our_cpu / (our_cpu + sim_cpu):.0f}% / API {100 * sim_cpu / (our_cpu + sim_cpu):.0f}% "
          f"of the busy time; the rest of the wall time is waiting for rollouts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
