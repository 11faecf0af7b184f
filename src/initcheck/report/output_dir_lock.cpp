#include "initcheck/report/output_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/report/report_files.hpp"

namespace initcheck::report {

OutputDirLock::OutputDirLock(const std::filesystem::path& dir, Mode mode) {
  create_output_dir(dir);
  // The directory itself is locked (flock works on a directory's descriptor), so no lock file is
  // left among the user's files.
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    throw InputError("cannot open output directory '" + dir.string() +
                     "': " + std::strerror(errno));
  }
  const int operation = (mode == Mode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  int rc = 0;
  do {
    rc = ::flock(fd_, operation);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw InputError("output directory '" + dir.string() +
                       "' is in use by another initcheck report or merge run; wait for it or "
                       "choose another --out");
    }
    throw InputError("cannot lock output directory '" + dir.string() +
                     "': " + std::strerror(error));
  }
}

OutputDirLock::~OutputDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace initcheck::report
