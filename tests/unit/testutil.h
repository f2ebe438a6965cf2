/*
 * testutil.h - what every cmocka unit test includes.
 */
#ifndef REFAGENT_TESTUTIL_H
#define REFAGENT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "message.h"
#include "util.h"

/* Reads tests/data/NAME (tests run from the top of the tree). */
static inline char *test_read_data(const char *name, size_t *len)
{
	char path[512];
	char *data = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "tests/data/%s", name);
	if (file_read(path, 64u << 20, &data, &n) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		return NULL;
	}
	if (len)
		*len = n;
	return data;
}

/* Parses tests/data/NAME with message_parse, failing the test if it is no
 * message.  The caller frees it with message_free. */
static inline struct message *test_parse_file(const char *name)
{
	struct message *m = NULL;
	char *error = NULL;
	size_t len = 0;
	char *data = test_read_data(name, &len);

	assert_non_null(data);
	if (message_parse(data, len, &m, &error) != 0)
		fail_msg("%s: %s", name, error);
	free(data);
	assert_non_null(m);
	return m;
}

/* What a loader prints on stderr, for checking its file:line faults:
 * stderr goes to a temporary file between begin and end, and end returns
 * what was written (caller frees). */
struct stderr_capture {
	FILE *tmp;
	int saved;
};

static inline void stderr_capture_begin(struct stderr_capture *c)
{
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	fflush(stderr);
	c->saved = dup(2);
	dup2(fileno(c->tmp), 2);
}

static inline char *stderr_capture_end(struct stderr_capture *c)
{
	long n;
	char *out;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	n = ftell(c->tmp);
	out = xcalloc(1, n > 0 ? (size_t)n + 1 : 1);
	rewind(c->tmp);
	if (n > 0)
		assert_int_equal(fread(out, 1, (size_t)n, c->tmp), (size_t)n);
	fclose(c->tmp);
	return out;
}

/* Writes all of s[0..n) to a fake server's socket (a peer that has gone
 * ends it quietly: no SIGPIPE). */
static inline void test_send_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* A token source (server_token_fn, config.h) for the IMAP and SMTP tests:
 * hands out list[0], list[1], ... in turn (the last one again when they
 * run out), or fails with error; keeps what each call was told was
 * refused ("-" for none). */
struct test_tokens {
	const char *list[4];
	const char *error;
	int calls;
	char refused[4][64];
};

static inline struct test_tokens *test_tokens(void)
{
	static struct test_tokens t;

	return &t;
}

/* Resets the source to hand out t0, then t1 (NULL: t0 again). */
static inline void test_tokens_reset(const char *t0, const char *t1)
{
	memset(test_tokens(), 0, sizeof(struct test_tokens));
	test_tokens()->list[0] = t0;
	test_tokens()->list[1] = t1;
}

static inline int test_token_fn(const struct server_config *s, const char *refused, char **token_r,
                                char **error_r)
{
	struct test_tokens *t = test_tokens();
	int i = t->calls < 3 ? t->calls : 3;

	(void)s;
	snprintf(t->refused[i], sizeof(t->refused[i]), "%s", refused ? refused : "-");
	t->calls++;
	if (t->error) {
		*error_r = xstrdup(t->error);
		return -1;
	}
	while (i > 0 && t->list[i] == NULL)
		i--;
	*token_r = xstrdup(t->list[i]);
	return 0;
}

/* RFC 4648 base64 (padded) decoded, for reading SASL exchanges in
 * transcripts, with \x01 (the SASL separator) shown as "^A".  Returns the
 * text (caller frees), or NULL when s is not base64. */
static inline char *test_sasl_decode(const char *s)
{
	static const char tab[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf b = {0};
	size_t n = strlen(s);
	unsigned acc = 0;
	int bits = 0;

	if (n % 4 != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(tab, s[i]);

		if (s[i] == '=' && (i >= n - 2) && (i == n - 1 || s[n - 1] == '='))
			break;
		if (p == NULL) {
			buf_free(&b);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			char c = (char)((acc >> (bits - 8)) & 0xff);

			bits -= 8;
			if (c == '\x01')
				buf_adds(&b, "^A");
			else
				buf_addc(&b, c);
		}
	}
	if (b.s == NULL)
		buf_adds(&b, "");
	return buf_steal(&b);
}

#endif
