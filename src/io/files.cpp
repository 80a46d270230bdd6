#include "io/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include "jx/core/error.h"

namespace jx::io {

void throw_system_error(const char* op, const std::filesystem::path& path, const std::string& what, int error_number) {
  throw IOError(op, fmt::format("'{}': {}: {}", path.string(), what, std::strerror(error_number)));
}

void throw_file_error(const char* op, const std::filesystem::path& path, const std::string& problem) {
  throw IOError(op, fmt::format("'{}': {}", path.string(), problem));
}

namespace {

// This machine's name, as temporary names carry it: a process id means something only on its host
// (a directory may be shared over the network).
const std::string& host_name() {
  static const std::string name = [] {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return std::string("localhost");
    std::string host(buffer);
    std::replace(host.begin(), host.end(), '-', '_');  // '-' separates the name's parts
    return host;
  }();
  return name;
}

// ".TARGET.tmp-" — what every temporary name of this target starts with.
std::string temporary_prefix(const std::filesystem::path& target) { return "." + target.filename().string() + ".tmp-"; }

// A name no other writer picks: the host and process id tell processes apart, the random part
// threads and successive saves within one process.
std::filesystem::path temporary_name(const std::filesystem::path& target) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::string name =
      fmt::format("{}{}-{}-{:016x}", temporary_prefix(target), host_name(), static_cast<long>(::getpid()), generator());
  return target.parent_path() / name;
}

// Removes temporary files of this target left by writers on this host that are no longer running
// (killed mid-save). A writer that is alive keeps its file; so does one whose id another process
// now has (the file then waits for a later save), and one on another host.
void remove_stale_temporaries(const std::filesystem::path& target) {
  const std::string prefix = temporary_prefix(target) + host_name() + "-";
  const std::filesystem::path dir = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == std::string::npos) continue;
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end != rest.c_str() + dash || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to probe)
    std::filesystem::remove(entry.path(), error);
  }
}

// fsync of the directory makes the rename itself durable. Some file systems cannot sync a
// directory (EINVAL); there the rename is as durable as the file system makes it.
void sync_directory(const std::filesystem::path& directory, const char* op) {
  const std::filesystem::path dir = directory.empty() ? std::filesystem::path(".") : directory;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_system_error(op, dir, "cannot open the directory to sync it", errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL) throw_system_error(op, dir, "cannot sync the directory", error);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target, const char* op) : target_(std::move(target)), op_(op) {
  if (target_.filename().empty()) throw_file_error(op_, target_, "the path names a directory, not a file");
  remove_stale_temporaries(target_);
  for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
    temporary_ = temporary_name(target_);
    // 0666 less the umask: the permissions any newly created file gets.
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) {
      throw_system_error(op_, target_, "cannot create a temporary file next to it", errno);
    }
  }
  if (fd_ < 0) throw_file_error(op_, target_, "cannot find a free temporary file name next to it");
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_.c_str());
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  const std::byte* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    // Large writes go in pieces: Linux writes at most about 2 GiB per call anyway.
    const ssize_t n = ::write(fd_, data, std::min<std::size_t>(left, std::size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      discard();
      throw_system_error(op_, target_, "cannot write", error);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
    written_ += static_cast<std::uint64_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) {
    const int error = errno;
    discard();
    throw_system_error(op_, target_, "cannot flush the data to disk", error);
  }
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) {
    const int error = errno;
    discard();
    throw_system_error(op_, target_, "cannot close the written file", error);
  }
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    const int error = errno;
    discard();
    throw_system_error(op_, target_, "cannot move the written file into place", error);
  }
  committed_ = true;
  sync_directory(target_.parent_path(), op_);
}

FileReader::FileReader(std::filesystem::path path, const char* op) : path_(std::move(path)), op_(op) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_system_error(op_, path_, "cannot open", errno);
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error = errno;
    ::close(fd_);
    throw_system_error(op_, path_, "cannot stat", error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd_);
    throw_file_error(op_, path_, "not a regular file");
  }
  size_ = static_cast<std::uint64_t>(info.st_size);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::read(std::uint64_t offset, std::span<std::byte> out) const {
  if (offset > size_ || out.size() > size_ - offset) {
    fail(fmt::format("needs bytes {}..{} but the file has {} bytes", offset, offset + out.size(), size_));
  }
  std::byte* data = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::pread(fd_, data, std::min<std::size_t>(left, std::size_t{1} << 30), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_system_error(op_, path_, "cannot read", errno);
    }
    if (n == 0) fail(fmt::format("the file ended at byte {} while reading (was it truncated meanwhile?)", offset));
    data += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace jx::io
