"""npusim workload exporters: operator lists of real models, written as trace schema v1.

Entry points: export_all.py (rewrites every committed trace) and export.py (one model with
options). See docs/workloads.md.
"""
