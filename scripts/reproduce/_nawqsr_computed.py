"""Table 4's NAWQ-SR cells with the COMPUTED schedules (workloads/nawqsr/schedules/: WLopt + LRA +
DRE selection on PROXY quality, scripts/studies/nawqsr_quality.py) beside the assumed ones, for
scripts/reproduce/nawqsr.py. No verdicts: the computed widths come from short-trained models on
Debian sample images, not from the authors' weights on B100 / Urban100."""
import yaml

import _report as R

COMPUTED = R.REPO / "workloads" / "nawqsr" / "schedules"


def path(model):
    return COMPUTED / f"{model}_nawq_sr.yaml"


def summary(model):
    """(layers at 16 bits, DRE layers, scheduled layers, provenance status) of a computed schedule."""
    doc = yaml.safe_load(path(model).read_text())
    layers = doc["layers"]
    return (sum(la["act_bits"] > 8 for la in layers), sum(bool(la["dre"]) for la in layers), len(layers),
            doc.get("provenance", {}).get("status", "?"))


def markdown(run, over, base, nawq, models, baselines, label, table4, cols, phones):
    """The report section: per model and baseline, paper (B100) / assumed (B100) / computed speedups."""
    comp = {(ph, m): run.seconds(ph, m, "computed", "b100", over) for ph in phones for m in models}
    lines = []
    for m in models:
        for v in baselines:
            line = [label[m], label[v]]
            for ph in phones:
                paper = table4[(m, v)][cols.index((ph, "b100"))]
                a = base[(ph, m, v)] / nawq[(ph, m, "b100")]
                c = base[(ph, m, v)] / comp[(ph, m)]
                line.append(f"{paper:.2f} / {a:.2f} / {c:.2f}")
            lines.append(line)
    info = [[label[m]] + [str(x) for x in summary(m)[:3]] + [f"{comp[(ph, m)] * 1e3:.2f}" for ph in phones]
            + [f"{nawq[(ph, m, 'b100')] * 1e3:.2f}" for ph in phones] for m in models]
    shorter = all(comp[(ph, m)] <= nawq[(ph, m, "b100")] for ph in phones for m in models)
    verdict = "the shorter one in every cell" if shorter else "not shorter in every cell"
    return f"""## Table 4 with the computed schedules (proxy quality; no verdicts)

NAWQ-SR's widths and DRE layers as computed by WLopt + LRA + DRE selection on **proxy** quality
(`workloads/nawqsr/schedules/<model>_nawq_sr.yaml`; short-trained models on Debian sample images, IMDN
mapped from IMDN-lite: [nawqsr_quality.md](../studies/nawqsr_quality.md)) beside the **assumed** schedules the
verdicts above use (Table 1's f16 share, DRE on the first ceil(K |L|) layers). Same baselines, same
calibration. Cells: paper (B100) / assumed (B100) / computed speedup.

{R.md_table(["model", "baseline"] + [f"SDM{ph}" for ph in phones], lines)}
{R.md_table(["model", "computed: layers at 16 bits", "DRE layers", "scheduled layers"]
            + [f"computed NAWQ {ph} (ms)" for ph in phones] + [f"assumed NAWQ {ph} B100 (ms)" for ph in phones], info)}
In all, the computed schedules keep {sum(summary(m)[0] for m in models)} of {sum(summary(m)[2] for m in models)}
scheduled layers at 16 bits and {sum(summary(m)[1] for m in models)} DRE layers: the proxy models lose less
than 0.1 dB at INT8 almost everywhere, where the assumed schedules keep Table 1's 16-bit share and DRE on
many (TPSR, IMDN) or all (RCAN) layers; the computed NAWQ-SR frame is {verdict}.
"""
