// What the command line says when CLI11 refuses the arguments (exit status 2): what was wrong
// and, for an unknown command or option, the nearest valid one ("unknown command 'imprt'; did
// you mean 'import'?"), then where the usage is.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace person_import::cli {

// `app` is the whole command line after the failed parse (it knows how far parsing got).
std::string usage_error_message(const CLI::App& app, const CLI::ParseError& error);

}  // namespace person_import::cli
