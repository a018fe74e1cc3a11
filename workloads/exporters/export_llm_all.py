"""Write the committed LLM traces under workloads/llm/ (deterministic).

  /usr/bin/python3 workloads/exporters/export_llm_all.py            # rewrite in place
  /usr/bin/python3 workloads/exporters/export_llm_all.py --check    # exit 1 if any file is stale
  /usr/bin/python3 workloads/exporters/export_llm_all.py --out-dir /tmp/wl

export_all.py calls generate() too, so it rewrites these with every other trace. Inputs:
workloads/llm/models/<id>.json (Hugging Face config.json copies) and workloads/llm/pmpd_tasks.yaml
(one PMPD scenario per (model, task)); output workloads/llm/<id>/<task>.yaml plus the fixed
requests of REQUESTS (the speed benchmark, a PPD example). See docs/llm_workloads.md.
"""
import os
import sys

import yaml

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from exporters import emit, llm_export  # noqa: E402

WORKLOADS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLM_DIR = os.path.join(WORKLOADS_DIR, "llm")
MODELS_DIR = os.path.join(LLM_DIR, "models")
TASKS_FILE = os.path.join(LLM_DIR, "pmpd_tasks.yaml")
COMMAND = "/usr/bin/python3 workloads/exporters/export_all.py"

# Model id (config file workloads/llm/models/<id>.json) -> (Hugging Face id, title).
MODELS = {
    "vicuna-7b": ("lmsys/vicuna-7b-v1.5", "Vicuna-7B v1.5"),
    "vicuna-13b": ("lmsys/vicuna-13b-v1.3", "Vicuna-13B v1.3"),
    "mobilellama-1.4b": ("mtgv/MobileLLaMA-1.4B-Chat", "MobileLLaMA-1.4B-Chat"),
    "phi-1.5": ("microsoft/phi-1_5", "Phi-1.5"),
    "stablelm-zephyr-3b": ("stabilityai/stablelm-zephyr-3b", "StableLM-Zephyr-3B"),
    "llama-2-7b": ("meta-llama/Llama-2-7b-hf", "Llama-2-7B"),
}

# Fixed requests that are not PMPD scenarios, by trace path under workloads/.
# - The speed benchmark: Vicuna-7B, prompt 512, 256 generated tokens, PMPD static 3 -> 2 bits
#   switching at decode step 100 (a fixed, long decode for timing).
# - A PPD example: MobileLLaMA on the MT-Bench request, fp16, tree decoding with 88 tree tokens,
#   the optimum docs/reproductions/ppd.md finds for the 4K preset at fp16.
REQUESTS = {
    "llm/vicuna-7b/speed.yaml": {
        "model": "vicuna-7b", "prompt_len": 512, "gen_len": 256,
        "schedule": {"type": "static", "prefill_bits": 3, "high_bits": 3, "low_bits": 2, "switch_step": 100},
        "hw": "hw_configs/llm_npu/pmpd_16k.yaml", "title": "speed benchmark", "purpose": "Speed benchmark"},
    "llm/mobilellama-1.4b/mtbench_ppd.yaml": {
        "model": "mobilellama-1.4b", "prompt_len": 100, "gen_len": 256,
        "schedule": {"type": "uniform", "bits": 16}, "tree_size": 88, "acceptance": "mobilellama-1.4b",
        "hw": "hw_configs/llm_npu/pmpd_4k.yaml", "title": "PPD tree decoding on MT-Bench",
        "purpose": "PPD example (tree size: n* of docs/reproductions/ppd.md, 4K preset, fp16)"},
}


def config_path(model_id):
    return os.path.join(MODELS_DIR, model_id + ".json")


def load_tasks(path=TASKS_FILE):
    with open(path) as f:
        return yaml.safe_load(f)


def round_half_up(f, gen_len):
    """round(f x G) with halves rounded up, exactly for f given to two decimals."""
    hundredths = int(round(f * 100))
    return (hundredths * gen_len + 50) // 100


def check_scenario(scenario, pair):
    """ValueError when the hand-written numbers of a scenario disagree with each other."""
    where = "%s/%s" % (scenario["model"], scenario["task"])
    for method in ("static", "learned"):
        if method not in scenario:
            continue
        s = scenario[method]
        if abs(s["avg_bits"] - (pair["low_bits"] + s["f"])) > 1e-9:
            raise ValueError("%s %s: avg_bits %.2f != p_l %d + f %.2f"
                             % (where, method, s["avg_bits"], pair["low_bits"], s["f"]))
        expect = round_half_up(s["f"], scenario["gen_len"])
        if s["switch_step"] != expect:
            raise ValueError("%s %s: switch_step %d != round(%.2f x %d) = %d"
                             % (where, method, s["switch_step"], s["f"], scenario["gen_len"], expect))
    if scenario["trace"] not in ("static", "learned", "repo") or \
            (scenario["trace"] != "repo" and scenario["trace"] not in scenario):
        raise ValueError("%s: trace %r names no schedule of the scenario" % (where, scenario["trace"]))


def trace_schedule(scenario, pair):
    """(schedule section, provenance text) that the scenario's trace uses."""
    check_scenario(scenario, pair)
    how = scenario["trace"]
    g = scenario["gen_len"]
    if how in ("static", "learned"):
        s = scenario[how]
        step = s["switch_step"]
        why = "%s, avg %.2f bits, f = %.2f [P] Table %d; switch_step = round(%.2f x %d) = %d [D]" % (
            how, s["avg_bits"], s["f"], 2 if scenario["task"] == "mtbench" else 1, s["f"], g, step)
    elif how == "repo":
        step = scenario["repo_high_bit_steps"]
        how = "static"
        why = ("static at the repo's --high-bit-steps %d of %d [R] (the paper has no static or learned "
               "result for this model and task)" % (step, g))
    else:
        raise ValueError("scenario %s/%s: unknown trace schedule %r"
                         % (scenario["model"], scenario["task"], scenario["trace"]))
    schedule = {"type": how, "prefill_bits": pair["prefill_bits"], "high_bits": pair["high_bits"],
                "low_bits": pair["low_bits"], "switch_step": step}
    return schedule, why


def average_bits(schedule, gen_len):
    step = min(schedule["switch_step"], gen_len)
    return (step * schedule["high_bits"] + (gen_len - step) * schedule["low_bits"]) / gen_len


def _equivalent(model_id, entry, name):
    sched = llm_export.schedule_text(entry["schedule"])
    g = entry["generation"]
    return ("/usr/bin/python3 workloads/exporters/llm_export.py workloads/llm/models/%s.json "
            "--prompt-len %d --gen-len %d --schedule %s --name %s"
            % (model_id, g["prompt_len"], g["gen_len"], sched, name))


def render_scenario(scenario, data):
    model_id, task_id = scenario["model"], scenario["task"]
    pair, task = data["models"][model_id], data["tasks"][task_id]
    hf_id, title = MODELS[model_id]
    with open(config_path(model_id)) as f:
        config = yaml.safe_load(f)  # JSON is YAML
    schedule, why = trace_schedule(scenario, pair)
    llm, entry = llm_export.build(config, model_id, scenario["prompt_len"], scenario["gen_len"],
                                  schedule)
    name = "%s-%s" % (model_id, task_id)
    other = [m for m in ("static", "learned") if m in scenario and m != schedule["type"]]
    header = [
        "Generated by workloads/exporters; do not edit by hand.",
        "Regenerate with: " + COMMAND,
        "Same model entry as: " + _equivalent(model_id, entry, name),
        "PMPD scenario (workloads/llm/pmpd_tasks.yaml): %s (%s) on %s; NPU %s"
        % (title, hf_id, task["title"], pair["hw"]),
        "prompt_len %d: %s" % (scenario["prompt_len"], task["prompt_source"]),
        "gen_len %d: %s" % (scenario["gen_len"], task["gen_source"]),
        "Precision: prefill %d-bit, decode %d -> %d-bit [P] pmpd.md 3.4"
        % (pair["prefill_bits"], pair["high_bits"], pair["low_bits"]),
        "Schedule: " + why,
    ] + ["Alternative: %s, avg %.2f bits, switch_step %d (--schedule %s)"
         % (m, scenario[m]["avg_bits"], scenario[m]["switch_step"],
            llm_export.schedule_text(dict(schedule, type=m, switch_step=scenario[m]["switch_step"])))
         for m in other] + [llm_export.size_line(llm)]
    description = "%s on %s (PMPD scenario): prompt %d, generate %d; %s (avg %.2f decode bits)" % (
        title, task["title"], scenario["prompt_len"], scenario["gen_len"],
        llm_export.describe_schedule(schedule), average_bits(schedule, scenario["gen_len"]))
    return "llm/%s/%s.yaml" % (model_id, task_id), llm_export.render(name, description, [entry], header)


def render_request(path, req):
    model_id = req["model"]
    hf_id, title = MODELS[model_id]
    with open(config_path(model_id)) as f:
        config = yaml.safe_load(f)
    schedule = dict(req["schedule"])
    llm, entry = llm_export.build(config, model_id, req["prompt_len"], req["gen_len"], schedule,
                                  tree_size=req.get("tree_size"), acceptance=req.get("acceptance"))
    name = "%s-%s" % (model_id, os.path.splitext(os.path.basename(path))[0].replace("_", "-"))
    same = _equivalent(model_id, entry, name)
    if "tree_size" in req:
        same += " --tree-size %d --acceptance %s" % (req["tree_size"], req["acceptance"])
    header = [
        "Generated by workloads/exporters; do not edit by hand.",
        "Regenerate with: " + COMMAND,
        "Same model entry as: " + same,
        "%s: %s (%s), fixed request; NPU %s" % (req["purpose"], title, hf_id, req["hw"]),
        llm_export.size_line(llm),
    ]
    bits = ("" if schedule["type"] == "uniform" else
            " (avg %.4g decode bits)" % average_bits(schedule, req["gen_len"]))
    description = "%s %s: prompt %d, generate %d; %s%s%s" % (
        title, req["title"], req["prompt_len"], req["gen_len"], llm_export.describe_schedule(schedule), bits,
        "; %d tree tokens per step" % req["tree_size"] if "tree_size" in req else "")
    return path, llm_export.render(name, description, [entry], header)


def generate(data=None):
    """{path relative to workloads/: file text} of every committed LLM trace."""
    data = data or load_tasks()
    files = dict(render_scenario(s, data) for s in data["scenarios"])
    files.update(render_request(path, req) for path, req in REQUESTS.items())
    return files


def hw_for(rel, data=None):
    """The NPU configuration a committed LLM trace is meant for (relative to the repo)."""
    data = data or load_tasks()
    model_id = rel.split("/")[1]
    if rel in REQUESTS:
        return REQUESTS[rel]["hw"]
    return data["models"][model_id]["hw"]


def main(argv=None):
    return emit.committed_main(generate, __doc__, WORKLOADS_DIR, COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
