#!/usr/bin/env python3
"""Validates infra/template.yaml the way CloudFormation will see it.

cfn-lint 1.54 and later no longer expand the SAM transform, so linting the raw template
proves little. This script does what `sam package` + CloudFormation would do:

1. replaces every local CodeUri with an S3 URI (as `sam package` does),
2. expands the SAM transform with aws-sam-translator,
3. runs cfn-lint on the raw and on the expanded template (errors and warnings fail),
4. checks lockgate's own rules on the expanded template: SQS event source mappings report
   partial batch failures, queue visibility timeouts exceed the consuming function's
   timeout, every work queue redrives to a DLQ after 5 receives, every DLQ and every
   function has an alarm, and the five functions are the five function crates.

Run with the project venv's python (needs cfn-lint, aws-sam-translator, PyYAML):

    .venv/bin/python scripts/validate_infra.py [TEMPLATE]
    .venv/bin/python scripts/validate_infra.py --self-test

`--self-test` proves the validation catches mistakes: broken copies of the template
(unknown runtime, misspelled ReportBatchItemFailures, visibility timeout below the
function timeout, a DLQ without an alarm, an unknown SAM event type, a redrive after 3
receives) must each fail, and the real one must pass.
Exit status: 0 when valid, 1 when not, 2 on a usage or tooling problem.
"""

from __future__ import annotations

import argparse
import logging
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "infra" / "template.yaml"
FUNCTIONS = ["image-pushed", "chart-uploaded", "deployer", "approvals", "slack-interactions"]
PLACEHOLDER_BUCKET = "lockgate-validate-artifacts"
# Parameters without defaults get these values when the transform resolves intrinsics.
PSEUDO_PARAMETERS = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012"}


def fail_tooling(message: str) -> None:
    print(f"validate_infra: {message}", file=sys.stderr)
    sys.exit(2)


try:
    from cfnlint.decode import cfn_yaml
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform
except ImportError as e:  # pragma: no cover - depends on the environment
    fail_tooling(
        f"{e}. Run with the project venv's python (bash scripts/test.sh creates .venv with "
        "cfn-lint and aws-sam-translator from requirements-test.txt)."
    )


# The translator's metrics object warns on exit about metrics nobody publishes.
logging.getLogger("samtranslator").setLevel(logging.ERROR)


class NoManagedPolicies:
    """The template names no managed policy; the translator must not call IAM to list them."""

    def load(self) -> dict[str, str]:
        return {}


def load_template(text: str, source: str) -> dict:
    """Parses CloudFormation YAML (with !Ref, !Sub, ... short forms) into plain JSON types."""
    parsed = cfn_yaml.loads(text, source)
    # Round-trip through JSON: the decoder's node types must not leak into the translator.
    return json.loads(json.dumps(parsed))


def package(template: dict) -> dict:
    """Replaces local CodeUri paths with S3 URIs, as `sam package` would after uploading."""
    packaged = copy.deepcopy(template)
    for name, resource in packaged.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.setdefault("Properties", {})
        code_uri = props.get("CodeUri")
        if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
            props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{name}/{Path(code_uri).name}"
    return packaged


def expand(template: dict) -> tuple[dict | None, list[str]]:
    """Expands the SAM transform; returns the CloudFormation template or the translator's errors."""
    os.environ.setdefault("AWS_DEFAULT_REGION", PSEUDO_PARAMETERS["AWS::Region"])
    params = dict(PSEUDO_PARAMETERS)
    try:
        return transform(copy.deepcopy(template), params, NoManagedPolicies()), []
    except InvalidDocumentException as e:
        return None, [f"SAM transform: {cause.message}" for cause in e.causes]


def cfn_lint(path: Path) -> list[str]:
    """Runs the cfn-lint next to this python on `path`; returns its findings (empty when clean)."""
    exe = Path(sys.executable).with_name("cfn-lint")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "cfnlint"]
    proc = subprocess.run([*command, "--format", "parseable", "--", str(path)], capture_output=True, text=True)
    if proc.returncode != 0 and not proc.stdout.strip():
        fail_tooling(f"cfn-lint did not run (exit {proc.returncode}): {proc.stderr.strip()}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


def ref_name(value: object) -> str | None:
    """The logical id behind {"Ref": X} or {"Fn::GetAtt": [X, ...]}."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else str(target).split(".")[0]
    return None


def project_rules(cfn: dict) -> list[str]:
    """lockgate's own rules on the expanded template; returns one message per violation."""
    resources = cfn.get("Resources", {})
    of_type = lambda t: {k: v for k, v in resources.items() if v.get("Type") == t}  # noqa: E731
    props = lambda r: r.get("Properties", {})  # noqa: E731
    queues = of_type("AWS::SQS::Queue")
    functions = of_type("AWS::Lambda::Function")
    alarms = of_type("AWS::CloudWatch::Alarm").values()
    problems = []

    for name, mapping in of_type("AWS::Lambda::EventSourceMapping").items():
        p = props(mapping)
        queue = ref_name(p.get("EventSourceArn"))
        if queue not in queues:
            continue
        if p.get("FunctionResponseTypes") != ["ReportBatchItemFailures"]:
            problems.append(
                f"{name}: SQS event source mapping must set FunctionResponseTypes: "
                f"[ReportBatchItemFailures] (has {p.get('FunctionResponseTypes')})"
            )
        function = ref_name(p.get("FunctionName"))
        timeout = props(functions.get(function, {})).get("Timeout", 3)
        visibility = props(queues[queue]).get("VisibilityTimeout", 30)
        if not visibility > timeout:
            problems.append(
                f"{queue}: VisibilityTimeout {visibility} must exceed the timeout {timeout} of {function}, "
                "or messages are redelivered while still being handled"
            )

    dlqs = set()
    for name, queue in queues.items():
        redrive = props(queue).get("RedrivePolicy")
        if redrive:
            dlqs.add(ref_name(redrive.get("deadLetterTargetArn")))
            if redrive.get("maxReceiveCount") != 5:
                problems.append(f"{name}: RedrivePolicy maxReceiveCount must be 5 (has {redrive.get('maxReceiveCount')})")
    for name in queues:
        is_dlq = name in dlqs or name.endswith("DLQ")
        if not is_dlq and not props(queues[name]).get("RedrivePolicy"):
            problems.append(f"{name}: work queue without a RedrivePolicy to a DLQ")

    def alarmed(metric: str, dimension: str, target: str) -> bool:
        return any(
            props(a).get("MetricName") == metric
            and any(d.get("Name") == dimension and ref_name(d.get("Value")) == target for d in props(a).get("Dimensions", []))
            for a in alarms
        )

    for name in sorted(n for n in queues if n in dlqs or n.endswith("DLQ")):
        if not alarmed("ApproximateNumberOfMessagesVisible", "QueueName", name):
            problems.append(f"{name}: DLQ without a CloudWatch alarm on ApproximateNumberOfMessagesVisible")
    for name in sorted(functions):
        if not alarmed("Errors", "FunctionName", name):
            problems.append(f"{name}: function without a CloudWatch alarm on Errors")

    deployed = sorted(crate_of(props(f)) for f in functions.values())
    if deployed != sorted(FUNCTIONS):
        problems.append(f"functions must be named exactly {sorted(FUNCTIONS)}, found {deployed}")
    for name, f in functions.items():
        p = props(f)
        if p.get("Runtime") != "provided.al2023" or p.get("Architectures") != ["arm64"]:
            problems.append(f"{name}: must run on provided.al2023 / arm64 (has {p.get('Runtime')} / {p.get('Architectures')})")
    return problems


def code_uri_rules(template: dict) -> list[str]:
    """Each function's code is its own crate's cargo lambda output, before packaging."""
    problems = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        p = resource.get("Properties", {})
        crate = crate_of(p)
        expected = f"../target/lambda/{crate}/bootstrap.zip"
        if p.get("CodeUri") != expected:
            problems.append(f"{name}: CodeUri must be {expected} (cargo lambda build --release --arm64 --output-format zip), has {p.get('CodeUri')}")
    return problems


def crate_of(function_props: dict) -> str:
    """The crate a function is built from, read back from its packaged FunctionName."""
    name = function_props.get("FunctionName")
    if isinstance(name, dict) and "Fn::Sub" in name:
        sub = name["Fn::Sub"]
        name = sub if isinstance(sub, str) else sub[0]
        name = name.replace("${NamePrefix}", "")
    return str(name)


def validate_text(text: str, source: str, quiet: bool = False) -> list[str]:
    """Every problem found in one template text (empty when valid)."""
    problems = []
    template = load_template(text, source)
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = Path(tmp) / "template.yaml"
        raw_path.write_text(text)
        problems += [f"raw template: {line}" for line in cfn_lint(raw_path)]
        problems += code_uri_rules(template)
        expanded, errors = expand(package(template))
        problems += errors
        if expanded is not None:
            expanded_path = Path(tmp) / "expanded.json"
            expanded_path.write_text(json.dumps(expanded, indent=1))
            problems += [f"expanded template: {line}" for line in cfn_lint(expanded_path)]
            problems += project_rules(expanded)
            if not quiet:
                kinds: dict[str, int] = {}
                for r in expanded.get("Resources", {}).values():
                    kinds[r["Type"]] = kinds.get(r["Type"], 0) + 1
                summary = ", ".join(f"{n} {t}" for t, n in sorted(kinds.items()))
                print(f"expanded {source}: {summary}")
    return problems


# Each case: (what is broken, text replaced, replacement, a string the findings must contain).
SELF_TEST_CASES = [
    ("runtime provided.al2099", "Runtime: provided.al2023", "Runtime: provided.al2099", "provided.al2099"),
    (
        "misspelled ReportBatchItemFailures",
        "FunctionResponseTypes: [ReportBatchItemFailures]",
        "FunctionResponseTypes: [ReportBatchItemFailure]",
        "ReportBatchItemFailure",
    ),
    (
        "chart uploads visibility timeout below the function timeout",
        "VisibilityTimeout: 360\n      MessageRetentionPeriod: 1209600\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt ChartUploadsDLQ.Arn",
        "VisibilityTimeout: 30\n      MessageRetentionPeriod: 1209600\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt ChartUploadsDLQ.Arn",
        "ChartUploadsQueue: VisibilityTimeout 30",
    ),
    (
        "DLQ alarm removed",
        "          Value: !GetAtt TimersDLQ.QueueName",
        "          Value: !GetAtt ChartUploadsDLQ.QueueName",
        "TimersDLQ: DLQ without a CloudWatch alarm",
    ),
    ("unknown SAM event type", "Type: EventBridgeRule", "Type: EventBridgeRul", "SAM transform"),
    ("redrive after 3 receives", "maxReceiveCount: 5", "maxReceiveCount: 3", "maxReceiveCount must be 5"),
]


def self_test(template_path: Path) -> int:
    text = template_path.read_text()
    failures = []
    problems = validate_text(text, str(template_path), quiet=True)
    if problems:
        failures.append("the real template must pass:\n  " + "\n  ".join(problems))
    else:
        print("ok   the real template passes")
    for what, old, new, expected in SELF_TEST_CASES:
        if old not in text:
            failures.append(f"{what}: the template no longer contains {old!r}; update the self-test")
            continue
        broken = text.replace(old, new, 1)
        found = validate_text(broken, f"broken copy ({what})", quiet=True)
        if not found:
            failures.append(f"{what}: the broken copy passed validation")
        elif not any(expected in line for line in found):
            failures.append(f"{what}: failed, but no finding mentions {expected!r}:\n  " + "\n  ".join(found))
        else:
            caught = next(line for line in found if expected in line)
            print(f"ok   caught {what}: {caught}")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--self-test", action="store_true", help="prove that broken copies of the template fail")
    args = parser.parse_args()
    if not args.template.is_file():
        fail_tooling(f"no template at {args.template}")
    if args.self_test:
        return self_test(args.template)
    problems = validate_text(args.template.read_text(), str(args.template))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.template}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.template}: valid (SAM expanded, cfn-lint clean, lockgate rules hold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
