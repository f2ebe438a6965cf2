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
	buf_adds(b, "Authentication-Results: ");
	for (size_t i = 0; i < n; i++) {
		buf_addc(b, (char)s[i]);
		if (s[i] == '\n')
			buf_addc(b, ' ');
	}
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
