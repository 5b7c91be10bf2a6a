// See python_kernel.h. The tracer is Python (python/nkc/nki_sim.py): it runs
// the user's kernel function, so it needs an interpreter; this file only
// finds one, runs it with stdout/stderr in temporary files and returns what
// it printed.
#include "tools/python_kernel.h"
#include "runtime/rendered_diagnostics.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <optional>
#include <unistd.h>
#include <vector>

using namespace llvm;

namespace nk {

namespace {

// Removes a temporary file however the function returns.
struct TempFile {
  SmallString<128> path;
  ~TempFile() {
    if (!path.empty()) sys::fs::remove(path);
  }
};

std::string package_dir(const char *argv0) {
  if (auto env = sys::Process::GetEnv("NKC_PYTHONPATH")) return *env;
  static int anchor;
  SmallString<256> dir(sys::path::parent_path(sys::fs::getMainExecutable(argv0, &anchor)));
  sys::path::append(dir, "..", "python");
  return std::string(dir);
}

} // namespace

Expected<std::string> trace_python_kernel(const char *argv0, StringRef path, StringRef kernel,
                                          ArrayRef<std::string> inputs) {
  std::string python = sys::Process::GetEnv("NKSIM_PYTHON").getValueOr("/usr/bin/python3");
  if (!sys::fs::can_execute(python)) {
    auto found = sys::findProgramByName("python3");
    if (!found)
      return createStringError(inconvertibleErrorCode(),
                               "running a .py kernel needs Python 3 with NumPy: %s is missing (set NKSIM_PYTHON)",
                               python.c_str());
    python = *found;
  }
  const std::string pkg = package_dir(argv0);
  SmallString<256> marker(pkg);
  sys::path::append(marker, "nkc", "nki_sim.py");
  if (!sys::fs::exists(marker))
    return createStringError(inconvertibleErrorCode(),
                             "running a .py kernel needs the nkc Python package, not found at %s (build it, or set "
                             "NKC_PYTHONPATH)",
                             pkg.c_str());

  std::vector<std::string> args = {python, "-m", "nkc.nki_sim", "emit-tile", path.str()};
  if (!kernel.empty()) args.insert(args.end(), {"--kernel", kernel.str()});
  for (const std::string &in : inputs) args.insert(args.end(), {"--input", in});
  std::vector<StringRef> argv(args.begin(), args.end());

  std::vector<std::string> env_store;
  std::string pythonpath = "PYTHONPATH=" + pkg;
  if (auto old = sys::Process::GetEnv("PYTHONPATH")) pythonpath += ":" + *old;
  env_store.push_back(pythonpath);
  for (char **e = environ; *e; ++e)
    if (!StringRef(*e).startswith("PYTHONPATH=")) env_store.push_back(*e);
  std::vector<StringRef> env(env_store.begin(), env_store.end());

  TempFile out, err;
  if (std::error_code ec = sys::fs::createTemporaryFile("nksim-trace", "tile", out.path))
    return createStringError(ec, "cannot create a temporary file: %s", ec.message().c_str());
  if (std::error_code ec = sys::fs::createTemporaryFile("nksim-trace", "err", err.path))
    return createStringError(ec, "cannot create a temporary file: %s", ec.message().c_str());
  Optional<StringRef> redirects[] = {StringRef(""), StringRef(out.path), StringRef(err.path)};
  std::string exec_error;
  int rc = sys::ExecuteAndWait(python, argv, ArrayRef<StringRef>(env), redirects, 0, 0, &exec_error);
  auto read = [](StringRef p) {
    auto b = MemoryBuffer::getFile(p);
    return b ? (*b)->getBuffer().str() : std::string();
  };
  if (rc != 0) {
    std::string msg = read(err.path);
    if (msg.empty())
      msg = exec_error.empty() ? "the Python tracer failed (exit " + std::to_string(rc) + ")" : exec_error;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // Exit 3: the tracer rendered the error at the kernel's Python line.
    if (rc == 3) return nk::rendered_diagnostics(msg);
    return createStringError(inconvertibleErrorCode(), "%s", msg.c_str());
  }
  return read(out.path);
}

std::string point_at_python(StringRef message, StringRef traced_name, StringRef traced_source, StringRef py_path) {
  SmallVector<StringRef, 0> lines;
  traced_source.split(lines, '\n');
  const std::string key = (traced_name + ":").str();
  std::string out;
  size_t pos = 0;
  for (size_t at; (at = message.find(key, pos)) != StringRef::npos;) {
    out += message.slice(pos, at).str();
    pos = at + key.size();
    // LINE:COL after the name
    StringRef rest = message.substr(pos);
    size_t line_len = rest.find_first_not_of("0123456789");
    unsigned line = 0, col = 0;
    if (line_len == 0 || line_len == StringRef::npos || rest[line_len] != ':' ||
        rest.substr(0, line_len).getAsInteger(10, line)) {
      out += key;
      continue;
    }
    StringRef col_text = rest.substr(line_len + 1);
    size_t col_len = std::min(col_text.find_first_not_of("0123456789"), col_text.size());
    if (col_len == 0 || col_text.substr(0, col_len).getAsInteger(10, col)) {
      out += key;
      continue;
    }
    // the tracer's "  # FILE.py:LN" at the end of that line
    StringRef origin;
    if (line >= 1 && line <= lines.size()) {
      StringRef text = lines[line - 1];
      size_t hash = text.rfind("  # ");
      if (hash != StringRef::npos) origin = text.substr(hash + 4).rtrim();
    }
    auto [file, py_line] = origin.rsplit(':');
    unsigned ln = 0;
    if (file.empty() || py_line.getAsInteger(10, ln)) {
      out += key;
      continue;
    }
    if (file == sys::path::filename(py_path)) file = py_path;
    out += (file + ":" + Twine(ln) + ", traced line " + Twine(line) + ":" + Twine(col)).str();
    pos += line_len + 1 + col_len;
  }
  out += message.substr(pos).str();
  return out;
}

} // namespace nk
