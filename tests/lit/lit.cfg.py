# lit configuration for the golden tests: nkc/nksim from the build, FileCheck
# and `not` from the LLVM install. ctest passes the directories as --param.
import os
import lit.formats

params = lit_config.params
config.name = "nkc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".s", ".tile", ".test", ".lir", ".tir"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
source_dir = params.get("nk_source_dir", os.path.dirname(os.path.dirname(config.test_source_root)))
bin_dir = params.get("nk_bin_dir", os.path.join(source_dir, "build", "bin"))
tools_dir = params.get("llvm_tools_dir", "/usr/lib/llvm-14/bin")
# Test outputs (%t) go to the build tree, never the source tree.
config.test_exec_root = os.path.join(os.path.dirname(bin_dir), "tests", "lit-output")
config.environment["PATH"] = os.pathsep.join([bin_dir, tools_dir, os.environ.get("PATH", "")])
config.substitutions.append(("%nk_src", source_dir))
# Every compile in the tests verifies the IR after every pass.
config.environment["NK_VERIFY_EACH"] = "1"
config.substitutions.append(("%python", "/usr/bin/python3"))
# The sanitizer build reserves terabytes of address space up front, so tests
# that cap the address space (RLIMIT_AS) cannot run under it.
if params.get("nk_build_type", "") == "Sanitize":
    config.available_features.add("asan")
