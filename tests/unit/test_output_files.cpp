// OutputFiles (runtime/output_files.h): what the tools write is never an
// input, never replaces a device or a pipe, and is all or nothing.
#include "runtime/output_files.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace nk;
namespace fs = llvm::sys::fs;

namespace {

struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { REQUIRE(!fs::createUniqueDirectory("nk-output-test", path)); }
  ~TempDir() { fs::remove_directories(path); }
  std::string file(const std::string &name) const { return (path + "/" + name).str(); }
  unsigned entries() const {
    std::error_code ec;
    unsigned n = 0;
    for (fs::directory_iterator it(path, ec), end; it != end && !ec; it.increment(ec)) ++n;
    return n;
  }
};

std::string contents(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string error_of(llvm::Error e) { return e ? llvm::toString(std::move(e)) : ""; }

} // namespace

TEST_CASE("outputs: written on commit, not before; nothing left on discard") {
  TempDir dir;
  std::string a = dir.file("a.bin"), b = dir.file("b.bin");
  std::ofstream(b) << "old";
  {
    OutputFiles out;
    REQUIRE(error_of(out.stage(a, "AAA")) == "");
    REQUIRE(error_of(out.stage(b, "BBB")) == "");
    CHECK(!fs::exists(a));       // staged only
    CHECK(contents(b) == "old"); // the old file is untouched until commit
    CHECK(dir.entries() == 3);   // b and two temporaries
  }                              // destroyed without commit: a failed run
  CHECK(dir.entries() == 1);
  CHECK(!fs::exists(a));
  CHECK(contents(b) == "old");

  OutputFiles out;
  REQUIRE(error_of(out.stage(a, "AAA")) == "");
  REQUIRE(error_of(out.stage(b, "BBB")) == "");
  REQUIRE(error_of(out.commit()) == "");
  CHECK(contents(a) == "AAA");
  CHECK(contents(b) == "BBB");
  CHECK(dir.entries() == 2);
}

TEST_CASE("outputs: an input, a repeat or a directory is refused before anything is written") {
  TempDir dir;
  std::string src = dir.file("k.tile");
  std::ofstream(src) << "source";
  OutputFiles out;
  out.add_input(src);
  CHECK(error_of(out.reserve(src)).find("it is an input of this run") != std::string::npos);
  // The same file through another spelling and through a hard link.
  CHECK(error_of(out.reserve(dir.file("./k.tile"))).find("same file as the input") != std::string::npos);
  REQUIRE(!fs::create_link(src, dir.file("alias.tile")));
  REQUIRE(::link(src.c_str(), dir.file("hard.tile").c_str()) == 0);
  CHECK(error_of(out.reserve(dir.file("alias.tile"))).find("same file as the input") != std::string::npos);
  CHECK(error_of(out.reserve(dir.file("hard.tile"))).find("same file as the input") != std::string::npos);
  CHECK(contents(src) == "source");

  REQUIRE(error_of(out.reserve(dir.file("o.nkp"))) == "");
  CHECK(error_of(out.reserve(dir.file("o.nkp"))).find("given as an output twice") != std::string::npos);
  CHECK(error_of(out.stage(dir.file("o.nkp"), "x")) == ""); // the reserved path itself
  CHECK(error_of(out.stage(dir.file("o.nkp"), "y")).find("given as an output twice") != std::string::npos);

  REQUIRE(!fs::create_directory(dir.file("d")));
  CHECK(error_of(out.reserve(dir.file("d"))).find("it is a directory") != std::string::npos);
  CHECK(error_of(out.reserve("")).find("empty") != std::string::npos);
  REQUIRE(!fs::create_link(dir.file("nowhere"), dir.file("dangling")));
  CHECK(error_of(out.reserve(dir.file("dangling"))).find("missing file") != std::string::npos);
  CHECK(error_of(out.stage(dir.file("no/such/dir/x"), "x")).find("cannot write") != std::string::npos);
}

TEST_CASE("outputs: a symbolic link is followed and a file keeps its permissions") {
  TempDir dir;
  std::string real = dir.file("real.npy"), link = dir.file("link.npy");
  std::ofstream(real) << "old";
  REQUIRE(::chmod(real.c_str(), 0751) == 0);
  REQUIRE(!fs::create_link(real, link));
  REQUIRE(error_of(write_output_file(link, "new")) == "");
  CHECK(fs::is_symlink_file(link));
  CHECK(contents(real) == "new");
  struct stat st {};
  REQUIRE(::stat(real.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0751);
}

TEST_CASE("outputs: a pipe is written in place, never replaced") {
  TempDir dir;
  std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = contents(fifo); });
  llvm::Error e = write_output_file(fifo, "through the pipe");
  reader.join();
  REQUIRE(error_of(std::move(e)) == "");
  CHECK(received == "through the pipe");
  fs::file_status st;
  REQUIRE(!fs::status(fifo, st));
  CHECK(st.type() == fs::file_type::fifo_file);
  CHECK(dir.entries() == 1);
}

TEST_CASE("outputs: /dev/null stays a device") {
  REQUIRE(error_of(write_output_file("/dev/null", "discarded")) == "");
  fs::file_status st;
  REQUIRE(!fs::status("/dev/null", st));
  CHECK(st.type() == fs::file_type::character_file);
}
