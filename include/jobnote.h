/*
 * jobnote.h - what a follow-up job tells its template.
 *
 * A job row (store.h) keeps ids, addresses and times, and a short note:
 * the facts of the event that made it ("the referral was won", "Sarah
 * introduced the same person too"), never wording.  The note is lines of
 * "name=value", each name a template placeholder (template.h), so the
 * outbox hands them to the template as they are and every sentence a
 * person reads lives in templates/.
 *
 * Values are one line: CR, LF, tabs and other control characters become
 * spaces when a value is added, so a name taken from incoming mail can
 * never start a second line (nor a second fact).
 */
#ifndef REFAGENT_JOBNOTE_H
#define REFAGENT_JOBNOTE_H

#include <stddef.h>

struct buf;

/* Appends "name=value\n" to b, value made one line (see above) and
 * trimmed; nothing when value is NULL or blank. */
void jobnote_add(struct buf *b, const char *name, const char *value);

/* The value of name in note (a copy, caller frees), or NULL. */
char *jobnote_get(const char *note, const char *name);

/* Calls fn for every "name=value" line of note, with the name and value
 * as counted strings (not NUL-terminated).  Lines without '=' are passed
 * with an empty name: notes written by earlier versions were one bare
 * word. */
void jobnote_each(const char *note,
                  void (*fn)(void *ctx, const char *name, size_t nlen, const char *value,
                             size_t vlen),
                  void *ctx);

#endif
