#include "commands.hpp"
namespace gct::cli {
Runner add_study_command(CLI::App* app) {
  app->add_subcommand("study", "(in progress)");
  return [] { return 2; };
}
}  // namespace gct::cli
