// Parses the command line (CLI11) and runs the chosen command. The program's whole `main`.
#pragma once

namespace person_import::cli {

int run_command_line(int argc, char** argv);

}  // namespace person_import::cli
