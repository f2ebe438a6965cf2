/*
 * prefilter.h - a literal prefilter for the rules' regular expressions:
 * from a pattern's text, the literals of which any match must contain
 * some ("thanks" and "for" and one of "intro", "referral"...), so that a
 * text holding none of them is known not to match without running the
 * regex.  The literals of all the patterns that look at a kind of text
 * are found in one pass over it (Aho-Corasick).
 */
#ifndef REFAGENT_PREFILTER_H
#define REFAGENT_PREFILTER_H

#include <stddef.h>

struct prefilter;

struct prefilter *prefilter_new(void);
void prefilter_free(struct prefilter *pf);

/*
 * The condition of a PCRE2 pattern (UTF mode) on the literals of a text,
 * as an id for prefilter_may_match; -1 when there is none, i.e. the
 * regex must always run: a construct the scan does not know for sure
 * (\Q...\E, conditionals, callouts, (*ACCEPT), extended mode...) gives up.
 * extended: the pattern is compiled with PCRE2_EXTENDED.  Case is always
 * folded, so the condition holds for a caseless pattern too.
 */
int prefilter_add(struct prefilter *pf, const char *pat, size_t len, int extended);

/* The texts of a group (say, the bodies) are tested with condition cond:
 * each group has an automaton of the literals its conditions need, so a
 * text is scanned for these only.  0 <= group < PREFILTER_GROUPS. */
#define PREFILTER_GROUPS 32
void prefilter_use(struct prefilter *pf, int cond, int group);

/* After the last prefilter_add and prefilter_use: builds the automata. */
void prefilter_build(struct prefilter *pf);

/* The size of the bitmap prefilter_scan fills. */
size_t prefilter_bitmap_size(const struct prefilter *pf);

/* Marks in bits (prefilter_bitmap_size bytes) the literals of group that
 * text holds, up to its NUL. */
void prefilter_scan(const struct prefilter *pf, int group, const char *text, unsigned char *bits);

/* 0 when the text whose bitmap is bits cannot match the pattern of
 * condition cond; 1 when it may (always for cond -1). */
int prefilter_may_match(const struct prefilter *pf, int cond, const unsigned char *bits);

#endif
