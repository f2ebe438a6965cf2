/*
 * test_util.c - the one UTF-8 validator (utf8_seq, utf8_valid): RFC 3629
 * section 4 strict, at the edges of every range; file_read at the sizes
 * where its buffer is sized or grown, from a file and from a pipe.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

/* A file of n bytes (a pattern, so a byte out of place shows). */
static void write_pattern(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc('a' + (int)(i % 23), f);
	assert_int_equal(fclose(f), 0);
}

static void check_pattern(const char *data, size_t len, size_t want)
{
	assert_int_equal(len, want);
	assert_int_equal(data[len], '\0');
	for (size_t i = 0; i < len; i++)
		if (data[i] != 'a' + (int)(i % 23))
			fail_msg("byte %zu of %zu", i, len);
}

static void test_file_read(void **state)
{
	/* around the power-of-two capacities and the 64 KiB step */
	static const size_t sizes[] = {0, 1, 7, 8, 127, 128, 65535, 65536, 65537, 200001};
	char dir[] = "/tmp/refagent-fileread-XXXXXX", path[128], fifo[128];
	char *data = NULL;
	size_t len = 0;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		write_pattern(path, sizes[i]);
		assert_int_equal(file_read(path, 1u << 20, &data, &len), 0);
		check_pattern(data, len, sizes[i]);
		free(data);
	}
	/* the limit is the size: at it reads, over it is EFBIG */
	write_pattern(path, 1000);
	assert_int_equal(file_read(path, 1000, &data, &len), 0);
	free(data);
	assert_int_equal(file_read(path, 999, &data, &len), -1);
	assert_int_equal(errno, EFBIG);
	/* a pipe has no size to go by: it grows as it reads */
	snprintf(fifo, sizeof(fifo), "%s/p", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		write_pattern(fifo, 150000);
		_exit(0);
	}
	assert_int_equal(file_read(fifo, 1u << 20, &data, &len), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	check_pattern(data, len, 150000);
	free(data);
	unlink(fifo);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_utf8_seq),
	        cmocka_unit_test(test_utf8_valid),
	        cmocka_unit_test(test_addr_find),
	        cmocka_unit_test(test_file_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
