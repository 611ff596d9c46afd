#!/usr/bin/env python3
"""Real Helm v4 (helm-python-sdk) operations against a cluster, for lockgate's tests.

    helm_ops.py KUBECONFIG NAMESPACE history NAME        -> JSON [{revision, status, chart, app_version, description}]
    helm_ops.py KUBECONFIG NAMESPACE rollback NAME [REV]  -> "ok"
    helm_ops.py KUBECONFIG NAMESPACE values NAME          -> JSON (user values)
    helm_ops.py KUBECONFIG NAMESPACE manifest NAME        -> the release manifest
    helm_ops.py KUBECONFIG NAMESPACE list                 -> JSON [{name, revision, status}]
    helm_ops.py KUBECONFIG NAMESPACE install CHART NAME [VALUES_JSON]
    helm_ops.py KUBECONFIG NAMESPACE upgrade CHART NAME [VALUES_JSON]
Errors go to stderr with exit code 1.
"""
import json
import sys

import helm_python as helm


def main() -> int:
    kubeconfig, namespace, op, *args = sys.argv[1:]
    cfg = helm.Config(kubeconfig_path=kubeconfig, namespace=namespace)
    try:
        if op == "history":
            out = []
            for r in cfg.history(args[0]):
                full = cfg.get_all(args[0], revision=r["revision"])
                info = full.get("info", {}) if isinstance(full.get("info"), dict) else {}
                out.append({
                    "revision": r["revision"],
                    "status": r["status"],
                    "chart": f"{r.get('chart_name')}-{r.get('chart_version')}",
                    "app_version": r.get("app_version"),
                    "description": info.get("description", full.get("description", "")),
                })
            print(json.dumps(out))
        elif op == "rollback":
            version = int(args[1]) if len(args) > 1 else None
            cfg.rollback(args[0], version=version, timeout=120, wait="watcher")
            print("ok")
        elif op == "values":
            print(json.dumps(cfg.get_values(args[0])))
        elif op == "manifest":
            print(cfg.get_all(args[0]).get("manifest", ""), end="")
        elif op == "list":
            out = [
                {"name": r.get("name"), "revision": r.get("version"), "status": r.get("info", {}).get("status")}
                for r in cfg.list(all_states=True)
            ]
            print(json.dumps(out))
        elif op in ("install", "upgrade"):
            chart, name = args[0], args[1]
            values = json.loads(args[2]) if len(args) > 2 else None
            fn = cfg.install if op == "install" else cfg.upgrade
            r = fn(chart, name, values, namespace=namespace, timeout=120, wait="watcher")
            print(json.dumps({"revision": r.get("version"), "status": r.get("info", {}).get("status")}))
        else:
            print(f"unknown op {op}", file=sys.stderr)
            return 2
    except Exception as e:  # noqa: BLE001  (report Helm's error text)
        print(f"helm {op} failed: {e}", file=sys.stderr)
        return 1
    finally:
        cfg.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
