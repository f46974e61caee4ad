#!/usr/bin/env bash
# End-to-end test of the pre-commit hook (.pre-commit-hooks.yaml), as a user meets it:
#
#   1. install pre-commit from PyPI into a temporary virtualenv;
#   2. clone this repository at HEAD (committed state only: that is what pre-commit installs);
#   3. create a temporary git repository holding the seed incident's broken Terraform
#      (testdata/terraform/cses-broken) and a .pre-commit-config.yaml pointing at the clone;
#   4. `git commit` must be rejected, with the NSG001 finding in the output;
#   5. apply the fix (testdata/terraform/cses-fixed): `git commit` must be accepted.
#
# pre-commit builds nsgate with `cargo install` (release mode) on first use: several minutes
# on a small machine. Needs git, python3 (with venv), cargo and access to PyPI and crates.io.
#
# Environment:
#   NSGATE_E2E_KEEP=1        keep the temporary directory (its path is printed)
#   NSGATE_E2E_TARGET_DIR    cargo target directory for the build (default: a fresh one inside
#                            the temporary directory; point it at a kept directory to rebuild
#                            incrementally across runs)
#   PYTHON                   the Python to create the virtualenv with (default: python3)
#
# Exit status: 0 when every step behaved as expected, 1 otherwise.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nsgate-precommit-e2e.XXXXXX")

step() { printf '\n==> %s\n' "$*"; }
fail() {
    printf '\nFAIL: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    local status=$?
    if [ "${NSGATE_E2E_KEEP:-}" = 1 ] || [ "$status" -ne 0 ]; then
        printf 'temporary files kept in %s\n' "$WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

for tool in git cargo "$PYTHON"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

rev=$(git -C "$REPO_ROOT" rev-parse HEAD)
if [ -n "$(git -C "$REPO_ROOT" status --porcelain --untracked-files=no)" ]; then
    printf 'note: uncommitted changes in %s are not tested (the hook is installed from HEAD)\n' \
        "$REPO_ROOT"
fi

step "pre-commit: installing from PyPI into a virtualenv"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
PRE_COMMIT="$WORK/venv/bin/pre-commit"
"$PRE_COMMIT" --version

step "nsgate: cloning $REPO_ROOT at $rev"
git clone --quiet "$REPO_ROOT" "$WORK/nsgate"
git -C "$WORK/nsgate" checkout --quiet --detach "$rev"
[ -f "$WORK/nsgate/.pre-commit-hooks.yaml" ] || fail ".pre-commit-hooks.yaml is not committed at HEAD"

step "infra: a git repository with the seed incident's broken Terraform"
INFRA="$WORK/infra"
git init --quiet "$INFRA"
git -C "$INFRA" config user.name "nsgate e2e"
git -C "$INFRA" config user.email "e2e@nsgate.invalid"
git -C "$INFRA" config commit.gpgsign false
cp "$REPO_ROOT"/testdata/terraform/cses-broken/*.tf "$INFRA/"
cat >"$INFRA/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $WORK/nsgate
    rev: $rev
    hooks:
      - id: nsgate
EOF
cat "$INFRA/.pre-commit-config.yaml"

# Everything pre-commit keeps (clones, the built hook) stays in the temporary directory.
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export CARGO_TARGET_DIR="${NSGATE_E2E_TARGET_DIR:-$WORK/cargo-target}"
cd "$INFRA"
"$PRE_COMMIT" install

step "building the hook (cargo install --release through pre-commit; takes a few minutes)"
start=$(date +%s)
"$PRE_COMMIT" install-hooks
printf 'built in %ss\n' "$(($(date +%s) - start))"

step "commit of the broken configuration: must be rejected with NSG001"
git add -A
set +e
git commit -m "RDP: deny everything after the admin allows" >"$WORK/commit-broken.log" 2>&1
status=$?
set -e
cat "$WORK/commit-broken.log"
[ "$status" -ne 0 ] || fail "the commit of the broken configuration was accepted"
grep -q "NSG001" "$WORK/commit-broken.log" || fail "the rejected commit does not show NSG001"
grep -q "AllowInstances" "$WORK/commit-broken.log" || fail "the rejection does not show the fix"
if git rev-parse --verify --quiet HEAD >/dev/null; then
    fail "a commit was created despite the finding"
fi
printf 'ok: rejected (exit %s) with NSG001\n' "$status"

step "commit after the fix (AllowInstances at priority 350): must be accepted"
cp "$REPO_ROOT"/testdata/terraform/cses-fixed/*.tf "$INFRA/"
git add -A
if ! git commit -m "RDP: allow instances of the subnet to reach each other" \
    >"$WORK/commit-fixed.log" 2>&1; then
    cat "$WORK/commit-fixed.log"
    fail "the commit of the fixed configuration was rejected"
fi
cat "$WORK/commit-fixed.log"
grep -q "nsgate" "$WORK/commit-fixed.log" || fail "the hook did not run on the fixed commit"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "expected exactly one commit"
printf 'ok: accepted\n'

step "pre-commit end-to-end: passed"
echo "2 passed, 0 failed"
