"""`npusim COMMAND --help` prints that command's own usage, exit status 0 (issue 8, item 8).

Uses $NPUSIM_CLI (default: <repo>/build/npusim); skipped when the CLI is not built."""
import os
import subprocess

import pytest

from conftest import REPO

CLI = os.environ.get("NPUSIM_CLI", os.path.join(REPO, "build", "npusim"))
COMMANDS = ["run", "validate", "list", "describe", "docs"]


@pytest.fixture(scope="module")
def cli():
    if not os.access(CLI, os.X_OK):
        pytest.skip(f"simulator CLI {CLI} not built (set NPUSIM_CLI to a built npusim)")
    return CLI


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_prints_its_own_help(cli, cmd):
    for args in ([cmd, "--help"], [cmd, "-h"], ["help", cmd], [cmd, "--hw", "x.yaml", "--help"]):
        r = subprocess.run([cli] + args, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, (args, r.stderr)
        assert r.stdout.startswith(f"usage: npusim {cmd}"), (args, r.stdout)
        others = [c for c in COMMANDS if c != cmd]
        assert not any(f"usage: npusim {o}" in r.stdout for o in others), r.stdout  # its own, not all


def test_run_help_documents_the_output_rule(cli):
    out = subprocess.run([cli, "run", "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ("--hw", "--workload", "--out", "--set", "--timeline", "--quiet"):
        assert flag in out
    assert "is not replaced" in out


def test_help_for_an_unknown_command_is_a_user_error(cli):
    r = subprocess.run([cli, "frobnicate", "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "unknown command `frobnicate`" in r.stderr
