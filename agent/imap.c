/*
 * imap.c - the watched mailbox over IMAP4rev1 (RFC 3501), with libetpan.
 *
 * The agent only reads: it EXAMINEs the mailbox (read-only, RFC 3501
 * 6.3.2), lists UIDs above its checkpoint, fetches with BODY.PEEK[] so no
 * \Seen flag is set, and waits in IDLE (RFC 2177).  Everything that can go
 * wrong on the wire ends in a -1 with a message naming the server; errors
 * after which the session state is unknown (stream, parse, protocol) also
 * mark the connection broken, and the caller reconnects with backoff.
 *
 * Transport security is done here rather than left to libetpan:
 *
 *  - The TCP connect is our own (non-blocking connect + poll) so that the
 *    configured timeout covers it and so that plaintext can be limited to
 *    loopback addresses after name resolution, not just by name.
 *  - libetpan's GnuTLS build performs the handshake but never verifies the
 *    server certificate.  After each handshake we take the peer chain
 *    (mailstream_get_certificate_chain) and verify it with GnuTLS against
 *    the system trust store, or the configured ca_file instead, including
 *    the host name (RFC 6125) and the serverAuth key purpose.
 *  - STARTTLS is done by hand too (RFC 3501 6.2.1): libetpan's
 *    mailimap_socket_starttls() opens the TLS layer with no timeout (its
 *    global five-minute default).  We also refuse a server that sends data
 *    after its STARTTLS answer and before the handshake (the plaintext
 *    injection of CVE-2020-15953), and refuse PREAUTH on a connection that
 *    is meant to be upgraded.
 *
 * Two more libetpan 1.9.4 traps, each worked around where it bites:
 * reading a literal from a plain socket spins for ever at EOF (see
 * eof_read), and mailimap_free() sends LOGOUT and waits for its answer
 * even on a dead session (see imap_free).
 *
 * libetpan's plain socket writes use send() without MSG_NOSIGNAL, so a
 * write to a connection the server has closed would raise SIGPIPE and kill
 * the process.  Each public function ignores SIGPIPE while it runs and
 * restores the previous disposition, as curl does (lib/sigpipe.h).
 *
 * The password is handed to mailimap_login() and nowhere else: it is never
 * logged or copied into an error message.
 *
 * OAuth2 (auth = xoauth2 | oauthbearer): CAPABILITY is asked first (after
 * STARTTLS the greeting's list is stale, RFC 3501 6.2.1) and the mechanism
 * must be offered as AUTH=XOAUTH2 or AUTH=OAUTHBEARER.  XOAUTH2 goes
 * through libetpan's mailimap_oauth2_authenticate(), which also answers
 * the error continuation XOAUTH2 servers send before their NO (it always
 * puts the initial response on the command line: the servers that speak
 * XOAUTH2, Gmail, Microsoft 365 and Dovecot, all offer SASL-IR).  libetpan
 * has no OAUTHBEARER of its own (its SASL path needs a cyrus-sasl plugin
 * Debian does not ship), so that one is written here on libetpan's public
 * stream calls, the same way: RFC 7628 section 3.1, with the initial
 * response on the command line when the server offers SASL-IR (RFC 4959),
 * and the dummy "\x01" answer to an error continuation (section 3.2.3).
 * The token is sent with the stream's privacy flag cleared, so a libetpan
 * logger would not see it either.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "imap.h"
#include "log.h"
#include "util.h"

#define DEFAULT_TIMEOUT 30
/* LOGOUT is a courtesy: do not wait long for its answer */
#define LOGOUT_TIMEOUT 5
/* more than this many certificates in a chain is not a real server */
#define MAX_CHAIN 16
/* server text quoted in error messages */
#define MAX_SERVER_TEXT 200

struct imap {
	mailimap *s;
	char *host;
	char *label; /* "host:port" for messages */
	char *mailbox;
	char *ca_file;
	int timeout;
	int broken;
	int has_idle;
	uint32_t uidvalidity;
};

/* --- small helpers ------------------------------------------------------ */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libetpan constructors return NULL only when malloc fails; out of memory
 * is fatal in this program (STYLE.md). */
static void *must(void *p)
{
	if (p == NULL)
		fatal("out of memory (libetpan)");
	return p;
}

struct sigpipe_guard {
	struct sigaction old;
};

static void sigpipe_ignore(struct sigpipe_guard *g)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &g->old);
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigaction(SIGPIPE, &g->old, NULL);
}

/* Server text goes into our log lines: printable ASCII only, capped, so a
 * hostile server cannot forge log lines or flood them. */
static char *server_text(const char *s)
{
	struct buf b = {0};
	size_t i;

	if (s == NULL || *s == '\0')
		return xstrdup("(no text)");
	for (i = 0; s[i] != '\0' && i < MAX_SERVER_TEXT; i++)
		buf_addc(&b, (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?');
	if (s[i] != '\0')
		buf_adds(&b, "...");
	return buf_steal(&b);
}

/* Non-zero when libetpan's error r leaves the session in an unknown state.
 * A tagged NO (the *_ERROR_<COMMAND> codes) is an answer: the session
 * is still in step and usable. */
static int error_breaks(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_EXAMINE:
	case MAILIMAP_ERROR_UID_FETCH:
	case MAILIMAP_ERROR_CAPABILITY:
	case MAILIMAP_ERROR_STARTTLS:
	case MAILIMAP_ERROR_NOOP:
		return 0;
	default:
		return 1;
	}
}

/*
 * Builds "imap HOST:PORT: WHAT: REASON" for libetpan result r of a command
 * started at t0, and marks the connection broken when r calls for it.
 * A stream error is a timeout when the full timeout went by, else a lost
 * connection: libetpan reports both as MAILIMAP_ERROR_STREAM.
 */
static char *imap_err(struct imap *im, int r, double t0, const char *what)
{
	char *text = NULL, *msg;
	const char *resp = im->s ? im->s->imap_response : NULL;

	if (error_breaks(r))
		im->broken = 1;
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		if (mono_now() - t0 >= (double)im->timeout - 0.1)
			msg = xasprintf("imap %s: %s: no answer within %d s", im->label, what,
			                im->timeout);
		else
			msg = xasprintf("imap %s: %s: connection lost", im->label, what);
		return msg;
	case MAILIMAP_ERROR_PARSE:
		return xasprintf("imap %s: %s: unparsable server response", im->label, what);
	case MAILIMAP_ERROR_PROTOCOL:
		text = server_text(resp);
		msg = xasprintf("imap %s: %s: protocol error (BAD or unexpected tag): %s",
		                im->label, what, text);
		break;
	case MAILIMAP_ERROR_FATAL:
		text = server_text(resp);
		msg = xasprintf("imap %s: %s: server ended the session: %s", im->label, what, text);
		break;
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		/* a BYE greeting; libetpan 1.9.4 leaks that greeting (72
		 * bytes), which is why test_imap does not script one */
		text = server_text(resp);
		msg = xasprintf("imap %s: %s: server refuses the connection (BYE): %s", im->label,
		                what, text);
		break;
	case MAILIMAP_ERROR_MEMORY:
		return xasprintf("imap %s: %s: out of memory in libetpan", im->label, what);
	default:
		if (!error_breaks(r)) {
			text = server_text(resp);
			msg = xasprintf("imap %s: %s: %s", im->label, what, text);
		} else {
			msg = xasprintf("imap %s: %s: libetpan error %d", im->label, what, r);
		}
		break;
	}
	free(text);
	return msg;
}

static int set_err(char **error_r, char *msg)
{
	if (error_r)
		*error_r = msg;
	else
		free(msg);
	return -1;
}

/* --- addresses and TCP ---------------------------------------------------- */

static int sa_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

static int host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Waits until fd is ready for events (POLLIN, POLLOUT) or the deadline
 * (mono_now() time) passes, across signals.  Returns 1 ready, 0 at the
 * deadline, -1 when poll fails (errno). */
static int wait_fd(int fd, short events, double deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		double left = deadline - mono_now();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

/* connect(2) with a timeout; returns 0 or an errno value. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, int timeout)
{
	double deadline = mono_now() + timeout;
	int err = 0, r;
	socklen_t elen = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	r = wait_fd(fd, POLLOUT, deadline);
	if (r < 0)
		return errno;
	if (r == 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return errno;
	return err;
}

/*
 * Resolves host and connects to the first address that answers.  With
 * loopback_only, addresses outside loopback are skipped (so a name that
 * resolves elsewhere cannot carry a plaintext session off the machine).
 * Returns a blocking socket (what libetpan expects), or -1 with *why_r.
 */
static int tcp_connect(const char *host, int port, int timeout, int loopback_only, char **why_r)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16];
	int rc, fd = -1, err = 0, skipped = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		*why_r = xasprintf("cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int flags;

		if (loopback_only && !sa_is_loopback(ai->ai_addr)) {
			skipped = 1;
			continue;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
			err = errno;
			close(fd);
			fd = -1;
			continue;
		}
		err = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen, timeout);
		if (err == 0 && fcntl(fd, F_SETFL, flags) == 0)
			break;
		if (err == 0)
			err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (err == ETIMEDOUT)
		*why_r = xasprintf("cannot connect: no answer within %d s", timeout);
	else if (err != 0)
		*why_r = xasprintf("cannot connect: %s", strerror(err));
	else if (skipped)
		*why_r = xasprintf("%s resolves to no loopback address; refusing plaintext IMAP",
		                   host);
	else
		*why_r = xasprintf("cannot connect: %s has no address", host);
	return -1;
}

/* --- plain streams ----------------------------------------------------------- */

/*
 * libetpan 1.9.4 reads an IMAP literal in a loop that only stops on -1:
 * a plain socket that reaches EOF inside a literal (server killed or
 * restarted mid-FETCH) returns 0 for ever and the process spins at full
 * CPU (seen in test_imap's test_fetch_dropped).  This layer sits between
 * the mailstream and libetpan's socket layer and turns EOF into an error:
 * no IMAP server ends the stream where we still wait for bytes.  libetpan's
 * TLS layer already returns -1 on EOF.
 */
static ssize_t eof_read(mailstream_low *s, void *buf, size_t count)
{
	ssize_t r = mailstream_low_read(s->data, buf, count);

	return (r == 0 && count > 0) ? -1 : r;
}

static ssize_t eof_write(mailstream_low *s, const void *buf, size_t count)
{
	return mailstream_low_write(s->data, buf, count);
}

static int eof_close(mailstream_low *s)
{
	return mailstream_low_close(s->data);
}

static int eof_get_fd(mailstream_low *s)
{
	return mailstream_low_get_fd(s->data);
}

/* frees the socket layer (which leaves the fd open: see do_starttls) */
static void eof_free(mailstream_low *s)
{
	mailstream_low_free(s->data);
	free(s);
}

static void eof_cancel(mailstream_low *s)
{
	mailstream_low_cancel(s->data);
}

static struct mailstream_cancel *eof_get_cancel(mailstream_low *s)
{
	return mailstream_low_get_cancel(s->data);
}

static mailstream_low_driver eof_driver = {
        .mailstream_read = eof_read,
        .mailstream_write = eof_write,
        .mailstream_close = eof_close,
        .mailstream_get_fd = eof_get_fd,
        .mailstream_free = eof_free,
        .mailstream_cancel = eof_cancel,
        .mailstream_get_cancel = eof_get_cancel,
};

/* A plaintext stream on fd with the read/write timeout set. */
static mailstream *plain_stream(int fd, int timeout)
{
	mailstream_low *sock, *low;

	sock = must(mailstream_low_socket_open(fd));
	mailstream_low_set_timeout(sock, (time_t)timeout);
	low = must(mailstream_low_new(sock, &eof_driver));
	mailstream_low_set_timeout(low, (time_t)timeout);
	return must(mailstream_new(low, 8192));
}

/* Sets the timeout of every layer of stream (ours wraps libetpan's). */
static void stream_set_timeout(mailstream *stream, int timeout)
{
	mailstream_low *low = mailstream_get_low(stream);

	mailstream_low_set_timeout(low, (time_t)timeout);
	if (low->driver == &eof_driver)
		mailstream_low_set_timeout(low->data, (time_t)timeout);
}

/* --- TLS -------------------------------------------------------------------- */

/* libetpan calls this before the handshake: set SNI (RFC 6066 section 3;
 * never for an IP literal, which SNI does not allow). */
static void tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imap *im = data;

	if (!host_is_ip(im->host))
		mailstream_ssl_set_server_name(ctx, im->host);
}

/*
 * Verifies the peer chain of stream for im->host.  Returns 0, or -1 with
 * *reason_r.  The trust anchors are im->ca_file when set (it replaces the
 * system store, as curl's --cacert does), else the system store.
 */
static int tls_verify(struct imap *im, mailstream *stream, char **reason_r)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t certs[MAX_CHAIN];
	gnutls_typed_vdata_st vdata[2];
	unsigned char ip[sizeof(struct in6_addr)];
	unsigned int status = 0, n = 0, i, count;
	carray *chain;
	int r, ret = -1;

	chain = mailstream_get_certificate_chain(stream);
	if (chain == NULL || carray_count(chain) == 0) {
		*reason_r = xstrdup("the server sent no certificate");
		goto out;
	}
	count = carray_count(chain);
	if (count > MAX_CHAIN) {
		*reason_r = xasprintf("the server sent %u certificates (more than %d)", count,
		                      MAX_CHAIN);
		goto out;
	}
	for (i = 0; i < count; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d;

		if (gnutls_x509_crt_init(&certs[n]) < 0)
			fatal("out of memory (gnutls)");
		n++;
		d.data = (unsigned char *)der->str;
		d.size = (unsigned int)der->len;
		r = gnutls_x509_crt_import(certs[n - 1], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			*reason_r = xasprintf("certificate %u is unreadable: %s", i,
			                      gnutls_strerror(r));
			goto out;
		}
	}

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		fatal("out of memory (gnutls)");
	if (im->ca_file != NULL) {
		r = gnutls_x509_trust_list_add_trust_file(tl, im->ca_file, NULL,
		                                          GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			*reason_r = xasprintf("cannot use ca_file %s: %s", im->ca_file,
			                      r < 0 ? gnutls_strerror(r) : "no certificate in it");
			goto out;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (r <= 0) {
			*reason_r = xasprintf("no system trust store (%s); install "
			                      "ca-certificates or set ca_file",
			                      r < 0 ? gnutls_strerror(r) : "empty");
			goto out;
		}
	}

	/* RFC 6125: the name we connected to must be in the certificate;
	 * an IP literal must match an iPAddress subjectAltName. */
	memset(vdata, 0, sizeof(vdata));
	if (inet_pton(AF_INET, im->host, ip) == 1) {
		vdata[0].type = GNUTLS_DT_IP_ADDRESS;
		vdata[0].data = ip;
		vdata[0].size = 4;
	} else if (inet_pton(AF_INET6, im->host, ip) == 1) {
		vdata[0].type = GNUTLS_DT_IP_ADDRESS;
		vdata[0].data = ip;
		vdata[0].size = 16;
	} else {
		vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
		vdata[0].data = (unsigned char *)im->host;
		vdata[0].size = 0;
	}
	vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	vdata[1].size = 0;

	r = gnutls_x509_trust_list_verify_crt2(tl, certs, n, vdata, 2, 0, &status, NULL);
	if (r < 0) {
		*reason_r = xstrdup(gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		gnutls_datum_t txt = {NULL, 0};

		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt,
		                                                 0) == 0 &&
		    txt.data != NULL) {
			*reason_r = str_trim(xstrdup((const char *)txt.data));
			gnutls_free(txt.data);
		} else {
			*reason_r = xasprintf("verification status 0x%x", status);
		}
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return ret;
}

static int verify_or_fail(struct imap *im, mailstream *stream, char **error_r)
{
	char *reason = NULL;

	if (tls_verify(im, stream, &reason) == 0)
		return 0;
	im->broken = 1;
	set_err(error_r, xasprintf("imap %s: certificate of %s does not verify: %s", im->label,
	                           im->host, reason));
	free(reason);
	return -1;
}

/*
 * STARTTLS by hand (see the top of the file).  The capability list is
 * asked for first: STARTTLS must be offered, else we stop before sending
 * anything secret.
 */
static int do_starttls(struct imap *im, char **error_r)
{
	struct mailimap_capability_data *cap = NULL;
	mailstream_low *low, *tls;
	double t0 = mono_now();
	int r, fd;

	r = mailimap_capability(im->s, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return set_err(error_r, imap_err(im, r, t0, "CAPABILITY"));
	mailimap_capability_data_free(cap);
	if (!mailimap_has_extension(im->s, "STARTTLS")) {
		im->broken = 1;
		return set_err(error_r,
		               xasprintf("imap %s: server does not offer STARTTLS "
		                         "(security = starttls); refusing to log in in plaintext",
		                         im->label));
	}
	t0 = mono_now();
	r = mailimap_starttls(im->s);
	/* (Debian's libetpan already fails STARTTLS in this case, as
	 * MAILIMAP_ERROR_STARTTLS; say why) */
	if (im->s->imap_stream != NULL && im->s->imap_stream->read_buffer_len != 0) {
		im->broken = 1;
		return set_err(error_r, xasprintf("imap %s: server sent data after its STARTTLS "
		                                  "answer, before TLS (injection?)",
		                                  im->label));
	}
	if (r != MAILIMAP_NO_ERROR) {
		/* whatever the answer, this connection stays plaintext: unusable */
		char *msg = imap_err(im, r, t0, "STARTTLS refused");

		im->broken = 1;
		return set_err(error_r, msg);
	}
	low = mailstream_get_low(im->s->imap_stream);
	fd = mailstream_low_get_fd(low);
	tls = mailstream_low_tls_open_with_callback_timeout(fd, im->timeout, tls_setup, im);
	if (tls == NULL) {
		im->broken = 1;
		return set_err(error_r, xasprintf("imap %s: TLS handshake after STARTTLS failed",
		                                  im->label));
	}
	/* the plain layers do not close the fd when freed: the TLS layer
	 * owns it now (as in libetpan's mailimap_socket_starttls) */
	mailstream_low_free(low);
	mailstream_set_low(im->s->imap_stream, tls);
	return verify_or_fail(im, im->s->imap_stream, error_r);
}

/* --- signing in ----------------------------------------------------------------- */

static int log_in(struct imap *im, const struct imap_params *p, char **error_r)
{
	const struct server_config *sc = p->server;
	double t0 = mono_now();
	int r = mailimap_login(im->s, sc->user, p->password);

	if (r != MAILIMAP_NO_ERROR) {
		char *what = xasprintf("login failed for %s", sc->user);
		char *msg = imap_err(im, r, t0, what);

		free(what);
		return set_err(error_r, msg);
	}
	return 0;
}

static const char *mech_name(enum auth_mech a)
{
	return a == AUTH_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2";
}

/* The AUTH= mechanisms of the server's CAPABILITY ("AUTH=PLAIN
 * AUTH=LOGIN", or "no AUTH="), for an error text.  Caller frees. */
static char *offered_mechs(struct imap *im)
{
	struct mailimap_capability_data *cap =
	        im->s->imap_connection_info ? im->s->imap_connection_info->imap_capability : NULL;
	struct buf b = {0};
	char *list, *text;

	for (clistiter *c = cap ? clist_begin(cap->cap_list) : NULL; c != NULL; c = clist_next(c)) {
		struct mailimap_capability *k = clist_content(c);

		if (k->cap_type != MAILIMAP_CAPABILITY_AUTH_TYPE ||
		    k->cap_data.cap_auth_type == NULL)
			continue;
		buf_printf(&b, "%sAUTH=%s", b.len ? " " : "", k->cap_data.cap_auth_type);
	}
	if (b.len == 0)
		return xstrdup("no AUTH=");
	list = buf_steal(&b);
	text = server_text(list);
	free(list);
	return text;
}

/* RFC 4648 base64 of n bytes, into a buffer of the exact size (no copies
 * of the token left behind by reallocation).  Caller frees and wipes. */
static char *base64(const char *s, size_t n)
{
	static const char tab[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* RFC 7628 section 3.1: the GS2 header names the user as a saslname
 * (RFC 5801), where ',' and '=' are escaped as =2C and =3D. */
static char *bearer_message(const struct imap *im, int port, const char *user, const char *token)
{
	struct buf name = {0};
	char *msg;

	for (const char *u = user; *u; u++) {
		if (*u == ',')
			buf_adds(&name, "=2C");
		else if (*u == '=')
			buf_adds(&name, "=3D");
		else
			buf_addc(&name, *u);
	}
	msg = xasprintf("n,a=%s,\x01host=%s\x01port=%d\x01"
	                "auth=Bearer %s\x01\x01",
	                name.s ? name.s : "", im->host, port, token);
	buf_free(&name);
	return msg;
}

static int stream_put(mailimap *s, const char *text)
{
	if (mailstream_write(s->imap_stream, text, strlen(text)) < 0)
		return MAILIMAP_ERROR_STREAM;
	return MAILIMAP_NO_ERROR;
}

static int stream_send(mailimap *s)
{
	return mailstream_flush(s->imap_stream) < 0 ? MAILIMAP_ERROR_STREAM : MAILIMAP_NO_ERROR;
}

/* The tagged answer to AUTHENTICATE, whose first line is already read.
 * An error continuation ("+ <base64 JSON>", RFC 7628 section 3.2.2) is
 * answered with the dummy %x01 ("AQ==") first; libetpan's parser skips the
 * continuation line and reads on to the tagged NO. */
static int authenticate_answer(mailimap *s, const char *line)
{
	struct mailimap_response *resp = NULL;
	int r, state;

	if (line[0] == '+') {
		r = stream_put(s, "AQ==\r\n");
		if (r == MAILIMAP_NO_ERROR)
			r = stream_send(s);
		if (r != MAILIMAP_NO_ERROR)
			return r;
	}
	r = mailimap_parse_response(s, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	if (state != MAILIMAP_RESP_COND_STATE_OK)
		return MAILIMAP_ERROR_LOGIN;
	s->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	return MAILIMAP_NO_ERROR;
}

/* AUTHENTICATE OAUTHBEARER.  Returns libetpan's codes, as
 * mailimap_oauth2_authenticate does: MAILIMAP_ERROR_LOGIN for a NO. */
static int oauthbearer(struct imap *im, int port, const char *user, const char *token)
{
	mailimap *s = im->s;
	int ir = mailimap_has_extension(s, "SASL-IR");
	char *msg = bearer_message(im, port, user, token), *b64 = base64(msg, strlen(msg));
	char *line;
	int r;

	wipe_free(msg);
	mailstream_set_privacy(s->imap_stream, 0);
	r = mailimap_send_current_tag(s);
	if (r == MAILIMAP_NO_ERROR)
		r = stream_put(s,
		               ir ? "AUTHENTICATE OAUTHBEARER " : "AUTHENTICATE OAUTHBEARER\r\n");
	if (r == MAILIMAP_NO_ERROR && !ir) {
		/* without SASL-IR the response waits for the server's "+ " */
		r = stream_send(s);
		if (r == MAILIMAP_NO_ERROR && (line = mailimap_read_line(s)) == NULL)
			r = MAILIMAP_ERROR_STREAM;
		if (r == MAILIMAP_NO_ERROR && line[0] != '+') {
			mailstream_set_privacy(s->imap_stream, 1);
			wipe_free(b64);
			return authenticate_answer(s, line);
		}
	}
	if (r == MAILIMAP_NO_ERROR)
		r = stream_put(s, b64);
	if (r == MAILIMAP_NO_ERROR)
		r = stream_put(s, "\r\n");
	if (r == MAILIMAP_NO_ERROR)
		r = stream_send(s);
	mailstream_set_privacy(s->imap_stream, 1);
	wipe_free(b64);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if ((line = mailimap_read_line(s)) == NULL)
		return MAILIMAP_ERROR_STREAM;
	return authenticate_answer(s, line);
}

/* One AUTHENTICATE with token. */
static int try_token(struct imap *im, const struct server_config *sc, int port, const char *tok)
{
	if (sc->auth == AUTH_OAUTHBEARER)
		return oauthbearer(im, port, sc->user, tok);
	return mailimap_oauth2_authenticate(im->s, sc->user, tok);
}

/* Signs in with an OAuth2 token: the cached one, and once more with a
 * fresh one when the server says NO. */
static int log_in_oauth(struct imap *im, const struct imap_params *p, int port, char **error_r)
{
	const struct server_config *sc = p->server;
	const char *mech = mech_name(sc->auth);
	struct mailimap_capability_data *cap = NULL;
	char *tok = NULL, *msg, *text;
	double t0 = mono_now();
	int r;

	r = mailimap_capability(im->s, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return set_err(error_r, imap_err(im, r, t0, "CAPABILITY"));
	mailimap_capability_data_free(cap);
	if (!mailimap_has_authentication(im->s, mech)) {
		char *offers = offered_mechs(im);

		msg = xasprintf("imap %s: the server does not offer AUTH=%s (auth = %s); it "
		                "offers %s",
		                im->label, mech, config_auth_name(sc->auth), offers);
		free(offers);
		return set_err(error_r, msg);
	}
	for (int attempt = 1; attempt <= 2; attempt++) {
		char *fresh = NULL, *err = NULL;

		if (p->token(sc, tok, &fresh, &err) != 0) {
			wipe_free(tok);
			msg = xasprintf("imap %s: %s", im->label, err ? err : "no OAuth2 token");
			free(err);
			return set_err(error_r, msg);
		}
		wipe_free(tok);
		tok = fresh;
		t0 = mono_now();
		r = try_token(im, sc, port, tok);
		if (r == MAILIMAP_NO_ERROR) {
			wipe_free(tok);
			return 0;
		}
		if (r != MAILIMAP_ERROR_LOGIN) {
			char *what = xasprintf("%s login for %s", mech, sc->user);

			wipe_free(tok);
			msg = imap_err(im, r, t0, what);
			free(what);
			return set_err(error_r, msg);
		}
		if (attempt == 1) {
			text = server_text(im->s->imap_response);
			log_info(
			        "imap %s: the server refused the OAuth2 token for %s (%s); getting "
			        "a new one",
			        im->label, sc->user, text);
			free(text);
		}
	}
	wipe_free(tok);
	text = server_text(im->s->imap_response);
	msg = xasprintf("imap %s: %s login refused for %s, also with a new token: %s", im->label,
	                mech, sc->user, text);
	free(text);
	return set_err(error_r, msg);
}

/* --- open / close ------------------------------------------------------------- */

static void imap_free(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->s != NULL) {
		/* mailimap_free() sends LOGOUT and waits for the answer when a
		 * stream is open: on a broken or half-open session that is a
		 * full timeout spent on a dead peer.  Close the stream first. */
		if (im->s->imap_stream != NULL) {
			mailstream_close(im->s->imap_stream);
			im->s->imap_stream = NULL;
		}
		mailimap_free(im->s);
	}
	free(im->host);
	free(im->label);
	free(im->mailbox);
	free(im->ca_file);
	free(im);
}

static int open_session(struct imap *im, const struct imap_params *p, char **error_r)
{
	const struct server_config *sc = p->server;
	mailstream *stream;
	struct mailimap_capability_data *cap = NULL;
	char *why = NULL;
	double t0;
	int fd, r, port;

	port = sc->port > 0 ? sc->port : (sc->security == SEC_TLS ? 993 : 143);

	/* Plaintext only where nobody can listen in (DESIGN.md: `none` is
	 * accepted for loopback servers).  Refused before any packet is sent. */
	if (sc->security == SEC_NONE && !sc->allow_insecure && !host_is_loopback(im->host))
		return set_err(error_r, xasprintf("imap %s: refusing plaintext IMAP to %s "
		                                  "(security = none is only for loopback "
		                                  "servers; use tls or starttls)",
		                                  im->label, im->host));

	fd = tcp_connect(im->host, port, im->timeout,
	                 sc->security == SEC_NONE && !sc->allow_insecure, &why);
	if (fd < 0) {
		set_err(error_r, xasprintf("imap %s: %s", im->label, why));
		free(why);
		return -1;
	}

	im->s = must(mailimap_new(0, NULL));
	mailimap_set_timeout(im->s, im->timeout);
	if (sc->security == SEC_TLS) {
		stream = mailstream_ssl_open_with_callback_timeout(fd, im->timeout, tls_setup, im);
		if (stream == NULL) {
			close(fd);
			return set_err(error_r, xasprintf("imap %s: TLS handshake failed "
			                                  "(no TLS on this port, or no answer "
			                                  "within %d s)",
			                                  im->label, im->timeout));
		}
		if (verify_or_fail(im, stream, error_r) != 0) {
			mailstream_close(stream);
			return -1;
		}
	} else {
		stream = plain_stream(fd, im->timeout);
	}

	/* from here on the session owns the stream, even when this fails */
	t0 = mono_now();
	r = mailimap_connect(im->s, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return set_err(error_r, imap_err(im, r, t0, "greeting"));

	if (sc->security == SEC_STARTTLS) {
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			/* PREAUTH leaves no room for STARTTLS (RFC 3501 6.2.1) */
			im->broken = 1;
			return set_err(error_r,
			               xasprintf("imap %s: server greets with PREAUTH on a "
			                         "plaintext connection; refusing (security = "
			                         "starttls)",
			                         im->label));
		}
		if (do_starttls(im, error_r) != 0)
			return -1;
	}

	if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    (sc->auth == AUTH_PASSWORD ? log_in(im, p, error_r)
	                               : log_in_oauth(im, p, port, error_r)) != 0)
		return -1;

	/* capabilities change with login (IDLE often shows only now) and must
	 * be asked again after STARTTLS (RFC 3501 6.2.1) */
	t0 = mono_now();
	r = mailimap_capability(im->s, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return set_err(error_r, imap_err(im, r, t0, "CAPABILITY"));
	mailimap_capability_data_free(cap);
	im->has_idle = mailimap_has_idle(im->s) != 0;

	t0 = mono_now();
	r = mailimap_examine(im->s, im->mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		char *what = xasprintf("cannot EXAMINE %s", im->mailbox);
		char *msg = imap_err(im, r, t0, what);

		free(what);
		return set_err(error_r, msg);
	}
	if (im->s->imap_selection_info == NULL ||
	    im->s->imap_selection_info->sel_uidvalidity == 0) {
		/* RFC 3501 2.3.1.1: without UIDVALIDITY no UID can be trusted */
		im->broken = 1;
		return set_err(error_r, xasprintf("imap %s: EXAMINE %s gave no UIDVALIDITY",
		                                  im->label, im->mailbox));
	}
	im->uidvalidity = im->s->imap_selection_info->sel_uidvalidity;
	log_debug("imap %s: %s examined, UIDVALIDITY %u, IDLE %s", im->label, im->mailbox,
	          (unsigned)im->uidvalidity, im->has_idle ? "yes" : "no");
	return 0;
}

int imap_open(const struct imap_params *p, struct imap **im_r, char **error_r)
{
	const struct server_config *sc = p->server;
	struct sigpipe_guard g;
	struct imap *im;
	int port;

	*im_r = NULL;
	if (sc == NULL || str_blank(sc->server))
		return set_err(error_r, xstrdup("imap: no server configured"));
	if (str_blank(sc->user) || (sc->auth == AUTH_PASSWORD && p->password == NULL))
		return set_err(error_r,
		               xasprintf("imap %s: no user or password configured", sc->server));
	if (sc->auth != AUTH_PASSWORD && p->token == NULL)
		return set_err(error_r, xasprintf("imap %s: auth = %s but no token source",
		                                  sc->server, config_auth_name(sc->auth)));

	im = xcalloc(1, sizeof(*im));
	im->host = xstrdup(sc->server);
	port = sc->port > 0 ? sc->port : (sc->security == SEC_TLS ? 993 : 143);
	if (strchr(im->host, ':') != NULL)
		im->label = xasprintf("[%s]:%d", im->host, port);
	else
		im->label = xasprintf("%s:%d", im->host, port);
	im->mailbox = xstrdup(str_blank(p->mailbox) ? "INBOX" : p->mailbox);
	im->ca_file = xstrdup(sc->ca_file);
	im->timeout = sc->timeout > 0 ? sc->timeout : DEFAULT_TIMEOUT;

	sigpipe_ignore(&g);
	if (open_session(im, p, error_r) != 0) {
		imap_free(im);
		sigpipe_restore(&g);
		return -1;
	}
	sigpipe_restore(&g);
	*im_r = im;
	return 0;
}

void imap_close(struct imap *im)
{
	struct sigpipe_guard g;

	if (im == NULL)
		return;
	sigpipe_ignore(&g);
	if (im->s != NULL && !im->broken && im->s->imap_stream != NULL) {
		stream_set_timeout(im->s->imap_stream,
		                   im->timeout < LOGOUT_TIMEOUT ? im->timeout : LOGOUT_TIMEOUT);
		mailimap_logout(im->s); /* closes the stream */
	}
	imap_free(im);
	sigpipe_restore(&g);
}

uint32_t imap_uidvalidity(const struct imap *im)
{
	return im->uidvalidity;
}

int imap_is_broken(const struct imap *im)
{
	return im->broken;
}

int imap_has_idle(const struct imap *im)
{
	return im->has_idle;
}

static int check_usable(const struct imap *im, char **error_r)
{
	if (im->broken || im->s == NULL || im->s->imap_stream == NULL)
		return set_err(error_r,
		               xasprintf("imap %s: connection is broken; reconnect", im->label));
	return 0;
}

/* --- listing and fetching ------------------------------------------------------ */

static int item_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct imap_item *)a)->uid, y = ((const struct imap_item *)b)->uid;

	return x < y ? -1 : x > y;
}

/* UID FETCH of the items ft of the messages set (both freed) into
 * *result.  Returns libetpan's code; *t0 is when it was sent (imap_err). */
static int uid_fetch(struct imap *im, struct mailimap_set *set, struct mailimap_fetch_type *ft,
                     clist **result, double *t0)
{
	struct sigpipe_guard g;
	int r;

	sigpipe_ignore(&g);
	*t0 = mono_now();
	r = mailimap_uid_fetch(im->s, set, ft, result);
	sigpipe_restore(&g);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return r;
}

/* The static attribute of type type in msg_att, or NULL. */
static struct mailimap_msg_att_static *att_find(struct mailimap_msg_att *ma, int type)
{
	clistiter *c;

	for (c = clist_begin(ma->att_list); c != NULL; c = clist_next(c)) {
		struct mailimap_msg_att_item *it = clist_content(c);

		if (it->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    it->att_data.att_static != NULL && it->att_data.att_static->att_type == type)
			return it->att_data.att_static;
	}
	return NULL;
}

int imap_list_new(struct imap *im, uint32_t after, struct imap_item **items_r, size_t *n_r,
                  char **error_r)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	struct imap_item *items = NULL;
	size_t n = 0, cap = 0, i, w;
	clist *result = NULL;
	clistiter *c;
	struct sigpipe_guard g;
	double t0;
	int r;

	*items_r = NULL;
	*n_r = 0;
	if (check_usable(im, error_r) != 0)
		return -1;
	if (after == UINT32_MAX)
		return 0; /* no UID can follow */

	/* "n:*" in an empty mailbox is an error for some servers (RFC 3501
	 * 6.4.8 leaves "*" undefined there).  libetpan counts EXISTS and
	 * EXPUNGE as they come; when it counts none, a NOOP collects what
	 * arrived since (RFC 3501 6.1.2) before we conclude there is nothing. */
	if (im->s->imap_selection_info != NULL && im->s->imap_selection_info->sel_exists == 0) {
		sigpipe_ignore(&g);
		t0 = mono_now();
		r = mailimap_noop(im->s);
		sigpipe_restore(&g);
		if (r != MAILIMAP_NO_ERROR)
			return set_err(error_r, imap_err(im, r, t0, "NOOP"));
		if (im->s->imap_selection_info == NULL ||
		    im->s->imap_selection_info->sel_exists == 0)
			return 0;
	}

	/* UID FETCH after+1:* (UID RFC822.SIZE); 0 stands for "*" */
	set = must(mailimap_set_new_interval(after + 1, 0));
	ft = must(mailimap_fetch_type_new_fetch_att_list_empty());
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, must(mailimap_fetch_att_new_uid())) !=
	            MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(
	            ft, must(mailimap_fetch_att_new_rfc822_size())) != MAILIMAP_NO_ERROR)
		fatal("out of memory (libetpan)");
	r = uid_fetch(im, set, ft, &result, &t0);
	if (r != MAILIMAP_NO_ERROR) {
		char *what = xasprintf("UID FETCH %u:*", (unsigned)after + 1);
		char *msg = imap_err(im, r, t0, what);

		free(what);
		return set_err(error_r, msg);
	}

	for (c = clist_begin(result); c != NULL; c = clist_next(c)) {
		struct mailimap_msg_att *ma = clist_content(c);
		struct mailimap_msg_att_static *uid = att_find(ma, MAILIMAP_MSG_ATT_UID);
		struct mailimap_msg_att_static *size = att_find(ma, MAILIMAP_MSG_ATT_RFC822_SIZE);

		/* RFC 3501 6.4.8: "n:*" always includes the highest UID, even
		 * when it is below n, so everything <= after is dropped here;
		 * unsolicited FETCH (flag changes) may lack a UID */
		if (uid == NULL || uid->att_data.att_uid <= after)
			continue;
		items = xgrow(items, &cap, n + 1, sizeof(*items));
		items[n].uid = uid->att_data.att_uid;
		items[n].size = size ? size->att_data.att_rfc822_size : 0;
		n++;
	}
	mailimap_fetch_list_free(result);

	if (n > 1)
		qsort(items, n, sizeof(*items), item_cmp);
	for (i = 0, w = 0; i < n; i++) /* a server may repeat a UID */
		if (w == 0 || items[w - 1].uid != items[i].uid)
			items[w++] = items[i];
	if (w == 0) {
		free(items);
		items = NULL;
	}
	*items_r = items;
	*n_r = w;
	return 0;
}

/* A NO to UID FETCH that means the message was expunged by someone else
 * (RFC 5530 EXPUNGEISSUED, or a server's wording of it). */
static int no_means_expunged(mailimap *s)
{
	const char *atom = s->imap_response_info ? s->imap_response_info->rsp_atom : NULL;
	const char *text = s->imap_response;

	if (atom != NULL && str_ieq(atom, "EXPUNGEISSUED"))
		return 1;
	return text != NULL && strcasestr(text, "expunge") != NULL;
}

/* UID FETCH of uids[0..n) (ascending, none 0) into out (see
 * imap_fetch_many).  0; 1 when the server said NO because some of them
 * went meanwhile (out untouched); -1 on error. */
static int fetch_set(struct imap *im, const uint32_t *uids, size_t n, struct imap_msg *out,
                     char **error_r)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *att;
	clist *result = NULL;
	clistiter *c;
	double t0;
	int r, ret = 0;

	/* the UIDs as ranges: a run of new mail is one "first:last" */
	set = must(mailimap_set_new_empty());
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR)
			fatal("out of memory (IMAP set)");
		i = j + 1;
	}
	/* BODY.PEEK[]<0.MAX+1>: PEEK keeps \Seen unset (RFC 3501 6.4.5);
	 * the partial range caps what the server sends, one byte over the
	 * limit tells us a message is too large */
	att = must(mailimap_fetch_att_new_body_peek_section_partial(
	        must(mailimap_section_new(NULL)), 0, IMAP_MAX_MESSAGE + 1));
	ft = must(mailimap_fetch_type_new_fetch_att(att));
	r = uid_fetch(im, set, ft, &result, &t0);
	if (r == MAILIMAP_ERROR_UID_FETCH && no_means_expunged(im->s))
		return 1;
	if (r != MAILIMAP_NO_ERROR) {
		char *what = n == 1 ? xasprintf("UID FETCH %u", (unsigned)uids[0])
		                    : xasprintf("UID FETCH %u:%u", (unsigned)uids[0],
		                                (unsigned)uids[n - 1]);
		char *msg = imap_err(im, r, t0, what);

		free(what);
		return set_err(error_r, msg);
	}

	for (c = clist_begin(result); c != NULL && ret == 0; c = clist_next(c)) {
		struct mailimap_msg_att *ma = clist_content(c);
		struct mailimap_msg_att_static *u = att_find(ma, MAILIMAP_MSG_ATT_UID);
		struct mailimap_msg_att_static *b = att_find(ma, MAILIMAP_MSG_ATT_BODY_SECTION);
		struct mailimap_msg_att_body_section *sec;
		size_t lo = 0, hi = n;

		if (u == NULL || b == NULL)
			continue; /* unsolicited FETCH about another message */
		/* which of ours: the UIDs are ascending */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (uids[mid] < u->att_data.att_uid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo >= n || uids[lo] != u->att_data.att_uid || out[lo].data != NULL)
			continue;
		sec = b->att_data.att_body_section;
		if (sec == NULL || sec->sec_body_part == NULL)
			continue; /* BODY[] NIL: gone */
		if (sec->sec_length > IMAP_MAX_MESSAGE) {
			ret = set_err(error_r, xasprintf("imap %s: message UID %u is larger than "
			                                 "%u bytes",
			                                 im->label, (unsigned)uids[lo],
			                                 (unsigned)IMAP_MAX_MESSAGE));
			break;
		}
		out[lo].data = xmalloc(sec->sec_length + 1);
		memcpy(out[lo].data, sec->sec_body_part, sec->sec_length);
		out[lo].data[sec->sec_length] = '\0';
		out[lo].len = sec->sec_length;
		out[lo].gone = 0;
	}
	mailimap_fetch_list_free(result);
	return ret;
}

static void msgs_free(struct imap_msg *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(out[i].data);
		out[i].data = NULL;
	}
}

int imap_fetch(struct imap *im, uint32_t uid, char **data_r, size_t *len_r, char **error_r)
{
	struct imap_msg m = {.uid = uid, .gone = 1};
	int rc;

	*data_r = NULL;
	*len_r = 0;
	if (check_usable(im, error_r) != 0)
		return -1;
	if (uid == 0)
		return set_err(error_r, xasprintf("imap %s: UID 0 does not exist", im->label));
	rc = fetch_set(im, &uid, 1, &m, error_r);
	if (rc != 0) {
		msgs_free(&m, 1);
		return rc;
	}
	*data_r = m.data;
	*len_r = m.len;
	return m.gone ? 1 : 0;
}

int imap_fetch_many(struct imap *im, const uint32_t *uids, size_t n, struct imap_msg *out,
                    char **error_r)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		out[i] = (struct imap_msg){.uid = uids[i], .gone = 1};
	if (n == 0)
		return 0;
	if (check_usable(im, error_r) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (uids[i] == 0)
			return set_err(error_r,
			               xasprintf("imap %s: UID 0 does not exist", im->label));
	rc = fetch_set(im, uids, n, out, error_r);
	if (rc == 1) {
		/* some of them went meanwhile: one at a time tells which */
		rc = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			int one = imap_fetch(im, uids[k], &out[k].data, &out[k].len, error_r);

			if (one < 0)
				rc = -1;
			out[k].gone = one == 1;
		}
	}
	if (rc != 0)
		msgs_free(out, n);
	return rc;
}

/* --- IDLE ------------------------------------------------------------------ */

/* Waits for wake_fd or the deadline; used without IDLE support. */
static void sleep_on(int wake_fd, int timeout)
{
	double deadline = mono_now() + timeout;

	if (wake_fd >= 0) {
		wait_fd(wake_fd, POLLIN, deadline);
		return;
	}
	for (;;) {
		double left = deadline - mono_now();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (nanosleep(&ts, NULL) == 0)
			return;
	}
}

/*
 * One IDLE round (RFC 2177): IDLE, wait for server data, wake_fd or the
 * deadline, DONE.  Returns 1 when EXISTS or RECENT came (libetpan records
 * them in the selection info while it reads up to the tagged OK of DONE),
 * 0 on timeout or wake (*stop set), 2 when the server said something else
 * (a keep-alive "* OK Still here", a flag change): the caller idles again.
 */
static int idle_round(struct imap *im, double deadline, int wake_fd, int *stop, char **error_r)
{
	struct mailimap_selection_info *sel;
	double t0 = mono_now();
	int r, fd, data = 0;

	r = mailimap_idle(im->s);
	if (r != MAILIMAP_NO_ERROR)
		return set_err(error_r, imap_err(im, r, t0, "IDLE"));
	fd = mailimap_idle_get_fd(im->s);
	for (;;) {
		struct pollfd pfd[2];
		double left = deadline - mono_now();
		int np = 1;

		/* bytes that came with the continuation line are already in
		 * libetpan's buffer: the socket would not show them */
		if (im->s->imap_stream->read_buffer_len > 0) {
			data = 1;
			break;
		}
		if (left <= 0) {
			*stop = 1;
			break;
		}
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		if (wake_fd >= 0) {
			pfd[1].fd = wake_fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			np = 2;
		}
		r = poll(pfd, (nfds_t)np, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			im->broken = 1;
			return set_err(error_r,
			               xasprintf("imap %s: poll: %s", im->label, strerror(errno)));
		}
		if (r == 0)
			continue; /* the deadline check above ends it */
		if (pfd[0].revents != 0) {
			data = 1;
			break;
		}
		if (np == 2 && pfd[1].revents != 0) {
			*stop = 1;
			break;
		}
	}
	t0 = mono_now();
	r = mailimap_idle_done(im->s);
	if (r != MAILIMAP_NO_ERROR)
		return set_err(error_r, imap_err(im, r, t0, "IDLE (DONE)"));
	sel = im->s->imap_selection_info;
	if (sel != NULL && (sel->sel_has_exists || sel->sel_has_recent))
		return 1;
	return data && !*stop ? 2 : 0;
}

int imap_idle(struct imap *im, int timeout, int wake_fd, char **error_r)
{
	struct sigpipe_guard g;
	double deadline;
	int r, stop = 0;

	if (check_usable(im, error_r) != 0)
		return -1;
	if (timeout < 1)
		timeout = 1;
	if (!im->has_idle) {
		sleep_on(wake_fd, timeout);
		return 0;
	}
	deadline = mono_now() + timeout;
	sigpipe_ignore(&g);
	do {
		r = idle_round(im, deadline, wake_fd, &stop, error_r);
	} while (r == 2 && mono_now() < deadline);
	sigpipe_restore(&g);
	return r == 2 ? 0 : r;
}
