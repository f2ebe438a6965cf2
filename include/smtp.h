/*
 * smtp.h - sending mail over SMTP with libcurl.
 *
 * The only module that includes libcurl.  One struct smtp is one libcurl
 * easy handle: consecutive smtp_send() calls reuse its connection (one
 * EHLO/AUTH for a batch), and a dropped connection is re-opened by the
 * next send.  TLS (smtps://) or STARTTLS (required, never opportunistic)
 * with the peer certificate and host name verified, against ca_file when
 * set; plain only where config.c allowed it (loopback or allow_insecure).
 *
 * Sign-in is AUTH with the password (libcurl picks PLAIN or LOGIN), or, for
 * auth = xoauth2 | oauthbearer, AUTH XOAUTH2 / OAUTHBEARER with an access
 * token asked of the handle's server_token_fn before each send (a cached
 * token costs nothing).  A token the server refuses is replaced by a fresh
 * one and the send tried once more on a new connection; a second refusal
 * fails the send.
 *
 * smtp_http_post() is here too, for the OAuth2 token endpoint (oauth.c):
 * libcurl is this module's alone, and the token request wants the same TLS
 * care as SMTP (peer and host name verified, TLS 1.2 or later).
 */
#ifndef REFAGENT_SMTP_H
#define REFAGENT_SMTP_H

#include <stddef.h>

#include "config.h"

struct smtp;

struct smtp_params {
	const struct server_config *server; /* server, port, security, user, ca_file, timeout */
	const char *password;               /* NULL: no AUTH (auth = password) */
	const char *helo;                   /* EHLO name, e.g. the agent's domain */
	server_token_fn *token;             /* auth = xoauth2 | oauthbearer: where the
	                                       access token comes from (oauth_token) */
};

enum smtp_status {
	SMTP_OK = 0,       /* accepted (2xx after DATA) */
	SMTP_TEMPFAIL = 1, /* 4xx, or no connection, timeout, TLS or protocol
	                      trouble: try again later.  Also a 5xx before
	                      MAIL FROM (greeting, EHLO, STARTTLS, AUTH): that
	                      is the server's or the config's fault, not the
	                      message's, and must not lose the message */
	SMTP_PERMFAIL = 2, /* 5xx to MAIL FROM, RCPT TO, DATA or the end of
	                      data: the server refused this message for good
	                      (except 552 to RCPT, temporary per RFC 5321
	                      4.5.3.1.10).  Also a sender or recipient that
	                      smtp_send refuses locally (empty list, no '@',
	                      space, control character, '<' or '>'), with
	                      code 0: retrying cannot help */
};

struct smtp_result {
	enum smtp_status status;
	int code;        /* code of the reply that decided (250 when sent; the
	                    4xx/5xx that refused); 0 when no reply was to
	                    blame (connect, timeout, TLS, dropped connection,
	                    local refusal).  Never the 221 of QUIT */
	char reply[512]; /* that reply's last line, control characters made
	                    spaces ("550 5.1.1 <x@y>: Recipient address
	                    rejected ..."), or what failed locally:
	                    "connect to HOST:PORT: <libcurl error>" before
	                    the transaction began, "HOST:PORT: <libcurl
	                    error> (after MAIL FROM|RCPT TO|DATA)" when the
	                    connection failed during it */
	int down;        /* SMTP_TEMPFAIL because the server is not taking
	                    mail at all: no connection, no session (connect,
	                    TLS, login), or 421 "service not available" at any
	                    stage (RFC 5321 3.8): nothing about this message,
	                    so the caller should wait, not count an attempt */
};

/* Prepares a handle (no connection yet).  Returns 0 and sets *s_r, or -1
 * with *error_r (caller frees) for a server name or EHLO name that cannot
 * go into a URL, a password without a user, OAuth2 without a user or a
 * token source, or a libcurl failure.  p->server must outlive the handle
 * (the token source is asked about it at each send).  port 0
 * means 465 (tls), 587 (starttls) or 25 (none); timeout (default 30) is
 * the limit for connecting and for each reply, and 4 times it for one
 * whole send.  The password is handed to libcurl and never logged.
 *
 * The first call runs curl_global_init(), which is not thread-safe: call
 * smtp_open from one thread at a time (the agent sends from one thread),
 * and not while another thread starts using libcurl. */
int smtp_open(const struct smtp_params *p, struct smtp **s_r, char **error_r);
/* Sends QUIT when connected and frees; NULL is fine. */
void smtp_close(struct smtp *s);

/*
 * Sends len bytes of an RFC 5322 message (CRLF line ends, as
 * message_compose makes them) from mail_from to rcpts[0..n).  Fills *res
 * and returns res->status.  A refused recipient makes the whole send fail
 * with that reply (4xx temporary, 5xx permanent).  After a failure
 * libcurl closes the connection; the next send opens a new one.  A kept
 * connection that turns out dead before any of the message went out (no
 * reply, or 421, at or before MAIL FROM: a server's idle timeout) is
 * retried once on a new connection within the same call.  The
 * envelope addresses are plain addr-specs (no <>); mail_from "" sends
 * the null sender "<>".  Dot-stuffing (RFC 5321 section 4.5.2) is done
 * here; data should end with CRLF.
 *
 * With OAuth2, a token that cannot be had is SMTP_TEMPFAIL, code 0, the
 * token source's error in reply ("HOST:PORT: oauth2_token_command exited
 * with status 1: ...").  A token refused twice (the cached one, then a
 * fresh one) is SMTP_TEMPFAIL with code 0 too, the server's answer in
 * reply: every message would meet the same refusal, so the caller stops
 * the batch instead of asking the token endpoint again for each message.
 */
enum smtp_status smtp_send(struct smtp *s, const char *mail_from, const char *const *rcpts,
                           size_t n, const char *data, size_t len, struct smtp_result *res);

/* Connections opened (or attempted) so far by this handle, summed from
 * CURLINFO_NUM_CONNECTS: 1 after any number of sends on a kept
 * connection (to check reuse in tests). */
int smtp_connections(const struct smtp *s);

/*
 * POSTs an HTML form (application/x-www-form-urlencoded) to url and reads
 * the answer: the request of an OAuth2 client to its token endpoint (RFC
 * 6749 section 6).  fields holds name, value, name, value, ..., NULL; they
 * are percent-encoded here.  The URL must be https:// (certificate and host
 * name verified against the system trust store), or http:// to a loopback
 * address (a test endpoint); redirects are not followed.  timeout (seconds,
 * 0: 30) bounds the connect and, twice over, the whole exchange.
 *
 * Returns 0 whatever the HTTP status, setting *status_r and *body_r (caller
 * frees; NUL-terminated, at most 64 KiB, *len_r bytes), or -1 with *error_r
 * (caller frees) when no answer came: bad URL, connect, TLS, timeout, an
 * answer too large.  Field values (secrets) never appear in *error_r or in
 * any log.
 */
int smtp_http_post(const char *url, const char *const *fields, int timeout, long *status_r,
                   char **body_r, size_t *len_r, char **error_r);

#endif
