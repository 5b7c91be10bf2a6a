"""Runs a command and prints its stderr, then "exit: N" (N < 0: killed by
signal -N), so a test can check the exit status exactly: lit's `not`
also succeeds when the command crashes. Lines are cut at 1000 characters
(diagnostics quote the source line, and FileCheck is slow on huge lines).

Usage: status.py COMMAND [ARG]...
"""
import subprocess
import sys

r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
for line in r.stderr.decode("utf-8", "replace").splitlines():
    print(line[:1000])
print("exit: %d" % r.returncode)
