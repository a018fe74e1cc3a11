"""npusim_sweep: design-space sweeps of npusim on Dask, with results in SQLite.

One module per concern:
  simenv    locating and importing the npusim Python module (driver and workers)
  spec      the sweep file: parsing, validation up front, expansion into points
  sampling  random axes: distributions and seeded draws
  store     the SQLite results file (WAL, one transaction per finished point)
  worker    the function that runs one point inside a Dask worker process
  execute   the driver: cluster/client, submission window, progress bar
  metrics   metric paths and derived-metric expressions, export to CSV/JSON
  plot      line plots, heatmaps and Pareto fronts with matplotlib

The command-line entry is scripts/sweep.py; docs/sweeps.md is the user guide.
"""

__version__ = "1.0"
