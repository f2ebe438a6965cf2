/*
 * test_imap.c - the IMAP module against a scripted fake server.
 *
 * As curl's test servers do, a thread listens on 127.0.0.1 (an ephemeral
 * port, SO_REUSEADDR) and plays canned answers: each step names the
 * command it expects (after the tag) and what to send back, with "$T"
 * standing for the client's tag.  Everything the client sends is kept, so
 * tests check the exact transcript as well as the results.  Steps can also
 * drop the connection or go silent, which a real server will not do on cue.
 *
 * The live counterpart (real Dovecot, TLS and STARTTLS with certificate
 * checks) is tests/e2e/imap_live.sh; for OAuth2 (Dovecot's oauth2 passdb)
 * tests/e2e/oauth.sh.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "imap.h"

#define USER     "agent@biz.test"
#define PASSWORD "s3cret-pw"

enum action {
	ACT_REPLY = 0,
	ACT_CLOSE,  /* send the reply, then close the connection */
	ACT_RESET,  /* send the reply, then reset the connection (RST) */
	ACT_SILENT, /* send the reply, then read on without answering */
};

struct step {
	const char *expect; /* the command line after the tag must start so */
	const char *reply;  /* "$T" is the tag; NULL sends nothing */
	enum action action;
	int delay_ms;      /* wait before sending later */
	const char *later; /* sent after delay_ms (IDLE notifications) */
};

struct fake {
	const char *greeting; /* NULL: silent from the start */
	const struct step *steps;
	int lfd;
	int port;
	pthread_t thread;
	char in[65536];
	size_t inlen;
	struct buf transcript; /* client lines, each ending in "\n" */
	char mismatch[512];
};

/* --- the fake server --------------------------------------------------- */

static void send_reply(int fd, const char *reply, const char *tag)
{
	struct buf b = {0};
	const char *p;

	if (reply == NULL)
		return;
	for (p = reply; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] == 'T') {
			buf_adds(&b, tag);
			p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	if (b.len > 0)
		test_send_all(fd, b.s, b.len);
	buf_free(&b);
}

/* Reads one line (without CRLF) into line; 0 at EOF or after 10 s. */
static int read_line(struct fake *f, int fd, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(f->in, '\n', f->inlen);
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - f->in) + 1, m = n - 1;

			if (m > 0 && f->in[m - 1] == '\r')
				m--;
			if (m >= size)
				m = size - 1;
			memcpy(line, f->in, m);
			line[m] = '\0';
			memmove(f->in, f->in + n, f->inlen - n);
			f->inlen -= n;
			return 1;
		}
		if (f->inlen == sizeof(f->in) || poll(&pfd, 1, 10000) <= 0)
			return 0;
		r = recv(fd, f->in + f->inlen, sizeof(f->in) - f->inlen, 0);
		if (r <= 0)
			return 0;
		f->inlen += (size_t)r;
	}
}

/* Splits "12 UID FETCH ..." into tag "12" and the command; an untagged
 * line (DONE) keeps the previous tag. */
static const char *split_tag(const char *line, char *tag, size_t size)
{
	size_t n = strspn(line, "0123456789");

	if (n > 0 && line[n] == ' ' && n < size) {
		memcpy(tag, line, n);
		tag[n] = '\0';
		return line + n + 1;
	}
	return line;
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = {f->lfd, POLLIN, 0};
	char line[4096], tag[32] = "*";
	const struct step *st;
	int fd;

	if (poll(&pfd, 1, 10000) <= 0)
		return NULL;
	fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (f->greeting != NULL)
		test_send_all(fd, f->greeting, strlen(f->greeting));
	for (st = f->steps; st != NULL && st->expect != NULL; st++) {
		const char *cmd;

		if (!read_line(f, fd, line, sizeof(line)))
			goto out;
		buf_printf(&f->transcript, "%s\n", line);
		cmd = split_tag(line, tag, sizeof(tag));
		if (strncmp(cmd, st->expect, strlen(st->expect)) != 0) {
			snprintf(f->mismatch, sizeof(f->mismatch),
			         "expected \"%s\", got \"%.200s\"", st->expect, line);
			fprintf(stderr, "fake server: %s\n", f->mismatch);
			goto out;
		}
		send_reply(fd, st->reply, tag);
		if (st->later != NULL) {
			struct timespec ts = {st->delay_ms / 1000,
			                      (st->delay_ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
			send_reply(fd, st->later, tag);
		}
		if (st->action == ACT_CLOSE)
			goto out;
		if (st->action == ACT_RESET) {
			struct linger lg = {1, 0};

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			goto out;
		}
		if (st->action == ACT_SILENT) {
			while (read_line(f, fd, line, sizeof(line)))
				buf_printf(&f->transcript, "%s\n", line);
			goto out;
		}
	}
	/* script done: answer LOGOUT, note anything else */
	while (read_line(f, fd, line, sizeof(line))) {
		const char *cmd;

		buf_printf(&f->transcript, "%s\n", line);
		cmd = split_tag(line, tag, sizeof(tag));
		if (strcmp(cmd, "LOGOUT") == 0) {
			send_reply(fd, "* BYE bye\r\n$T OK bye\r\n", tag);
			break;
		}
		if (f->mismatch[0] == '\0')
			snprintf(f->mismatch, sizeof(f->mismatch), "unscripted \"%.200s\"", line);
		send_reply(fd, "$T BAD unscripted\r\n", tag);
	}
out:
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const char *greeting, const struct step *steps)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->greeting = greeting;
	f->steps = steps;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

/* Waits for the server thread; returns the transcript (caller frees). */
static char *fake_finish(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
	assert_string_equal(f->mismatch, "");
	return f->transcript.s ? buf_steal(&f->transcript) : xstrdup("");
}

/* --- helpers -------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct server_config plain_config(const char *host, int port, int timeout)
{
	struct server_config sc;

	memset(&sc, 0, sizeof(sc));
	sc.server = (char *)host;
	sc.port = port;
	sc.security = SEC_NONE;
	sc.user = USER;
	sc.timeout = timeout;
	return sc;
}

static int open_with(const struct server_config *sc, struct imap **im, char **err)
{
	struct imap_params p = {0};

	p.server = sc;
	p.password = PASSWORD;
	p.mailbox = "INBOX";
	return imap_open(&p, im, err);
}

#define GREETING "* OK [CAPABILITY IMAP4rev1 LITERAL+] fake ready\r\n"

/* step initialisers: S(expect, reply), SA(.., action), SL(.., delay_ms, later) */
#define S(e, r)                                                                                    \
	{                                                                                          \
		.expect = (e), .reply = (r)                                                        \
	}
#define SA(e, r, a)                                                                                \
	{                                                                                          \
		.expect = (e), .reply = (r), .action = (a)                                         \
	}
#define SL(e, r, d, l)                                                                             \
	{                                                                                          \
		.expect = (e), .reply = (r), .delay_ms = (d), .later = (l)                         \
	}

#define LOGIN_OK     S("LOGIN \"" USER "\" ", "$T OK [CAPABILITY IMAP4rev1] Logged in\r\n")
#define CAPA_IDLE    S("CAPABILITY", "* CAPABILITY IMAP4rev1 IDLE UIDPLUS\r\n$T OK done\r\n")
#define CAPA_NO_IDLE S("CAPABILITY", "* CAPABILITY IMAP4rev1 UIDPLUS\r\n$T OK done\r\n")
#define EXAMINE_REPLY                                                                              \
	"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n"  \
	"* OK [UIDVALIDITY 42] UIDs valid\r\n* OK [UIDNEXT 8] Predicted next UID\r\n"              \
	"$T OK [READ-ONLY] Examine completed\r\n"
#define EXAMINE_OK S("EXAMINE INBOX", EXAMINE_REPLY)
#define OPEN_STEPS LOGIN_OK, CAPA_IDLE, EXAMINE_OK
#define END        S(NULL, NULL)

/* The expected transcript of a plain open. */
#define T_OPEN "1 LOGIN \"" USER "\" " PASSWORD "\n2 CAPABILITY\n3 EXAMINE INBOX\n"

/* --- tests ---------------------------------------------------------------- */

/* RFC 3501 6.4.8: "8:*" with 7 as the highest UID still returns UID 7;
 * list_new must drop it, and sort, dedupe and skip UID-less FETCHes. */
static void test_list_new_star(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        S("UID FETCH 8:* (UID RFC822.SIZE)",
	          "* 3 FETCH (UID 7 RFC822.SIZE 120)\r\n$T OK Fetch completed\r\n"),
	        S("UID FETCH 6:* (UID RFC822.SIZE)",
	          "* 3 FETCH (UID 7 RFC822.SIZE 300)\r\n* 1 FETCH (FLAGS (\\Seen))\r\n"
	          "* 2 FETCH (RFC822.SIZE 200 UID 6)\r\n* 1 FETCH (UID 5 RFC822.SIZE 100)\r\n"
	          "* 3 FETCH (UID 7 RFC822.SIZE 300)\r\n$T OK Fetch completed\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	size_t n = 99;
	char *err = NULL, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	assert_null(err);
	assert_int_equal(imap_uidvalidity(im), 42);
	assert_int_equal(imap_has_idle(im), 1);
	assert_int_equal(imap_is_broken(im), 0);

	assert_int_equal(imap_list_new(im, 7, &items, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(items);

	assert_int_equal(imap_list_new(im, 5, &items, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].uid, 6);
	assert_int_equal(items[0].size, 200);
	assert_int_equal(items[1].uid, 7);
	assert_int_equal(items[1].size, 300);
	free(items);
	imap_close(im);

	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 UID FETCH 8:* (UID RFC822.SIZE)\n"
	                               "5 UID FETCH 6:* (UID RFC822.SIZE)\n6 LOGOUT\n");
	free(tr);
}

/* An empty mailbox: no "1:*" until a NOOP shows a message. */
static void test_list_new_empty(void **state)
{
	static const struct step steps[] = {
	        LOGIN_OK,
	        CAPA_IDLE,
	        S("EXAMINE INBOX",
	          "* 0 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n$T OK [READ-ONLY] done\r\n"),
	        S("NOOP", "$T OK NOOP completed.\r\n"),
	        S("NOOP", "* 1 EXISTS\r\n* 1 RECENT\r\n$T OK NOOP completed.\r\n"),
	        S("UID FETCH 1:* (UID RFC822.SIZE)",
	          "* 1 FETCH (UID 9 RFC822.SIZE 77)\r\n$T OK Fetch completed\r\n"),
	        S("UID FETCH 10:* (UID RFC822.SIZE)",
	          "* 1 FETCH (UID 9 RFC822.SIZE 77)\r\n$T OK Fetch completed\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	size_t n = 99;
	char *err = NULL, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	assert_int_equal(imap_uidvalidity(im), 7);
	assert_int_equal(imap_list_new(im, 0, &items, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(imap_list_new(im, 0, &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].uid, 9);
	assert_int_equal(items[0].size, 77);
	free(items);
	assert_int_equal(imap_list_new(im, 9, &items, &n, &err), 0);
	assert_int_equal(n, 0);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 NOOP\n5 NOOP\n6 UID FETCH 1:* (UID RFC822.SIZE)\n"
	                               "7 UID FETCH 10:* (UID RFC822.SIZE)\n8 LOGOUT\n");
	free(tr);
}

#define MSG                                                                                        \
	"From: Referrer <referrer@partner.test>\r\nSubject: (literal) {5} test\r\n\r\n"            \
	"Body with ) and * 3 FETCH inside.\r\n"

static void test_fetch_literal(void **state)
{
	char fetch_reply[512];
	struct step steps[] = {
	        OPEN_STEPS,
	        S("UID FETCH 7 BODY.PEEK[]<0.67108865>", fetch_reply),
	        S("UID FETCH 9 BODY.PEEK[]<0.67108865>", "$T OK Fetch completed\r\n"),
	        S("UID FETCH 8 BODY.PEEK[]<0.67108865>",
	          "$T NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n"),
	        S("UID FETCH 6 BODY.PEEK[]<0.67108865>",
	          "$T NO [SERVERBUG] Internal error occurred\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *data = NULL, *err = NULL, *tr;
	size_t len = 0;

	(void)state;
	/* an unsolicited FETCH about another message comes first */
	snprintf(fetch_reply, sizeof(fetch_reply),
	         "* 2 FETCH (FLAGS (\\Seen))\r\n* 3 FETCH (UID 7 BODY[]<0> {%zu}\r\n%s)\r\n"
	         "$T OK Fetch completed\r\n",
	         strlen(MSG), MSG);
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);

	assert_int_equal(imap_fetch(im, 7, &data, &len, &err), 0);
	assert_null(err);
	assert_int_equal(len, strlen(MSG));
	assert_memory_equal(data, MSG, len);
	assert_int_equal(data[len], '\0');
	free(data);

	/* OK without data: the message is gone */
	assert_int_equal(imap_fetch(im, 9, &data, &len, &err), 1);
	assert_null(data);
	assert_int_equal(len, 0);
	/* NO [EXPUNGEISSUED] (RFC 5530): gone too */
	assert_int_equal(imap_fetch(im, 8, &data, &len, &err), 1);
	/* another NO: an error, but the session goes on */
	assert_int_equal(imap_fetch(im, 6, &data, &len, &err), -1);
	assert_non_null(err);
	{
		char want[200];

		snprintf(want, sizeof(want),
		         "imap 127.0.0.1:%d: UID FETCH 6: Internal error occurred", f.port);
		assert_string_equal(err, want);
	}
	free(err);
	assert_int_equal(imap_is_broken(im), 0);
	imap_close(im);

	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 UID FETCH 7 BODY.PEEK[]<0.67108865>\n"
	                               "5 UID FETCH 9 BODY.PEEK[]<0.67108865>\n"
	                               "6 UID FETCH 8 BODY.PEEK[]<0.67108865>\n"
	                               "7 UID FETCH 6 BODY.PEEK[]<0.67108865>\n8 LOGOUT\n");
	free(tr);
}

static void test_fetch_dropped(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        SA("UID FETCH 7 ",
	           "* 3 FETCH (UID 7 BODY[]<0> {500}\r\nFrom: only a part of it\r\n", ACT_CLOSE),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	char *data = NULL, *err = NULL, *tr, want[200];
	size_t len = 0, n = 0;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	assert_int_equal(imap_fetch(im, 7, &data, &len, &err), -1);
	assert_null(data);
	snprintf(want, sizeof(want), "imap 127.0.0.1:%d: UID FETCH 7: connection lost", f.port);
	assert_string_equal(err, want);
	free(err);
	err = NULL;
	assert_int_equal(imap_is_broken(im), 1);

	/* a broken connection refuses further work without touching the wire */
	assert_int_equal(imap_list_new(im, 0, &items, &n, &err), -1);
	snprintf(want, sizeof(want), "imap 127.0.0.1:%d: connection is broken; reconnect", f.port);
	assert_string_equal(err, want);
	free(err);
	imap_close(im); /* no LOGOUT on a broken connection */

	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 UID FETCH 7 BODY.PEEK[]<0.67108865>\n");
	free(tr);
}

/* A server that greets and then never answers: the configured timeout
 * (1 s) ends the login, not libetpan's five-minute default. */
static void test_silent_server_times_out(void **state)
{
	static const struct step steps[] = {
	        SA("LOGIN ", NULL, ACT_SILENT),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];
	double t0, dt;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 1);
	t0 = now_s();
	assert_int_equal(open_with(&sc, &im, &err), -1);
	dt = now_s() - t0;
	assert_null(im);
	/* the 1 s of the config, not the default 30 s (a loose bound: tests
	 * run on loaded machines) */
	assert_true(dt >= 0.9 && dt < 15);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: login failed for " USER ": no answer within 1 s", f.port);
	assert_string_equal(err, want);
	assert_null(strstr(err, PASSWORD));
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 LOGIN \"" USER "\" " PASSWORD "\n");
	free(tr);
}

/* No greeting at all: the same timeout bounds the wait for it. */
static void test_no_greeting_times_out(void **state)
{
	static const struct step steps[] = {END};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];
	double t0, dt;

	(void)state;
	fake_start(&f, NULL, steps);
	sc = plain_config("127.0.0.1", f.port, 1);
	t0 = now_s();
	assert_int_equal(open_with(&sc, &im, &err), -1);
	dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 15); /* 1 s, not the default 30 s */
	snprintf(want, sizeof(want), "imap 127.0.0.1:%d: greeting: no answer within 1 s", f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "");
	free(tr);
}

static void test_plaintext_refused(void **state)
{
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL;
	double t0;

	(void)state;
	/* TEST-NET-1: refused by name, before any connect (which would
	 * take the full timeout) */
	sc = plain_config("192.0.2.1", 0, 5);
	t0 = now_s();
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_true(now_s() - t0 < 4); /* before the 5 s connect timeout */
	assert_null(im);
	assert_string_equal(err, "imap 192.0.2.1:143: refusing plaintext IMAP to 192.0.2.1 "
	                         "(security = none is only for loopback servers; use tls or "
	                         "starttls)");
	free(err);
	err = NULL;

	sc = plain_config("mail.example.com", 143, 5);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_non_null(strstr(err, "refusing plaintext IMAP to mail.example.com"));
	free(err);
	err = NULL;

	/* loopback by name is allowed: these fail only at connect (nobody
	 * listens on port 1 of 127.0.0.2 or ::1) */
	sc = plain_config("127.0.0.2", 1, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_string_equal(err, "imap 127.0.0.2:1: cannot connect: Connection refused");
	free(err);
	err = NULL;
	sc = plain_config("::1", 1, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_true(strncmp(err, "imap [::1]:1: cannot connect: ", 30) == 0);
	free(err);
	err = NULL;

	/* allow_insecure lifts the rule: the connect is attempted */
	sc = plain_config("192.0.2.1", 143, 1);
	sc.allow_insecure = 1;
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_true(strncmp(err, "imap 192.0.2.1:143: cannot connect: ", 36) == 0);
	free(err);
}

static void test_plaintext_localhost_ok(void **state)
{
	static const struct step steps[] = {OPEN_STEPS, END};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("localhost", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 LOGOUT\n");
	free(tr);
}

static void test_login_no(void **state)
{
	static const struct step steps[] = {
	        S("LOGIN ", "$T NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	assert_null(im);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: login failed for " USER ": Authentication failed.", f.port);
	assert_string_equal(err, want);
	assert_null(strstr(err, PASSWORD));
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 LOGIN \"" USER "\" " PASSWORD "\n");
	free(tr);
}

static void test_examine_no(void **state)
{
	static const struct step steps[] = {
	        LOGIN_OK,
	        CAPA_IDLE,
	        S("EXAMINE INBOX", "$T NO Mailbox doesn't exist: INBOX\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: cannot EXAMINE INBOX: Mailbox doesn't exist: INBOX", f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN);
	free(tr);
}

static void test_no_uidvalidity(void **state)
{
	static const struct step steps[] = {
	        LOGIN_OK,
	        CAPA_IDLE,
	        S("EXAMINE INBOX", "* 3 EXISTS\r\n$T OK [READ-ONLY] Examine completed\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want), "imap 127.0.0.1:%d: EXAMINE INBOX gave no UIDVALIDITY",
	         f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	free(tr);
}

/* STARTTLS must be offered; nothing secret goes out when it is not. */
static void test_starttls_not_offered(void **state)
{
	static const struct step steps[] = {
	        S("CAPABILITY", "* CAPABILITY IMAP4rev1 IDLE\r\n$T OK done\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	sc.security = SEC_STARTTLS;
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: server does not offer STARTTLS (security = starttls); "
	         "refusing to log in in plaintext",
	         f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n");
	free(tr);
}

/* Plaintext that follows the STARTTLS answer would be read as if it came
 * over TLS (CVE-2020-15953): refuse. */
static void test_starttls_injection(void **state)
{
	static const struct step steps[] = {
	        S("CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS\r\n$T OK done\r\n"),
	        S("STARTTLS",
	          "$T OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1] x\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	sc.security = SEC_STARTTLS;
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: server sent data after its STARTTLS answer, before TLS "
	         "(injection?)",
	         f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n2 STARTTLS\n");
	free(tr);
}

static void test_tls_on_plain_port(void **state)
{
	/* whatever the ClientHello looks like, take it in silence */
	static const struct step steps[] = {SA("", NULL, ACT_SILENT), END};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	sc.security = SEC_TLS;
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: TLS handshake failed (no TLS on this port, or no answer "
	         "within 2 s)",
	         f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	free(tr);
}

static void test_idle_exists(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        SL("IDLE", "+ idling\r\n", 200, "* 4 EXISTS\r\n* 1 RECENT\r\n"),
	        S("DONE", "$T OK Idle completed.\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;
	double t0, dt;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	t0 = now_s();
	assert_int_equal(imap_idle(im, 5, -1, &err), 1);
	dt = now_s() - t0;
	assert_true(dt >= 0.15 && dt < 4); /* at the EXISTS, before the 5 s */
	assert_null(err);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 IDLE\nDONE\n5 LOGOUT\n");
	free(tr);
}

/* A keep-alive is no new mail: IDLE again until the timeout. */
static void test_idle_keepalive_timeout(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        SL("IDLE", "+ idling\r\n", 100, "* OK Still here\r\n"),
	        S("DONE", "$T OK Idle completed.\r\n"),
	        S("IDLE", "+ idling\r\n"),
	        S("DONE", "$T OK Idle completed.\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;
	double t0, dt;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	t0 = now_s();
	assert_int_equal(imap_idle(im, 1, -1, &err), 0);
	dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 15); /* the 1 s asked for */
	assert_int_equal(imap_is_broken(im), 0);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 IDLE\nDONE\n5 IDLE\nDONE\n6 LOGOUT\n");
	free(tr);
}

static void test_idle_wake(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        S("IDLE", "+ idling\r\n"),
	        S("DONE", "$T OK Idle completed.\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;
	int pfd[2];
	double t0;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	t0 = now_s();
	assert_int_equal(imap_idle(im, 10, pfd[0], &err), 0);
	assert_true(now_s() - t0 < 8); /* woken, not the 10 s */
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 IDLE\nDONE\n5 LOGOUT\n");
	free(tr);
	close(pfd[0]);
	close(pfd[1]);
}

/* Without IDLE: no IDLE command; sleep on wake_fd, or the timeout. */
static void test_idle_unsupported(void **state)
{
	static const struct step steps[] = {LOGIN_OK, CAPA_NO_IDLE, EXAMINE_OK, END};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;
	int pfd[2];
	double t0, dt;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	assert_int_equal(imap_has_idle(im), 0);
	t0 = now_s();
	assert_int_equal(imap_idle(im, 1, pfd[0], &err), 0);
	dt = now_s() - t0;
	assert_true(dt >= 0.9 && dt < 8); /* the 1 s asked for */
	assert_int_equal(write(pfd[1], "x", 1), 1);
	t0 = now_s();
	assert_int_equal(imap_idle(im, 10, pfd[0], &err), 0);
	assert_true(now_s() - t0 < 8); /* woken, not the 10 s */
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, T_OPEN "4 LOGOUT\n");
	free(tr);
	close(pfd[0]);
	close(pfd[1]);
}

/* The server drops the session with a reset: an error, not a SIGPIPE
 * death, and the caller's SIGPIPE disposition is as before. */
static void test_reset_and_sigpipe(void **state)
{
	static const struct step steps[] = {
	        LOGIN_OK,
	        CAPA_IDLE,
	        SA("EXAMINE INBOX", EXAMINE_REPLY, ACT_RESET),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	struct sigaction sa;
	char *err = NULL, *tr;
	size_t n = 0;
	struct timespec ts = {0, 200000000L};

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	nanosleep(&ts, NULL); /* let the RST arrive */
	assert_int_equal(imap_list_new(im, 0, &items, &n, &err), -1);
	assert_non_null(err);
	assert_int_equal(imap_is_broken(im), 1);
	free(err);
	err = NULL;
	assert_int_equal(imap_idle(im, 1, -1, &err), -1);
	free(err);
	imap_close(im);
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	tr = fake_finish(&f);
	free(tr);
}

/* Garbage where a response should be: unparsable, connection broken. */
static void test_garbage_response(void **state)
{
	static const struct step steps[] = {
	        OPEN_STEPS,
	        SA("UID FETCH 1:* ", "HTTP/1.1 400 Bad Request\r\n\r\n", ACT_CLOSE),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	struct imap_item *items = NULL;
	char *err = NULL, *tr;
	size_t n = 0;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), 0);
	assert_int_equal(imap_list_new(im, 0, &items, &n, &err), -1);
	assert_non_null(strstr(err, ": UID FETCH 1:*: "));
	assert_int_equal(imap_is_broken(im), 1);
	free(err);
	imap_close(im);
	tr = fake_finish(&f);
	free(tr);
}

/* BYE and a close where the LOGIN answer should be. */
static void test_bye_on_login(void **state)
{
	static const struct step steps[] = {
	        SA("LOGIN ", "* BYE Server shutting down.\r\n", ACT_CLOSE),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, want[200];

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_with(&sc, &im, &err), -1);
	snprintf(want, sizeof(want),
	         "imap 127.0.0.1:%d: login failed for " USER ": connection lost", f.port);
	assert_string_equal(err, want);
	free(err);
	tr = fake_finish(&f);
	free(tr);
}

static void test_bad_params(void **state)
{
	struct server_config sc = plain_config("", 143, 2);
	struct imap_params p = {.server = &sc, .password = PASSWORD, .mailbox = "INBOX"};
	struct imap *im = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(imap_open(&p, &im, &err), -1);
	assert_string_equal(err, "imap: no server configured");
	free(err);
	sc = plain_config("127.0.0.1", 143, 2);
	sc.auth = AUTH_XOAUTH2;
	assert_int_equal(imap_open(&p, &im, &err), -1);
	assert_string_equal(err, "imap 127.0.0.1: auth = xoauth2 but no token source");
	free(err);
	err = NULL;
	sc = plain_config("127.0.0.1", 143, 2);
	p.password = NULL;
	assert_int_equal(imap_open(&p, &im, &err), -1);
	assert_string_equal(err, "imap 127.0.0.1: no user or password configured");
	free(err);
	imap_close(NULL);
}

/* --- OAuth2 ----------------------------------------------------------------- */

/* XOAUTH2 initial responses of agent@biz.test with tok-1 and tok-2. */
#define XO_TOK1 "AUTHENTICATE XOAUTH2 dXNlcj1hZ2VudEBiaXoudGVzdAFhdXRoPUJlYXJlciB0b2stMQEB"
#define XO_TOK2 "AUTHENTICATE XOAUTH2 dXNlcj1hZ2VudEBiaXoudGVzdAFhdXRoPUJlYXJlciB0b2stMgEB"
#define CAPA_OAUTH                                                                                 \
	S("CAPABILITY", "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2 "                  \
	                "AUTH=OAUTHBEARER\r\n$T OK done\r\n")
/* Gmail's error continuation: {"status":"400","schemes":"Bearer","scope":...} */
#define ERR_CONT                                                                                   \
	"+ eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29v"       \
	"Z2xlLmNvbS8ifQ==\r\n"
#define AUTH_NO "$T NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n"

static int open_oauth(const struct server_config *sc, enum auth_mech mech, const char *t0,
                      const char *t1, struct imap **im, char **err)
{
	struct server_config c = *sc;
	struct imap_params p = {.server = &c, .mailbox = "INBOX", .token = test_token_fn};

	c.auth = mech;
	test_tokens_reset(t0, t1);
	return imap_open(&p, im, err);
}

/* Line n (from 1) of a transcript, after its tag, decoded from base64. */
static char *decoded_line(const char *tr, int n, const char *prefix)
{
	const char *p = tr;
	char line[4096];

	for (int i = 1; i < n && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	assert_non_null(p);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	p = strstr(line, prefix) ? strstr(line, prefix) + strlen(prefix) : line;
	return test_sasl_decode(p);
}

static void test_xoauth2(void **state)
{
	static const struct step steps[] = {
	        CAPA_OAUTH, S(XO_TOK1, "$T OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
	        CAPA_IDLE,  EXAMINE_OK,
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	if (open_oauth(&sc, AUTH_XOAUTH2, "tok-1", NULL, &im, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(test_tokens()->calls, 1);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n2 " XO_TOK1 "\n3 CAPABILITY\n4 EXAMINE INBOX\n"
	                        "5 LOGOUT\n");
	free(tr);
}

/* Refused after the error continuation (answered with an empty line):
 * a fresh token, asked for with the refused one, on the same connection. */
static void test_xoauth2_refused_then_fresh(void **state)
{
	static const struct step steps[] = {
	        CAPA_OAUTH,
	        S(XO_TOK1, ERR_CONT),
	        S("", AUTH_NO),
	        S(XO_TOK2, "$T OK Logged in\r\n"),
	        CAPA_IDLE,
	        EXAMINE_OK,
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	if (open_oauth(&sc, AUTH_XOAUTH2, "tok-1", "tok-2", &im, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(test_tokens()->calls, 2);
	assert_string_equal(test_tokens()->refused[0], "-");
	assert_string_equal(test_tokens()->refused[1], "tok-1");
	assert_int_equal(imap_uidvalidity(im), 42);
	imap_close(im);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n2 " XO_TOK1 "\n\n3 " XO_TOK2
	                        "\n4 CAPABILITY\n5 EXAMINE INBOX\n6 LOGOUT\n");
	free(tr);
}

/* A second NO is the error: no third try, no token in the text. */
static void test_xoauth2_refused_twice(void **state)
{
	static const struct step steps[] = {
	        CAPA_OAUTH,
	        S(XO_TOK1, AUTH_NO),
	        S(XO_TOK2, AUTH_NO),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *want, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_oauth(&sc, AUTH_XOAUTH2, "tok-1", "tok-2", &im, &err), -1);
	assert_null(im);
	want = xasprintf("imap 127.0.0.1:%d: XOAUTH2 login refused for " USER ", also with a "
	                 "new token: Invalid credentials (Failure)",
	                 f.port);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_int_equal(test_tokens()->calls, 2);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n2 " XO_TOK1 "\n3 " XO_TOK2 "\n");
	free(tr);
}

/* The server lacks the mechanism: said before any token is asked for. */
static void test_xoauth2_not_offered(void **state)
{
	static const struct step steps[] = {
	        S("CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n$T OK done\r\n"),
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *want;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	assert_int_equal(open_oauth(&sc, AUTH_OAUTHBEARER, "tok-1", NULL, &im, &err), -1);
	want = xasprintf("imap 127.0.0.1:%d: the server does not offer AUTH=OAUTHBEARER (auth = "
	                 "oauthbearer); it offers AUTH=PLAIN AUTH=LOGIN",
	                 f.port);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_int_equal(test_tokens()->calls, 0);
	free(fake_finish(&f));
}

/* The token source fails: its reason, behind the server's name. */
static void test_token_source_fails(void **state)
{
	static const struct step steps[] = {CAPA_OAUTH, END};
	struct fake f;
	struct server_config sc, c;
	struct imap_params p = {.server = &c, .mailbox = "INBOX", .token = test_token_fn};
	struct imap *im = NULL;
	char *err = NULL, *want, *tr;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	c = sc;
	c.auth = AUTH_XOAUTH2;
	test_tokens_reset("tok-1", NULL);
	test_tokens()->error = "oauth2_token_command exited with status 2: no account";
	assert_int_equal(imap_open(&p, &im, &err), -1);
	want = xasprintf("imap 127.0.0.1:%d: oauth2_token_command exited with status 2: no "
	                 "account",
	                 f.port);
	assert_string_equal(err, want);
	free(want);
	free(err);
	tr = fake_finish(&f);
	assert_string_equal(tr, "1 CAPABILITY\n");
	free(tr);
}

/* RFC 7628: the GS2 header, host and port, on the command line (SASL-IR);
 * an error continuation is answered with %x01, then a fresh token. */
static void test_oauthbearer(void **state)
{
	static const struct step steps[] = {
	        CAPA_OAUTH,
	        S("AUTHENTICATE OAUTHBEARER ", ERR_CONT),
	        S("AQ==", AUTH_NO),
	        S("AUTHENTICATE OAUTHBEARER ", "$T OK Logged in\r\n"),
	        CAPA_IDLE,
	        EXAMINE_OK,
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, *got, *want;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	if (open_oauth(&sc, AUTH_OAUTHBEARER, "tok-1", "tok-2", &im, &err) != 0)
		fail_msg("%s", err);
	imap_close(im);
	tr = fake_finish(&f);
	for (int i = 1; i <= 2; i++) {
		got = decoded_line(tr, i == 1 ? 2 : 4, "AUTHENTICATE OAUTHBEARER ");
		want = xasprintf("n,a=" USER ",^Ahost=127.0.0.1^Aport=%d^Aauth=Bearer tok-%d^A^A",
		                 f.port, i);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	assert_non_null(strstr(tr, "\nAQ==\n3 AUTHENTICATE OAUTHBEARER "));
	free(tr);
}

/* Without SASL-IR the response waits for the server's "+". */
static void test_oauthbearer_no_ir(void **state)
{
	static const struct step steps[] = {
	        S("CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER\r\n$T OK done\r\n"),
	        S("AUTHENTICATE OAUTHBEARER", "+ \r\n"),
	        S("", "$T OK Logged in\r\n"),
	        CAPA_IDLE,
	        EXAMINE_OK,
	        END,
	};
	struct fake f;
	struct server_config sc;
	struct imap *im = NULL;
	char *err = NULL, *tr, *got, *want;

	(void)state;
	fake_start(&f, GREETING, steps);
	sc = plain_config("127.0.0.1", f.port, 2);
	if (open_oauth(&sc, AUTH_OAUTHBEARER, "tok-1", NULL, &im, &err) != 0)
		fail_msg("%s", err);
	imap_close(im);
	tr = fake_finish(&f);
	assert_true(strncmp(tr, "1 CAPABILITY\n2 AUTHENTICATE OAUTHBEARER\n", 38) == 0);
	got = decoded_line(tr, 3, "");
	want = xasprintf("n,a=" USER ",^Ahost=127.0.0.1^Aport=%d^Aauth=Bearer tok-1^A^A", f.port);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_list_new_star),
	        cmocka_unit_test(test_list_new_empty),
	        cmocka_unit_test(test_fetch_literal),
	        cmocka_unit_test(test_fetch_dropped),
	        cmocka_unit_test(test_silent_server_times_out),
	        cmocka_unit_test(test_no_greeting_times_out),
	        cmocka_unit_test(test_plaintext_refused),
	        cmocka_unit_test(test_plaintext_localhost_ok),
	        cmocka_unit_test(test_login_no),
	        cmocka_unit_test(test_examine_no),
	        cmocka_unit_test(test_no_uidvalidity),
	        cmocka_unit_test(test_starttls_not_offered),
	        cmocka_unit_test(test_starttls_injection),
	        cmocka_unit_test(test_tls_on_plain_port),
	        cmocka_unit_test(test_idle_exists),
	        cmocka_unit_test(test_idle_keepalive_timeout),
	        cmocka_unit_test(test_idle_wake),
	        cmocka_unit_test(test_idle_unsupported),
	        cmocka_unit_test(test_reset_and_sigpipe),
	        cmocka_unit_test(test_garbage_response),
	        cmocka_unit_test(test_bye_on_login),
	        cmocka_unit_test(test_bad_params),
	        cmocka_unit_test(test_xoauth2),
	        cmocka_unit_test(test_xoauth2_refused_then_fresh),
	        cmocka_unit_test(test_xoauth2_refused_twice),
	        cmocka_unit_test(test_xoauth2_not_offered),
	        cmocka_unit_test(test_token_source_fails),
	        cmocka_unit_test(test_oauthbearer),
	        cmocka_unit_test(test_oauthbearer_no_ir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
