"""Runs one real Helm v4 action (helm-python-sdk) against a cluster and prints JSON.

usage: helm_op.py KUBECONFIG NAMESPACE OP ARGS_JSON
OP is install, upgrade, rollback, uninstall, history, list or status; ARGS_JSON holds
the keyword arguments (chart, name, values, wait, timeout, version, ...).
Prints {"ok": true, "result": ...} or {"ok": false, "error": "...", "type": "..."}.
"""
import json
import sys

import helm_python


def main() -> int:
    kubeconfig, namespace, op, raw = sys.argv[1:5]
    args = json.loads(raw)
    cfg = helm_python.Config(kubeconfig_path=kubeconfig, namespace=namespace)
    try:
        if op == "install":
            res = cfg.install(args.pop("chart"), args.pop("name"), args.pop("values", None), **args)
        elif op == "upgrade":
            res = cfg.upgrade(args.pop("chart"), args.pop("name"), args.pop("values", None), **args)
        elif op == "rollback":
            res = cfg.rollback(args.pop("name"), **args)
        elif op == "uninstall":
            res = cfg.uninstall(args.pop("name"), **args)
        elif op == "history":
            res = cfg.history(args.pop("name"), **args)
        elif op == "list":
            res = cfg.list(**args)
        elif op == "status":
            res = cfg.status(args.pop("name"), **args)
        else:
            raise SystemExit(f"unknown op {op}")
    except helm_python.HelmError as e:
        print(json.dumps({"ok": False, "error": str(e), "type": type(e).__name__}))
        return 0
    print(json.dumps({"ok": True, "result": res}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
