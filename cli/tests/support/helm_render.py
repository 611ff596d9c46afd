"""Renders a chart (directory or .tgz) with real Helm v4 (helm-python-sdk) and prints
{"metadata": ..., "raw": {template: text}} as JSON. Used by the package tests."""
import json
import sys

import helm_python as helm
from helm_python import _native

chart = helm.Chart.load(sys.argv[1])
opts = {"name": "release-name", "namespace": "default", "revision": 1, "is_install": True}
raw = json.loads(_native.call_string("helm_render", chart._raw(), "{}", json.dumps(opts)))
print(json.dumps({"metadata": chart.metadata, "raw": raw}, sort_keys=True))
chart.close()
