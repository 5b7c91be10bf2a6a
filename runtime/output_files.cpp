// See output_files.h for the contract.
#include "runtime/output_files.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

#include <algorithm>

namespace nk {
namespace fs = llvm::sys::fs;

namespace {

llvm::Error write_error(llvm::StringRef path, const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot write %s: %s", path.str().c_str(),
                                 why.str().c_str());
}

bool same_file(llvm::StringRef a, llvm::StringRef b) {
  if (a == b) return true;
  bool same = false;
  return !fs::equivalent(a, b, same) && same;
}

} // namespace

OutputFiles::~OutputFiles() { discard(); }

void OutputFiles::add_input(llvm::StringRef path) {
  if (!path.empty() && path != "-") inputs_.push_back(path.str());
}

llvm::Error OutputFiles::reserve(llvm::StringRef path) {
  if (path.empty()) return write_error("''", "the output path is empty");
  for (const std::string &in : inputs_)
    if (same_file(path, in))
      return write_error(path, in == path ? llvm::Twine("it is an input of this run")
                                          : "it is the same file as the input " + in);
  for (const Reserved &out : reserved_)
    if (same_file(path, out.path))
      return write_error(path, out.path == path ? llvm::Twine("it is given as an output twice")
                                                : "it is the same file as the output " + out.path);
  fs::file_status st;
  if (fs::status(path, st)) {
    if (fs::is_symlink_file(path)) return write_error(path, "it is a symbolic link to a missing file");
    // A new file: creating its temporary will tell whether the directory is writable.
  } else if (fs::is_directory(st)) {
    return write_error(path, "it is a directory");
  }
  reserved_.push_back({path.str(), false});
  return llvm::Error::success();
}

llvm::Error OutputFiles::stage(llvm::StringRef path, const std::function<void(llvm::raw_ostream &)> &write) {
  auto claimed = std::find_if(reserved_.begin(), reserved_.end(), [&](const Reserved &r) { return r.path == path; });
  if (claimed == reserved_.end()) {
    if (llvm::Error e = reserve(path)) return e;
    claimed = reserved_.end() - 1;
  } else if (claimed->staged) {
    return write_error(path, "it is given as an output twice");
  }
  Staged s;
  s.target = path.str();
  fs::file_status st;
  const bool exists = !fs::status(path, st);
  if (exists && fs::is_symlink_file(path)) {
    llvm::SmallString<256> real;
    if (std::error_code ec = fs::real_path(path, real)) return write_error(path, ec.message());
    s.target = std::string(real);
  }
  s.in_place = exists && !fs::is_regular_file(st);

  int fd = -1;
  llvm::SmallString<256> temp;
  if (s.in_place) {
    // Staged in the system's temporary directory, copied in at commit.
    if (std::error_code ec = fs::createTemporaryFile("nk-output", "", fd, temp))
      return write_error(path, "cannot create a temporary file: " + ec.message());
  } else {
    // Beside the target, so that commit is a rename within one file system.
    if (std::error_code ec = fs::createUniqueFile(s.target + ".tmp-%%%%%%%%", fd, temp))
      return write_error(path, ec.message());
    if (exists) {
      auto perms = fs::getPermissions(s.target);
      if (perms) (void)fs::setPermissions(temp, *perms);
    }
  }
  s.temp = std::string(temp);
  llvm::sys::RemoveFileOnSignal(s.temp);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      fs::remove(s.temp);
      llvm::sys::DontRemoveFileOnSignal(s.temp);
      return write_error(path, ec.message());
    }
  }
  claimed->staged = true;
  staged_.push_back(std::move(s));
  return llvm::Error::success();
}

llvm::Error OutputFiles::stage(llvm::StringRef path, llvm::StringRef bytes) {
  return stage(path, [&](llvm::raw_ostream &os) { os << bytes; });
}

llvm::Error OutputFiles::commit() {
  for (size_t i = 0; i < staged_.size(); ++i) {
    Staged &s = staged_[i];
    llvm::Error err = llvm::Error::success();
    if (s.in_place) {
      auto buf = llvm::MemoryBuffer::getFile(s.temp, /*IsText=*/false, /*RequiresNullTerminator=*/false);
      if (!buf) {
        err = write_error(s.target, buf.getError().message());
      } else {
        // O_TRUNC and O_CREAT do nothing to a device or a pipe that exists.
        std::error_code ec;
        llvm::raw_fd_ostream os(s.target, ec, fs::OF_None);
        if (!ec) {
          os << (*buf)->getBuffer();
          os.close();
          if (os.has_error()) {
            ec = os.error();
            os.clear_error();
          }
        }
        if (ec) err = write_error(s.target, ec.message());
      }
      fs::remove(s.temp);
    } else if (std::error_code ec = fs::rename(s.temp, s.target)) {
      err = write_error(s.target, ec.message());
      fs::remove(s.temp);
    }
    llvm::sys::DontRemoveFileOnSignal(s.temp);
    s.temp.clear();
    if (err) {
      discard();
      return err;
    }
  }
  staged_.clear();
  return llvm::Error::success();
}

void OutputFiles::discard() {
  for (Staged &s : staged_) {
    if (s.temp.empty()) continue;
    fs::remove(s.temp);
    llvm::sys::DontRemoveFileOnSignal(s.temp);
  }
  staged_.clear();
}

llvm::Error write_output_file(llvm::StringRef path, const std::function<void(llvm::raw_ostream &)> &write,
                              const std::vector<std::string> &inputs) {
  OutputFiles out;
  for (const std::string &in : inputs) out.add_input(in);
  if (llvm::Error e = out.stage(path, write)) return e;
  return out.commit();
}

llvm::Error write_output_file(llvm::StringRef path, llvm::StringRef bytes, const std::vector<std::string> &inputs) {
  return write_output_file(
      path, [&](llvm::raw_ostream &os) { os << bytes; }, inputs);
}

} // namespace nk
