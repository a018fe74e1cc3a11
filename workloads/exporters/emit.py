"""Deterministic writer of npusim trace files (schema v1).

Builders hand over plain dicts (one per operator); this module fixes the key order, formats
scalars and writes one flow mapping per operator line, so that the same inputs always give
the same bytes (no timestamps, no dependence on the PyYAML version).
"""
import argparse
import json
import os
import re
import sys

SCHEMA_VERSION = 1

# Canonical key order of an operator line: identity first, then shape, then modifiers.
OP_KEY_ORDER = [
    "name", "op", "phase", "kind", "fn",
    "in_channels", "out_channels", "channels", "groups", "batch",
    "heads", "kv_heads", "q_len", "kv_len", "head_dim", "causal",
    "m", "k", "n", "b_operand",
    "in_h", "in_w", "kernel_h", "kernel_w", "stride", "padding", "dilation",
    "rows", "cols", "elements",
    "activation", "precision", "sparsity",
]
PRECISION_KEYS = ["activation", "weight", "output", "kv"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}


def scalar(value):
    """YAML text of an int, float, bool or string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # fixed point, 6 decimals: no exponent YAML 1.1 would misread
        text = ("%.6f" % value).rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
            return value
        return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar
    raise TypeError("unsupported scalar %r" % (value,))


def precision(bits):
    """The precision mapping {activation, weight, output[, kv]} from a dict of bit widths."""
    return {k: bits[k] for k in PRECISION_KEYS if k in bits}


def flow(mapping, order):
    """One-line flow mapping with keys in the given order (unknown keys are an error)."""
    unknown = set(mapping) - set(order)
    if unknown:
        raise KeyError("unknown operator keys: %s" % ", ".join(sorted(unknown)))
    parts = []
    for key in order:
        if key not in mapping:
            continue
        value = mapping[key]
        if isinstance(value, dict):
            text = flow(value, PRECISION_KEYS if key == "precision" else sorted(value))
        else:
            text = scalar(value)
        parts.append("%s: %s" % (key, text))
    return "{" + ", ".join(parts) + "}"


def model(name, layers, batch=1, bits=None):
    """A model entry; `bits` is the model's default precision (activation/weight/output)."""
    names = [layer["name"] for layer in layers]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError("model %s: duplicate layer names %s" % (name, ", ".join(dup)))
    return {"name": name, "batch": batch, "precision": precision(bits or {}), "layers": layers}


def render(name, description, models, header):
    """Full text of a trace file. `header` is a list of comment lines (without '# ')."""
    out = ["# " + line if line else "#" for line in header]
    out.append("schema_version: %d" % SCHEMA_VERSION)
    out.append("name: " + scalar(name))
    if description:
        out.append("description: " + scalar(description))
    out.append("models:")
    for m in models:
        out.append("  - name: " + scalar(m["name"]))
        out.append("    batch: %d" % m["batch"])
        if m["precision"]:
            out.append("    precision: " + flow(m["precision"], PRECISION_KEYS))
        out.append("    layers:")
        for layer in m["layers"]:
            out.append("      - " + flow(layer, OP_KEY_ORDER))
    return "\n".join(out) + "\n"


def output(text, path=None):
    """Write one trace to `path`, or to standard output without one."""
    if path:
        with open(path, "w", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def committed_main(generate, doc, default_out, command, argv=None):
    """The CLI of a script that writes a committed set of traces: --out-dir, --check."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", default=default_out, help="root to write under (default: workloads/)")
    p.add_argument("--check", action="store_true", help="compare with the files; write nothing")
    args = p.parse_args(argv)
    return write_committed(generate(), args.out_dir, args.check, command)


def write_committed(files, out_dir, check, command):
    """Write {relative path: text} under out_dir, or with `check` compare and write nothing.
    Returns the exit status: 1 when checking found a stale or missing file."""
    stale = []
    for path, text in sorted(files.items()):
        target = os.path.join(out_dir, path)
        if check:
            try:
                with open(target, newline="") as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if not same:
                stale.append(path)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", newline="\n") as f:
            f.write(text)
        print("wrote", target)
    if stale:
        print("stale or missing (run %s):\n  %s" % (command, "\n  ".join(stale)), file=sys.stderr)
        return 1
    return 0
