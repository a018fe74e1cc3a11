"""CARIn (carin.md): the multi-objective formulation over a design table (profile.py, slo.py),
RASS's optimality, design extraction and switching rule (rass.py), the baselines and CARIn's
gains over them (baselines.py), and the Runtime Manager replay (runtime_manager.py). The
command line is scripts/carin.py; docs/mobile_soc.md ("CARIn") has a worked example."""
from .errors import CarinInputError  # noqa: F401
