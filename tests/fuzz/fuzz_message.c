/*
 * fuzz_message.c - libFuzzer target for message_parse(), and for the
 * context trimmer and the quote header reader on its body (with a
 * matcher that says yes to a line by its first byte, so every rule kind
 * fires somewhere), and with -DSTANDALONE a small driver that parses
 * each file named on the command line (mbox files message by message)
 * and prints one line per message:
 *
 *   FILE[#N] from=ADDR to+cc=N body=BYTES nfwd=N report=none|dsn|other ndsn=N
 *
 * libFuzzer:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude \
 *     $(pkg-config --cflags gmime-3.0 libxml-2.0) tests/fuzz/fuzz_message.c \
 *     agent/message*.c agent/html.c agent/text.c agent/text_context.c \
 *     agent/util.c agent/log.c agent/clock.c \
 *     $(pkg-config --libs gmime-3.0 libxml-2.0) -o fuzz_message
 * Standalone (also the parse benchmark: -q prints only the total):
 *   cc -DSTANDALONE -O2 ... (same sources) -o parse_files
 *   ./parse_files [-q] FILE...
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "message.h"
#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Kind k matches a line starting with "QHSOFW"[k], all of it (a quote
 * header: up to the first LF after it, reaching into the next line). */
static long first_byte_match(void *arg, enum text_cut k, const char *s, size_t len)
{
	const char *nl;

	(void)arg;
	if (len == 0 || s[0] != "QHSOFW"[k])
		return -1;
	if (k == TEXT_QUOTE && (nl = memchr(s, '\n', len)) != NULL)
		return (long)(memchr(nl + 1, '\n', len - (size_t)(nl + 1 - s)) ? len / 2 : len);
	return (long)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct text_rules rules = {first_byte_match, NULL};
	struct message *m = NULL;
	char *error = NULL;

	fuzz_setup();
	message_parser_warnings();
	if (message_parse((const char *)data, size, &m, &error) == 0) {
		free(text_trim_context(m->body, &rules));
		free(text_trim_context(m->body, NULL));
		free(text_quote_header(m->body, &rules));
		message_free(m);
	}
	free(error);
	return 0;
}

#ifdef STANDALONE
#include <time.h>

struct run {
	const char *path;
	int quiet;
	long ok, failed;
};

static const char *report_name(enum report_kind k)
{
	return k == REPORT_DSN ? "dsn" : k == REPORT_OTHER ? "other" : "none";
}

static int one(const char *raw, size_t len, int index, void *arg)
{
	struct run *r = arg;
	struct message *m = NULL;
	char *error = NULL;

	if (message_parse(raw, len, &m, &error) != 0) {
		r->failed++;
		if (!r->quiet)
			printf("%s#%d error: %s\n", r->path, index, error);
		free(error);
		return 0;
	}
	r->ok++;
	if (!r->quiet)
		printf("%s#%d from=%s to+cc=%zu body=%zu nfwd=%zu report=%s ndsn=%zu\n", r->path,
		       index, m->from.email ? m->from.email : "-", m->to.n + m->cc.n,
		       strlen(m->body), m->nfwd, report_name(m->report), m->ndsn);
	message_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = {0};
	struct timespec t0, t1;
	double el;
	int i;

	message_parser_warnings();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i < argc; i++) {
		char *data = NULL;
		size_t len = 0;

		if (strcmp(argv[i], "-q") == 0) {
			r.quiet = 1;
			continue;
		}
		if (file_read(argv[i], 64u << 20, &data, &len) != 0) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			continue;
		}
		r.path = argv[i];
		if (message_is_mbox(data, len))
			message_mbox_foreach(data, len, one, &r);
		else
			one(data, len, 1, &r);
		free(data);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "messages=%ld failed=%ld elapsed_s=%.3f msgs_per_s=%.0f\n", r.ok, r.failed,
	        el, el > 0 ? (double)(r.ok + r.failed) / el : 0.0);
	message_shutdown();
	return 0;
}
#endif
