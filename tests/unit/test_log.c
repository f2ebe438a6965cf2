/*
 * test_log.c - log lines: the plain "refagent: warning: ..." text on a
 * terminal or file, and "<N>..." syslog priorities when stderr is the
 * systemd journal (JOURNAL_STREAM naming fd 2's device and inode).
 */
#include "testutil.h"

#include <sys/stat.h>

#include "log.h"

/* Points JOURNAL_STREAM at the file fd 2 is now (the capture's). */
static void journal_is_stderr(void)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(2, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void log_all_levels(void)
{
	log_error("cannot reach %s", "imap.biz.test");
	log_warn("slow rule %d", 7);
	log_info("connected\r\nwatching INBOX");
	log_debug("fetched UID %d", 42);
}

static void test_plain(void **state)
{
	struct stderr_capture c;
	char *out;

	unsetenv("JOURNAL_STREAM");
	log_set_level(LOG_DEBUG);
	log_set_timestamps(0);
	stderr_capture_begin(&c);
	assert_int_equal(log_detect_journal(), 0);
	log_all_levels();
	out = stderr_capture_end(&c);
	assert_string_equal(out, "refagent: error: cannot reach imap.biz.test\n"
	                         "refagent: warning: slow rule 7\n"
	                         "refagent: connected  watching INBOX\n"
	                         "refagent: debug: fetched UID 42\n");
	free(out);
}

/* Every level logged at max_level with stderr as the journal; returns
 * what was written (caller frees). */
static char *log_to_journal(enum log_level max_level)
{
	struct stderr_capture c;
	char *out;

	log_set_level(max_level);
	stderr_capture_begin(&c);
	journal_is_stderr();
	assert_int_equal(log_detect_journal(), 1);
	log_all_levels();
	out = stderr_capture_end(&c);
	log_set_level(LOG_INFO);
	unsetenv("JOURNAL_STREAM");
	return out;
}

static void test_journal(void **state)
{
	char *out;

	log_set_timestamps(1); /* the journal stamps lines itself */
	out = log_to_journal(LOG_DEBUG);
	log_set_timestamps(0);
	assert_string_equal(out, "<3>error: cannot reach imap.biz.test\n"
	                         "<4>warning: slow rule 7\n"
	                         "<6>connected  watching INBOX\n"
	                         "<7>debug: fetched UID 42\n");
	free(out);
}

/* The level still filters in the journal. */
static void test_journal_quiet(void **state)
{
	char *out = log_to_journal(LOG_ERROR);

	assert_string_equal(out, "<3>error: cannot reach imap.biz.test\n");
	free(out);
}

/* A child of a journal-connected process whose stderr went to a file (a
 * shell redirect in ExecStart, a test) inherits JOURNAL_STREAM: the plain
 * text is kept.  So it is for a malformed value. */
static void test_inherited_or_malformed(void **state)
{
	static const char *const values[] = {"1:1", "", "12", "12:34x", "a:b", "12:-3"};
	struct stderr_capture c;
	struct stat st;
	char v[64];
	char *out;

	log_set_level(LOG_INFO);
	log_set_timestamps(0);
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		setenv("JOURNAL_STREAM", values[i], 1);
		stderr_capture_begin(&c);
		assert_int_equal(log_detect_journal(), 0);
		log_warn("value %zu", i);
		out = stderr_capture_end(&c);
		assert_true(strncmp(out, "refagent: warning: value ", 25) == 0);
		free(out);
	}
	/* the device and inode of another file than fd 2 */
	assert_int_equal(stat("/", &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	stderr_capture_begin(&c);
	assert_int_equal(log_detect_journal(), 0);
	out = stderr_capture_end(&c);
	free(out);
	unsetenv("JOURNAL_STREAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain),
	        cmocka_unit_test(test_journal),
	        cmocka_unit_test(test_journal_quiet),
	        cmocka_unit_test(test_inherited_or_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
