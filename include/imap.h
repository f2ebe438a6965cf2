/*
 * imap.h - the watched mailbox, over IMAP with libetpan.
 *
 * The only module that includes libetpan (and GnuTLS, to verify
 * certificates: libetpan's GnuTLS build does not).  It connects (implicit
 * TLS, STARTTLS, or plain on loopback), verifies the server certificate
 * against the system trust store (or, instead of it, the configured CA
 * file) and the host name, logs in, EXAMINEs the mailbox (read-only: the
 * agent never changes flags or deletes mail), lists new UIDs, fetches
 * messages with BODY.PEEK[] and waits in IDLE.  It knows nothing of
 * referrals: the fetch loop in fetch.c decides what to do with the bytes.
 *
 * Errors come back as -1 with *error_r (caller frees) saying what failed
 * and naming the server ("imap 127.0.0.1:10143: login failed for
 * agent@biz.test: ..."); whether the connection is still usable is in
 * imap_is_broken().  The password never appears in a message, nor does
 * an OAuth2 token.
 *
 * Sign-in is LOGIN with the password (auth = password), or AUTHENTICATE
 * XOAUTH2 / OAUTHBEARER (RFC 7628) with an access token from the params'
 * server_token_fn, after checking that the server's CAPABILITY offers the
 * mechanism.  A token the server refuses (a tagged NO) is replaced by a
 * fresh one and tried once more on the same connection; a second NO is
 * the error ("XOAUTH2 login refused for USER, also with a new token").
 *
 * Each call ignores SIGPIPE while it runs (libetpan writes to plain sockets
 * without MSG_NOSIGNAL) and restores the previous disposition.
 */
#ifndef REFAGENT_IMAP_H
#define REFAGENT_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct imap;

/* imap_fetch() refuses messages larger than this (it asks the server for
 * at most this many bytes + 1).  list_new gives sizes to decide earlier. */
#define IMAP_MAX_MESSAGE (64u << 20)

struct imap_params {
	const struct server_config *server; /* server, port, security, ca_file, timeout */
	const char *password;               /* auth = password */
	const char *mailbox;                /* e.g. "INBOX" */
	server_token_fn *token;             /* auth = xoauth2 | oauthbearer (oauth_token) */
};

/* One message in the mailbox. */
struct imap_item {
	uint32_t uid;
	size_t size; /* RFC822.SIZE */
};

/*
 * Connects, secures, logs in and examines the mailbox.  Returns 0 and sets
 * *im_r, or -1 with *error_r.
 *
 * security none is refused ("refusing plaintext IMAP to HOST") unless the
 * server is loopback by name (localhost, 127.0.0.0/8, ::1) or
 * allow_insecure is set; without allow_insecure only loopback addresses are
 * connected to.  A certificate that does not verify (trust, host name or
 * IP address, expiry, serverAuth purpose) is always an error ("certificate
 * of HOST does not verify: REASON"); to trust a private CA set ca_file.
 * port 0 means 993 for tls, 143 otherwise; timeout 0 means 30 s, and it
 * bounds the connect, the TLS handshake and every command.
 */
int imap_open(const struct imap_params *p, struct imap **im_r, char **error_r);
/* Logs out (when the connection still works) and frees; NULL is fine. */
void imap_close(struct imap *im);

/* UIDVALIDITY of the examined mailbox. */
uint32_t imap_uidvalidity(const struct imap *im);
/* Non-zero after a network or protocol error: close and reconnect. */
int imap_is_broken(const struct imap *im);
/* Non-zero when the server offers IDLE (RFC 2177). */
int imap_has_idle(const struct imap *im);

/*
 * Lists the messages with UID > after, ascending, without duplicates
 * (UID FETCH after+1:* (UID RFC822.SIZE)).  Sets *items_r (caller frees;
 * NULL when *n_r is 0) and *n_r.  Returns 0 or -1.
 */
int imap_list_new(struct imap *im, uint32_t after, struct imap_item **items_r, size_t *n_r,
                  char **error_r);

/*
 * Fetches the full message with this UID (BODY.PEEK[], no flag change).
 * Sets *data_r (caller frees; NUL-terminated for convenience, the message
 * may hold NULs itself) and *len_r.  Returns 0, 1 when the message is gone
 * (expunged meanwhile), -1 on error.  A message over IMAP_MAX_MESSAGE is
 * an error that leaves the connection usable.
 */
int imap_fetch(struct imap *im, uint32_t uid, char **data_r, size_t *len_r, char **error_r);

/* One message of imap_fetch_many. */
struct imap_msg {
	uint32_t uid;
	char *data; /* caller frees; NULL when gone */
	size_t len;
	int gone; /* expunged meanwhile, or no such UID */
};
/*
 * Fetches the messages with uids[0..n) (ascending, none 0) in one UID FETCH
 * (runs of consecutive UIDs as ranges; BODY.PEEK[] as imap_fetch): out[i]
 * is uids[i]'s.  Returns 0, or -1 (nothing in out to free).  When the
 * server says NO because some went meanwhile, they are fetched one by one
 * to tell which.
 */
int imap_fetch_many(struct imap *im, const uint32_t *uids, size_t n, struct imap_msg *out,
                    char **error_r);
/*
 * Waits in IDLE until the server reports new mail (EXISTS or RECENT),
 * timeout seconds pass, or wake_fd (when >= 0) becomes readable (it is not
 * read: draining it is the caller's).  Returns 1 when the server reported
 * new mail, 0 on timeout or wake, -1 on error.  Other server chatter
 * (keep-alives, flag changes) re-enters IDLE until the timeout.  RFC 2177
 * asks to re-issue IDLE at least every 29 minutes: pass timeouts below
 * that and loop.  Without IDLE support it sleeps on wake_fd for timeout
 * seconds and returns 0.
 */
int imap_idle(struct imap *im, int timeout, int wake_fd, char **error_r);

#endif
