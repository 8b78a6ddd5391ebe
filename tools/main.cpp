// The strata command-line program: parses the command line, runs one subcommand, and turns every
// failure into a single "strata: error: ..." line and a non-zero exit code (docs/cli.md).
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands/commands.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Keeps an error on one line whatever the message holds.
void print_error(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  std::cout.flush();
  std::cerr << "strata: error: " << message << std::endl;
}

int run(int argc, char** argv) {
  CLI::App app{"strata: create, fill, query and benchmark strata vector databases", "strata"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("strata ") + STRATA_CLI_VERSION);
  app.footer("Run 'strata COMMAND --help' for the options of a command. Manual: docs/cli.md");
  const std::vector<strata::cli::Command> commands = {
      strata::cli::add_create_command(app), strata::cli::add_insert_command(app),
      strata::cli::add_search_command(app), strata::cli::add_get_command(app),
      strata::cli::add_delete_command(app), strata::cli::add_stats_command(app),
      strata::cli::add_export_command(app), strata::cli::add_import_command(app),
      strata::cli::add_bench_command(app),
  };
  // CLI11 would say only "A subcommand is required" for a misspelt command; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string name = argv[1];
    const bool known = std::any_of(commands.begin(), commands.end(),
                                   [&](const strata::cli::Command& c) { return c.app->get_name() == name; });
    if (!known) {
      print_error("unknown command '" + name + "' (see --help)");
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive as "errors" with exit code 0; CLI11 prints them.
    if (e.get_exit_code() == 0) return app.exit(e);
    print_error(std::string(e.what()) + " (see --help)");
    return kExitUsage;
  }
  for (const strata::cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    const strata::Status status = command.run();
    if (!status.is_ok()) {
      print_error(status.message());
      return kExitFailure;
    }
  }
  std::cout.flush();
  if (!std::cout) {
    print_error("writing to standard output failed");
    return kExitFailure;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // No exception may escape: the user gets one line, never a terminate() and a core dump.
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
  } catch (...) {
    print_error("internal error: unknown exception");
  }
  return kExitFailure;
}
