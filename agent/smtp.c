/*
 * smtp.c - sending mail over SMTP with libcurl.
 *
 * The only module that includes libcurl.  One struct smtp holds one easy
 * handle; libcurl keeps the connection in that handle's cache between
 * curl_easy_perform() calls to the same URL, so a batch of mails costs one
 * greeting, one EHLO, one STARTTLS and one AUTH.  A connection the server
 * closed while idle is noticed by libcurl before reuse (the socket reads
 * as closed or has unexpected input) and a new one is opened.
 *
 * What libcurl does not give us is a clear outcome: a refused RCPT ends
 * curl_easy_perform() with CURLE_SEND_ERROR, a refused end of data with
 * CURLE_RECV_ERROR, and after a failure libcurl closes the connection with
 * QUIT inside the same perform, so CURLINFO_RESPONSE_CODE may by then hold
 * the 221 of QUIT.  So we watch the protocol ourselves through the debug
 * callback: the commands we sent (CURLINFO_HEADER_OUT: only their verb is
 * looked at, never logged: AUTH lines carry the password) and the server's
 * reply lines (CURLINFO_HEADER_IN).  The last reply before QUIT, and the
 * command it answered, decide:
 *
 * - perform succeeded: SMTP_OK;
 * - a 5xx reply to MAIL, RCPT or DATA (or the end of data): SMTP_PERMFAIL,
 *   the server refused this message for good (RFC 5321 section 4.2.1);
 *   except 552 to RCPT, which RFC 5321 section 4.5.3.1.10 says to treat
 *   as temporary (too many recipients);
 * - a 4xx reply anywhere, and a 5xx reply before MAIL (greeting, EHLO,
 *   STARTTLS, AUTH: a server or configuration problem, not this message's
 *   fault; failing the message for good would lose it): SMTP_TEMPFAIL with
 *   the server's line;
 * - no reply to blame (connect, timeout, TLS, dropped connection):
 *   SMTP_TEMPFAIL, code 0, with libcurl's error text.
 *
 * Verbose mode must be on for the debug callback to be called; the
 * callback takes all of it, so nothing reaches stderr.
 *
 * OAuth2 (auth = xoauth2 | oauthbearer): libcurl speaks both mechanisms
 * (CURLOPT_XOAUTH2_BEARER, and CURLOPT_LOGIN_OPTIONS to pin the one
 * configured), with the initial response on the AUTH line (CURLOPT_SASL_IR,
 * RFC 4954 section 4), as Gmail documents it:
 * "AUTH XOAUTH2 base64(user=U^Aauth=Bearer T^A^A)".  The token is asked of
 * the token source before each send, so an expired one is replaced before
 * libcurl opens a new connection with it; libcurl does not reuse a
 * connection made with another token.  A refusal (CURLE_LOGIN_DENIED: a
 * 535, or the 334 with an error in JSON that XOAUTH2 servers send) gets
 * one fresh token and one more try on a new connection.
 */
#include "smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "log.h"
#include "smtp_p.h"
#include "util.h"

/* Which command a reply answers: the last one we sent. */
enum stage {
	STAGE_SESSION = 0, /* greeting, EHLO, STARTTLS, AUTH */
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA, /* DATA and the end of data */
	STAGE_QUIT,
};

struct smtp {
	CURL *curl;
	char *hostport; /* "host:port" for error texts */
	int connections;

	/* OAuth2: NULL token when signing in with a password or not at all */
	const struct server_config *sc;
	server_token_fn *token;
	char *bearer; /* the token libcurl has, wiped when replaced */

	/* the send in progress */
	const char *data;
	size_t len, pos;
	enum stage stage; /* of the last command sent, QUIT aside */
	int quitting;     /* QUIT was sent */
	enum stage at;    /* of the last reply kept */
	int code;         /* of the last reply kept, 0 when none */
	char reply[512];  /* the last reply line kept */
	char errbuf[CURL_ERROR_SIZE];
};

static int global_done;

/* The whole command word is matched, so that a base64 line of a SASL
 * exchange can never pass for a command. */
static int is_command(const char *p, size_t n, const char *cmd)
{
	size_t k = strlen(cmd);

	return n >= k && strncasecmp(p, cmd, k) == 0;
}

static enum stage command_stage(const char *p, size_t n)
{
	if (is_command(p, n, "MAIL FROM:"))
		return STAGE_MAIL;
	if (is_command(p, n, "RCPT TO:"))
		return STAGE_RCPT;
	if (is_command(p, n, "DATA\r\n"))
		return STAGE_DATA;
	if (is_command(p, n, "QUIT\r\n"))
		return STAGE_QUIT;
	return STAGE_SESSION;
}

/* Keeps the last line of a reply (a multi-line reply comes line by line,
 * "250-..." then "250 ..."; the last one carries the final word). */
static void keep_reply(struct smtp *s, const char *p, size_t n)
{
	size_t i, start = 0, end = n, k;

	while (end > 0 && (p[end - 1] == '\r' || p[end - 1] == '\n'))
		end--;
	for (i = 0; i < end; i++)
		if (p[i] == '\n')
			start = i + 1;
	if (start >= end)
		return;
	p += start;
	n = end - start;
	if (n > sizeof(s->reply) - 1)
		n = sizeof(s->reply) - 1;
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)p[k];

		s->reply[k] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	s->reply[n] = '\0';
	s->code = 0;
	if (n >= 3 && p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
	    p[2] <= '9')
		s->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	s->at = s->stage;
}

static int on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct smtp *s = arg;

	(void)h;
	/* libcurl says QUIT on its own after a failure, within the same
	 * perform: neither QUIT nor its reply may hide what went wrong */
	if (type == CURLINFO_HEADER_OUT) {
		enum stage st = command_stage(p, n);

		if (st == STAGE_QUIT)
			s->quitting = 1;
		else
			s->stage = st;
	} else if (type == CURLINFO_HEADER_IN && !s->quitting) {
		keep_reply(s, p, n);
	}
	/* CURLINFO_TEXT and the data are dropped: nothing goes to stderr */
	return 0;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nitems, n = s->len - s->pos;

	if (n > room)
		n = room;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

/* Host names and IP literals only: the host goes into a URL. */
static int host_ok(const char *h)
{
	const char *p;

	if (h == NULL || *h == '\0' || strlen(h) > 253)
		return 0;
	for (p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-_:", *p)))
			return 0;
	return 1;
}

/* The EHLO name travels as the URL path: a domain name only. */
static int helo_ok(const char *h)
{
	const char *p;

	if (*h == '\0' || strlen(h) > 253)
		return 0;
	for (p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

/* An envelope address goes into "MAIL FROM:<...>" / "RCPT TO:<...>" as is:
 * anything that could end the command or the brackets is refused. */
static int envelope_ok(const char *a, int empty_ok)
{
	const char *p;

	if (a == NULL)
		return 0;
	if (*a == '\0')
		return empty_ok;
	if (strlen(a) > 254 || strchr(a, '@') == NULL)
		return 0;
	for (p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

int smtp_global_init(char **error_r)
{
	if (!global_done) {
		/* not thread-safe, see smtp.h */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*error_r = xstrdup("libcurl: global init failed");
			return -1;
		}
		global_done = 1;
	}
	return 0;
}

#define SETOPT(opt, val)                                                                           \
	do {                                                                                       \
		CURLcode rc_ = curl_easy_setopt(s->curl, opt, val);                                \
		if (rc_ != CURLE_OK) {                                                             \
			*error_r = xasprintf("libcurl: setting %s: %s", #opt,                      \
			                     curl_easy_strerror(rc_));                             \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)

int smtp_open(const struct smtp_params *p, struct smtp **s_r, char **error_r)
{
	const struct server_config *sc = p->server;
	const char *helo = p->helo && *p->helo ? p->helo : "localhost";
	struct smtp *s = NULL;
	char *url = NULL;
	long timeout;
	int port;

	*s_r = NULL;
	if (!host_ok(sc->server)) {
		*error_r = xasprintf("smtp: bad server name '%s'", sc->server ? sc->server : "");
		return -1;
	}
	if (sc->port < 0 || sc->port > 65535) {
		*error_r = xasprintf("smtp: bad port %d", sc->port);
		return -1;
	}
	if (!helo_ok(helo)) {
		*error_r = xasprintf("smtp: bad EHLO name '%s'", helo);
		return -1;
	}
	if (p->password && (sc->user == NULL || *sc->user == '\0')) {
		*error_r = xstrdup("smtp: a password needs a user");
		return -1;
	}
	if (sc->auth != AUTH_PASSWORD && (str_blank(sc->user) || p->token == NULL)) {
		*error_r = xasprintf("smtp: auth = %s needs a user and a token source",
		                     config_auth_name(sc->auth));
		return -1;
	}
	if (smtp_global_init(error_r) != 0)
		return -1;

	port = sc->port;
	if (port == 0)
		port = sc->security == SEC_TLS ? 465 : sc->security == SEC_STARTTLS ? 587 : 25;
	timeout = sc->timeout > 0 ? sc->timeout : 30;

	s = xcalloc(1, sizeof(*s));
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		*error_r = xstrdup("libcurl: cannot make a handle");
		goto fail;
	}
	if (strchr(sc->server, ':')) { /* IPv6 literal */
		s->hostport = xasprintf("[%s]:%d", sc->server, port);
	} else {
		s->hostport = xasprintf("%s:%d", sc->server, port);
	}
	url = xasprintf("%s://%s/%s", sc->security == SEC_TLS ? "smtps" : "smtp", s->hostport,
	                helo);

	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS is required, never opportunistic: without it libcurl
	 * fails with CURLE_USE_SSL_FAILED before MAIL FROM (RFC 3207
	 * section 4.1 leaves that choice to the client). */
	SETOPT(CURLOPT_USE_SSL,
	       (long)(sc->security == SEC_NONE ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (sc->ca_file)
		SETOPT(CURLOPT_CAINFO, sc->ca_file);
	if (sc->auth != AUTH_PASSWORD) {
		s->sc = sc;
		s->token = p->token;
		SETOPT(CURLOPT_USERNAME, sc->user);
		SETOPT(CURLOPT_LOGIN_OPTIONS,
		       sc->auth == AUTH_OAUTHBEARER ? "AUTH=OAUTHBEARER" : "AUTH=XOAUTH2");
		SETOPT(CURLOPT_SASL_IR, 1L);
	} else if (p->password) {
		SETOPT(CURLOPT_USERNAME, sc->user);
		SETOPT(CURLOPT_PASSWORD, p->password);
	}
	/* timeout is "seconds for connect and each command" (config.h);
	 * the whole send gets a few of those, so a server that trickles
	 * cannot hold us forever, while a slow end-of-data reply (RFC 5321
	 * section 4.5.3.2.6 allows minutes) still fits in most cases. */
	SETOPT(CURLOPT_CONNECTTIMEOUT, timeout);
	SETOPT(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	SETOPT(CURLOPT_TIMEOUT, timeout * 4);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_MAXCONNECTS, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, s->errbuf);
	SETOPT(CURLOPT_VERBOSE, 1L);
	SETOPT(CURLOPT_DEBUGFUNCTION, on_debug);
	SETOPT(CURLOPT_DEBUGDATA, s);
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_READFUNCTION, on_read);
	SETOPT(CURLOPT_READDATA, s);
	free(url);
	*s_r = s;
	return 0;
fail:
	free(url);
	smtp_close(s);
	return -1;
}

void smtp_close(struct smtp *s)
{
	if (s == NULL)
		return;
	/* sends QUIT on a connection still open */
	if (s->curl)
		curl_easy_cleanup(s->curl);
	if (s->bearer) {
		explicit_bzero(s->bearer, strlen(s->bearer));
		free(s->bearer);
	}
	free(s->hostport);
	free(s);
}

static void local_reply(struct smtp_result *res, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void local_reply(struct smtp_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reply, sizeof(res->reply), fmt, ap);
	va_end(ap);
}

static const char *stage_name(enum stage st)
{
	switch (st) {
	case STAGE_MAIL:
		return "MAIL FROM";
	case STAGE_RCPT:
		return "RCPT TO";
	case STAGE_DATA:
		return "DATA";
	default:
		return "EHLO";
	}
}

/* The 334 an XOAUTH2 or OAUTHBEARER server sends when it refuses a token
 * carries the reason as base64 JSON (RFC 7628 section 3.2.2); for the
 * error text it is decoded when it is printable: 334 {"status":"401",...}.
 * Anything else is left as it is. */
static void decode_334(char *reply, size_t size)
{
	char out[sizeof(((struct smtp *)0)->reply) - 4];
	const char *p = reply + 4;
	unsigned acc = 0;
	size_t n = 0;
	int bits = 0;

	if (strncmp(reply, "334 ", 4) != 0)
		return;
	for (; *p && *p != '='; p++) {
		const char *digits =
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *d = strchr(digits, *p);

		if (d == NULL)
			return;
		acc = (acc << 6) | (unsigned)(d - digits);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n] = (char)((acc >> bits) & 0xff);
			if (out[n] < 0x20 || out[n] > 0x7e || n + 1 >= sizeof(out))
				return;
			n++;
		}
	}
	out[n] = '\0';
	if (n > 0)
		snprintf(reply + 4, size - 4, "%s", out);
}

/* Hands libcurl the token to sign in with: the cached one, or a fresh one
 * when refused is the token the server just refused.  Returns 0, or -1
 * with the reason in res (SMTP_TEMPFAIL, code 0). */
static int use_token(struct smtp *s, const char *refused, struct smtp_result *res)
{
	char *tok = NULL, *err = NULL;

	if (s->token(s->sc, refused, &tok, &err) != 0) {
		res->status = SMTP_TEMPFAIL;
		res->code = 0;
		local_reply(res, "%s: %s", s->hostport, err ? err : "no OAuth2 token");
		free(err);
		return -1;
	}
	if (s->bearer && strcmp(s->bearer, tok) == 0) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
		return 0;
	}
	if (s->bearer) {
		explicit_bzero(s->bearer, strlen(s->bearer));
		free(s->bearer);
	}
	s->bearer = tok;
	/* libcurl copies it; a connection made with the old token is not
	 * reused for the new one */
	curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, s->bearer);
	return 0;
}

enum smtp_status smtp_send(struct smtp *s, const char *mail_from, const char *const *rcpts,
                           size_t n, const char *data, size_t len, struct smtp_result *res)
{
	struct curl_slist *list = NULL;
	const char *why;
	CURLcode rc;
	long nconn = 0;
	size_t i;
	int attempt, refused = 0;

	memset(res, 0, sizeof(*res));
	res->status = SMTP_PERMFAIL; /* for the checks below: retrying cannot help */
	if (!envelope_ok(mail_from, 1)) {
		local_reply(res, "bad envelope sender");
		return res->status;
	}
	if (n == 0) {
		local_reply(res, "no recipients");
		return res->status;
	}
	for (i = 0; i < n; i++) {
		if (!envelope_ok(rcpts[i], 0)) {
			local_reply(res, "bad recipient address (number %zu)", i + 1);
			curl_slist_free_all(list);
			return res->status;
		}
		list = curl_slist_append(list, rcpts[i]);
		if (list == NULL)
			fatal("out of memory (recipient list)");
	}

	if (s->token && use_token(s, NULL, res) != 0) {
		curl_slist_free_all(list);
		return res->status;
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	for (attempt = 1;; attempt++) {
		s->data = data;
		s->len = len;
		s->pos = 0;
		s->stage = STAGE_SESSION;
		s->quitting = 0;
		s->at = STAGE_SESSION;
		s->code = 0;
		s->reply[0] = '\0';
		s->errbuf[0] = '\0';
		nconn = 0;
		rc = curl_easy_perform(s->curl);
		if (curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &nconn) != CURLE_OK)
			nconn = 0;
		if (nconn > 0)
			s->connections += (int)nconn;
		/* the token refused: once more with a fresh one, on a new
		 * connection (nothing of the message went out) */
		if (rc == CURLE_LOGIN_DENIED && s->token && !refused) {
			refused = 1;
			decode_334(s->reply, sizeof(s->reply));
			log_info("smtp %s: the server refused the OAuth2 token for %s (%s); "
			         "getting a new one",
			         s->hostport, s->sc->user, s->reply[0] ? s->reply : "no reply");
			if (use_token(s, s->bearer, res) != 0)
				break;
			curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 1L);
			continue;
		}
		/*
		 * libcurl 7.88 checks a kept connection before reuse but counts
		 * a socket with unread input as alive.  A server that closed
		 * an idle connection with "421 4.4.2 ... timeout exceeded"
		 * (Postfix does after smtpd_timeout, 300 s) leaves that line
		 * unread: libcurl reuses the dead connection, sends MAIL FROM
		 * and reads the 421 as its answer (or finds the socket closed).
		 * Nothing of the message went out then, so one more try on a
		 * new connection is safe (no duplicate) and spares the outbox a
		 * retry round.
		 */
		if (rc == CURLE_OK || attempt > 1 || nconn > 0 || s->stage > STAGE_MAIL ||
		    (s->code != 0 && s->code != 421))
			break;
		curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 1L);
	}
	curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 0L);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(list);
	s->data = NULL;
	s->len = s->pos = 0;

	if (rc == CURLE_LOGIN_DENIED && s->token) {
		/* the token source failed (res holds why), or the fresh token
		 * was refused too */
		decode_334(s->reply, sizeof(s->reply));
		if (res->reply[0] == '\0')
			local_reply(res, "%s: %s login refused for %s, also with a new token: %s",
			            s->hostport,
			            s->sc->auth == AUTH_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2",
			            s->sc->user, s->reply[0] ? s->reply : "no reply");
		res->status = SMTP_TEMPFAIL;
		res->code = 0;
	} else if (rc == CURLE_OK) {
		res->status = SMTP_OK;
		res->code = s->code;
		snprintf(res->reply, sizeof(res->reply), "%s", s->reply);
	} else if (s->code >= 400) {
		res->code = s->code;
		snprintf(res->reply, sizeof(res->reply), "%s", s->reply);
		if (s->code >= 500 && s->at != STAGE_SESSION &&
		    !(s->code == 552 && s->at == STAGE_RCPT))
			res->status = SMTP_PERMFAIL;
		else
			res->status = SMTP_TEMPFAIL;
	} else {
		res->status = SMTP_TEMPFAIL;
		/* 7.88 words a closed connection as "response reading failed
		 * (errno: N)" with a stale errno; its generic text is clearer */
		if (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || s->errbuf[0] == '\0')
			why = curl_easy_strerror(rc);
		else
			why = s->errbuf;
		if (s->stage == STAGE_SESSION)
			local_reply(res, "connect to %s: %s", s->hostport, why);
		else
			local_reply(res, "%s: %s (after %s)", s->hostport, why,
			            stage_name(s->stage));
	}
	res->down = res->status == SMTP_TEMPFAIL &&
	            (res->code == 421 || (res->code == 0 && s->stage == STAGE_SESSION));
	return res->status;
}

int smtp_connections(const struct smtp *s)
{
	return s ? s->connections : 0;
}
