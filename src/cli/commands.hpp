// The gctrain subcommands; each registers itself on the app and runs when selected.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace gct::cli {

using Runner = std::function<int()>;

Runner add_plan_command(CLI::App* app);
Runner add_train_command(CLI::App* app);
Runner add_study_command(CLI::App* app);
Runner add_evaluate_command(CLI::App* app);
Runner add_export_command(CLI::App* app);

}  // namespace gct::cli
