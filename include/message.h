/*
 * message.h - one mail message as a plain struct (parsed with GMime).
 *
 * This module (agent/message*.c, laid out in agent/message_p.h) is the only
 * one that includes GMime.  It turns raw bytes into struct message: decoded
 * names (RFC 2047, any charset, to UTF-8), lower-cased addresses,
 * identifiers without angle brackets, the best text body, forwarded
 * messages and delivery-report details.  Later modules never see MIME.  It
 * also splits mbox files and writes the agent's own mail (message_compose).
 *
 * Every string in struct message is UTF-8 (invalid bytes replaced), owned by
 * the message and freed by message_free().  Absent values are NULL, except
 * body, which is "" when the message has no text.  context is NULL after
 * message_parse: trimming it takes the admin's rules (filter_context).
 */
#ifndef REFAGENT_MESSAGE_H
#define REFAGENT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* Caps on what is taken from one message (bad input never grows memory
 * without bound). */
#define MESSAGE_MAX_ADDRS   200       /* per address header */
#define MESSAGE_MAX_REFS    100       /* References entries kept (the last ones) */
#define MESSAGE_MAX_HEADERS 500       /* top-level headers kept */
#define MESSAGE_MAX_BODY    (1 << 20) /* bytes of body text kept */
#define MESSAGE_MAX_FORWARD 10        /* forwarded messages kept */
#define MESSAGE_MAX_CARDS   4         /* contact cards kept */
#define MESSAGE_MAX_DEPTH   20        /* MIME nesting walked */

struct addr {
	char *name;  /* display name, decoded; NULL when none */
	char *email; /* addr-spec, lower case; NULL for a group or junk */
};

struct addr_list {
	struct addr *v;
	size_t n;
};

struct header {
	char *name;  /* as written, e.g. "Auto-Submitted" */
	char *value; /* unfolded, RFC 2047 decoded, trimmed */
};

/* A message found inside another: an inline "Forwarded message" block or a
 * message/rfc822 part. */
struct forward {
	struct addr from;
	struct addr_list to; /* its To and Cc */
	char *subject;
	char *message_id;
	char *body;   /* its text, "" when none (inline: the text after the
	               * block's header lines up to the next marker) */
	int attached; /* 1: message/rfc822 part, 0: inline text block */
};

/* One recipient of a delivery-status report (RFC 3464 section 2.3). */
struct dsn_rcpt {
	char *email;      /* Original-Recipient (the address as we sent it) when
	                   * valid, else Final-Recipient; lower case */
	char *action;     /* failed, delayed, delivered, relayed, expanded */
	char *status;     /* e.g. 5.1.1 */
	char *diagnostic; /* Diagnostic-Code text, or NULL */
};

enum report_kind {
	REPORT_NONE = 0,
	REPORT_DSN,   /* multipart/report; report-type=delivery-status */
	REPORT_OTHER, /* other multipart/report (disposition, feedback) */
};

struct message {
	size_t size; /* raw bytes */

	char *message_id;  /* without <>; NULL when absent or empty */
	char *in_reply_to; /* first id of In-Reply-To, without <> */
	char **references; /* ids of References, oldest first, without <> */
	size_t nreferences;
	char *subject;        /* decoded */
	int64_t date;         /* Unix seconds; 0 when absent or unparsable */
	uint64_t header_hash; /* stable hash of identifying headers, see below */

	struct addr from; /* first From mailbox ({NULL, NULL} when none) */
	size_t nfrom;     /* mailboxes in From */
	struct addr sender;
	struct addr_list to, cc, reply_to;
	/* Delivered-To, X-Original-To, Envelope-To, X-Envelope-To: show a
	 * bcc'd recipient */
	struct addr_list delivered_to;
	char *return_path; /* addr-spec, "" for <>, NULL when absent */

	struct header *headers; /* top-level headers (Content-* included), in order */
	size_t nheaders;
	char *content_type; /* top-level "type/subtype", lower case */

	char *body;       /* best text: text/plain, else text/html as text */
	int body_is_html; /* body was made from HTML */
	int from_relayed; /* From was taken from a list's X-Original-From or
	                   * Reply-To (message_unlist): no server vouches
	                   * for it */
	int body_truncated;
	char *context; /* body minus quoted history and signature: NULL
	                * until filter_context fills it */

	struct forward *fwd;
	size_t nfwd;

	char **attachments; /* file names of attachments (names only, no
	                     * directories; at most 100) */
	size_t nattachments;

	/* contact cards attached (text/vcard, a ".vcf": the iPhone's "Share
	 * Contact"), at most MESSAGE_MAX_CARDS: who they name */
	struct card {
		char *name, *email, *phone;
	} * cards;
	size_t ncards;

	enum report_kind report;
	char *report_type;     /* report-type parameter, lower case */
	char *orig_message_id; /* Message-ID of the message reported on (from
	                        * its message/rfc822 or text/rfc822-headers
	                        * part; that part is not a forward) */
	char *orig_referral;   /* its X-Refagent-Referral header, digits (the
	                        * agent's own: survives a rewritten Message-ID) */
	struct dsn_rcpt *dsn;
	size_t ndsn;

	/* Problems met while parsing that did not stop it, one line each
	 * (e.g. "unknown charset x-foo in part 2, decoded as UTF-8"). */
	char **warnings;
	size_t nwarnings;
};

/* Initialises GMime (and libxml2) once per process; message_shutdown()
 * undoes it.  Call it before starting threads: after it, message_parse()
 * may run on several threads at once, each on its own message. */
void message_init(void);
void message_shutdown(void);

/* From now on, GMime's parser warnings (duplicated header, malformed
 * multipart, ...) are added to each message's warnings.  Only `filters
 * test` shows them, and collecting them costs about a third of GMime's
 * parse (it decodes every header again to check it), so poll and ingest
 * leave them off.  Initialises as message_init() does; call it before
 * starting threads. */
void message_parser_warnings(void);

/*
 * Parses len bytes of one RFC 5322 message (LF or CRLF line ends; a leading
 * mbox "From " line is skipped).  Returns 0 and sets *msg_r, or -1 and sets
 * *error_r (caller frees) when the bytes hold no message at all (empty
 * input, no header).  Malformed MIME, unknown charsets and the like are not
 * errors: the message is parsed as far as it goes and a warning is added.
 *
 * header_hash is FNV-1a over From, To, Cc, Subject and Date as written plus
 * the first 4 KiB of the body text: equal for re-deliveries of the same
 * message, the stand-in for a missing Message-ID.  Runs of white space in
 * the header values (folding, CRLF or LF) count as one space and the body
 * text has LF line ends, so CRLF and LF copies of a message hash the same.
 *
 * A body with CR-only line ends (old Mac mail) is read as if it had LF;
 * white space before the first header is skipped (with a warning).
 */
int message_parse(const char *data, size_t len, struct message **msg_r, char **error_r);
void message_free(struct message *m);

/* Where the first forwarded block of text begins (its marker line:
 * "---------- Forwarded message ---------", "Begin forwarded message:",
 * Outlook's "From: ... Sent: ..." block, in the languages the forward
 * reader knows), or strlen(text) when there is none. */
size_t message_forward_start(const char *text);

/* m came through a mailing list that is the reader's own (a Google Group
 * or Mailman list as the business's referral address): the list's headers
 * (Precedence, List-*, Mailing-List) are renamed "X-Refagent-Was-NAME",
 * so that rules for list traffic pass a person's mail; and when
 * from_rewritten (From is the list's own address, as lists write it for
 * senders whose domain publishes DMARC: "'Mike Chen' via Referrals"),
 * From is taken from X-Original-From, else Reply-To, and from_relayed is
 * set.  Returns whether From was restored. */
int message_unlist(struct message *m, int from_rewritten);
/* Whether email is one of m's To or Cc addresses. */
int message_addressed(const struct message *m, const char *email);
/* The value of the first header called name (case-insensitive), or NULL. */
const char *message_header(const struct message *m, const char *name);

/*
 * Splits an mbox (mboxo or mboxrd, "From " separator lines) into messages
 * and calls fn for each with its raw bytes (">From " unescaped: one '>'
 * less; the blank line before the next separator dropped) and its
 * 1-based index.  raw is only valid during the call.  Stops early when fn returns non-zero and
 * returns that value; returns 0 after the last message.
 */
int message_mbox_foreach(const char *data, size_t len,
                         int (*fn)(const char *raw, size_t rawlen, int index, void *arg),
                         void *arg);
/* Non-zero when data starts like an mbox ("From " line). */
int message_is_mbox(const char *data, size_t len);

/*
 * The first message of the mbox bytes data[0..len), for reading a large
 * mbox a window at a time: its bytes are data[start..stop) (separator line
 * and the blank line before the next separator left out; escapes lines
 * ">From " in it need message_mbox_unescape), and the next message starts
 * at data[next].  Returns 1 with *c set; 0 when the window does not hold
 * the whole message yet (only when !eof: read more and call again); -1
 * when no message is left (eof).  message_mbox_foreach is this in a loop.
 */
struct mbox_cut {
	size_t start, stop, next;
	int escapes;
};
int message_mbox_cut(const char *data, size_t len, int eof, struct mbox_cut *c);
/* raw[0..len) with one '>' taken from each ">From " line: a new string
 * (caller frees) of *len_r bytes. */
char *message_mbox_unescape(const char *raw, size_t len, size_t *len_r);

/* ---- outgoing mail ---- */

/* A message the agent writes.  Addresses are plain struct addr (name may
 * be NULL); every string is UTF-8. */
struct outmail {
	struct addr from;
	const struct addr *to;
	size_t nto;
	const struct addr *cc;
	size_t ncc;
	const struct addr *reply_to;
	size_t nreply_to;
	const char *subject;
	const char *message_id;        /* without <>; required */
	const char *in_reply_to;       /* without <>, or NULL */
	const char *const *references; /* without <>, oldest first */
	size_t nreferences;
	int64_t date;                 /* Unix seconds */
	const char *list_unsubscribe; /* header value, e.g. "<mailto:...>", or NULL */
	const struct header *extra;   /* more headers (name, value), e.g. the
	                                 agent's X-Refagent-Referral */
	size_t nextra;
	const char *text; /* the text/plain body */
	const char *html; /* a text/html alternative, or NULL */
};

/*
 * Builds o as an RFC 5322 message with GMime, never by pasting strings:
 * names and the subject are RFC 2047-encoded by GMime, and CR, LF and other
 * control characters in them (and in extra header values) are first
 * replaced by spaces, so text taken from incoming mail can never add a
 * header.  Adds MIME-Version, Date, Message-ID, In-Reply-To and References
 * (RFC 5322 section 3.6.4), Auto-Submitted: auto-generated (RFC 3834), and
 * List-Unsubscribe when given.  Bodies are UTF-8 quoted-printable (line
 * ends normalised, invalid UTF-8 replaced by U+FFFD); text/plain, or
 * multipart/alternative (text, then html) when html is set.  The Date is
 * written in UTC.  Line ends are CRLF throughout, the last line included.
 * Returns 0 and sets *data_r (caller frees) and *len_r, or -1 with
 * *error_r (caller frees) and nothing allocated when:
 * - an address (from, to, cc, reply_to) is not a plain addr-spec: one '@'
 *   with text on both sides, printable ASCII without white space or
 *   ()<>[]:;,\" (quoted local parts are not written);
 * - message_id is missing, lacks '@', or has a space, control character,
 *   '<' or '>'; in_reply_to or a references id has a space, control
 *   character, '<' or '>' (stored ids of broken mail without '@' pass);
 * - an extra header name is not printable ASCII without ':', or is one
 *   this function writes or that routes mail (From, To, Cc, Bcc,
 *   Reply-To, Sender, Subject, Date, Message-ID, In-Reply-To, References,
 *   MIME-Version, Auto-Submitted, List-Unsubscribe, Return-Path,
 *   Resent-*, Content-*).
 */
int message_compose(const struct outmail *o, char **data_r, size_t *len_r, char **error_r);

#endif
