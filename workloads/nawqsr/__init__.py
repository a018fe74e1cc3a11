"""NAWQ-SR's offline side (spec ../shared/papers/nawqsr.md §4.1-§4.4, §4.6, §6): PyTorch SR
models whose convolutions are the exporter's scheduled layers, Eq. (1) fake quantisation,
QuantSR-WLopt, layerwise resilience analysis, DRE selection with K, SA/GA competitors, proxy
data and quality, and schedule emission through workloads/exporters/sr_models.py."""
