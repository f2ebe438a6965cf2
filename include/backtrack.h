/*
 * backtrack.h - a warning for rule writers: patterns that can backtrack
 * catastrophically.
 */
#ifndef REFAGENT_BACKTRACK_H
#define REFAGENT_BACKTRACK_H

#include <stddef.h>

/*
 * A group whose branch is nothing but something repeated without bound
 * (and optional parts), itself repeated without bound: (a+)+, (\w+\s?)*.
 * On a subject that almost matches, the ways to split it grow
 * exponentially (catastrophic backtracking).  The match limit stops such
 * a search, but then the rule silently does not fire, so `check` warns.
 * (.*\n)* is not reported: the mandatory \n fixes every split.  Atomic
 * groups (?>...), lookarounds and possessive quantifiers (a++) cannot
 * backtrack into and are not reported.  Returns the offset of the outer
 * quantifier, or -1.
 */
long backtrack_risk(const char *pat, size_t len);

#endif
