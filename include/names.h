/*
 * names.h - whether two spellings of a name are one person's.
 *
 * People are named the way their friends say it: an intro's text says
 * "Bob recommended you" or "Thanks for the intro, Marg!" of the person
 * whose mail client calls him "Robert Okafor" or her "Marguerite
 * Kowalski".  Intake asks whether the person a text names is someone in
 * the headers (the writer, the one addressed); reading "Bob" as a stranger
 * there turns the roles round, and the agent welcomes the referrer as a
 * lead and thanks the lead for referring.
 */
#ifndef REFAGENT_NAMES_H
#define REFAGENT_NAMES_H

#include <stddef.h>

/*
 * Do words a (an bytes) and b (bn bytes) name the same person: equal
 * (ASCII case ignored); or the shorter, of three letters or more, begins
 * the longer ("Marg" and "Marguerite", "Chris" and "Christopher"); or one
 * is a usual short form of the other ("Bob" and "Robert", "Liz" and
 * "Elizabeth", "Pepe" and "José").  Not "Mark" and "Mary", nor "Al" and
 * "Alice" (two letters begin too many names).
 */
int names_same(const char *a, size_t an, const char *b, size_t bn);

/*
 * The other spellings of w (n bytes) from the table of short forms, one
 * per call: start with *i = 0; NULL when there are no more.  For looking
 * for a name in an address's local part ("robert.okafor@" for "Bob").
 */
const char *names_other(const char *w, size_t n, size_t *i);

#endif
