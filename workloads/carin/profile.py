"""CARIn's design table (carin.md §5 "Profile generator"): one row per design x = <models,
schemes, engines, processor options>, with the measured (here: simulated) quantities the MOO
reads. Single-DNN designs have one entry per per-DNN field; a multi-DNN tuple joins its DNNs'
entries with ";" in the same order as `models`.

Columns (COLUMNS, in this order in a CSV):
  device, usecase, design_id          labels; design_id is the stable configuration id (ties)
  models, schemes, engines            per DNN: model name, FP32|FP16|DR8|FX8|FFX8, cpu|gpu|npu|dsp
  threads, xnnpack                    per DNN: CPU threads (0 off the CPU), XNNPACK 0/1
  L_mean_ms, L_std_ms, L_max_ms, L_p95_ms   per DNN: latency statistics over the profiled runs
                                      (for a tuple: each DNN's latency in the concurrent run)
  TP_inf_s                            per DNN: throughput
  A                                   per DNN: accuracy, an input from the paper (empty: unknown)
  S_MB                                per DNN: model file size
  MF_MB                               peak resident memory (a tuple: the co-run's peak)
  E_mJ                                energy per inference (a tuple: per round), empty if unknown
  W_GFLOPs                            workload: FLOPs, summed over a tuple's DNNs
  NTT                                 per DNN: L_multi / L_single (empty for single-DNN designs)
  STP, F                              system throughput, fairness (empty for single-DNN designs)

A design's *mapping* is its processor tuple (one engine per DNN, CPU options excluded).
"""
import csv
import math
from dataclasses import dataclass, field

from .errors import CarinInputError

COLUMNS = ("device", "usecase", "design_id", "models", "schemes", "engines", "threads", "xnnpack",
           "L_mean_ms", "L_std_ms", "L_max_ms", "L_p95_ms", "TP_inf_s", "A", "S_MB", "MF_MB",
           "E_mJ", "W_GFLOPs", "NTT", "STP", "F")
PER_DNN = ("models", "schemes", "engines", "threads", "xnnpack", "L_mean_ms", "L_std_ms",
           "L_max_ms", "L_p95_ms", "TP_inf_s", "A", "S_MB", "NTT")
SCHEMES = ("FP32", "FP16", "DR8", "FX8", "FFX8")
ENGINES = ("cpu", "gpu", "npu", "dsp")
BYTES_PER_PARAM = {"FP32": 4, "FP16": 2, "DR8": 1, "FX8": 1, "FFX8": 1}
_TEXT = ("device", "usecase", "design_id", "models", "schemes", "engines")
_INT = ("threads", "xnnpack")


@dataclass
class Design:
    """One row of the design table, per-DNN fields as tuples (floats: None where empty)."""
    device: str
    usecase: str
    design_id: str
    values: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.values[key]

    @property
    def dnns(self):
        return len(self.values["models"])

    @property
    def mapping(self):
        return self.values["engines"]

    def files(self):
        """The model files the design loads: (model, scheme, MB) per DNN."""
        v = self.values
        return [(m, s, mb) for m, s, mb in zip(v["models"], v["schemes"], v["S_MB"])]

    def label(self):
        parts = []
        v = self.values
        for i in range(self.dnns):
            e = v["engines"][i]
            opt = f"{e.upper()}{v['threads'][i]}{'+XNN' if v['xnnpack'][i] else ''}" if e == "cpu" \
                else e.upper()
            parts.append(f"{v['models'][i]} {v['schemes'][i]} {opt}")
        return "{" + ", ".join(parts) + "}" if self.dnns > 1 else parts[0]


def _number(text, where):
    if text is None or text.strip() == "":
        return None
    try:
        x = float(text)
    except ValueError:
        raise CarinInputError(f"{where}: `{text}` is not a number") from None
    if not math.isfinite(x):
        raise CarinInputError(f"{where}: `{text}` is not finite")
    return x


def design_from_row(row, where="row"):
    """A Design from a dict of column -> text (a CSV row) or of already typed values."""
    missing = [c for c in COLUMNS if c not in row]
    if missing:
        raise CarinInputError(f"{where}: missing column(s) {', '.join(missing)}")
    n = len(str(row["models"]).split(";"))
    values = {}
    for c in COLUMNS[3:]:
        raw = row[c]
        if c in PER_DNN:
            parts = list(raw) if isinstance(raw, (list, tuple)) else str(raw).split(";")
            if c in ("NTT",) and (raw is None or str(raw) == ""):
                parts = [""] * n
            if len(parts) != n:
                raise CarinInputError(f"{where}: `{c}` has {len(parts)} entries for {n} model(s)")
            if c in _TEXT:
                values[c] = tuple(str(p).strip() for p in parts)
            elif c in _INT:
                values[c] = tuple(int(_number(str(p), f"{where}: {c}") or 0) for p in parts)
            else:
                values[c] = tuple(_number(None if p is None else str(p), f"{where}: {c}")
                                  for p in parts)
        else:
            values[c] = _number(None if raw is None else str(raw), f"{where}: {c}")
    for s in values["schemes"]:
        if s not in SCHEMES:
            raise CarinInputError(f"{where}: scheme `{s}` is not one of {', '.join(SCHEMES)}")
    for e in values["engines"]:
        if e not in ENGINES:
            raise CarinInputError(f"{where}: engine `{e}` is not one of {', '.join(ENGINES)}")
    for c in ("L_mean_ms", "S_MB"):
        if any(x is None for x in values[c]):
            raise CarinInputError(f"{where}: `{c}` is required")
    for c in ("MF_MB", "W_GFLOPs"):
        if values[c] is None:
            raise CarinInputError(f"{where}: `{c}` is required")
    return Design(str(row["device"]), str(row["usecase"]), str(row["design_id"]), values)


def load_csv(path):
    """The designs of a profile CSV; a malformed file is a CarinInputError naming file:line."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None:
                raise CarinInputError(f"{path}: empty file")
            designs = [design_from_row(r, f"{path}:{reader.line_num}") for r in reader]
    except OSError as e:
        raise CarinInputError(f"{path}: {e.strerror}") from None
    if not designs:
        raise CarinInputError(f"{path}: no designs")
    ids = [d.design_id for d in designs]
    if len(set(ids)) != len(ids):
        raise CarinInputError(f"{path}: design_id values are not unique")
    return designs


def _text(v):
    if isinstance(v, tuple):
        return ";".join(_text(x) for x in v)
    return "" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v))


def write_csv(path, designs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for d in designs:
            w.writerow([d.device, d.usecase, d.design_id] + [_text(d.values[c]) for c in COLUMNS[3:]])
