/*
 * text.h - plain-text helpers for mail bodies (no outside library).
 */
#ifndef REFAGENT_TEXT_H
#define REFAGENT_TEXT_H

#include <stddef.h>

/*
 * The part of a reply or intro that its sender wrote: drops quoted history
 * ("> " lines; "On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :",
 * Outlook's "-----Original Message-----" and "From: ... Sent: ..." blocks,
 * and everything after them), the signature (the "-- " delimiter of RFC 3676
 * section 4.3, and a sign-off line such as "Best," or "Thanks," followed by
 * at most 6 short lines to the end), and legal footers
 * ("CONFIDENTIALITY NOTICE", "This e-mail and any attachments ...").  Inline
 * forwarded blocks ("---------- Forwarded message ---------") are kept: for
 * a forward they are the content.  Lines are right-trimmed, runs of blank
 * lines collapse to one.  Returns a new string (caller frees), never NULL.
 *
 * Details: a cut (quote header, "-- ", legal footer) runs until the next
 * forward marker, not always to the end (Gmail puts the forward under the
 * signature).  "On ... wrote:" followed by "> " lines drops only the quote,
 * so a bottom-posted reply below it stays; followed by unprefixed text it
 * cuts.  A sign-off counts when it is not the first line of its segment
 * (text between forward markers) and at most 6 non-blank lines of at most
 * 100 bytes follow it; "Thanks, Tom" (up to three capitalised words after
 * the comma) counts too.  "Sent from my iPhone" lines go.  The result has
 * no leading or trailing blank lines and each line ends with LF ("" when
 * nothing is left).
 */
char *text_trim_context(const char *text);

/* Normalises line ends to LF (CRLF and lone CR) and replaces invalid UTF-8
 * (RFC 3629: overlong forms, surrogates and bytes past U+10FFFF included)
 * with U+FFFD, one per bad byte; NUL bytes are dropped.  s may be NULL when
 * len is 0.  Returns a new string (caller frees), never NULL. */
char *text_clean_utf8(const char *s, size_t len);

#endif
