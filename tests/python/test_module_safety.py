"""The module cannot deadlock, can be interrupted, and raises npusim.Error for every failure
(issue 8, item 6)."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HW = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
LLM_HW = os.path.join(ROOT, "hw_configs", "llm_npu", "pmpd_4k.yaml")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def gemm_workload(layers):
    return {"schema_version": 1, "name": "g", "models": [{"name": "m", "layers": [
        {"name": f"g{i}", "op": "gemm", "m": 1024, "k": 1024, "n": 1024} for i in range(layers)]}]}


def llm_workload(gen_len):
    return {"schema_version": 1, "name": "policy-test", "models": [{
        "name": "m", "precision": {"activation": 16, "weight": 16, "output": 16, "kv": 16},
        "llm": {"layers": 2, "hidden": 256, "ffn": 512, "heads": 4, "vocab": 1000, "max_context": 4096},
        "generation": {"prompt_len": 32, "gen_len": gen_len},
        "schedule": {"type": "python", "prefill_bits": 4}}]}


def run_script(body, timeout=120):
    """Runs `body` in a fresh interpreter with the module; returns the finished process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.run([PYTHON, "-c", textwrap.dedent(body)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_a_policy_that_calls_run_gets_an_error_not_a_deadlock():
    # In a child process, so that a regression (a deadlock) fails on the timeout instead of
    # hanging the test run.
    p = run_script(f"""
        import npusim
        HW, LLM_HW = {HW!r}, {LLM_HW!r}
        wl = {llm_workload(3)!r}
        def policy(step, ctx):
            npusim.run(HW, {gemm_workload(1)!r})
            return 4
        try:
            npusim.run(LLM_HW, wl, policy=policy)
        except npusim.Error as e:
            print("ERROR", e)
        # The module is usable afterwards: the failed run released its lock.
        print("AFTER", npusim.run(HW, {gemm_workload(1)!r})["total_cycles"] > 0)
    """, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "cannot run a simulation from inside another one" in p.stdout
    assert "AFTER True" in p.stdout


def test_validate_and_resolve_from_a_policy_are_refused_too():
    calls = []

    def policy(step, ctx):
        for f in (lambda: npusim.validate(HW), lambda: npusim.resolve(HW)):
            try:
                f()
            except npusim.Error as e:
                calls.append(str(e))
        return 4

    npusim.run(LLM_HW, llm_workload(2), policy=policy)
    assert len(calls) == 4 and all("from inside another one" in c for c in calls)


def interrupt(body, ready="started", delay=1.0):
    """Starts `body` in a child, sends it SIGINT `delay` s after it prints `ready`, and returns
    (the seconds it took to exit after the signal, the finished process)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    child = subprocess.Popen([PYTHON, "-u", "-c", textwrap.dedent(body)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == ready
        time.sleep(delay)
        child.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = child.communicate(timeout=60)
        return time.monotonic() - sent, child.returncode, out, err
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_ctrl_c_stops_a_long_run():
    # One GEMM of 262144 x 8192 x 8192 without fast-forward: 2^20 work units, about 14 s of
    # simulation here; the units reach the engine in batches and each batch checks for
    # signals, so Ctrl-C after 1 s ends the run within a few seconds, as KeyboardInterrupt.
    took, rc, out, err = interrupt(f"""
        import time, npusim
        wl = {{"schema_version": 1, "name": "g", "models": [{{"name": "m", "layers": [
            {{"name": "big", "op": "gemm", "m": 262144, "k": 8192, "n": 8192}}]}}]}}
        print("started", flush=True)
        start = time.monotonic()
        try:
            npusim.run({HW!r}, wl, {{"fast_forward": False, "dram.capacity": "16GiB"}})
            print("finished")
        except KeyboardInterrupt:
            print("interrupted after", time.monotonic() - start)
        # The module still works after an interrupted run.
        print("AFTER", npusim.run({HW!r}, {gemm_workload(1)!r})["total_cycles"] > 0)
    """)
    assert rc == 0, err
    assert "interrupted after" in out and "finished" not in out
    assert "AFTER True" in out
    assert took < 10


def test_ctrl_c_while_a_policy_runs_stops_the_run():
    took, rc, out, err = interrupt(f"""
        import time, npusim
        def policy(step, ctx):
            time.sleep(0.01)
            return 4
        print("started", flush=True)
        try:
            npusim.run({LLM_HW!r}, {llm_workload(4000)!r}, policy=policy)
            print("finished")
        except KeyboardInterrupt:
            print("interrupted")
    """)
    assert rc == 0, err
    assert "interrupted" in out and "finished" not in out
    assert took < 10


@pytest.mark.parametrize("call,match", [
    (lambda: npusim.run(HW, gemm_workload(1), ["dram.channels=4"]), "overrides must be a dict"),
    (lambda: npusim.run(HW, gemm_workload(1), {4: 2}), "override keys must be strings"),
    (lambda: npusim.run(HW, gemm_workload(1), {"dram.channels": object()}), "override `dram.channels` cannot be written"),
    (lambda: npusim.run(HW, {"schema_version": 1, "name": {1, 2}}), "the workload dict cannot be written"),
    (lambda: npusim.run(HW, gemm_workload(1), timeline=12), "timeline must be a file path"),
    (lambda: npusim.run(12, gemm_workload(1)), "hw must be a file path or a dict"),
    (lambda: npusim.describe(12), "describe takes a type name"),
    (lambda: npusim.validate(HW, overrides=3), "overrides must be a dict"),
])
def test_every_failure_raises_npusim_error(call, match):
    with pytest.raises(npusim.Error, match=match):
        call()


def test_internal_errors_are_npusim_errors_too():
    assert issubclass(npusim.InternalError, npusim.Error)
