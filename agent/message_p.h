/*
 * message_p.h - what the files of the message module share, and nobody
 * else sees.
 *
 * The module is one concern per file:
 *   message.c          GMime set-up, message_parse/message_free, headers,
 *                      identifiers and addresses
 *   message_body.c     the MIME walk: the best text body, charsets,
 *                      attachments, which parts a report holds
 *   message_dsn.c      delivery reports (RFC 3464) and the returned
 *                      message's identity (RFC 6522)
 *   message_forward.c  forwarded messages, attached (message/rfc822) and
 *                      inline ("---------- Forwarded message ---------")
 *   message_mbox.c     splitting an mbox (RFC 4155)
 *   message_compose.c  writing the agent's own mail
 *
 * Only these files include GMime.  Names shared between them start with
 * msg_; the module's interface is message.h.
 */
#ifndef REFAGENT_MESSAGE_P_H
#define REFAGENT_MESSAGE_P_H

#include <gmime/gmime.h>

#include "message.h"
#include "util.h"

/* The parser options every parse uses (loose address, parameter and
 * RFC 2047 rules, fallback charsets); set by message_init(). */
extern GMimeParserOptions *msg_parser_opts;

/* ---- message.c ---- */

/* Adds a warning line to m (at most a few dozen per message; NULL m is
 * ignored). */
void msg_warn(struct message *m, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* A UTF-8 copy of s, trimmed; NULL for NULL, and for "" when empty_null. */
char *msg_clean(const char *s, int empty_null);

/* Non-zero when a looks like an addr-spec: text, '@', text, none of
 * " \t<>,;\"". */
int msg_valid_email(const char *a);

/* The address of a Return-Path value ("<a@b>", "" for "<>"), lower case;
 * NULL for NULL. */
char *msg_return_path(const char *v);

/* A msg-id without its angle brackets, or NULL when text is blank. */
char *msg_decode_id(const char *text);

/* Addresses: a group's members are flattened into the list (RFC 5322
 * section 3.4), at most MESSAGE_MAX_ADDRS; msg_first_mailbox moves the
 * first mailbox of list into *a and returns how many mailboxes list has. */
void msg_addrs_add(struct addr_list *l, InternetAddressList *list, int depth);
void msg_addrs_parse(struct addr_list *l, const char *text);
size_t msg_first_mailbox(struct addr *a, InternetAddressList *list);
void msg_addr_free(struct addr *a);
void msg_addrs_free(struct addr_list *l);

/* ---- message_body.c ---- */

/*
 * The best text of msg (text/plain, else text/html as text, else a nameless
 * text attachment, else a lost multipart's prologue), as UTF-8 ("" when
 * none); caller frees.  Walks its MIME tree from depth: for the outer
 * message (top) that also records attachments, the report type, the DSN
 * fields and attached forwards into m.  *is_html says the text came from
 * HTML; *truncated is set when a cap cut it.
 */
char *msg_body(struct message *m, GMimeMessage *msg, int top, int depth, int *is_html,
               int *truncated);

/* The transfer-decoded bytes of a leaf part (caller frees with
 * g_byte_array_free(..., TRUE)), or NULL. */
GByteArray *msg_part_bytes(GMimePart *part);

/* ---- message_dsn.c ---- */

/* Reads the fields of a message/delivery-status text into m->dsn. */
void msg_dsn_parse(struct message *m, const char *text);

/* A part inside the outer multipart/report: takes the delivery-status
 * fields, or the returned headers' Message-ID and X-Refagent-Referral.
 * Returns 1 when the part was one of those, 0 when it is for the walk. */
int msg_dsn_part(struct message *m, GMimePart *part, GMimeContentType *ct);

/* The message/rfc822 part of a report: the message it is about, whose
 * Message-ID and X-Refagent-Referral are kept (it is not a forward). */
void msg_dsn_returned(struct message *m, GMimeMessage *sub);

void msg_dsn_rcpt_free(struct dsn_rcpt *r);

/* ---- message_forward.c ---- */

/* A message/rfc822 part outside a report: a forward as attachment. */
void msg_forward_attached(struct message *m, GMimeMessage *sub, int depth);

/* The forwarded blocks written into body (an inline forward). */
void msg_forwards_inline(struct message *m, const char *body);

void msg_forward_free(struct forward *f);

#endif
