/*
 * test_prefilter.c - the literal prefilter: it never skips a text the
 * regex matches (checked against PCRE2 itself, on tricky patterns), it
 * does skip texts without the literals, and it gives up on what it does
 * not know.
 */
#include "testutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "prefilter.h"

struct pat {
	const char *re;
	int caseless;
};

static const struct pat pats[] = {
        {"thanks for (?:the|your) (?:intro|introduction)", 1},
        {"colou?r", 0},
        {"(?:abc|)def", 0},
        {"x(?:ab)?y", 0},
        {"(?<=\\bbook a )call\\b", 1},
        {"demo\\b(?<=\\bbook a demo|\\bschedule a demo)", 1},
        {"(?:my|our)\\s+(?:cell|phone)\\b(*SKIP)(*FAIL)|(?:cell|phone)\\s*\\d{3}", 1},
        {"(?i:ABC)def", 0},
        {"(?i)stra\xc3\x9f"
         "e",
         0},
        {"ks", 1},
        {"desk", 1},
        {"\\x41\\x{42}c", 0},
        {"[ab]cd", 0},
        {"[^ab]cd", 0},
        {"[a-c]cd", 0},
        {"[\\w]x", 0},
        {"(a)\\1bc", 0},
        {"(?<n>ab)\\k<n>", 0},
        {"(?|(ab)|(cd))ef", 0},
        {"a{2}b{0}c", 0},
        {"a{0,1}bc", 0},
        {"(?:foo|bar)+baz", 0},
        {"^\\s*(?:Regards|Cheers),?$", 0},
        {"\\bno[ \\t-]one\\b", 0},
        {"(?=.*urgent)help", 1},
        {"(?!not)abc", 0},
        {"a\\Kbc", 0},
        {"ab|cd|e", 0},
        {"hello\\nworld", 0},
        {"\\.com\\b", 0},
        {"[[:alpha:]]+ing", 0},
        {"caf[\xc3\xa9"
         "e]",
         1},
        {"\xc3\xbc"
         "ber",
         1},
        {"x*", 0},
        {"(?#note)abc", 0},
        {"(?J)(?<n>ab)|(?<n>cd)", 0},
        {"abcdefghijklmnopq", 1},
        {"(?:very|so) disappointed (?:with|in)", 1},
        {"[\\]x]yz", 0},
        {"[]x]yz", 0},
        {"\\$\\d+ budget", 1},
        {"(?:a|b)(?:c|d)(?:e|f)(?:g|h)(?:i|j)(?:k|l)(?:m|n)", 0},
        {"(ab)(?1)cd", 0},
        {"t[\xc3\xadi]a", 1},
        {"\\x{e9}t\\x{C9}", 1},
        {"\xc3\x85NGSTR\xc3\x96M", 1},
        {"na\xc3\xafve", 0},
        {"cu\xc3\xb1"
         "ado",
         1},
        {"[\xc3\x80-\xc3\x9e]x", 1},
        /* "[:" with a ']' before any ":]" opens no POSIX class: the ']'
         * ends the class, and "||" makes the pattern match anything (the
         * fuzzer's find: the prefilter read one class to the last ']') */
        {"[[:]:]||]0o", 0},
        {"[[:alpha:]]xyz", 1},
        /* non-atomic lookarounds, no named groups (the fuzzer's second
         * find: "(?<*" was read as a group named "*|") */
        {"(?<*|>]])", 1},
        {"(?*abc)abc", 0},
        {"x(?<*ab|cd)y", 0},
        /* "\c]" in a class is a control character, not its end (the
         * fuzzer's third find) */
        {"[\\c]=]", 1},
};

static const char *const texts[] = {
        "",
        "a=b",
        "Thanks for the intro!",
        "THANKS FOR YOUR INTRODUCTION",
        "color",
        "colour",
        "colr",
        "def",
        "abcdef",
        "xy",
        "xaby",
        "I'd like to book a call",
        "Book a demo today",
        "my cell 555",
        "cell 555-1234",
        "abcdef ABCDEF ABCdef",
        "STRASSE stra\xc3\x9f"
        "e",
        "\xe2\x84\xaa\xc5\xbf",
        "de\xc5\xbf\xe2\x84\xaa",
        "ABC",
        "acd bcd zcd ccd",
        "xx",
        "aabc ababc",
        "abef cdef",
        "aac abc",
        "foobarbaz",
        "Regards",
        "no one, no-one",
        "help, URGENT",
        "notabc xabc",
        "e",
        "hello\nworld",
        "example.com",
        "testing",
        "caf\xc3\xa9 cafe",
        "\xc3\x9c"
        "BER",
        "\xff\xfe"
        "abcdef",
        "the intro, thanks for it",
        "ABCDEFGHIJKLMNOPQ",
        "SO DISAPPOINTED WITH",
        "]yz xyz",
        "$5000 BUDGET",
        "acegikm bdfhjln",
        "ababcd",
        "T\xc3\x8d"
        "A tia tea",
        "\xc3\x89T\xc3\x89 \xc3\xa9t\xc3\xa9",
        "\xe2\x84\xab"
        "NGSTR\xc3\x96M \xc3\xa5ngstr\xc3\xb6m",
        "NA\xc3\x8fVE na\xc3\xafve",
        "CU\xc3\x91"
        "ADO",
        "\xc3\x9cX \xc3\xbcx",
};

/* Every text a pattern matches passes its prefilter; returns how many
 * (pattern, text) pairs the prefilter skipped. */
static size_t check_sound(void)
{
	struct prefilter *pf = prefilter_new();
	int conds[ARRAY_SIZE(pats)];
	pcre2_code *codes[ARRAY_SIZE(pats)];
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	unsigned char *bits;
	size_t skipped = 0;

	for (size_t i = 0; i < ARRAY_SIZE(pats); i++) {
		int err;
		PCRE2_SIZE off;
		uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
		                (pats[i].caseless ? PCRE2_CASELESS : 0);

		codes[i] = pcre2_compile((PCRE2_SPTR)pats[i].re, PCRE2_ZERO_TERMINATED, opts, &err,
		                         &off, NULL);
		assert_non_null(codes[i]);
		conds[i] = prefilter_add(pf, pats[i].re, strlen(pats[i].re), 0);
		prefilter_use(pf, conds[i], 0);
	}
	prefilter_build(pf);
	bits = xmalloc(prefilter_bitmap_size(pf));
	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		prefilter_scan(pf, 0, texts[t], bits);
		for (size_t i = 0; i < ARRAY_SIZE(pats); i++) {
			int matches = pcre2_match(codes[i], (PCRE2_SPTR)texts[t], strlen(texts[t]),
			                          0, 0, md, NULL) >= 0;
			int may = prefilter_may_match(pf, conds[i], bits);

			if (matches && !may)
				fail_msg("/%s/ matches \"%s\" but the prefilter skips it",
				         pats[i].re, texts[t]);
			skipped += !may;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(pats); i++)
		pcre2_code_free(codes[i]);
	pcre2_match_data_free(md);
	free(bits);
	prefilter_free(pf);
	return skipped;
}

static void test_sound(void **state)
{
	(void)state;
	/* and it is worth having: most pairs do not match */
	assert_true(check_sound() > ARRAY_SIZE(pats) * ARRAY_SIZE(texts) / 2);
}

/* pattern, text: may the text match? */
static int may(const char *re, const char *text)
{
	struct prefilter *pf = prefilter_new();
	int cond = prefilter_add(pf, re, strlen(re), 0);
	unsigned char *bits;
	int r;

	prefilter_use(pf, cond, 3);
	prefilter_build(pf);
	bits = xmalloc(prefilter_bitmap_size(pf));
	prefilter_scan(pf, 3, text, bits);
	r = prefilter_may_match(pf, cond, bits);
	free(bits);
	prefilter_free(pf);
	return r;
}

static void test_skips(void **state)
{
	(void)state;
	assert_false(may("thanks for (?:the|your) (?:intro|introduction)", "Thanks a lot"));
	assert_false(may("thanks for (?:the|your) (?:intro|introduction)", "the intro"));
	assert_true(may("thanks for (?:the|your) (?:intro|introduction)", "THANKS FOR THE INTRO"));
	assert_false(may("colou?r", "colr"));
	assert_false(may("\\x41\\x{42}c", "AB"));
	/* both sides of a sequence are needed, across a class */
	assert_false(may("regret\\b[ \\t]+hiring", "I regret it"));
	assert_true(may("regret\\b[ \\t]+hiring", "hiring? I regret"));
	/* a positive lookaround's literals are in the subject too */
	assert_false(may("call\\b(?<=\\bbook a call)", "call me"));
	/* a negative one asks for nothing */
	assert_true(may("(?<!not )call", "call"));
	/* the long s and the Kelvin sign are s and k */
	assert_true(may("ks", "\xe2\x84\xaa\xc5\xbf"));
	/* the Latin-1 letters in either case */
	assert_false(may("t[\xc3\xadi]a", "tea"));
	assert_true(may("cu\xc3\xb1"
	                "ado",
	                "CU\xc3\x91"
	                "ADO"));
	assert_true(may("\xc3\xa5r", "\xe2\x84\xab"
	                             "R"));
	/* one character is no condition */
	assert_true(may("x", "y"));
}

static void test_gives_up(void **state)
{
	static const char *const unknown[] = {
	        "\\Qabc\\E",   "(?(1)abc|abd)", "abc(*ACCEPT)def", "(?x)a b c", "(?C1)abc",
	        "abc{,3}",     "\\cAabc",       "(*pla:abc)def",   "abc)",      "\\0abc",
	        "\\N{U+41}bc", "(*MARK:m)abc",  "abc\\",
	};
	struct prefilter *pf = prefilter_new();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		if (prefilter_add(pf, unknown[i], strlen(unknown[i]), 0) != -1)
			fail_msg("/%s/ has a condition", unknown[i]);
	/* PCRE2_EXTENDED: white space and comments are no text */
	assert_int_equal(prefilter_add(pf, "abc", 3, 1), -1);
	assert_int_not_equal(prefilter_add(pf, "abc", 3, 0), -1);
	prefilter_build(pf);
	prefilter_free(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sound),
	        cmocka_unit_test(test_skips),
	        cmocka_unit_test(test_gives_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
