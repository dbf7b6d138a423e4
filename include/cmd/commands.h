/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The commands (src/cmd/), each with its options, --help and examples:
 * called with argv[0] the command's name, they return the exit status
 * (include/cli/cli.h).
 */
#ifndef GOSTRAY_COMMANDS_H
#define GOSTRAY_COMMANDS_H

int cmd_top(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_node(int argc, char **argv);

#endif /* GOSTRAY_COMMANDS_H */
