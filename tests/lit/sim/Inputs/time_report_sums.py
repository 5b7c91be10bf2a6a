"""Checks an `nksim run --time-report` report (argv[1]) against the run's
--stats-json (argv[2]): every phase takes a non-negative time, the phases
sum to no more than the total (they are laps of one clock; verify,
validate and simulate are timed inside the run, so their sum may fall a
little short of the lap that holds them; a verifier that ran beside
validate on a second thread overlaps it and is left out of the sum), the
simulation takes some time, and the simulated instruction count is the
statistics' own."""
import json
import re
import sys

report = open(sys.argv[1]).read()
stats = json.load(open(sys.argv[2]))
seconds = {m.group(1): float(m.group(2)) for m in re.finditer(r"^  (\w+) +([0-9.]+) s", report, re.M)}
phases = ["load", "prepare", "verify", "validate", "simulate", "check", "outputs"]
assert set(seconds) == set(phases + ["total"]), seconds
assert all(v >= 0 for v in seconds.values()), seconds
assert seconds["simulate"] > 0, seconds
# Each printed value is rounded to 0.1 ms.
if "beside validate" in report:
    phases.remove("verify")
assert sum(seconds[p] for p in phases) <= seconds["total"] + len(phases) * 0.00005, seconds
count = int(re.search(r"(\d+) instructions", report).group(1))
executed = sum(s["instructions"] for s in stats["streams"])
assert count == executed, (count, executed)
print("ok")
