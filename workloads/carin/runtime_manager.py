"""CARIn's Runtime Manager replayed on an event script (carin.md §3 step 3, §6.5-6.6, §7.4).

The flags are exogenous: the script says when a processor is overloaded (or overheating) and
when it clears, and how much RAM is free. The memory flag rises when free RAM falls below
`mem_margin` x MF(current design) and clears, with hysteresis, once free RAM exceeds
`mem_clear` x MF(d_0). At every event the manager looks the design up (rass.choose: no
re-solve); a change loads the new design's model files on demand, costing
    sum over files not already loaded of (MB / flash_MBps) + interpreter_ms.

Event script, CSV with a header:
    t_s,event,arg
    10,overload,gpu        # or overheat: the same flag
    25,clear,gpu
    40,free_ram,60         # MB free
"""
import csv
import math

from .errors import CarinInputError
from .rass import choose

EVENTS = ("overload", "overheat", "clear", "free_ram")


def load_events(path, processors):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or set(reader.fieldnames) != {"t_s", "event", "arg"}:
                raise CarinInputError(f"{path}: the header must be t_s,event,arg")
            events = []
            for r in reader:
                where = f"{path}:{reader.line_num}"
                try:
                    t = float(r["t_s"])
                except (TypeError, ValueError):
                    raise CarinInputError(f"{where}: t_s `{r['t_s']}` is not a number") from None
                if not math.isfinite(t) or t < 0:
                    raise CarinInputError(f"{where}: t_s must be finite and >= 0, not {r['t_s']}")
                ev, arg = (r["event"] or "").strip(), (r["arg"] or "").strip()
                if ev not in EVENTS:
                    raise CarinInputError(f"{where}: event `{ev}` is not one of {', '.join(EVENTS)}")
                if ev == "free_ram":
                    try:
                        mb = float(arg)
                    except ValueError:
                        raise CarinInputError(f"{where}: free_ram `{arg}` is not a number of MB") from None
                    if not math.isfinite(mb) or mb < 0:
                        raise CarinInputError(f"{where}: free_ram must be >= 0 MB, not {arg}")
                    events.append((t, ev, mb))
                else:
                    if arg not in processors:
                        raise CarinInputError(f"{where}: processor `{arg}` is not one of "
                                              f"{', '.join(processors)}")
                    events.append((t, ev, arg))
    except OSError as e:
        raise CarinInputError(f"{path}: {e.strerror}") from None
    return sorted(events, key=lambda e: e[0])


def replay(sol, events, flash_MBps=1000.0, interpreter_ms=3.5, mem_margin=1.1, mem_clear=1.2):
    """The timeline: one row per event with the flags, the design and the switch cost."""
    if not sol.designs:
        raise CarinInputError("the SLO is infeasible on this device: no design to run")
    flagged, memory, free = set(), False, math.inf
    current = choose(sol)
    loaded = {(m, s) for m, s, _ in current.files()}
    rows = [{"t_s": 0.0, "event": "start", "flagged": "", "memory": False, "design": current.label(),
             "design_id": current.design_id, "switched": False, "switch_ms": 0.0}]
    for t, ev, arg in events:
        if ev in ("overload", "overheat"):
            flagged.add(arg)
        elif ev == "clear":
            flagged.discard(arg)
        else:
            free = arg
        if not memory and free < mem_margin * current["MF_MB"]:
            memory = True
        elif memory and free > mem_clear * sol.designs["d_0"]["MF_MB"]:
            memory = False
        nxt = choose(sol, flagged, memory)
        cost = 0.0
        if nxt.design_id != current.design_id:
            for m, s, mb in nxt.files():
                if (m, s) not in loaded:
                    cost += mb / flash_MBps * 1e3 + interpreter_ms
            loaded = {(m, s) for m, s, _ in nxt.files()}  # on demand, not resident
        rows.append({"t_s": t, "event": f"{ev} {arg}", "flagged": ";".join(sorted(flagged)),
                     "memory": memory, "design": nxt.label(), "design_id": nxt.design_id,
                     "switched": nxt.design_id != current.design_id, "switch_ms": cost})
        current = nxt
    return rows
