/*
 * test_smtp.c - the SMTP module against a scripted fake server.
 *
 * A thread listens on 127.0.0.1 (ephemeral port, SO_REUSEADDR) and talks
 * like a small real server: a 220 greeting, a multi-line 250 to EHLO,
 * AUTH PLAIN, MAIL/RCPT/DATA/./RSET/NOOP/QUIT.  It keeps every command
 * line the client sent (the transcript) and the message bytes after DATA
 * with the dot-stuffing undone, and counts connections.  A mode, set by
 * the test before each send, makes it misbehave on cue: 451 or 550 to
 * RCPT, 451 to the final ".", close after MAIL FROM, drop an idle
 * connection with 421, never greet, refuse AUTH.  Plain text only, on
 * loopback; the live run against Postfix is tests/unit/smtp_probe.c.
 *
 * OAuth2: the fake offers AUTH XOAUTH2 and OAUTHBEARER and accepts one
 * token (fk.good_token); any other gets Gmail's answer, a 334 with an
 * error in base64 JSON, then a 535 whatever the client says.  The
 * transcript shows each AUTH line as sent and, after it, the decoded SASL
 * message ("  = user=user^Aauth=Bearer tok1^A^A"), so the exact exchange
 * is checked.  The token source is a list of tokens handed out in turn.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "smtp.h"

enum mode {
	M_ACCEPT = 0,
	M_RCPT_451,
	M_RCPT_550,
	M_DATA_451,     /* 451 to the final "." */
	M_DATA_554,     /* 554 to the final "." */
	M_CLOSE_MAIL,   /* close the connection on MAIL FROM, no reply */
	M_DROP_IDLE,    /* 100 ms after a queued message: 421 and close (idle timeout) */
	M_DROP_AT_ONCE, /* the same, 421 in the same write as the 250 */
	M_NO_GREET,     /* accept, never say anything */
	M_AUTH_FAIL,    /* 535 to AUTH */
	M_GREET_421,    /* 421 instead of the greeting, and close */
	M_MAIL_421,     /* 421 to MAIL FROM, and close */
};

#define RCPT_550 "550 5.1.1 <ghost@biz.test>: Recipient address rejected: User unknown"
#define RCPT_451 "451 4.3.0 <lead@client.test>: Temporary lookup failure"
#define DATA_451 "451 4.3.0 Error: queue file write error"
#define DATA_554 "554 5.7.1 Message rejected: spam"
#define QUEUED   "250 2.0.0 Ok: queued as 4ABC123"
#define IDLE_421 "421 4.4.2 fake.test Error: timeout exceeded"
#define BUSY_421 "421 4.3.2 fake.test Service not available, closing transmission channel"
/* {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"} */
#define XOAUTH2_334                                                                                \
	"334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29v"     \
	"Z2xlLmNvbS8ifQ=="
#define XOAUTH2_535 "535 5.7.8 Username and Password not accepted"
#define LINE_MAX    4096

struct fake {
	int lfd;
	int port;
	pthread_t thread;
	pthread_mutex_t mu;
	int stop;
	enum mode mode;
	int active;          /* a connection is open */
	int conns;           /* connections accepted */
	struct buf log;      /* command lines, one per line, LF */
	struct buf data;     /* the last message, unstuffed, CRLF as sent */
	char good_token[64]; /* the access token AUTH XOAUTH2/OAUTHBEARER accepts */
};

static struct fake fk;

static enum mode fake_mode(void)
{
	enum mode m;

	pthread_mutex_lock(&fk.mu);
	m = fk.mode;
	pthread_mutex_unlock(&fk.mu);
	return m;
}

static void fake_set_mode(enum mode m)
{
	pthread_mutex_lock(&fk.mu);
	fk.mode = m;
	pthread_mutex_unlock(&fk.mu);
}

static int fake_stopping(void)
{
	int s;

	pthread_mutex_lock(&fk.mu);
	s = fk.stop;
	pthread_mutex_unlock(&fk.mu);
	return s;
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* Reads one line (with its CRLF) into line; returns its length, 0 on EOF,
 * error or stop.  rb/rn hold bytes read past the line. */
static size_t read_line(int fd, char *rb, size_t *rn, char *line)
{
	for (;;) {
		char *nl = memchr(rb, '\n', *rn);

		if (nl) {
			size_t n = (size_t)(nl - rb) + 1;

			memcpy(line, rb, n);
			line[n] = '\0';
			memmove(rb, rb + n, *rn - n);
			*rn -= n;
			return n;
		}
		if (*rn >= LINE_MAX - 1)
			return 0; /* too long for a test */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, 100);

		if (fake_stopping())
			return 0;
		if (r <= 0)
			continue;
		ssize_t got = recv(fd, rb + *rn, LINE_MAX - 1 - *rn, 0);

		if (got <= 0)
			return 0;
		*rn += (size_t)got;
	}
}

static void log_line(const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	pthread_mutex_lock(&fk.mu);
	buf_add(&fk.log, line, n);
	buf_addc(&fk.log, '\n');
	pthread_mutex_unlock(&fk.mu);
}

/* AUTH XOAUTH2 / OAUTHBEARER with the initial response: logged decoded
 * too; the token must be fk.good_token.  Returns 1 when accepted. */
static int oauth_line(const char *line)
{
	const char *b64 = strchr(line + 5, ' ');
	char *msg, *want, arg[LINE_MAX];
	int ok;

	snprintf(arg, sizeof(arg), "%s", b64 ? b64 + 1 : "");
	arg[strcspn(arg, "\r\n")] = '\0';
	msg = test_sasl_decode(arg);
	pthread_mutex_lock(&fk.mu);
	buf_printf(&fk.log, "  = %s\n", msg ? msg : "(not base64)");
	want = xasprintf("auth=Bearer %s^A^A", fk.good_token);
	pthread_mutex_unlock(&fk.mu);
	ok = msg && strlen(msg) >= strlen(want) &&
	     strcmp(msg + strlen(msg) - strlen(want), want) == 0;
	free(msg);
	free(want);
	return ok;
}

static void serve(int fd)
{
	static char rb[LINE_MAX], line[LINE_MAX + 1];
	size_t rn = 0, n;
	int auth_wait = 0, oauth_failed = 0;

	if (fake_mode() == M_NO_GREET) {
		while (read_line(fd, rb, &rn, line) > 0)
			;
		return;
	}
	if (fake_mode() == M_GREET_421) {
		say(fd, BUSY_421 "\r\n");
		return;
	}
	say(fd, "220 fake.test ESMTP test server\r\n");
	while ((n = read_line(fd, rb, &rn, line)) > 0) {
		log_line(line);
		if (oauth_failed) {
			/* the client's answer to the error continuation */
			oauth_failed = 0;
			say(fd, XOAUTH2_535 "\r\n");
		} else if (str_istarts(line, "AUTH XOAUTH2 ") ||
		           str_istarts(line, "AUTH OAUTHBEARER ")) {
			if (oauth_line(line)) {
				say(fd, "235 2.7.0 Accepted\r\n");
			} else {
				say(fd, XOAUTH2_334 "\r\n");
				oauth_failed = 1;
			}
		} else if (auth_wait) {
			auth_wait = 0;
			say(fd, strcmp(line, "AHVzZXIAc2VjcmV0\r\n") == 0
			                ? "235 2.7.0 Authentication successful\r\n"
			                : "535 5.7.8 Error: authentication failed\r\n");
		} else if (str_istarts(line, "EHLO ")) {
			say(fd, "250-fake.test\r\n250-SIZE 10240000\r\n"
			        "250-AUTH PLAIN XOAUTH2 OAUTHBEARER\r\n"
			        "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
		} else if (str_istarts(line, "HELO ")) {
			say(fd, "250 fake.test\r\n");
		} else if (str_istarts(line, "AUTH PLAIN")) {
			if (fake_mode() == M_AUTH_FAIL) {
				say(fd, "535 5.7.8 Error: authentication failed\r\n");
			} else {
				say(fd, "334 \r\n");
				auth_wait = 1;
			}
		} else if (str_istarts(line, "MAIL FROM:")) {
			if (fake_mode() == M_CLOSE_MAIL)
				return;
			if (fake_mode() == M_MAIL_421) {
				say(fd, BUSY_421 "\r\n");
				return;
			}
			say(fd, "250 2.1.0 Ok\r\n");
		} else if (str_istarts(line, "RCPT TO:")) {
			enum mode m = fake_mode();

			if (m == M_RCPT_550 && strstr(line, "ghost"))
				say(fd, RCPT_550 "\r\n");
			else if (m == M_RCPT_451)
				say(fd, RCPT_451 "\r\n");
			else
				say(fd, "250 2.1.5 Ok\r\n");
		} else if (str_istarts(line, "DATA")) {
			say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
			pthread_mutex_lock(&fk.mu);
			buf_free(&fk.data);
			buf_adds(&fk.data, "");
			pthread_mutex_unlock(&fk.mu);
			while ((n = read_line(fd, rb, &rn, line)) > 0) {
				if (strcmp(line, ".\r\n") == 0)
					break;
				pthread_mutex_lock(&fk.mu);
				/* RFC 5321 section 4.5.2: drop the stuffed dot */
				if (line[0] == '.')
					buf_add(&fk.data, line + 1, n - 1);
				else
					buf_add(&fk.data, line, n);
				pthread_mutex_unlock(&fk.mu);
			}
			if (n == 0)
				return;
			if (fake_mode() == M_DATA_451) {
				say(fd, DATA_451 "\r\n");
			} else if (fake_mode() == M_DATA_554) {
				say(fd, DATA_554 "\r\n");
			} else {
				enum mode m = fake_mode();

				if (m == M_DROP_AT_ONCE) {
					/* one write: the client reads both lines at once */
					say(fd, QUEUED "\r\n" IDLE_421 "\r\n");
					return;
				}
				say(fd, QUEUED "\r\n");
				if (m == M_DROP_IDLE) {
					usleep(100000);
					say(fd, IDLE_421 "\r\n");
					return;
				}
			}
		} else if (str_istarts(line, "RSET") || str_istarts(line, "NOOP")) {
			say(fd, "250 2.0.0 Ok\r\n");
		} else if (str_istarts(line, "QUIT")) {
			say(fd, "221 2.0.0 Bye\r\n");
			return;
		} else {
			say(fd, "502 5.5.2 Error: command not recognized\r\n");
		}
	}
}

static void *fake_run(void *arg)
{
	(void)arg;
	while (!fake_stopping()) {
		struct pollfd pfd = {.fd = fk.lfd, .events = POLLIN};
		int fd;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept(fk.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&fk.mu);
		fk.conns++;
		fk.active = 1;
		pthread_mutex_unlock(&fk.mu);
		serve(fd);
		close(fd);
		pthread_mutex_lock(&fk.mu);
		fk.active = 0;
		pthread_mutex_unlock(&fk.mu);
	}
	return NULL;
}

static int fake_start(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	pthread_mutex_init(&fk.mu, NULL);
	fk.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fk.lfd >= 0);
	setsockopt(fk.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fk.lfd, 8), 0);
	assert_int_equal(getsockname(fk.lfd, (struct sockaddr *)&sa, &sl), 0);
	fk.port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&fk.thread, NULL, fake_run, NULL), 0);
	return 0;
}

static int fake_stop(void **state)
{
	(void)state;
	pthread_mutex_lock(&fk.mu);
	fk.stop = 1;
	pthread_mutex_unlock(&fk.mu);
	pthread_join(fk.thread, NULL);
	close(fk.lfd);
	buf_free(&fk.log);
	buf_free(&fk.data);
	pthread_mutex_destroy(&fk.mu);
	return 0;
}

/* Waits (at most 3 s) until the server has no connection open, so that
 * what the client sent on closing is in the log. */
static void fake_wait_idle(void)
{
	int i, active = 1;

	for (i = 0; i < 300 && active; i++) {
		pthread_mutex_lock(&fk.mu);
		active = fk.active;
		pthread_mutex_unlock(&fk.mu);
		if (active)
			usleep(10000);
	}
	assert_int_equal(active, 0);
}

/* Each test starts from an empty transcript and a fresh server state. */
static int reset(void **state)
{
	(void)state;
	fake_wait_idle();
	pthread_mutex_lock(&fk.mu);
	fk.mode = M_ACCEPT;
	fk.conns = 0;
	buf_free(&fk.log);
	buf_adds(&fk.log, "");
	buf_free(&fk.data);
	buf_adds(&fk.data, "");
	pthread_mutex_unlock(&fk.mu);
	return 0;
}

static char *transcript(void)
{
	char *s;

	pthread_mutex_lock(&fk.mu);
	s = xstrdup(fk.log.s ? fk.log.s : "");
	pthread_mutex_unlock(&fk.mu);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static struct server_config sc;

static struct smtp *open_fake(int timeout, const char *password)
{
	struct smtp_params p = {0};
	struct smtp *s = NULL;
	char *err = NULL;

	memset(&sc, 0, sizeof(sc));
	sc.server = "127.0.0.1";
	sc.port = fk.port;
	sc.security = SEC_NONE;
	sc.user = "user";
	sc.timeout = timeout;
	p.server = &sc;
	p.password = password;
	p.helo = "biz.test";
	if (smtp_open(&p, &s, &err) != 0)
		fail_msg("smtp_open: %s", err);
	assert_non_null(s);
	return s;
}

/* A message as message_compose makes them: CRLF, and lines starting with
 * a dot (the second a lone ".", which would end DATA if not stuffed). */
static const char MSG[] = "From: Agent <agent@biz.test>\r\n"
                          "To: Lead <lead@client.test>\r\n"
                          "Subject: hello\r\n"
                          "Message-Id: <m1@biz.test>\r\n"
                          "\r\n"
                          "Hi,\r\n"
                          ".leading dot\r\n"
                          ".\r\n"
                          "..two dots\r\n"
                          "bye\r\n";

static const char *const LEAD[] = {"lead@client.test"};

static void test_accept_and_reuse(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;
	const char *two[] = {"lead@client.test", "rep@biz.test"};
	char *t;

	(void)state;
	assert_int_equal(smtp_connections(s), 0);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_int_equal(res.status, SMTP_OK);
	assert_int_equal(res.code, 250);
	assert_string_equal(res.reply, QUEUED);
	pthread_mutex_lock(&fk.mu);
	assert_int_equal(fk.data.len, sizeof(MSG) - 1);
	assert_memory_equal(fk.data.s, MSG, sizeof(MSG) - 1);
	pthread_mutex_unlock(&fk.mu);

	assert_int_equal(smtp_send(s, "agent@biz.test", two, 2, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_int_equal(smtp_connections(s), 1);
	smtp_close(s);
	fake_wait_idle();
	assert_int_equal(fk.conns, 1);

	t = transcript();
	assert_int_equal(count(t, "EHLO biz.test\n"), 1);
	assert_int_equal(count(t, "MAIL FROM:"), 2);
	assert_int_equal(count(t, "DATA\n"), 2);
	assert_int_equal(count(t, "AUTH"), 0);
	assert_string_equal(t, "EHLO biz.test\n"
	                       "MAIL FROM:<agent@biz.test> SIZE=143\n"
	                       "RCPT TO:<lead@client.test>\n"
	                       "DATA\n"
	                       "MAIL FROM:<agent@biz.test> SIZE=143\n"
	                       "RCPT TO:<lead@client.test>\n"
	                       "RCPT TO:<rep@biz.test>\n"
	                       "DATA\n"
	                       "QUIT\n");
	free(t);
}

static void test_auth(void **state)
{
	struct smtp *s = open_fake(2, "secret");
	struct smtp_result res;
	char *t;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	/* RFC 4616: "\0user\0secret", in base64, after a 334 */
	assert_non_null(strstr(t, "EHLO biz.test\nAUTH PLAIN\nAHVzZXIAc2VjcmV0\nMAIL FROM:"));
	free(t);
}

static void test_auth_refused_is_temporary(void **state)
{
	struct smtp *s = open_fake(2, "secret");
	struct smtp_result res;
	char *t;

	(void)state;
	fake_set_mode(M_AUTH_FAIL);
	/* a 5xx before MAIL is the server's or the config's trouble, not the
	 * message's: retry later rather than give the mail up */
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 535);
	assert_string_equal(res.reply, "535 5.7.8 Error: authentication failed");
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_null(strstr(t, "MAIL FROM"));
	free(t);
}

/* --- OAuth2 --------------------------------------------------------------- */

static struct smtp *open_oauth(enum auth_mech mech, const char *good, const char *t0,
                               const char *t1)
{
	struct smtp_params p = {0};
	struct smtp *s = NULL;
	char *err = NULL;

	memset(&sc, 0, sizeof(sc));
	sc.server = "127.0.0.1";
	sc.port = fk.port;
	sc.security = SEC_NONE;
	sc.user = "user";
	sc.timeout = 2;
	sc.auth = mech;
	p.server = &sc;
	p.helo = "biz.test";
	p.token = test_token_fn;
	test_tokens_reset(t0, t1);
	pthread_mutex_lock(&fk.mu);
	snprintf(fk.good_token, sizeof(fk.good_token), "%s", good);
	pthread_mutex_unlock(&fk.mu);
	if (smtp_open(&p, &s, &err) != 0)
		fail_msg("smtp_open: %s", err);
	return s;
}

/* The exchange Gmail documents: the initial response on the AUTH line. */
static void test_xoauth2(void **state)
{
	struct smtp *s = open_oauth(AUTH_XOAUTH2, "tok1", "tok1", NULL);
	struct smtp_result res;
	char *t;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	/* the cached token again: the connection is kept */
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_int_equal(test_tokens()->calls, 2);
	assert_string_equal(test_tokens()->refused[0], "-");
	assert_int_equal(smtp_connections(s), 1);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_non_null(strstr(t, "EHLO biz.test\n"
	                          "AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvazEBAQ==\n"
	                          "  = user=user^Aauth=Bearer tok1^A^A\n"
	                          "MAIL FROM:"));
	if (count(t, "\nAUTH ") != 1)
		fail_msg("one AUTH wanted:\n%s", t);
	free(t);
}

static void test_oauthbearer(void **state)
{
	struct smtp *s = open_oauth(AUTH_OAUTHBEARER, "tok1", "tok1", NULL);
	struct smtp_result res;
	char *t, *want;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	/* RFC 7628 section 3.1: GS2 header, host, port, auth */
	want = xasprintf("  = n,a=user,^Ahost=127.0.0.1^Aport=%d^Aauth=Bearer tok1^A^A\n"
	                 "MAIL FROM:",
	                 fk.port);
	assert_non_null(strstr(t, "AUTH OAUTHBEARER "));
	if (strstr(t, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, t);
	free(want);
	free(t);
}

/* Refused (an expired token the cache did not know about): a fresh token,
 * asked for with the refused one, and one more try on a new connection. */
static void test_xoauth2_refused_then_fresh(void **state)
{
	struct smtp *s = open_oauth(AUTH_XOAUTH2, "tok2", "tok1", "tok2");
	struct smtp_result res;
	char *t;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_int_equal(test_tokens()->calls, 2);
	assert_string_equal(test_tokens()->refused[1], "tok1");
	assert_int_equal(smtp_connections(s), 2);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_non_null(strstr(t, "  = user=user^Aauth=Bearer tok1^A^A\n"));
	assert_non_null(strstr(t, "  = user=user^Aauth=Bearer tok2^A^A\nMAIL FROM:"));
	assert_int_equal(count(t, "MAIL FROM"), 1);
	free(t);
}

/* Refused twice: a clear error, code 0 (the batch stops), no third try. */
static void test_xoauth2_refused_twice(void **state)
{
	struct smtp *s = open_oauth(AUTH_XOAUTH2, "never", "tok1", "tok2");
	struct smtp_result res;
	char *t;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 0);
	if (strstr(res.reply, ": XOAUTH2 login refused for user, also with a new token: 334 ") ==
	    NULL)
		fail_msg("reply: %s", res.reply);
	if (strstr(res.reply, "334 {\"status\":\"400\",\"schemes\":\"Bearer\",") == NULL)
		fail_msg("334 not decoded: %s", res.reply);
	assert_int_equal(test_tokens()->calls, 2);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_int_equal(count(t, "AUTH XOAUTH2"), 2);
	assert_null(strstr(t, "MAIL FROM"));
	assert_null(strstr(res.reply, "tok1"));
	assert_null(strstr(res.reply, "tok2"));
	free(t);
}

/* No token to be had: nothing is sent, the reason is the reply. */
static void test_token_source_fails(void **state)
{
	struct smtp *s = open_oauth(AUTH_XOAUTH2, "tok1", "tok1", NULL);
	struct smtp_result res;
	char *want;

	(void)state;
	test_tokens()->error = "oauth2_token_command exited with status 3: no account";
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 0);
	want = xasprintf("127.0.0.1:%d: oauth2_token_command exited with status 3: no account",
	                 fk.port);
	assert_string_equal(res.reply, want);
	free(want);
	assert_int_equal(smtp_connections(s), 0);
	smtp_close(s);
	assert_int_equal(fk.conns, 0);
}

/* The token changed between sends (the old one expired) and the server
 * dropped the idle connection: the new connection signs in with the new
 * token, never the stale one libcurl was given first. */
static void test_new_token_on_reconnect(void **state)
{
	struct smtp *s = open_oauth(AUTH_XOAUTH2, "tok1", "tok1", NULL);
	struct smtp_result res;
	char *t;

	(void)state;
	fake_set_mode(M_DROP_IDLE);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	fake_wait_idle();
	fake_set_mode(M_ACCEPT);
	test_tokens()->list[1] = "tok2";
	pthread_mutex_lock(&fk.mu);
	snprintf(fk.good_token, sizeof(fk.good_token), "tok2");
	pthread_mutex_unlock(&fk.mu);
	if (smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res) != SMTP_OK)
		fail_msg("%s", res.reply);
	assert_int_equal(smtp_connections(s), 2);
	assert_string_equal(test_tokens()->refused[1], "-");
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_int_equal(count(t, "\nAUTH "), 2);
	assert_non_null(strstr(t, "  = user=user^Aauth=Bearer tok2^A^A\nMAIL FROM:"));
	free(t);
}

static void test_rcpt_550(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;
	const char *rc[] = {"lead@client.test", "ghost@biz.test"};
	char *t;

	(void)state;
	fake_set_mode(M_RCPT_550);
	assert_int_equal(smtp_send(s, "agent@biz.test", rc, 2, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_int_equal(res.status, SMTP_PERMFAIL);
	assert_int_equal(res.code, 550);
	assert_string_equal(res.reply, RCPT_550);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_null(strstr(t, "DATA"));
	free(t);
}

static void test_rcpt_451(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;

	(void)state;
	fake_set_mode(M_RCPT_451);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 451);
	assert_string_equal(res.reply, RCPT_451);
	/* the server is fine again: the same handle sends */
	fake_set_mode(M_ACCEPT);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_int_equal(res.code, 250);
	smtp_close(s);
}

static void test_data_451(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;

	(void)state;
	fake_set_mode(M_DATA_451);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 451);
	assert_string_equal(res.reply, DATA_451);
	fake_set_mode(M_DATA_554);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_int_equal(res.code, 554);
	assert_string_equal(res.reply, DATA_554);
	smtp_close(s);
}

/* 421 is the server saying it is not taking mail now (RFC 5321 3.8), at
 * the greeting or later: a temporary failure marked down, so the outbox
 * waits instead of spending the mail's attempts; a 4xx about the message
 * is not down. */
static void test_421_is_down(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;

	(void)state;
	fake_set_mode(M_GREET_421);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_true(res.down);
	fake_set_mode(M_MAIL_421);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 421);
	assert_true(res.down);
	fake_set_mode(M_RCPT_451);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_false(res.down);
	fake_set_mode(M_ACCEPT);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_false(res.down);
	smtp_close(s);
}

static void test_close_after_mail(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;
	char want[128];
	char *t;

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	fake_set_mode(M_CLOSE_MAIL);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d: ", fk.port);
	assert_true(str_istarts(res.reply, want));
	assert_non_null(strstr(res.reply, "(after MAIL FROM)"));
	assert_non_null(strstr(res.reply, "Failure when receiving data from the peer"));
	/* the kept connection failed before any of the message went out:
	 * smtp_send tried once more on a new one (closed the same way) */
	assert_int_equal(smtp_connections(s), 2);
	fake_wait_idle();

	/* the next send opens a new connection and gets through */
	fake_set_mode(M_ACCEPT);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_string_equal(res.reply, QUEUED);
	assert_int_equal(smtp_connections(s), 3);
	smtp_close(s);
	fake_wait_idle();
	assert_int_equal(fk.conns, 3);
	t = transcript();
	assert_int_equal(count(t, "EHLO"), 3);
	assert_int_equal(count(t, "MAIL FROM"), 4);
	free(t);
}

static void idle_drop(enum mode m)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;

	fake_set_mode(m);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	fake_wait_idle(); /* the server sent 421 and closed */
	fake_set_mode(M_ACCEPT);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_OK);
	assert_string_equal(res.reply, QUEUED);
	assert_int_equal(smtp_connections(s), 2);
	smtp_close(s);
	fake_wait_idle();
	assert_int_equal(fk.conns, 2);
}

/* 421 and close later, as Postfix does on an idle connection: libcurl
 * 7.88 counts the unread 421 as a live connection, sends MAIL FROM on it
 * and reads the 421 as the answer; smtp_send then tries once more on a
 * new connection (nothing of the message went out). */
static void test_idle_drop_reconnects(void **state)
{
	char *t;

	(void)state;
	idle_drop(M_DROP_IDLE);
	t = transcript();
	/* (the MAIL FROM sent on the dead connection never reached us) */
	assert_int_equal(count(t, "EHLO"), 2);
	assert_int_equal(count(t, "MAIL FROM"), 2);
	free(t);
}

/* 421 and close right after the 250: libcurl sees the closed socket
 * before reuse and opens a new connection itself. */
static void test_idle_drop_at_once(void **state)
{
	char *t;

	(void)state;
	idle_drop(M_DROP_AT_ONCE);
	t = transcript();
	assert_int_equal(count(t, "EHLO"), 2);
	assert_int_equal(count(t, "MAIL FROM"), 2);
	free(t);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_no_greeting_times_out(void **state)
{
	struct smtp *s = open_fake(1, NULL);
	struct smtp_result res;
	char want[128];
	double t0, dt;

	(void)state;
	fake_set_mode(M_NO_GREET);
	t0 = now_s();
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	dt = now_s() - t0;
	assert_true(dt >= 0.9);
	assert_int_equal(res.code, 0);
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%d: ", fk.port);
	assert_true(str_istarts(res.reply, want));
	/* libcurl's words depend on which of its timers went first: "...
	 * timed out after 1001 milliseconds" or "Timeout was reached" */
	if (strcasestr(res.reply, "timed out") == NULL && strcasestr(res.reply, "timeout") == NULL)
		fail_msg("not a timeout: %s", res.reply);
	smtp_close(s);
}

static void test_starttls_required(void **state)
{
	struct smtp_params p = {0};
	struct smtp *s = NULL;
	struct smtp_result res;
	char *err = NULL, *t;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.server = "127.0.0.1";
	sc.port = fk.port;
	sc.security = SEC_STARTTLS;
	sc.timeout = 2;
	p.server = &sc;
	p.helo = "biz.test";
	assert_int_equal(smtp_open(&p, &s, &err), 0);
	/* the fake server offers no STARTTLS: nothing may go out in clear */
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 0);
	assert_non_null(strstr(res.reply, "STARTTLS"));
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_null(strstr(t, "MAIL FROM"));
	free(t);
}

static void test_connect_refused(void **state)
{
	struct smtp_params p = {0};
	struct smtp *s = NULL;
	struct smtp_result res;
	char *err = NULL;
	int fd, one = 1, port;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	(void)state;
	/* a port nobody listens on: bind one, note it, close it */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd);

	memset(&sc, 0, sizeof(sc));
	sc.server = "127.0.0.1";
	sc.port = port;
	sc.security = SEC_NONE;
	sc.timeout = 2;
	p.server = &sc;
	p.helo = "biz.test";
	assert_int_equal(smtp_open(&p, &s, &err), 0);
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_TEMPFAIL);
	assert_int_equal(res.code, 0);
	{
		char want[64];

		snprintf(want, sizeof(want), "connect to 127.0.0.1:%d: ", port);
		assert_true(str_istarts(res.reply, want));
	}
	smtp_close(s);
}

static void test_null_sender(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;
	char *t;

	(void)state;
	/* RFC 5321 section 4.5.5: notifications may use the null sender */
	assert_int_equal(smtp_send(s, "", LEAD, 1, MSG, sizeof(MSG) - 1, &res), SMTP_OK);
	smtp_close(s);
	fake_wait_idle();
	t = transcript();
	assert_non_null(strstr(t, "\nMAIL FROM:<> SIZE=143\n"));
	free(t);
}

static void test_bad_addresses(void **state)
{
	struct smtp *s = open_fake(2, NULL);
	struct smtp_result res;
	const char *inject[] = {"lead@client.test>\r\nRCPT TO:<x@evil.test"};
	const char *space[] = {"lead @client.test"};
	const char *noat[] = {"lead"};

	(void)state;
	assert_int_equal(smtp_send(s, "agent@biz.test", inject, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_string_equal(res.reply, "bad recipient address (number 1)");
	assert_int_equal(res.code, 0);
	assert_int_equal(smtp_send(s, "agent@biz.test", space, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_int_equal(smtp_send(s, "agent@biz.test", noat, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_int_equal(smtp_send(s, "agent@biz.test\r\n", LEAD, 1, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_string_equal(res.reply, "bad envelope sender");
	assert_int_equal(smtp_send(s, "agent@biz.test", LEAD, 0, MSG, sizeof(MSG) - 1, &res),
	                 SMTP_PERMFAIL);
	assert_int_equal(smtp_connections(s), 0);
	smtp_close(s);
}

static void test_open_refuses(void **state)
{
	struct smtp_params p = {0};
	struct smtp *s = NULL;
	char *err = NULL;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.server = "mail.example/x?y";
	sc.security = SEC_TLS;
	sc.timeout = 2;
	p.server = &sc;
	assert_int_equal(smtp_open(&p, &s, &err), -1);
	assert_null(s);
	assert_string_equal(err, "smtp: bad server name 'mail.example/x?y'");
	free(err);
	sc.server = "mail.example";
	p.helo = "biz.test/../x";
	assert_int_equal(smtp_open(&p, &s, &err), -1);
	free(err);
	p.helo = "biz.test";
	p.password = "pw";
	assert_int_equal(smtp_open(&p, &s, &err), -1);
	assert_string_equal(err, "smtp: a password needs a user");
	free(err);
	p.password = NULL;
	sc.user = "agent@biz.test";
	sc.auth = AUTH_XOAUTH2;
	assert_int_equal(smtp_open(&p, &s, &err), -1);
	assert_string_equal(err, "smtp: auth = xoauth2 needs a user and a token source");
	free(err);
	smtp_close(NULL);
	assert_int_equal(smtp_connections(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_accept_and_reuse, reset),
	        cmocka_unit_test_setup(test_auth, reset),
	        cmocka_unit_test_setup(test_auth_refused_is_temporary, reset),
	        cmocka_unit_test_setup(test_xoauth2, reset),
	        cmocka_unit_test_setup(test_oauthbearer, reset),
	        cmocka_unit_test_setup(test_xoauth2_refused_then_fresh, reset),
	        cmocka_unit_test_setup(test_xoauth2_refused_twice, reset),
	        cmocka_unit_test_setup(test_token_source_fails, reset),
	        cmocka_unit_test_setup(test_new_token_on_reconnect, reset),
	        cmocka_unit_test_setup(test_rcpt_550, reset),
	        cmocka_unit_test_setup(test_rcpt_451, reset),
	        cmocka_unit_test_setup(test_421_is_down, reset),
	        cmocka_unit_test_setup(test_data_451, reset),
	        cmocka_unit_test_setup(test_close_after_mail, reset),
	        cmocka_unit_test_setup(test_idle_drop_reconnects, reset),
	        cmocka_unit_test_setup(test_idle_drop_at_once, reset),
	        cmocka_unit_test_setup(test_no_greeting_times_out, reset),
	        cmocka_unit_test_setup(test_starttls_required, reset),
	        cmocka_unit_test_setup(test_connect_refused, reset),
	        cmocka_unit_test_setup(test_null_sender, reset),
	        cmocka_unit_test_setup(test_bad_addresses, reset),
	        cmocka_unit_test_setup(test_open_refuses, reset),
	};

	return cmocka_run_group_tests(tests, fake_start, fake_stop);
}
