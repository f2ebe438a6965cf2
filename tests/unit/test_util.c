/*
 * test_util.c - the one UTF-8 validator (utf8_seq, utf8_valid): RFC 3629
 * section 4 strict, at the edges of every range.
 */
#include "testutil.h"

static void seq(const char *s, size_t avail, size_t want)
{
	assert_int_equal(utf8_seq(s, avail), want);
}

static void test_utf8_seq(void **state)
{
	(void)state;
	seq("a", 1, 1);
	seq("\0", 1, 1);
	seq("\x7f", 1, 1);
	/* the smallest and largest of each length */
	seq("\xc2\x80", 2, 2);
	seq("\xdf\xbf", 2, 2);
	seq("\xe0\xa0\x80", 3, 3);
	seq("\xef\xbf\xbf", 3, 3);
	seq("\xf0\x90\x80\x80", 4, 4);
	seq("\xf4\x8f\xbf\xbf", 4, 4);
	/* around the surrogates */
	seq("\xed\x9f\xbf", 3, 3);
	seq("\xee\x80\x80", 3, 3);
	/* stray continuation bytes, bytes that never start a sequence */
	seq("\x80", 1, 0);
	seq("\xbf", 1, 0);
	seq("\xf5\x80\x80\x80", 4, 0);
	seq("\xff", 1, 0);
	/* overlong forms */
	seq("\xc0\x80", 2, 0);
	seq("\xc1\xbf", 2, 0);
	seq("\xe0\x9f\xbf", 3, 0);
	seq("\xf0\x8f\xbf\xbf", 4, 0);
	/* surrogates U+D800..U+DFFF */
	seq("\xed\xa0\x80", 3, 0);
	seq("\xed\xbf\xbf", 3, 0);
	/* past U+10FFFF */
	seq("\xf4\x90\x80\x80", 4, 0);
	/* cut short: by avail, or by a byte that does not continue */
	seq("\xe2\x82\xac", 2, 0);
	seq("\xf0\x9f\x98", 3, 0);
	seq("\xe2\x82\x41", 3, 0);
	seq("\xc3\x41", 2, 0);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	assert_true(utf8_valid("nul\0inside", 10));
	assert_false(utf8_valid("caf\xe9", 4));
	assert_false(utf8_valid("sur\xed\xa0\x80", 6));
	assert_false(utf8_valid("over\xc0\xaf", 6));
	/* len, not the NUL, ends the text: a sequence cut by len is bad */
	assert_false(utf8_valid("\xc3\xa9", 1));
	assert_true(utf8_valid("\xc3\xa9", 2));
}

/* The first address in a text: no sentence's full stop, no quotes, no
 * "name@host" without a dot. */
static void test_addr_find(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	        {"write to jane.doe@client.test.", "jane.doe@client.test"},
	        {"(mailto:bob+x@mail.example.org)", "bob+x@mail.example.org"},
	        {"'ann@x.io' or", "ann@x.io"},
	        {"root@localhost and tom@deck.test", "tom@deck.test"},
	        {"@ alone, a@b.c", NULL},
	        {"no address here", NULL},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = 0;
		const char *a = addr_find(cases[i].text, strlen(cases[i].text), &n);

		if (cases[i].want == NULL) {
			assert_null(a);
			continue;
		}
		assert_non_null(a);
		assert_int_equal(n, strlen(cases[i].want));
		assert_memory_equal(a, cases[i].want, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_utf8_seq),
	        cmocka_unit_test(test_utf8_valid),
	        cmocka_unit_test(test_addr_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
