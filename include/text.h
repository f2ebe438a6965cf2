/*
 * text.h - plain-text helpers for mail bodies (no outside library).
 */
#ifndef REFAGENT_TEXT_H
#define REFAGENT_TEXT_H

#include <stddef.h>

/*
 * What a line of a body may be, besides text.  The words and phrases of
 * each kind differ by language and mail client, so they are the admin's
 * (the `cut KIND` rules in filters/, see filter.h); text_trim_context only
 * asks.
 */
enum text_cut {
	TEXT_QUOTE,     /* a quote header: "On ... wrote:", "Le ... a écrit :",
	                 * "-----Original Message-----"; the history follows */
	TEXT_HEADER,    /* one field of a quoted header block: "From: ...",
	                 * "Von: ...", "Envoyé : ..." */
	TEXT_SIGNATURE, /* a line that ends what the sender wrote: "Sent from my
	                 * iPhone", "Get Outlook for Android" */
	TEXT_SIGNOFF,   /* a closing: "Best regards", "Mit freundlichen Grüßen" */
	TEXT_FOOTER,    /* the start of a legal or mailing-list footer */
	TEXT_FORWARD,   /* a forward marker: "Begin forwarded message:" (kept) */
	TEXT_CUT_COUNT
};

/*
 * The rules text_trim_context asks.  match returns the length of the match
 * of kind k's rules at the start of s (len bytes, not NUL-terminated), or
 * -1 when none matches.  For TEXT_QUOTE, s is the line joined (LF) with up
 * to two following lines, so a wrapped header can match: the lines the
 * match reaches into belong to the header.  For TEXT_SIGNOFF, s is the
 * closing part of a short line (before its first comma, without trailing
 * punctuation or emoji) and only a match of all of it counts.  For the
 * other kinds s is one line without its leading white space.  match must be
 * safe to call from several threads at once when arg is per call.
 */
struct text_rules {
	long (*match)(void *arg, enum text_cut k, const char *s, size_t len);
	void *arg;
};

/*
 * The part of a reply or intro that its sender wrote ("the context"): the
 * body without quoted history, signature, and legal or mailing-list
 * footers.  Returns a new string (caller frees), never NULL.  rules may be
 * NULL: then only the language-free structure below is cut.
 *
 * Structure (here):
 * - "> " lines (and supercite "AB> " lines) go, and so does an unprefixed
 *   line between two quoted lines that was wrapped out of the long one
 *   above it, or is a piece of a link.
 * - A quote header (TEXT_QUOTE, or a line of up to three ending in ':' that
 *   names an <address> and a date, or right above a "> " quote, a line
 *   that names an <address> without a date or a day without an address)
 *   followed by "> " lines drops only those lines: text after the quote
 *   is a bottom-posted reply and stays.  Followed by plain text it starts
 *   unprefixed history: everything after it goes, forwarded messages
 *   inside it included.
 * - Two or more TEXT_HEADER lines in a row ("From:", "Sent:", "To:", with
 *   at most one wrapped line between) that name an address or a date
 *   start unprefixed history too, with a line of words framed in dashes
 *   right above them ("----- Mail original -----"), unless they follow a
 *   forward marker (then they are the forward's headers).
 * - The RFC 3676 section 4.3 "-- " line, a "--" or dash-only line with at
 *   most 15 lines after it, a line of underscores, stars, dots or box
 *   drawing with at most 8 lines after it (not prose, no closing, not a
 *   card of somebody the text names), a TEXT_SIGNATURE line and a
 *   TEXT_FOOTER line start the signature: everything after goes up to the
 *   next forward marker (Gmail puts a forward below the forwarder's
 *   signature).  A footer is looked for only where a block starts (at the
 *   top, under a blank, quoted, separator or short line).  On top of the
 *   text a TEXT_SIGNATURE line goes alone, and a TEXT_FOOTER line with its
 *   paragraph (an "external sender" banner).  A separator line ("____",
 *   "-----") right before any cut goes with it.
 * - Forward markers (TEXT_FORWARD) and the forward below them are kept: for
 *   a forward they are the content.  The steps below run on each part
 *   between forward markers.
 * - A closing (TEXT_SIGNOFF: "Thanks!", "Best regards, Jane"; asked only
 *   for a few words without digits) that is not the first line goes with
 *   what follows it when that is at most 6 lines of at most 100 bytes, or
 *   when the next line is a separator; when the next line is a name, up
 *   to a paragraph of prose (a first line of 60 bytes and 10 words,
 *   ending a sentence) or a "P.S.": what the sender went on writing
 *   stays.  Closings right above it go too ("Obrigado,\nAbs,\nRafael"),
 *   but not one that ends a sentence ("Vielen Dank im Voraus.").  Inline
 *   images ("![logo](https://...)") are looked through.
 * - Without a closing, a last paragraph of at most 4 short lines (8 when
 *   two of them carry a phone number, an address or a web site) that
 *   starts with a name ("Jane Smith", "Jim Smith | Manager", "-Abhishek",
 *   "– Jane") goes, unless the line above it ends in ':' ("his details:")
 *   or the part is a forward (its last lines are its writer's); so does a
 *   lone last word ("alex"), a name on the last line below a sentence or
 *   a separator, and a short line ending in a comma over a name in the
 *   same paragraph ("Saygılarımla,\nEmre Kaya").  Then a short closing
 *   ending in ',' right above, or the name as signed above a card ("Eva"
 *   over "Mag. Eva Musterfrau").  A name the text above speaks of is the
 *   lead's, not the sender's, and stays.
 *
 * Lines are right-trimmed (U+00A0 included), runs of blank lines collapse
 * to one, the result has no leading or trailing blank line and each line
 * ends with LF ("" when nothing is left: a reply that only quotes).  Time
 * is linear in the size of the text.
 */
char *text_trim_context(const char *text, const struct text_rules *rules);
/* The same without its signature steps: the body without quoted
 * history only, signatures, footers and closings kept (what a rep typed
 * below "Sent from my iPhone" is there). */
char *text_trim_history(const char *text, const struct text_rules *rules);

/*
 * The first quote header of text outside quoted lines ("On Mon, Nov 30,
 * 2026 at 9:12 AM Priyanka Rao <priyanka.rao@gmail.com> wrote:"), the
 * one text_trim_context cuts the history at, as a new string (its lines
 * joined by spaces), or NULL when there is none.
 */
char *text_quote_header(const char *text, const struct text_rules *rules);

/* Normalises line ends to LF (CRLF and lone CR) and replaces invalid UTF-8
 * (RFC 3629: overlong forms, surrogates and bytes past U+10FFFF included)
 * with U+FFFD, one per bad byte; NUL bytes are dropped.  s may be NULL when
 * len is 0.  Returns a new string (caller frees), never NULL. */
char *text_clean_utf8(const char *s, size_t len);

#endif
