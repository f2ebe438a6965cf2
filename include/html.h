/*
 * html.h - HTML mail bodies as plain text (libxml2's HTML parser).
 *
 * The only module that includes libxml2.  Used by message.c when a message
 * has no text/plain part.
 */
#ifndef REFAGENT_HTML_H
#define REFAGENT_HTML_H

#include <stddef.h>

/* Initialises libxml2 once per process, before any thread uses it
 * (message_init calls it). */
void html_init(void);

/*
 * Turns len bytes of HTML (UTF-8, or with a meta charset) into plain text:
 * no tags, no script, style or head content, entities decoded, block
 * elements (p, div, br, li, tr, h1-h6, blockquote) as line breaks,
 * blockquote content prefixed with "> " so quote trimming sees it, runs of
 * white space and blank lines collapsed.  Never fails on bad HTML.
 * Returns a new string (caller frees); "" for empty input.
 *
 * Details: bytes that are valid UTF-8 are read as UTF-8 whatever a <meta>
 * says (message.c has already converted them); only other bytes follow the
 * meta charset (default Latin-1).  Outlook's <p class=Mso...> paragraphs
 * are single lines, other <p> are paragraphs (blank line around); list
 * items start with "- "; table cells are joined by a tab (a form's
 * "label<TAB>value" rows stay apart); a mailto: link
 * whose text lacks the address gets " <address>" after it.  Content nested
 * deeper than libxml2's limit (256 levels) is dropped.  The result ends
 * with a newline unless it is "".
 */
char *html_to_text(const char *html, size_t len);

#endif
