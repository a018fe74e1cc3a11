"""PyTorch nn.Module + input shape -> npusim trace, through the ONNX importer.

The module is exported with torch.onnx.export (eval mode, constant folding, a fixed input
shape) into a temporary file, which onnx_import.py turns into the trace; so both paths map
operators, fold BatchNorm and fuse activations the same way, and the operator names are the
module paths (conv1, layer1.0.conv2, features.3.conv.1.0, ...).

Models are named by a spec:
  torchvision:NAME          torchvision.models.NAME(weights=None): random weights
  MODULE:FUNCTION           FUNCTION() of an importable Python module, returning an nn.Module
  path/to/file.py:FUNCTION  the same, from a file
Weights are drawn with torch.manual_seed(seed) before the module is built, so an import is
repeatable; they only matter for the measured weight sparsity.
"""
import importlib
import importlib.util
import os
import tempfile

from exporters import onnx_import
from exporters.onnx_import import ModelImportError


def _torch():
    try:
        import torch
    except ImportError as e:
        raise ModelImportError("the PyTorch importer needs torch (Debian: apt-get install "
                               "python3-torch python3-torchvision; see scripts/install_deps): %s" % e)
    return torch


def build(spec, seed=0):
    """The nn.Module a spec names, in eval mode."""
    torch = _torch()
    if ":" not in spec:
        raise ModelImportError("model spec %r: expected torchvision:NAME, MODULE:FUNCTION or "
                               "FILE.py:FUNCTION" % spec)
    where, func = spec.rsplit(":", 1)
    torch.manual_seed(seed)
    if where == "torchvision":
        try:
            import torchvision.models as tvm
        except ImportError as e:
            raise ModelImportError("%s: torchvision is not installed (python3-torchvision): %s" % (spec, e))
        factory = getattr(tvm, func, None)
        if not callable(factory) or func.startswith("_"):
            raise ModelImportError("%s: torchvision.models has no model %r" % (spec, func))
        module = factory(weights=None)
    else:
        if where.endswith(".py"):
            if not os.path.isfile(where):
                raise ModelImportError("%s: no such file %s" % (spec, where))
            s = importlib.util.spec_from_file_location("npusim_user_model", where)
            mod = importlib.util.module_from_spec(s)
            s.loader.exec_module(mod)
        else:
            try:
                mod = importlib.import_module(where)
            except ImportError as e:
                raise ModelImportError("%s: cannot import %s: %s" % (spec, where, e))
        factory = getattr(mod, func, None)
        if not callable(factory):
            raise ModelImportError("%s: %s has no callable %r" % (spec, where, func))
        module = factory()
    if not isinstance(module, torch.nn.Module):
        raise ModelImportError("%s: returned %s, not a torch.nn.Module" % (spec, type(module).__name__))
    return module.eval()


def to_onnx(module, input_shape, path, where):
    """Export the module for one input of `input_shape` (eval mode, BatchNorm folded)."""
    torch = _torch()
    try:
        with torch.no_grad():
            torch.onnx.export(module, torch.zeros(*input_shape), path, input_names=["input"],
                              output_names=["output"], opset_version=13, do_constant_folding=True,
                              training=torch.onnx.TrainingMode.EVAL)
    except Exception as e:  # the exporter's own message names the unsupported aten operator
        raise ModelImportError("%s: torch.onnx.export failed: %s" % (where, str(e).strip().splitlines()[0]))


def import_module(module, input_shape, name, header=None, float_bits=None, skip_unsupported=False,
                  where=None):
    """Trace text of an nn.Module for a fixed input shape."""
    where = where or name
    with tempfile.TemporaryDirectory(prefix="npusim_import_") as tmp:
        path = os.path.join(tmp, "model.onnx")
        to_onnx(module, input_shape, path, where)
        model, _ = onnx_import.load(path)
    head = list(header or []) + ["Source: %s exported with torch.onnx (opset 13), input %s" % (
        where, "x".join(str(d) for d in input_shape))]
    return onnx_import.render(model, name, head, where, float_bits, skip_unsupported,
                              description="%s via torch.onnx, input %s" % (
                                  where, "x".join(str(d) for d in input_shape)))


def import_spec(spec, input_shape, name=None, seed=0, **kw):
    name = name or spec.rsplit(":", 1)[-1]
    return import_module(build(spec, seed), input_shape, name, where=spec, **kw)
