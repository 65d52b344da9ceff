#pragma once
// One process at a time writes a library file: an exclusive lock (flock) on a file beside
// it, "<library>.lock", held for the life of the library object and released by the OS
// when the process ends, however it ends. The lock file holds the holder's pid, for the
// error a second opener gets. Readers that open the library read-only take no lock.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <hsync/core/error.hpp>

namespace hsync::detail {

class library_lock {
public:
    explicit library_lock(const std::filesystem::path& library) : path_(lock_path(library)) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            throw error(errc::storage, "hsync: cannot create the lock file " + path_.string() + ": " +
                                           std::strerror(errno) + "; the library's folder must be writable");
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            const std::string holder = read_holder();
            ::close(fd_);
            if (err != EWOULDBLOCK) {
                throw error(errc::storage, "hsync: cannot lock " + path_.string() + ": " + std::strerror(err));
            }
            throw error(errc::library_in_use,
                        "hsync: " + library.string() + " is in use by another " +
                            (holder.empty() ? std::string("process or library object")
                                            : "process (pid " + holder + ") or library object") +
                            "; one process at a time opens a library to write. Close the other one, "
                            "or open this one read-only (library_options::read_only) to look at it");
        }
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd_, 0) == 0) {
            [[maybe_unused]] const auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
        }
    }

    ~library_lock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays, so no one races its removal
    }

    library_lock(const library_lock&) = delete;
    library_lock& operator=(const library_lock&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    // "<library>.lock", beside the file a symbolic link points to, so that every name of
    // one file takes one lock.
    static std::filesystem::path lock_path(const std::filesystem::path& library) {
        std::error_code ec;
        std::filesystem::path resolved = std::filesystem::weakly_canonical(library, ec);
        if (ec) resolved = std::filesystem::absolute(library);
        resolved += ".lock";
        return resolved;
    }

private:
    // The pid the holder wrote, digits only ("" when there is none yet).
    std::string read_holder() const {
        char buf[32] = {};
        const auto n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string pid;
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid.push_back(buf[i]);
        return pid;
    }

    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace hsync::detail
