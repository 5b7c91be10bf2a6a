"""The shared main() of the Python test files: runs every test_* function
of a module, reports each (ok / FAIL with its traceback) and returns 1 if
any failed, so ctest sees one exit status per file."""
import traceback


def run_tests(namespace):
    tests = [(n, f) for n, f in sorted(namespace.items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print(f"ok {name}")
        except Exception:  # report every test, then fail
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{len(tests) - failed} of {len(tests)} passed")
    return 1 if failed else 0
