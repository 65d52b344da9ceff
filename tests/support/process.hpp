#pragma once
// A child process the test talks to by lines: commands on its standard input, answers
// read from its standard output with a deadline. Killed with SIGKILL when the handle goes.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hsync_test {

class child_process {
public:
    explicit child_process(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_child_ = in[1];
        from_child_ = out[0];
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process() { kill(); }

    void send(const std::string& line) {
        const std::string data = line + "\n";
        if (::write(to_child_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
            throw std::runtime_error("cannot write to the child process");
        }
    }

    // The next line the child prints, or nullopt at the deadline or when it exits.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto pos = buffer_.find('\n'); pos != std::string::npos) {
                std::string line = buffer_.substr(0, pos);
                buffer_.erase(0, pos + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{from_child_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Sends a command and returns the first answer line that starts with `prefix`.
    std::string ask(const std::string& command, const std::string& prefix = "ok",
                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        send(command);
        for (;;) {
            auto line = read_line(timeout);
            if (!line) throw std::runtime_error("no answer to '" + command + "'");
            if (line->rfind(prefix, 0) == 0) return *line;
            if (line->rfind("error", 0) == 0) throw std::runtime_error("'" + command + "' failed: " + *line);
        }
    }

    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        wait();
    }

    // Waits for the child to exit; its exit status.
    int wait() {
        if (pid_ <= 0) return status_;
        int st = 0;
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
        ::close(to_child_);
        ::close(from_child_);
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
    }

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    int status_ = -1;
    std::string buffer_;
};

}  // namespace hsync_test
