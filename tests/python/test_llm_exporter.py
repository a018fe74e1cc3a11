"""Tests of the LLM exporter (workloads/exporters/llm_export.py), the PMPD/PPD data files and the
committed LLM traces (workloads/llm/<model>/<task>.yaml).

Run: /usr/bin/python3 -m pytest tests/python/test_llm_exporter.py
The simulator checks use $NPUSIM_CLI (default: <repo>/build/npusim) and are skipped without it.
Expected numbers are typed from /work/shared/papers/pmpd.md (§3.1, §3.3-§3.5) and ppd.md (§3),
independently of the exporter.
"""
import glob
import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import export_llm_all, llm_export  # noqa: E402

PYTHON = sys.executable
EXPORT_LLM_ALL = os.path.join(REPO, "workloads", "exporters", "export_llm_all.py")
EXPORT_ALL = os.path.join(REPO, "workloads", "exporters", "export_all.py")
LLM_EXPORT = os.path.join(REPO, "workloads", "exporters", "llm_export.py")
MODELS = os.path.join(REPO, "workloads", "llm", "models")
CLI = os.environ.get("NPUSIM_CLI", os.path.join(REPO, "build", "npusim"))
HW_4K = "hw_configs/llm_npu/pmpd_4k.yaml"
HW_16K = "hw_configs/llm_npu/pmpd_16k.yaml"


def config(model_id):
    with open(os.path.join(MODELS, model_id + ".json")) as f:
        return json.load(f)


def committed_files():
    return sorted(os.path.relpath(p, os.path.join(REPO, "workloads"))
                  for p in glob.glob(os.path.join(REPO, "workloads", "llm", "*", "*.yaml")))


def load(rel):
    with open(os.path.join(REPO, "workloads", rel)) as f:
        return yaml.safe_load(f)


def hw_for(rel):
    """Vicuna models on the 16K-MAC NPU, the others on the 4K one (pmpd.md §2.1)."""
    return HW_16K if "vicuna" in rel else HW_4K


def need_cli():
    if not (os.path.isfile(CLI) and os.access(CLI, os.X_OK)):
        pytest.skip("simulator CLI %s not built (set NPUSIM_CLI to a built npusim)" % CLI)


def validate(path, hw):
    need_cli()
    return subprocess.run([CLI, "validate", "--hw", hw, "--workload", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


# --- model shapes: pmpd.md §3.1 ------------------------------------------------------------

# model id: (layers, d_model, ffn, heads, head_dim, kv heads, vocab, max ctx, ffn kind, norm,
#            parallel attention+MLP)
SHAPES = {
    "vicuna-7b": (32, 4096, 11008, 32, 128, 32, 32000, 4096, "swiglu", "rmsnorm", False),
    "llama-2-7b": (32, 4096, 11008, 32, 128, 32, 32000, 4096, "swiglu", "rmsnorm", False),
    "vicuna-13b": (40, 5120, 13824, 40, 128, 40, 32000, 2048, "swiglu", "rmsnorm", False),
    "mobilellama-1.4b": (24, 2048, 5632, 16, 128, 16, 32000, 2048, "swiglu", "rmsnorm", False),
    "phi-1.5": (24, 2048, 8192, 32, 64, 32, 51200, 2048, "gelu", "layernorm", True),
    # StableLM blocks use LayerNorm (nn.LayerNorm in transformers' StableLmDecoderLayer).
    "stablelm-zephyr-3b": (32, 2560, 6912, 32, 80, 32, 50304, 4096, "swiglu", "layernorm", False),
}

# pmpd.md §3.1: linear params per block, all block linears, lm_head, KV fp16 bytes per token.
PAPER_SIZES = {
    "vicuna-7b": (202.38e6, 6.476e9, 131.1e6, 524_288),
    "mobilellama-1.4b": (51.38e6, 1.2331e9, 65.5e6, 196_608),
    "phi-1.5": (50.33e6, 1.2080e9, 104.9e6, 196_608),
    "stablelm-zephyr-3b": (79.30e6, 2.5376e9, 128.8e6, 327_680),
}


@pytest.mark.parametrize("model_id", sorted(SHAPES))
def test_derived_shapes(model_id):
    llm = llm_export.derive(config(model_id))
    L, d, f, h, hd, kv, vocab, ctx, kind, norm, par = SHAPES[model_id]
    assert llm == {"layers": L, "hidden": d, "ffn": f, "ffn_kind": kind, "heads": h, "kv_heads": kv,
                   "head_dim": hd, "vocab": vocab, "max_context": ctx, "norm": norm,
                   "parallel_attention_mlp": par, "lm_head": True}
    assert list(llm) == llm_export.LLM_KEY_ORDER


@pytest.mark.parametrize("model_id", sorted(PAPER_SIZES))
def test_derived_sizes_match_pmpd_table(model_id):
    llm = llm_export.derive(config(model_id))
    per_block, total, lm_head, kv = PAPER_SIZES[model_id]
    assert llm_export.block_linear_params(llm) == pytest.approx(per_block, rel=1e-3)
    assert llm_export.total_linear_params(llm) == pytest.approx(total, rel=1e-3)
    assert llm_export.lm_head_params(llm) == pytest.approx(lm_head, rel=1e-3)
    assert llm_export.kv_bytes_per_token(llm) == pytest.approx(kv, rel=1e-3)


def test_exact_sizes_from_first_principles():
    # Vicuna-7B: 4 d^2 + 3 d f = 4 x 4096^2 + 3 x 4096 x 11008; KV 2 x 32 layers x 4096 x 2 B.
    v = llm_export.derive(config("vicuna-7b"))
    assert llm_export.block_linear_params(v) == 4 * 4096 ** 2 + 3 * 4096 * 11008 == 202_375_168
    assert llm_export.kv_bytes_per_token(v) == 524_288
    assert llm_export.kv_bytes_per_token(v, kv_bits=8) == 262_144
    # Phi-1.5: q, k, v, dense + fc1, fc2 (no gate).
    p = llm_export.derive(config("phi-1.5"))
    assert llm_export.block_linear_params(p) == 4 * 2048 ** 2 + 2 * 2048 * 8192
    # Vicuna-13B v1.3 (PPD's model): 40 x (4 x 5120^2 + 3 x 5120 x 13824).
    t = llm_export.derive(config("vicuna-13b"))
    assert llm_export.total_linear_params(t) == 40 * (4 * 5120 ** 2 + 3 * 5120 * 13824)


def test_llama2_and_vicuna_v15_share_shapes():
    assert llm_export.derive(config("llama-2-7b")) == llm_export.derive(config("vicuna-7b"))


def test_configs_are_hf_style():
    for path in sorted(glob.glob(os.path.join(MODELS, "*.json"))):
        cfg = json.load(open(path))
        for key in ("architectures", "model_type", "hidden_size", "intermediate_size",
                    "num_hidden_layers", "num_attention_heads", "vocab_size",
                    "max_position_embeddings", "hidden_act", "tie_word_embeddings"):
            assert key in cfg, (path, key)
        assert ("rms_norm_eps" in cfg) != ("layer_norm_eps" in cfg), path
        assert os.path.basename(path)[:-5] in export_llm_all.MODELS


# --- derive(): other configs and bad ones ----------------------------------------------------

def test_gqa_mistral_and_explicit_head_dim():
    mistral = {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096,
               "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
               "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
               "hidden_act": "silu", "rms_norm_eps": 1e-5, "sliding_window": 4096}
    llm = llm_export.derive(mistral)
    assert (llm["kv_heads"], llm["head_dim"], llm["norm"]) == (8, 128, "rmsnorm")
    assert llm_export.kv_bytes_per_token(llm) == 32 * 2 * 8 * 128 * 2
    assert llm_export.sliding_window(mistral) == 4096
    with pytest.raises(ValueError, match="sliding_window 4096"):
        llm_export.build(mistral, "m", 4000, 200)
    llm = llm_export.derive(dict(mistral, head_dim=96, sliding_window=None))
    assert llm["head_dim"] == 96
    # A StableLM with the parallel residual, and the old phi-msft key names.
    stablelm = dict(config("stablelm-zephyr-3b"), use_parallel_residual=True)
    assert llm_export.derive(stablelm)["parallel_attention_mlp"] is True
    msft = {"architectures": ["PhiForCausalLM"], "model_type": "phi-msft", "n_embd": 2048, "n_layer": 24,
            "n_head": 32, "n_inner": None, "n_positions": 2048, "vocab_size": 51200,
            "activation_function": "gelu_new"}
    assert llm_export.derive(msft) == llm_export.derive(config("phi-1.5"))


def test_missing_field_is_a_clear_error(tmp_path):
    bad = config("vicuna-7b")
    del bad["hidden_size"]
    with pytest.raises(llm_export.ConfigError, match=r"missing hidden_size \(the model width\)"):
        llm_export.derive(bad)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(bad))
    r = subprocess.run([PYTHON, LLM_EXPORT, str(path), "--prompt-len", "8", "--gen-len", "8"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "config.json: missing hidden_size (the model width)" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("change,message", [
    ({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral"},
     "unsupported architecture MixtralForCausalLM (model_type mixtral); supported model_type: "),
    ({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}, "unsupported architecture GPT2LMHeadModel"),
    ({"architectures": None, "model_type": "falcon"}, "unsupported model_type falcon"),
    ({"architectures": ["PhiForCausalLM"]}, "architecture PhiForCausalLM does not match model_type llama"),
    ({"hidden_act": "gelu"}, "hidden_act gelu: gated llama MLPs are exported as SwiGLU"),
    ({"num_key_value_heads": 5}, "not a multiple of num_key_value_heads"),
    ({"num_hidden_layers": "32"}, "num_hidden_layers must be a positive integer"),
    ({"num_local_experts": 8}, "mixture-of-experts"),
])
def test_unsupported_configs_are_refused(change, message):
    bad = dict(config("vicuna-7b"), **change)
    with pytest.raises(llm_export.ConfigError) as e:
        llm_export.derive(bad)
    assert message in str(e.value)


def test_unsupported_architecture_on_the_command_line(tmp_path):
    path = tmp_path / "gpt2.json"
    path.write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 768}))
    r = subprocess.run([PYTHON, LLM_EXPORT, str(path), "--prompt-len", "8", "--gen-len", "8"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "gpt2.json: unsupported architecture GPT2LMHeadModel (model_type gpt2)" in r.stderr
    path.write_text("{not json")
    r = subprocess.run([PYTHON, LLM_EXPORT, str(path), "--prompt-len", "8", "--gen-len", "8"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "not valid JSON" in r.stderr


# --- command line: schedules, precision, tree decoding --------------------------------------

@pytest.mark.parametrize("text,section", [
    ("uniform:16", {"type": "uniform", "bits": 16}),
    ("phase-aware:4,3", {"type": "uniform", "bits": 3, "prefill_bits": 4}),
    ("static:3,3,2,47", {"type": "static", "prefill_bits": 3, "high_bits": 3, "low_bits": 2, "switch_step": 47}),
    ("learned:4,4,3,100", {"type": "learned", "prefill_bits": 4, "high_bits": 4, "low_bits": 3,
                           "switch_step": 100}),
    ("learned:4,4,3,class=2", {"type": "learned", "prefill_bits": 4, "high_bits": 4, "low_bits": 3,
                               "class": 2}),
    ("python:4", {"type": "python", "prefill_bits": 4}),
])
def test_schedule_strings(text, section):
    assert llm_export.parse_schedule(text) == section
    assert llm_export.schedule_text(section) == text


@pytest.mark.parametrize("text", ["static:3,3,2", "uniform:x", "learned:4,4,3,class=", "foo:3", "uniform"])
def test_bad_schedule_strings(text):
    with pytest.raises(ValueError, match="expected|unknown schedule"):
        llm_export.parse_schedule(text)


def test_export_with_options_and_tree_decoding(tmp_path):
    out = tmp_path / "t.yaml"
    cmd = [PYTHON, LLM_EXPORT, os.path.join(MODELS, "vicuna-13b.json"), "--prompt-len", "256",
           "--gen-len", "64", "--schedule", "phase-aware:4,3", "--precision", "16/8", "--tree-size", "60",
           "--acceptance", "vicuna-13b", "-o", str(out)]
    subprocess.run(cmd, check=True)
    text = out.read_text()
    assert text.startswith("# Generated by workloads/exporters/llm_export.py; do not edit by hand.\n"
                           "# Command: /usr/bin/python3 workloads/exporters/llm_export.py "
                           "workloads/llm/models/vicuna-13b.json --prompt-len 256 --gen-len 64 "
                           "--schedule phase-aware:4,3 --precision 16/8 --tree-size 60 --acceptance vicuna-13b\n")
    doc = yaml.safe_load(text)
    assert doc["name"] == "vicuna-13b-p256-g64"
    m = doc["models"][0]
    assert m["precision"] == {"activation": 16, "weight": 16, "output": 16, "kv": 8}
    assert m["generation"] == {"prompt_len": 256, "gen_len": 64}
    assert m["schedule"] == {"type": "uniform", "bits": 3, "prefill_bits": 4}
    assert m["decoding"] == {"tree_size": 60, "sizes": [40, 60, 80, 100, 120],
                             "tau": [2.21, 2.31, 2.37, 2.42, 2.46], "calibration": 1.06}
    # The same command gives the same bytes.
    subprocess.run(cmd[:-1] + [str(tmp_path / "u.yaml")], check=True)
    assert (tmp_path / "u.yaml").read_bytes() == out.read_bytes()
    r = validate(out, HW_16K)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("args,message", [
    (["--prompt-len", "2000", "--gen-len", "100"], "exceeds the model's max_context 2048"),
    (["--prompt-len", "1900", "--gen-len", "100", "--tree-size", "60", "--acceptance", "vicuna-13b"],
     "prompt_len + gen_len + tree_size = 2060 exceeds"),
    (["--prompt-len", "8", "--gen-len", "8", "--tree-size", "60"], "--tree-size needs --acceptance"),
    (["--prompt-len", "8", "--gen-len", "8", "--tree-size", "60", "--acceptance", "nope"],
     "no acceptance table 'nope'"),
    (["--prompt-len", "8", "--gen-len", "8", "--schedule", "static:3,2,3,4"], "PMPD only lowers precision"),
    (["--prompt-len", "8", "--gen-len", "8", "--schedule", "static:3,3,2,9"], "switch_step 9 is outside 0..gen_len (8)"),
    (["--prompt-len", "8", "--gen-len", "8", "--schedule", "uniform:17"], "outside 1..16 bits"),
    (["--prompt-len", "8", "--gen-len", "8", "--precision", "16/x"], "expected ACT or ACT/KV"),
])
def test_bad_options_are_refused(args, message):
    r = subprocess.run([PYTHON, LLM_EXPORT, os.path.join(MODELS, "vicuna-13b.json")] + args,
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert message in r.stderr, r.stderr


@pytest.mark.parametrize("model_id", sorted(SHAPES))
def test_every_config_exports_a_trace_the_simulator_accepts(model_id, tmp_path):
    out = tmp_path / (model_id + ".yaml")
    subprocess.run([PYTHON, LLM_EXPORT, os.path.join(MODELS, model_id + ".json"), "--prompt-len", "128",
                    "--gen-len", "16", "--schedule", "static:4,4,3,8", "-o", str(out)], check=True)
    r = validate(out, hw_for(model_id))
    assert r.returncode == 0, r.stdout + r.stderr


# --- data files: pmpd_tasks.yaml and ppd_acceptance.yaml ------------------------------------

TASKS = export_llm_all.load_tasks()

# pmpd.md §3.5 table: (task, model) -> (static avg bits or None, learned avg bits or None).
PAPER_AVG_BITS = {
    ("cnndm", "vicuna-7b"): (2.39, 2.43), ("cnndm", "mobilellama-1.4b"): (3.37, 3.19),
    ("cnndm", "phi-1.5"): (3.71, 3.09), ("cnndm", "stablelm-zephyr-3b"): (None, None),
    ("dialogsum", "vicuna-7b"): (2.00, 2.74), ("dialogsum", "mobilellama-1.4b"): (3.00, 3.21),
    ("dialogsum", "phi-1.5"): (3.30, 3.52),
    ("iwslt", "vicuna-7b"): (2.68, 2.37), ("iwslt", "mobilellama-1.4b"): (3.65, 3.48),
    ("iwslt", "stablelm-zephyr-3b"): (3.00, 3.34),
    ("mtbench", "vicuna-7b"): (None, 2.68), ("mtbench", "stablelm-zephyr-3b"): (None, 3.48),
    ("mtbench", "mobilellama-1.4b"): (None, 3.39), ("mtbench", "phi-1.5"): (None, 3.56),
}
# pmpd.md §3.4: (prefill, high, low) bits.
PAPER_PAIRS = {"vicuna-7b": (3, 3, 2), "mobilellama-1.4b": (4, 4, 3), "phi-1.5": (4, 4, 3),
               "stablelm-zephyr-3b": (4, 4, 3)}


def paper_lengths(task, model):
    """pmpd.md §3.3 defaults: (P, G)."""
    vicuna = model == "vicuna-7b"
    return {"cnndm": (480 if vicuna else 500, 120 if model in ("vicuna-7b", "stablelm-zephyr-3b") else 256),
            "dialogsum": (110, 33), "iwslt": (40, 30),
            "mtbench": (100, 180 if model == "stablelm-zephyr-3b" else 256)}[task]


def test_tasks_cover_the_paper_table():
    assert sorted((s["task"], s["model"]) for s in TASKS["scenarios"]) == sorted(PAPER_AVG_BITS)
    for model_id, (pre, high, low) in PAPER_PAIRS.items():
        pair = TASKS["models"][model_id]
        assert (pair["prefill_bits"], pair["high_bits"], pair["low_bits"]) == (pre, high, low)
        assert pair["hw"] == hw_for(model_id)


@pytest.mark.parametrize("s", TASKS["scenarios"], ids=lambda s: "%s-%s" % (s["model"], s["task"]))
def test_scenario_numbers(s):
    assert (s["prompt_len"], s["gen_len"]) == paper_lengths(s["task"], s["model"])
    low = PAPER_PAIRS[s["model"]][2]
    for method, avg in zip(("static", "learned"), PAPER_AVG_BITS[(s["task"], s["model"])]):
        if avg is None:
            assert method not in s  # n/a and infeasible entries are left out
            continue
        entry = s[method]
        assert entry["avg_bits"] == pytest.approx(avg)
        assert entry["f"] == pytest.approx(avg - low)
        # s = round(f x G), halves up (written out: floor(f G + 1/2) on exact hundredths)
        assert entry["switch_step"] == (round(entry["f"] * 100) * s["gen_len"] + 50) // 100
        assert 0 <= entry["switch_step"] <= s["gen_len"]
    expect = "static" if "static" in s else "learned" if "learned" in s else "repo"
    assert s["trace"] == expect


def test_switch_steps_spot_values():
    steps = {(s["model"], s["task"]): s for s in TASKS["scenarios"]}
    assert steps[("vicuna-7b", "cnndm")]["static"]["switch_step"] == 47       # 0.39 x 120 = 46.8
    assert steps[("mobilellama-1.4b", "iwslt")]["static"]["switch_step"] == 20  # 0.65 x 30 = 19.5
    assert steps[("vicuna-7b", "dialogsum")]["static"]["switch_step"] == 0
    assert steps[("phi-1.5", "mtbench")]["learned"]["switch_step"] == 143      # 0.56 x 256 = 143.36


def test_a_typo_in_the_tasks_file_is_caught():
    s = dict(TASKS["scenarios"][0], static=dict(TASKS["scenarios"][0]["static"], switch_step=48))
    with pytest.raises(ValueError, match="switch_step 48 != round"):
        export_llm_all.check_scenario(s, TASKS["models"][s["model"]])


def test_ppd_acceptance_tables():
    with open(os.path.join(REPO, "workloads", "llm", "ppd_acceptance.yaml")) as f:
        tables = yaml.safe_load(f)["tables"]
    # ppd.md §3: shipped budget, measured tau (Table 1), model tau at the budget, calibration.
    expect = {"vicuna-7b": (105, 2.54, 2.37, 1.07), "vicuna-13b": (60, 2.44, 2.31, 1.06),
              "mobilellama-1.4b": (285, 2.43, 2.21, 1.10)}
    assert sorted(tables) == sorted(expect)
    for name, (budget, measured, model_tau, cal) in expect.items():
        t = tables[name]
        assert len(t["sizes"]) == len(t["tau"])
        assert all(a < b for a, b in zip(t["sizes"], t["sizes"][1:]))
        assert all(a <= b for a, b in zip(t["tau"], t["tau"][1:]))  # tau grows with the budget
        assert t["tau"][t["sizes"].index(budget)] == model_tau
        assert (t["shipped_tree_size"], t["measured_tau"], t["calibration"]) == (budget, measured, cal)
        assert round(measured / model_tau, 2) == cal
        assert t["model"] in export_llm_all.MODELS
    assert tables["vicuna-7b"]["sizes"] == [5, 10, 20, 35, 50, 60, 75, 90, 105, 120, 200, 500]
    assert tables["vicuna-7b"]["tau"] == [1.63, 1.83, 1.98, 2.11, 2.20, 2.25, 2.29, 2.33, 2.37, 2.39, 2.49, 2.64]


# --- committed traces ----------------------------------------------------------------------

def test_every_committed_trace_has_a_generator():
    expected = sorted(["llm/%s/%s.yaml" % (s["model"], s["task"]) for s in TASKS["scenarios"]]
                      + list(export_llm_all.REQUESTS))
    assert committed_files() == expected
    assert sorted(export_llm_all.generate()) == expected


def test_regeneration_is_byte_identical(tmp_path):
    subprocess.run([PYTHON, EXPORT_LLM_ALL, "--out-dir", str(tmp_path)], check=True, stdout=subprocess.DEVNULL)
    for rel in committed_files():
        with open(os.path.join(REPO, "workloads", rel), "rb") as a, open(tmp_path / rel, "rb") as b:
            assert a.read() == b.read(), "%s is stale: run export_all.py" % rel
    check = subprocess.run([PYTHON, EXPORT_LLM_ALL, "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # export_all.py writes them too (one entry point for every committed trace).
    everything = tmp_path / "all"
    subprocess.run([PYTHON, EXPORT_ALL, "--out-dir", str(everything)], check=True, stdout=subprocess.DEVNULL)
    for rel in committed_files():
        assert (everything / rel).read_bytes() == (tmp_path / rel).read_bytes()


@pytest.mark.parametrize("s", TASKS["scenarios"], ids=lambda s: "%s-%s" % (s["model"], s["task"]))
def test_trace_content(s):
    rel = "llm/%s/%s.yaml" % (s["model"], s["task"])
    with open(os.path.join(REPO, "workloads", rel)) as f:
        text = f.read()
    assert text.startswith("# Generated by workloads/exporters; do not edit by hand.\n"
                           "# Regenerate with: /usr/bin/python3 workloads/exporters/export_all.py\n")
    doc = yaml.safe_load(text)
    assert doc["schema_version"] == 1 and doc["name"] == "%s-%s" % (s["model"], s["task"])
    (m,) = doc["models"]
    assert m["name"] == s["model"]
    assert m["llm"] == llm_export.derive(config(s["model"]))
    assert m["precision"] == {"activation": 16, "weight": 16, "output": 16, "kv": 16}
    assert m["generation"] == {"prompt_len": s["prompt_len"], "gen_len": s["gen_len"]}
    pre, high, low = PAPER_PAIRS[s["model"]]
    method = "static" if s["trace"] == "repo" else s["trace"]
    step = s["repo_high_bit_steps"] if s["trace"] == "repo" else s[s["trace"]]["switch_step"]
    assert m["schedule"] == {"type": method, "prefill_bits": pre, "high_bits": high, "low_bits": low,
                             "switch_step": step}
    assert "decoding" not in m


def test_speed_trace():
    doc = load("llm/vicuna-7b/speed.yaml")
    (m,) = doc["models"]
    assert m["llm"] == llm_export.derive(config("vicuna-7b"))
    assert m["generation"] == {"prompt_len": 512, "gen_len": 256}
    assert m["schedule"] == {"type": "static", "prefill_bits": 3, "high_bits": 3, "low_bits": 2,
                             "switch_step": 100}


@pytest.mark.parametrize("rel", committed_files())
def test_header_command_gives_the_same_model_entry(rel, tmp_path):
    with open(os.path.join(REPO, "workloads", rel)) as f:
        text = f.read()
    (line,) = [x for x in text.splitlines() if x.startswith("# Same model entry as: ")]
    cmd = line[len("# Same model entry as: "):].split()
    assert cmd[:2] == ["/usr/bin/python3", "workloads/exporters/llm_export.py"]
    out = subprocess.run([PYTHON] + cmd[1:], cwd=REPO, check=True, capture_output=True, text=True).stdout
    mine, theirs = yaml.safe_load(text), yaml.safe_load(out)
    assert theirs["name"] == mine["name"] and theirs["models"] == mine["models"]


@pytest.mark.parametrize("rel", committed_files())
def test_trace_validates_with_simulator(rel):
    r = validate(os.path.join("workloads", rel), hw_for(rel))
    assert r.returncode == 0, r.stdout + r.stderr


def test_iwslt_vicuna_runs_at_the_analytical_rate(tmp_path):
    """Paper mode (pmpd.md §5.3): decode time per token = (W b/8 + ctx KV) / 32e9 B/s."""
    need_cli()
    rel = "llm/vicuna-7b/iwslt.yaml"
    r = subprocess.run([CLI, "run", "--hw", HW_16K, "--workload", os.path.join("workloads", rel), "--quiet",
                        "--out", str(tmp_path / "out")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(tmp_path / "out" / "stats.json") as f:
        stats = json.load(f)["llm"]
    m = load(rel)["models"][0]
    sched, g, p = m["schedule"], m["generation"]["gen_len"], m["generation"]["prompt_len"]
    bits = [sched["high_bits"] if i < sched["switch_step"] else sched["low_bits"] for i in range(g)]
    assert stats["average_weight_bits_per_token"] == pytest.approx(sum(bits) / g)
    w = llm_export.total_linear_params(m["llm"])
    kv = llm_export.kv_bytes_per_token(m["llm"])
    seconds = sum((w * b / 8 + (p + i + 1) * kv) / 32e9 for i, b in enumerate(bits))
    assert stats["decode_tokens_per_s"] == pytest.approx(g / seconds, rel=0.05)
