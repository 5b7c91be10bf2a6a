"""Structural check of an nksim trace: the trace-event format Perfetto loads."""
import json
import sys

with open(sys.argv[1]) as f:
    doc = json.load(f)
events = doc["traceEvents"]
assert isinstance(events, list) and events
names = {}
pids = {}  # tid -> the process its thread_name event puts it in
processes = {}  # pid -> process_name
slices = {}
out = []
for e in events:
    assert e["ph"] in ("M", "X", "C"), e
    assert isinstance(e["pid"], int)
    if e["ph"] == "M":
        if e["name"] == "thread_name":
            names[e["tid"]] = e["args"]["name"]
            pids[e["tid"]] = e["pid"]
        elif e["name"] == "process_name":
            processes[e["pid"]] = e["args"]["name"]
    elif e["ph"] == "X":
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0
        assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0
        slices.setdefault(e["tid"], []).append(e)
    else:
        assert isinstance(e["args"]["value"], int)
        out.append((e["ts"], "counter " + e["name"]))
for tid, evs in slices.items():
    assert tid in names, tid
    # A slice lives in its track's process (one per physical core).
    assert all(e["pid"] == pids[tid] for e in evs), (tid, names[tid])
    evs.sort(key=lambda e: e["ts"])
    for a, b in zip(evs, evs[1:]):
        assert b["ts"] >= a["ts"] + a["dur"] - 1e-9, (a, b)
    for e in evs:
        out.append((e["ts"], "slice %s %s" % (names[tid], e["name"])))
print("tracks: " + " ".join(sorted(names.values())))
for _, line in sorted(out, key=lambda x: (x[0], x[1])):
    print(line)
if len(processes) > 1:
    # Two physical cores: core 1's tracks (and only they) in the second process.
    for tid, name in names.items():
        assert (pids[tid] != min(processes)) == name.startswith("core1."), name
    print("processes: " + " | ".join(processes[p] for p in sorted(processes)))
print("ok")
