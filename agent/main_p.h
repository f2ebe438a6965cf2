/*
 * main_p.h - what the files of the command line share; not for other
 * modules.
 *
 *   main.c          the commands, their table, usage and the dispatcher
 *   main_filters.c  filters test: one message through the rules and intake
 */
#ifndef REFAGENT_MAIN_P_H
#define REFAGENT_MAIN_P_H

struct config;
struct filter_set;
struct store;

/* Prints what the rules and intake make of the message in the file at
 * path, with the history of st (NULL: none, decided without it).
 * Writes nothing.  0, or -1 after logging why. */
int main_filters_test(struct config *cfg, struct filter_set *filters, struct store *st,
                      const char *path);

#endif
