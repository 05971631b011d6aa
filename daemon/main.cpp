#include "daemon/cli/command_line.h"

int main(int argc, char** argv) { return person_import::cli::run_command_line(argc, argv); }
