// The subcommands of the strata tool: each adds itself to the CLI11 app and returns the action main
// runs when it was chosen.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "strata/status.hpp"

namespace strata::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<Status()> run;  // output on stdout; a non-OK Status becomes "strata: error: ..."
};

Command add_create_command(CLI::App& parent);
Command add_insert_command(CLI::App& parent);
Command add_search_command(CLI::App& parent);
Command add_get_command(CLI::App& parent);
Command add_delete_command(CLI::App& parent);
Command add_stats_command(CLI::App& parent);
Command add_export_command(CLI::App& parent);
Command add_import_command(CLI::App& parent);
Command add_bench_command(CLI::App& parent);

}  // namespace strata::cli
