"""docs/dram.md "Measured on an H200": its table is the committed measurement
(docs/studies/h200_hbm_bandwidth.json, scripts/device/h200_hbm_bandwidth.py) with the peak
derived from the device's reported bus width and memory clock."""
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_h200_table_matches_the_measurement():
    with open(os.path.join(ROOT, "docs", "studies", "h200_hbm_bandwidth.json")) as f:
        m = json.load(f)
    # Peak: bus width (bits) / 8 x memory clock x 2 (double data rate) = 6016 / 8 x 3.201 GHz x 2.
    peak = m["bus_width_bits"] / 8 * m["memory_clock_khz"] * 1e3 * 2 / 1e9
    with open(os.path.join(ROOT, "docs", "dram.md")) as f:
        doc = f.read()
    assert f"= {peak:.0f} GB/s" in doc
    section = doc[doc.index("**Measured on an H200.**"):doc.index("## Study")]
    rows = {r[0].strip(): r for r in (line.strip("|").split("|") for line in section.splitlines()
                                       if line.startswith("| ") and "GB/s" not in line)}
    assert len(m["cases"]) == 4
    for c in m["cases"]:
        r = rows[c["case"]]
        assert int(r[1]) == round(c["gb_per_s"]), c["case"]
        assert float(r[2]) == round(c["gb_per_s"] / peak, 3), c["case"]
    # The sequential and random 32 B fractions quoted in the text.
    assert re.search(r"within 3 %", section)
    seq = next(c for c in m["cases"] if c["case"] == "sequential read")["gb_per_s"] / peak
    assert abs(seq - 0.904) / seq < 0.03
