/*
 * fuzz_prefilter.c - libFuzzer target for the literal prefilter
 * (prefilter.h), with PCRE2 as the oracle.  The input is a flag byte (bit 0
 * caseless, 1 multiline, 2 dotall, 3 extended, as a rule's /imsx), a
 * pattern up to the first newline, and the subject after it.  A pattern
 * that compiles as the rules compile theirs gets its condition; when the
 * prefilter says the subject cannot match and PCRE2 finds a match, the
 * prefilter is unsound (a rule would silently never fire): abort.
 * Build with `make fuzz FUZZ_TARGETS=prefilter` (see the Makefile).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fuzz_common.h"
#include "prefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pcre2_match_context *mctx;
	const char *pat, *nl, *end = (const char *)data + size;
	uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C;
	pcre2_code *code;
	pcre2_match_data *md;
	struct prefilter *pf;
	unsigned char *bits;
	char *subject;
	int errcode, cond, may, rc;
	PCRE2_SIZE erroff;

	if (mctx == NULL) {
		fuzz_setup();
		mctx = pcre2_match_context_create(NULL);
		/* a pattern that backtracks without end is no finding here */
		pcre2_set_match_limit(mctx, 100000);
		pcre2_set_depth_limit(mctx, 1000);
	}
	if (size < 2)
		return 0;
	options |= (data[0] & 1 ? PCRE2_CASELESS : 0) | (data[0] & 2 ? PCRE2_MULTILINE : 0) |
	           (data[0] & 4 ? PCRE2_DOTALL : 0) | (data[0] & 8 ? PCRE2_EXTENDED : 0);
	pat = (const char *)data + 1;
	nl = memchr(pat, '\n', (size_t)(end - pat));
	if (nl == NULL)
		return 0;
	code = pcre2_compile((PCRE2_SPTR)pat, (size_t)(nl - pat), options, &errcode, &erroff, NULL);
	if (code == NULL)
		return 0;
	pf = prefilter_new();
	cond = prefilter_add(pf, pat, (size_t)(nl - pat), (data[0] & 8) != 0);
	if (cond >= 0)
		prefilter_use(pf, cond, 0);
	prefilter_build(pf);
	/* the texts the rules see end at their first NUL */
	subject = strndup(nl + 1, (size_t)(end - nl - 1));
	bits = calloc(1, prefilter_bitmap_size(pf) + 1);
	if (subject == NULL || bits == NULL)
		abort();
	prefilter_scan(pf, 0, subject, bits);
	may = prefilter_may_match(pf, cond, bits);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	rc = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, mctx);
	if (rc >= 0 && !may) {
		fprintf(fuzz_stderr, "prefilter: /%.*s/ matches \"%s\", but its literals said no\n",
		        (int)(nl - pat), pat, subject);
		abort();
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	free(bits);
	free(subject);
	prefilter_free(pf);
	return 0;
}
