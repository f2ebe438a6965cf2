/*
 * test_progress.c - the progress line: when it is drawn at all, and what
 * a terminal receives, through a pseudo-terminal: the line redrawn in place,
 * erased before a log line, erased at the end.
 */
#include "testutil.h"

#include <fcntl.h>
#include <pty.h>

#include "log.h"
#include "progress.h"

static void test_wanted(void **state)
{
	static const struct {
		int err_tty, out_tty, lines, want;
	} cases[] = {
	        {1, 0, 1, 1}, /* lines go to a file: the bar on the terminal */
	        {1, 1, 0, 1}, /* --quiet on a terminal */
	        {1, 1, 1, 0}, /* lines on the same terminal: no bar */
	        {0, 1, 0, 0}, /* stderr a file or pipe: never */
	        {0, 0, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(
		        progress_wanted(cases[i].err_tty, cases[i].out_tty, cases[i].lines),
		        cases[i].want);
	/* this test runs with stderr a pipe or file: nothing */
	if (!isatty(2))
		assert_null(progress_start("import", "rows", 10, 0));
}

/* Everything written to the master side so far. */
static char *drain(int master)
{
	struct buf b = {0};
	char chunk[512];
	ssize_t n;

	while ((n = read(master, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

static void test_on_a_terminal(void **state)
{
	int master, slave, saved_err = dup(2), saved_out = dup(1),
	                   null = open("/dev/null", O_WRONLY);
	struct progress *p;
	char *out;

	(void)state;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	fcntl(master, F_SETFL, O_NONBLOCK);
	fflush(stderr);
	dup2(slave, 2);
	dup2(null, 1);
	p = progress_start("import", "rows", 200, 1);
	progress_update(p, 50, "50 added");
	progress_update(p, 60, NULL); /* within 100 ms: not drawn */
	log_error("row 7: a problem");
	progress_update(p, 70, NULL); /* drawn again after the log line */
	progress_end(p);
	fflush(stderr);
	dup2(saved_err, 2);
	dup2(saved_out, 1);
	close(saved_err);
	close(saved_out);
	close(null);
	assert_non_null(p);
	out = drain(master);
	close(master);
	close(slave);
	assert_non_null(strstr(out, "\r\033[Kimport: [#######.......................]  25% 50/200 "
	                            "rows, 50 added"));
	assert_null(strstr(out, "60/200"));
	/* the log line starts on a clean line, and the bar comes back */
	assert_non_null(strstr(out, "50 added\r\033[Krefagent: error: row 7: a problem"));
	assert_non_null(strstr(out, "70/200 rows"));
	/* and the last thing on the terminal is the erase */
	assert_int_equal(strcmp(out + strlen(out) - 4, "\r\033[K"), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wanted),
	        cmocka_unit_test(test_on_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
