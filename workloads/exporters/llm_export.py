"""Export a decoder-only LLM, described by its Hugging Face config.json, as an npusim trace.

  /usr/bin/python3 workloads/exporters/llm_export.py workloads/llm/models/vicuna-7b.json \\
      --prompt-len 480 --gen-len 120 --schedule static:3,3,2,47 -o /tmp/vicuna.yaml
  /usr/bin/python3 workloads/exporters/llm_export.py workloads/llm/models/vicuna-7b.json \\
      --prompt-len 256 --gen-len 64 --schedule uniform:3 --tree-size 105 --acceptance vicuna-7b

Schedules (--schedule; weight bits per phase, see `npusim describe static` etc.):
  uniform:B                      every phase at B bits (uniform:16 is the fp16 baseline)
  phase-aware:PREFILL,DECODE     prefill at PREFILL bits, every decode step at DECODE bits
  static:PREFILL,HIGH,LOW,STEP   PMPD static: HIGH bits before decode step STEP, LOW from it on
  learned:PREFILL,HIGH,LOW,STEP  PMPD learned with this prompt's switch step (classifier cost
                                 simulated); learned:PREFILL,HIGH,LOW,class=K picks class K
  python:PREFILL                 a Python callable chooses every decode step (npusim.run(...,
                                 policy=f); the CLI cannot run these)
Without --schedule the trace has none and the simulator runs every phase at fp16.

Supported configs: model_type llama, mistral, qwen2, phi3 (SwiGLU, RMSNorm), stablelm /
stablelm_epoch (SwiGLU, LayerNorm, parallel residual if use_parallel_residual), phi (GELU,
LayerNorm, parallel attention and MLP). Other architectures (MoE, GeGLU, ALiBi...) are refused.

Only the standard library and PyYAML (for the acceptance table) are needed. From Python:
derive(config_dict) returns the trace's `llm:` section; see docs/llm_workloads.md.
"""
import argparse
import json
import os
import sys

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from exporters import emit  # noqa: E402

WORKLOADS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(WORKLOADS_DIR)
ACCEPTANCE_FILE = os.path.join(WORKLOADS_DIR, "llm", "ppd_acceptance.yaml")
COMMAND = "/usr/bin/python3 workloads/exporters/llm_export.py"

LLM_KEY_ORDER = ["layers", "hidden", "ffn", "ffn_kind", "heads", "kv_heads", "head_dim", "vocab",
                 "max_context", "norm", "parallel_attention_mlp", "lm_head"]
PRECISION_KEYS = ["activation", "weight", "output", "kv"]
GENERATION_KEYS = ["prompt_len", "gen_len"]
SCHEDULE_KEYS = ["type", "bits", "prefill_bits", "high_bits", "low_bits", "switch_step", "class",
                 "classes", "max_new_tokens"]
DECODING_KEYS = ["tree_size", "sizes", "tau", "calibration", "kv_on_chip"]


class ConfigError(ValueError):
    """A config.json the exporter cannot turn into a trace (the message says why)."""


# ---- config.json -> llm section ------------------------------------------------------------

# model_type -> family. A family fixes the FFN type, the norm and the residual structure.
FAMILIES = {
    "llama": "llama", "mistral": "llama", "qwen2": "llama", "phi3": "llama",
    "stablelm": "stablelm", "stablelm_epoch": "stablelm",
    "phi": "phi", "phi-msft": "phi",
}
# architectures[0] -> model_type, for configs without model_type (and to catch mismatches).
ARCHITECTURES = {
    "LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral", "Qwen2ForCausalLM": "qwen2",
    "Phi3ForCausalLM": "phi3", "StableLmForCausalLM": "stablelm",
    "StableLMEpochForCausalLM": "stablelm_epoch", "PhiForCausalLM": "phi",
}
SILU = {"silu", "swish"}
GELU = {"gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "gelu_python"}
# Old-style keys (phi-msft / MixFormer configs) -> the transformers names.
ALIASES = {"n_embd": "hidden_size", "n_layer": "num_hidden_layers", "n_head": "num_attention_heads",
           "n_head_kv": "num_key_value_heads", "n_inner": "intermediate_size",
           "n_positions": "max_position_embeddings", "activation_function": "hidden_act"}
REQUIRED = [("hidden_size", "the model width"), ("intermediate_size", "the feed-forward width"),
            ("num_hidden_layers", "the number of decoder blocks"),
            ("num_attention_heads", "the number of attention heads"),
            ("vocab_size", "the vocabulary size"),
            ("max_position_embeddings", "the longest supported sequence")]


def _normalise(config):
    if not isinstance(config, dict):
        raise ConfigError("a config.json must be a JSON object")
    cfg = dict(config)
    for old, new in ALIASES.items():
        if old in cfg and cfg.get(new) is None:
            cfg[new] = cfg[old]
    if cfg.get("intermediate_size") is None and cfg.get("n_inner", 0) is None and "n_embd" in cfg:
        cfg["intermediate_size"] = 4 * cfg["n_embd"]  # phi-msft: n_inner null means 4 x n_embd
    return cfg


def model_type(config):
    """The config's model_type, checked against `architectures` (ConfigError if unsupported)."""
    mt = config.get("model_type")
    archs = config.get("architectures") or []
    if isinstance(archs, str):
        archs = [archs]
    if len(archs) > 1:
        raise ConfigError("architectures lists %d classes (%s); expected one decoder-only LM"
                          % (len(archs), ", ".join(map(str, archs))))
    arch = archs[0] if archs else None
    supported = "supported model_type: %s" % ", ".join(sorted(FAMILIES))
    if arch is not None and arch not in ARCHITECTURES:
        raise ConfigError("unsupported architecture %s%s; %s"
                          % (arch, " (model_type %s)" % mt if mt else "", supported))
    if mt is None:
        if arch is None:
            raise ConfigError("the config has neither model_type nor architectures")
        mt = ARCHITECTURES[arch]
    if mt not in FAMILIES:
        raise ConfigError("unsupported model_type %s%s; %s"
                          % (mt, " (architecture %s)" % arch if arch else "", supported))
    if arch is not None and FAMILIES[ARCHITECTURES[arch]] != FAMILIES[mt]:
        raise ConfigError("architecture %s does not match model_type %s" % (arch, mt))
    return mt


def _int(cfg, key, what):
    value = cfg.get(key)
    if value is None:
        raise ConfigError("missing %s (%s)" % (key, what))
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("%s must be a positive integer, not %r" % (key, value))
    return value


def derive(config):
    """The trace's `llm:` section (a dict in the trace's key order) from a config.json dict.

    Raises ConfigError with a readable message when a field is missing or the architecture is
    not a supported decoder-only model.
    """
    cfg = _normalise(config)
    mt = model_type(cfg)
    family = FAMILIES[mt]
    if cfg.get("num_local_experts") or cfg.get("num_experts"):
        raise ConfigError("mixture-of-experts configs are not supported (num_local_experts)")
    values = {key: _int(cfg, key, what) for key, what in REQUIRED}
    hidden, heads = values["hidden_size"], values["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads")
    kv_heads = heads if kv_heads is None else _int(cfg, "num_key_value_heads", "key/value heads")
    if heads % kv_heads:
        raise ConfigError("num_attention_heads (%d) is not a multiple of num_key_value_heads (%d)"
                          % (heads, kv_heads))
    if cfg.get("head_dim") is not None:
        head_dim = _int(cfg, "head_dim", "features per head")
    elif hidden % heads:
        raise ConfigError("hidden_size (%d) is not a multiple of num_attention_heads (%d) and the "
                          "config gives no head_dim" % (hidden, heads))
    else:
        head_dim = hidden // heads
    act = cfg.get("hidden_act", "gelu_new" if family == "phi" else "silu")
    if family == "phi":
        if act not in GELU:
            raise ConfigError("hidden_act %s: phi models are exported with a GELU MLP (fc1, fc2)" % act)
        ffn_kind, norm, parallel = "gelu", "layernorm", True
    else:
        if act not in SILU:
            raise ConfigError("hidden_act %s: gated %s MLPs are exported as SwiGLU, which needs silu"
                              % (act, mt))
        ffn_kind = "swiglu"
        norm = "layernorm" if family == "stablelm" else "rmsnorm"
        parallel = bool(cfg.get("use_parallel_residual", False)) if family == "stablelm" else False
    llm = {
        "layers": values["num_hidden_layers"], "hidden": hidden, "ffn": values["intermediate_size"],
        "ffn_kind": ffn_kind, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim,
        "vocab": values["vocab_size"], "max_context": values["max_position_embeddings"],
        "norm": norm, "parallel_attention_mlp": parallel, "lm_head": True,
    }
    return {k: llm[k] for k in LLM_KEY_ORDER}


def sliding_window(config):
    """The attention window of a config, or None when attention spans the whole context."""
    cfg = _normalise(config)
    if cfg.get("use_sliding_window") is False:
        return None
    w = cfg.get("sliding_window")
    return w if isinstance(w, int) and not isinstance(w, bool) and w > 0 else None


def block_linear_params(llm):
    """Weights of the linear layers of one decoder block (biases not counted)."""
    d, f = llm["hidden"], llm["ffn"]
    q = llm["heads"] * llm["head_dim"]
    kv = llm["kv_heads"] * llm["head_dim"]
    attn = d * q + 2 * d * kv + q * d  # q, k, v, o (dense)
    mlp = (3 if llm["ffn_kind"] == "swiglu" else 2) * d * f  # gate, up, down / fc1, fc2
    return attn + mlp


def total_linear_params(llm):
    """Weights of all decoder-block linears (no embedding, no lm_head)."""
    return llm["layers"] * block_linear_params(llm)


def lm_head_params(llm):
    return llm["vocab"] * llm["hidden"]


def kv_bytes_per_token(llm, kv_bits=16):
    """KV-cache bytes one token adds over all layers (K and V)."""
    return llm["layers"] * 2 * llm["kv_heads"] * llm["head_dim"] * kv_bits // 8


def load_config(path):
    """The dict of a config.json (ConfigError with the path when it is not valid JSON)."""
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ConfigError("%s: not valid JSON (%s)" % (path, e))


# ---- options -> trace sections -------------------------------------------------------------

def _ints(text, count, form):
    parts = text.split(",") if text else []
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != count:
        raise ValueError("expected %s" % form)
    return values


def parse_schedule(text):
    """The `schedule:` section of a --schedule string (ValueError on a malformed one)."""
    kind, _, rest = text.partition(":")
    if kind == "uniform":
        (bits,) = _ints(rest, 1, "uniform:BITS")
        return {"type": "uniform", "bits": bits}
    if kind == "phase-aware":
        prefill, decode = _ints(rest, 2, "phase-aware:PREFILL,DECODE")
        return {"type": "uniform", "bits": decode, "prefill_bits": prefill}
    if kind == "static":
        prefill, high, low, step = _ints(rest, 4, "static:PREFILL,HIGH,LOW,STEP")
        return {"type": "static", "prefill_bits": prefill, "high_bits": high, "low_bits": low,
                "switch_step": step}
    if kind == "learned":
        parts = rest.split(",")
        if len(parts) == 4 and parts[3].startswith("class="):
            prefill, high, low, cls = _ints(",".join(parts[:3] + [parts[3][6:]]), 4,
                                            "learned:PREFILL,HIGH,LOW,class=K")
            return {"type": "learned", "prefill_bits": prefill, "high_bits": high, "low_bits": low,
                    "class": cls}
        prefill, high, low, step = _ints(rest, 4, "learned:PREFILL,HIGH,LOW,STEP or "
                                                  "learned:PREFILL,HIGH,LOW,class=K")
        return {"type": "learned", "prefill_bits": prefill, "high_bits": high, "low_bits": low,
                "switch_step": step}
    if kind == "python":
        (prefill,) = _ints(rest, 1, "python:PREFILL")
        return {"type": "python", "prefill_bits": prefill}
    raise ValueError("unknown schedule %r; expected uniform:B, phase-aware:P,D, static:P,H,L,S, "
                     "learned:P,H,L,S or python:P" % kind)


def schedule_text(schedule):
    """The --schedule string of a schedule section (inverse of parse_schedule)."""
    t = schedule["type"]
    if t == "uniform":
        if "prefill_bits" in schedule:
            return "phase-aware:%d,%d" % (schedule["prefill_bits"], schedule["bits"])
        return "uniform:%d" % schedule["bits"]
    if t in ("static", "learned"):
        last = ("class=%d" % schedule["class"]) if "class" in schedule else str(schedule["switch_step"])
        return "%s:%d,%d,%d,%s" % (t, schedule["prefill_bits"], schedule["high_bits"],
                                   schedule["low_bits"], last)
    return "python:%d" % schedule["prefill_bits"]


def check_schedule(schedule, gen_len):
    for key in ("bits", "prefill_bits", "high_bits", "low_bits"):
        if key in schedule and not 1 <= schedule[key] <= 16:
            raise ValueError("schedule %s = %d is outside 1..16 bits" % (key, schedule[key]))
    if schedule["type"] in ("static", "learned") and schedule["high_bits"] < schedule["low_bits"]:
        raise ValueError("schedule high_bits (%d) below low_bits (%d): PMPD only lowers precision"
                         % (schedule["high_bits"], schedule["low_bits"]))
    if "switch_step" in schedule and not 0 <= schedule["switch_step"] <= gen_len:
        raise ValueError("switch_step %d is outside 0..gen_len (%d)" % (schedule["switch_step"], gen_len))
    if "class" in schedule and not 0 <= schedule["class"] <= 3:
        raise ValueError("class %d is outside 0..3 (4 classes)" % schedule["class"])


def parse_precision(text):
    """`A` (activations and KV) or `A/KV` (also `A,KV`) in bits -> the model's precision."""
    parts = text.replace(",", "/").split("/")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or not all(1 <= v <= 16 for v in values):
        raise ValueError("expected ACT or ACT/KV bit widths in 1..16")
    act, kv = values[0], values[-1]
    return {"activation": act, "weight": 16, "output": act, "kv": kv}


def load_acceptance(name, path=ACCEPTANCE_FILE):
    """One table of ppd_acceptance.yaml: {sizes, tau, calibration, ...}."""
    import yaml  # only needed for tree decoding
    with open(path) as f:
        tables = yaml.safe_load(f)["tables"]
    if name not in tables:
        raise ValueError("no acceptance table %r in %s (have: %s)"
                         % (name, os.path.relpath(path, REPO_DIR), ", ".join(sorted(tables))))
    return tables[name]


def decoding_section(tree_size, table, calibration=None):
    return {"tree_size": tree_size, "sizes": list(table["sizes"]), "tau": list(table["tau"]),
            "calibration": table["calibration"] if calibration is None else calibration}


# ---- writing -------------------------------------------------------------------------------

def _value(v):
    if isinstance(v, float):
        text = repr(v)  # shortest round-trip form: 1.07, 2.2
        return text if ("." in text or "e" in text) else text + ".0"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return emit.scalar(v)


def flow(mapping, order):
    unknown = set(mapping) - set(order)
    if unknown:
        raise KeyError("unknown keys: %s" % ", ".join(sorted(unknown)))
    return "{" + ", ".join("%s: %s" % (k, _value(mapping[k])) for k in order if k in mapping) + "}"


def model_entry(name, llm, prompt_len, gen_len, precision=None, schedule=None, decoding=None):
    """A model entry of an LLM trace (plain dict; render() fixes the order)."""
    entry = {"name": name, "precision": precision or parse_precision("16"), "llm": llm,
             "generation": {"prompt_len": prompt_len, "gen_len": gen_len}}
    if schedule:
        entry["schedule"] = schedule
    if decoding:
        entry["decoding"] = decoding
    return entry


def check_entry(entry, window=None):
    """Raise ValueError when the simulator would refuse the entry's request shape."""
    g = entry["generation"]
    if g["prompt_len"] < 1 or g["gen_len"] < 1:
        raise ValueError("prompt and generated lengths must be at least 1")
    tree = entry.get("decoding", {}).get("tree_size", 0)
    need = g["prompt_len"] + g["gen_len"] + tree
    if need > entry["llm"]["max_context"]:
        raise ValueError("prompt_len + gen_len%s = %d exceeds the model's max_context %d"
                         % (" + tree_size" if tree else "", need, entry["llm"]["max_context"]))
    if window is not None and need > window:
        raise ValueError("the request spans %d positions, more than the config's sliding_window %d "
                         "(the simulator has no sliding-window attention)" % (need, window))
    if "schedule" in entry:
        check_schedule(entry["schedule"], g["gen_len"])


def render(name, description, models, header):
    """Full text of an LLM trace file. `header` is a list of comment lines (without '# ')."""
    out = ["# " + line if line else "#" for line in header]
    out.append("schema_version: %d" % emit.SCHEMA_VERSION)
    out.append("name: " + emit.scalar(name))
    if description:
        out.append("description: " + emit.scalar(description))
    out.append("models:")
    for m in models:
        out.append("  - name: " + emit.scalar(m["name"]))
        out.append("    precision: " + flow(m["precision"], PRECISION_KEYS))
        out.append("    llm: " + flow(m["llm"], LLM_KEY_ORDER))
        out.append("    generation: " + flow(m["generation"], GENERATION_KEYS))
        if "schedule" in m:
            out.append("    schedule: " + flow(m["schedule"], SCHEDULE_KEYS))
        if "decoding" in m:
            out.append("    decoding: " + flow(m["decoding"], DECODING_KEYS))
    return "\n".join(out) + "\n"


def size_line(llm, kv_bits=16):
    """Header line with the derived weight and KV-cache sizes."""
    return ("Block linears: %s weights (%s per block); lm_head %s; KV cache %s B per token (%d-bit)"
            % (format(total_linear_params(llm), ","), format(block_linear_params(llm), ","),
               format(lm_head_params(llm), ","), format(kv_bytes_per_token(llm, kv_bits), ","),
               kv_bits))


def describe_schedule(schedule):
    if not schedule:
        return "no schedule (fp16 weights)"
    t = schedule["type"]
    if t == "uniform":
        if "prefill_bits" in schedule:
            return "phase-aware: prefill %d-bit, decode %d-bit" % (schedule["prefill_bits"], schedule["bits"])
        return "uniform %d-bit" % schedule["bits"]
    if t in ("static", "learned"):
        at = ("class %d" % schedule["class"]) if "class" in schedule else \
            "switch at decode step %d" % schedule["switch_step"]
        return "PMPD %s: prefill %d-bit, decode %d->%d-bit, %s" % (
            t, schedule["prefill_bits"], schedule["high_bits"], schedule["low_bits"], at)
    return "Python policy, prefill %d-bit" % schedule["prefill_bits"]


# ---- command line --------------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="Hugging Face config.json of the model")
    p.add_argument("--prompt-len", type=int, required=True, help="prompt tokens (prefill)")
    p.add_argument("--gen-len", type=int, required=True, help="generated tokens (decode steps)")
    p.add_argument("--name", help="workload name (default: <model>-p<P>-g<G>)")
    p.add_argument("--model-name", help="model entry name (default: the config file name)")
    p.add_argument("--description", help="workload description (default: derived)")
    p.add_argument("--schedule", help="weight-precision schedule (see above; default: none = fp16)")
    p.add_argument("--precision", default="16", help="activation/KV bits: ACT or ACT/KV (default 16)")
    p.add_argument("--tree-size", type=int, help="PPD tree decoding with this many tree tokens")
    p.add_argument("--acceptance", help="acceptance table of workloads/llm/ppd_acceptance.yaml "
                                        "(vicuna-7b, vicuna-13b, mobilellama-1.4b)")
    p.add_argument("--calibration", type=float, help="override the table's tau calibration")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    return p


def command_line(args):
    """The canonical command that reproduces an export (written into the file header)."""
    path = os.path.abspath(args.config)
    rel = os.path.relpath(path, REPO_DIR)
    cmd = [COMMAND, rel if not rel.startswith("..") else path,
           "--prompt-len %d" % args.prompt_len, "--gen-len %d" % args.gen_len]
    if args.schedule:
        cmd.append("--schedule " + schedule_text(parse_schedule(args.schedule)))
    if args.precision != "16":
        cmd.append("--precision " + args.precision)
    if args.tree_size:
        cmd.append("--tree-size %d --acceptance %s" % (args.tree_size, args.acceptance))
    if args.calibration is not None:
        cmd.append("--calibration %g" % args.calibration)
    if args.name:
        cmd.append("--name " + args.name)
    if args.model_name:
        cmd.append("--model-name " + args.model_name)
    if args.description:
        cmd.append("--description " + json.dumps(args.description))
    return " ".join(cmd)


def build(config, model_name, prompt_len, gen_len, schedule=None, precision=None, tree_size=None,
          acceptance=None, calibration=None):
    """(llm section, model entry) for a config dict and request options; ValueError if invalid."""
    llm = derive(config)
    decoding = None
    if tree_size is not None:
        if tree_size < 1:
            raise ValueError("--tree-size must be at least 1")
        if not acceptance:
            raise ValueError("--tree-size needs --acceptance (a table of ppd_acceptance.yaml)")
        decoding = decoding_section(tree_size, load_acceptance(acceptance), calibration)
    elif acceptance or calibration is not None:
        raise ValueError("--acceptance and --calibration apply with --tree-size only")
    entry = model_entry(model_name, llm, prompt_len, gen_len, precision, schedule, decoding)
    check_entry(entry, sliding_window(config))
    return llm, entry


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    try:
        config = load_config(args.config)
        schedule = parse_schedule(args.schedule) if args.schedule else None
        precision = parse_precision(args.precision)
        model_name = args.model_name or os.path.splitext(os.path.basename(args.config))[0]
        llm, entry = build(config, model_name, args.prompt_len, args.gen_len, schedule, precision,
                           args.tree_size, args.acceptance, args.calibration)
    except OSError as e:
        p.error("cannot read %s: %s" % (args.config, e.strerror or e))
    except ValueError as e:  # ConfigError included
        p.error("%s: %s" % (args.config, e) if isinstance(e, ConfigError) else str(e))
    name = args.name or "%s-p%d-g%d" % (model_name, args.prompt_len, args.gen_len)
    description = args.description or "%s, prompt %d, generate %d; %s%s" % (
        model_name, args.prompt_len, args.gen_len, describe_schedule(schedule),
        "; tree decoding, %d tree tokens (%s acceptance)" % (args.tree_size, args.acceptance)
        if args.tree_size else "")
    header = ["Generated by workloads/exporters/llm_export.py; do not edit by hand.",
              "Command: " + command_line(args), size_line(llm, precision["kv"])]
    text = render(name, description, [entry], header)
    return emit.output(text, args.output)


if __name__ == "__main__":
    sys.exit(main())
