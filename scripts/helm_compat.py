#!/usr/bin/env python3
"""Helm compatibility diff: renders every corpus chart variant with lockgate and with
real Helm v4 (the oracle in the compatibility material) and compares the parsed objects.

    helm_compat.py --compat-dir ../shared/helm-compat --lockgate target/release/lockgate
                   [--only CHART] [--min-ratio 0.95] [--json report.json]

A variant is a chart with its defaults, with one of its ci/*.yaml files, or with
values/<chart>-features.yaml (+ .args). Both renders are parsed by the same parser
(Helm's own YAML->JSON path through the oracle) so that only rendering differs.
Templates that are random on purpose (the oracle renders them differently twice) are
left out of the object comparison. Where Helm renders a variant deterministically,
`lockgate template` stdout must also equal `helm template` stdout byte for byte.
Prints one line per variant and `helm-compat: N/M identical`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time


def load_oracle(compat_dir: str):
    sys.path.insert(0, compat_dir)
    import oracle  # noqa: E402  (loads libhelm)
    return oracle


def variants(compat_dir: str, corpus: dict, only: str | None):
    for name in sorted(corpus):
        if only and name != only:
            continue
        chart = os.path.join(compat_dir, "corpus", name)
        yield name, "default", chart, []
        for ci in corpus[name].get("ci_values", []):
            yield name, ci, chart, ["-f", os.path.join(chart, ci)]
        feat = os.path.join(compat_dir, "values", f"{name}-features.yaml")
        if os.path.exists(feat):
            args = ["-f", feat]
            extra = os.path.join(compat_dir, "values", f"{name}-features.args")
            if os.path.exists(extra):
                with open(extra, encoding="utf-8") as fh:
                    args += fh.read().split()
            yield name, "features", chart, args


def oracle_render(oracle, chart: str, args: list[str], stdout: bool):
    argv = [chart, *args] + (["--helm-template"] if stdout else [])
    doc, rc, _ = oracle.run(argv)
    return doc


def lockgate_render(exe: str, chart: str, args: list[str]):
    t0 = time.perf_counter()
    p = subprocess.run([exe, "template", chart, *args, "--output", "raw-json"],
                       capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        return {"error": p.stderr.strip() or f"exit {p.returncode}"}, dt
    return json.loads(p.stdout), dt


def lockgate_stdout(exe: str, chart: str, args: list[str]):
    p = subprocess.run([exe, "template", chart, *args], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


LOCATION = re.compile(r"([\w.-]+(?:/charts/[\w.-]+)*/templates/[^\s:()]+):(\d+)")


def same_failure(helm_msg: str, ours: str) -> bool:
    """Both refused the variant for the same reason: the same template and line when
    Helm names one, else the same first line of the message."""
    m = LOCATION.search(helm_msg)
    if m:
        return f"{m.group(1)}:{m.group(2)}" in ours
    first = helm_msg.strip().splitlines()[0].strip()
    return first in ours


def comparable(objs, skip):
    return [(o["template"], o["doc_index"], json.dumps(o["object"], sort_keys=True))
            for o in objs if o["template"] not in skip]


def first_difference(a, b):
    for x, y in zip(a, b):
        if x != y:
            return f"{x[0]}#{x[1]}" if x[0] == y[0] else f"{x[0]} vs {y[0]}"
    if len(a) != len(b):
        longer = a if len(a) > len(b) else b
        extra = longer[min(len(a), len(b))]
        return f"{'helm' if len(a) > len(b) else 'lockgate'} has extra {extra[0]}#{extra[1]}"
    return "?"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compat-dir", required=True)
    ap.add_argument("--lockgate", required=True)
    ap.add_argument("--only")
    ap.add_argument("--min-ratio", type=float, default=0.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    oracle = load_oracle(a.compat_dir)
    with open(os.path.join(a.compat_dir, "corpus.json"), encoding="utf-8") as fh:
        corpus = json.load(fh)
    total = same = stdout_total = stdout_same = 0
    report = []
    for name, variant, chart, args in variants(a.compat_dir, corpus, a.only):
        total += 1
        helm1 = oracle_render(oracle, chart, args, stdout=True)
        ours, _ = lockgate_render(a.lockgate, chart, args)
        line = {"chart": name, "variant": variant}
        if helm1.get("error"):
            ok = bool(ours.get("error")) and same_failure(helm1["error"]["message"], ours["error"])
            line.update(status="both-error" if ok else "helm-error-only",
                        detail=helm1["error"]["message"][:200])
        elif ours.get("error"):
            ok = False
            line.update(status="lockgate-error", detail=ours["error"][:300])
        else:
            helm2 = oracle_render(oracle, chart, args, stdout=False)
            skip = {t for t in helm1["raw"] if helm1["raw"][t] != helm2["raw"].get(t)}
            h_objs, _ = oracle.objects_from_raw(helm1["raw"])
            l_objs, l_errs = oracle.objects_from_raw(ours["raw"])
            hc, lc = comparable(h_objs, skip), comparable(l_objs, skip)
            ok = hc == lc and not l_errs
            line.update(status="identical" if ok else "differs", random=sorted(skip))
            if not ok:
                line["detail"] = (f"parse error in {l_errs[0]['template']}" if l_errs
                                  else first_difference(hc, lc))
            if not skip:
                stdout_total += 1
                got = lockgate_stdout(a.lockgate, chart, args)
                byte_same = got == helm1["helm_template"]["stdout"]
                stdout_same += byte_same
                line["stdout"] = "byte-identical" if byte_same else "stdout-differs"
        same += ok
        report.append(line)
        extra = f" ({line['detail']})" if line.get("detail") and not ok else ""
        std = f" [{line['stdout']}]" if "stdout" in line else ""
        print(f"{'ok  ' if ok else 'DIFF'} {name} {variant}: {line['status']}{std}{extra}", flush=True)
    print(f"helm-compat stdout: {stdout_same}/{stdout_total} byte-identical")
    print(f"helm-compat: {same}/{total} identical")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
    return 0 if total and same / total >= a.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
