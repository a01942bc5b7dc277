// gctrain: plan, train and study MLPs in a fixed, pre-planned block of memory.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "commands.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gctrain: a static-memory MLP trainer and the Gradient Centralization study"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gctrain " GCT_VERSION);
  std::vector<std::pair<CLI::App*, gct::cli::Runner>> commands;
  auto add = [&](gct::cli::Runner (*f)(CLI::App*)) {
    const size_t before = app.get_subcommands({}).size();
    gct::cli::Runner r = f(&app);
    commands.emplace_back(app.get_subcommands({})[before], r);
  };
  add(gct::cli::add_plan_command);
  add(gct::cli::add_train_command);
  add(gct::cli::add_study_command);
  add(gct::cli::add_evaluate_command);
  add(gct::cli::add_export_command);
  // CLI11 answers an unknown word with "A subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (auto& [sub, run] : commands) known |= sub->get_name() == argv[1];
    if (!known) {
      std::fprintf(stderr, "gctrain: error: unknown command '%s' (commands: plan, train, study, evaluate, export; see gctrain --help)\n",
                   argv[1]);
      return gct::cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : gct::cli::kExitUsage;
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) return run();
  }
  return gct::cli::kExitUsage;
}
