/*
 * fuzz_auth.c - libFuzzer target for the Authentication-Results judge: the
 * input, split at its first NUL (or not), is the value of one or two
 * Authentication-Results headers of a mail from a rep, judged for the
 * authserv-id mx.biz.test.  Build with `make fuzz`.
 */
#include "auth.h"
#include "fuzz_common.h"
#include "message.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends an Authentication-Results header holding s[0..n), its line
 * breaks made folds so it stays one header. */
static void header(struct buf *b, const uint8_t *s, size_t n)
{
	const uint8_t *end = s + n, *nl;

	buf_adds(b, "Authentication-Results: ");
	/* a line at a time: byte by byte, the copy cost as much as the judge */
	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		buf_add(b, (const char *)s, (size_t)(nl + 1 - s));
		buf_addc(b, ' ');
		s = nl + 1;
	}
	buf_add(b, (const char *)s, (size_t)(end - s));
	buf_adds(b, "\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const uint8_t *nul = memchr(data, '\0', size);
	struct buf b = {0};
	struct message *m = NULL;
	char *err = NULL, *why = NULL;

	if (!ready) {
		fuzz_setup();
		message_init();
		ready = 1;
	}
	if (nul) {
		header(&b, data, (size_t)(nul - data));
		header(&b, nul + 1, size - (size_t)(nul - data) - 1);
	} else {
		header(&b, data, size);
	}
	buf_adds(&b, "From: Tom <tom@biz.test>\nTo: agent@biz.test\nSubject: #won\n\n#won 12000\n");
	if (message_parse(b.s, b.len, &m, &err) == 0) {
		auth_check(m, "mx.biz.test", "tom@biz.test", &why);
		free(why);
		message_free(m);
	}
	free(err);
	buf_free(&b);
	return 0;
}
