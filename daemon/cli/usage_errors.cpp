#include "daemon/cli/usage_errors.h"

#include <vector>

#include "core/common/closest_name.h"
#include "core/common/printable.h"

namespace person_import::cli {
namespace {

std::string single_quoted(const std::string& text) { return "'" + printable(text) + "'"; }

// "person-import jobs list" for the `list` subcommand of `jobs`.
std::string command_path(const CLI::App* command) {
  std::string path;
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    const std::string name = app->get_parent() == nullptr ? "person-import" : app->get_name();
    path = path.empty() ? name : name + " " + path;
  }
  return path;
}

std::vector<std::string> subcommand_names(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::App* sub :
       const_cast<CLI::App*>(command)->get_subcommands([](CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The long options of `app` itself, as written.
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app->get_options()) {
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

// The option nearest `option` among those `command` accepts: its own first, then its parents'
// (the global options fall through to them).
std::optional<std::string> nearest_option(const std::string& option, const CLI::App* command) {
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    if (auto nearest = closest_name(option, option_names(app))) return nearest;
  }
  return std::nullopt;
}

// The deepest subcommand the arguments reached.
const CLI::App* deepest_command(const CLI::App& app) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  return command;
}

}  // namespace

std::string usage_error_message(const CLI::App& app, const CLI::ParseError& error) {
  const CLI::App* command = deepest_command(app);
  const std::string where = command_path(command);
  const std::string help = "\nRun '" + where + " --help' for its usage.";
  const std::vector<std::string> extras = app.remaining();
  const bool has_subcommands = !subcommand_names(command).empty();
  if (!extras.empty()) {
    const std::string& first = extras.front();
    if (first.size() > 1 && first.front() == '-') {
      const std::string option = first.substr(0, first.find('='));
      std::string message = "unknown option " + single_quoted(option) + " for '" + where + "'";
      if (auto nearest = nearest_option(option, command)) {
        message += "; did you mean " + single_quoted(*nearest) + "?";
      }
      return message + help;
    }
    if (has_subcommands && command->get_subcommands().empty()) {
      const auto names = subcommand_names(command);
      std::string message = "unknown command " + single_quoted(first);
      if (command != &app) message += " for '" + where + "'";
      if (auto nearest = closest_name(first, names)) {
        message += "; did you mean " + single_quoted(*nearest) + "?";
      } else {
        message += " (commands: " + joined(names) + ")";
      }
      return message + help;
    }
    return "unexpected argument " + single_quoted(first) + " for '" + where + "'" + help;
  }
  if (has_subcommands && dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    return "'" + where + "' needs a command: " + joined(subcommand_names(command)) + help;
  }
  return printable(error.what()) + help;
}

}  // namespace person_import::cli
