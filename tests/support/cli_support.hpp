// Helpers for tests/cli_test.cpp: run the built strata program as a child process and write small
// input files in every format the program reads.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace strata::testing {

struct CliResult {
  int exit_code = -1;  // 128 + signal when the program died of a signal
  std::string out;
  std::string err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `program args...` with stdin from `stdin_path`, capturing stdout and stderr through files in
// `scratch_dir` (files, not pipes, so a large output cannot deadlock the child).
inline CliResult run_program(const std::string& program, const std::vector<std::string>& args,
                             const std::string& scratch_dir, const std::string& stdin_path = "/dev/null") {
  const std::string out_path = scratch_dir + "/cli-stdout.txt";
  const std::string err_path = scratch_dir + "/cli-stderr.txt";
  std::vector<std::string> storage = {program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    const int in = open(stdin_path.c_str(), O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  CliResult result;
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

template <typename T>
void append_raw(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// TEXMEX files: an int32 dimension word before every record.
inline void write_fvecs(const std::string& path, const std::vector<std::vector<float>>& rows) {
  std::string bytes;
  for (const auto& row : rows) {
    append_raw(bytes, static_cast<std::int32_t>(row.size()));
    for (float v : row) append_raw(bytes, v);
  }
  write_text(path, bytes);
}
inline void write_bvecs(const std::string& path, const std::vector<std::vector<std::uint8_t>>& rows) {
  std::string bytes;
  for (const auto& row : rows) {
    append_raw(bytes, static_cast<std::int32_t>(row.size()));
    for (std::uint8_t v : row) append_raw(bytes, v);
  }
  write_text(path, bytes);
}
inline void write_ivecs(const std::string& path, const std::vector<std::vector<std::int32_t>>& rows) {
  std::string bytes;
  for (const auto& row : rows) {
    append_raw(bytes, static_cast<std::int32_t>(row.size()));
    for (std::int32_t v : row) append_raw(bytes, v);
  }
  write_text(path, bytes);
}

// A .npy file as numpy writes it: magic, version, header length, a dict padded to 64 bytes, the data.
inline void write_npy(const std::string& path, const std::string& descr, std::size_t rows, std::size_t cols,
                      const std::string& data, int version = 1, bool fortran_order = false) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  const std::size_t preamble = version == 1 ? 10 : 12;
  while ((preamble + dict.size() + 1) % 64 != 0) dict.push_back(' ');
  dict.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes.push_back(static_cast<char>(version));
  bytes.push_back(0);
  if (version == 1) {
    append_raw(bytes, static_cast<std::uint16_t>(dict.size()));
  } else {
    append_raw(bytes, static_cast<std::uint32_t>(dict.size()));
  }
  write_text(path, bytes + dict + data);
}

inline std::string float_bytes(const std::vector<std::vector<float>>& rows) {
  std::string bytes;
  for (const auto& row : rows) {
    for (float v : row) append_raw(bytes, v);
  }
  return bytes;
}

}  // namespace strata::testing
