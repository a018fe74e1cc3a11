"""npusim workload exporters: operator lists of real models, written as trace schema v1.

Entry points: export_all.py (rewrites every committed trace) and export.py (one model with
options; `import-onnx` / `import-torch` turn an ONNX file or a PyTorch module into a trace).
See docs/workloads.md and docs/import.md.
"""
