# Prints an assembly program with its first cross-engine sem_wait removed
# (the first one found on a compute stream after the tensor stream).
import sys

lines = open(sys.argv[1]).read().splitlines()
stream = None
dropped = False
for line in lines:
    s = line.strip()
    if s.startswith(".stream "):
        stream = s.split()[1]
    if (not dropped and stream in ("vector", "scalar", "gpsimd")
            and s.startswith("sem_wait ")):
        dropped = True
        continue
    print(line)
if not dropped:
    sys.exit("no sem_wait to drop")
