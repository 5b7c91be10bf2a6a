// Output files of one tool run, written as a transaction.
//
// Assumes: every file a run writes goes through one OutputFiles, and the
// run's input paths are declared to it before any output is staged.
// Guarantees:
//   - an output path that names one of the inputs (the same file, by device
//     and inode, through any spelling or link), a directory, or a path given
//     twice is refused before anything is written;
//   - staged bytes go to a uniquely named temporary file (removed on a
//     signal, and by the destructor unless committed), so two runs never
//     collide and a failed run leaves no output behind and no existing file
//     changed;
//   - commit() renames each temporary over a regular file (or a new path),
//     following a symbolic link to the file it names and keeping that
//     file's permissions; a device, pipe or other non-regular file is
//     written in place, never replaced.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>
#include <vector>

namespace nk {

class OutputFiles {
public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles &) = delete;
  OutputFiles &operator=(const OutputFiles &) = delete;
  ~OutputFiles(); // discards whatever was staged and not committed

  // A path the run reads: an output may not be it. "-" (stdin) is ignored.
  void add_input(llvm::StringRef path);

  // Claims `path` as an output of this run, or refuses it (see the header),
  // without writing anything: a tool reserves every output before a long
  // run, so a bad path fails fast.
  llvm::Error reserve(llvm::StringRef path);

  // Stages the bytes `write` produces for `path` (reserving it if that was
  // not done). Each path is staged once.
  llvm::Error stage(llvm::StringRef path, const std::function<void(llvm::raw_ostream &)> &write);
  llvm::Error stage(llvm::StringRef path, llvm::StringRef bytes);

  // Moves every staged file into place. On an error the files not yet moved
  // are discarded (those already moved stay).
  llvm::Error commit();

  // Removes every staged temporary.
  void discard();

private:
  struct Staged {
    std::string target; // where it goes (a symbolic link resolved)
    std::string temp;   // the staged bytes
    bool in_place;      // the target is a device, pipe or socket
  };
  std::vector<std::string> inputs_;
  std::vector<Staged> staged_;
  struct Reserved {
    std::string path; // as given
    bool staged = false;
  };
  std::vector<Reserved> reserved_;
};

// One output file on its own: check, stage and commit. `inputs` are the
// paths the caller read.
llvm::Error write_output_file(llvm::StringRef path, llvm::StringRef bytes, const std::vector<std::string> &inputs = {});
llvm::Error write_output_file(llvm::StringRef path, const std::function<void(llvm::raw_ostream &)> &write,
                              const std::vector<std::string> &inputs = {});

} // namespace nk
