/*
 * test_config.c - refagent.conf: defaults, every kind of fault reported as
 * file:line, paths relative to the config, passwords only from a file.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/refagent-config-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *write_conf(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Loads path with stderr captured; returns the rc and sets *out. */
static int load_capture(const char *path, struct config **cfg, char **out)
{
	struct stderr_capture c;
	int rc;

	stderr_capture_begin(&c);
	rc = config_load(path, cfg);
	*out = stderr_capture_end(&c);
	return rc;
}

static void test_minimal_defaults(void **state)
{
	char *path = write_conf("a.conf", "[agent]\naddress = Referrals@Biz.Test\n");
	struct config *cfg = NULL;
	char *out = NULL;

	assert_int_equal(load_capture(path, &cfg, &out), 0);
	assert_string_equal(out, "");
	assert_string_equal(cfg->address, "referrals@biz.test");
	assert_string_equal(cfg->domains, "biz.test");
	assert_int_equal(cfg->max_leads, 5);
	assert_string_equal(cfg->imap_mailbox, "INBOX");
	assert_int_equal(cfg->imap.security, SEC_TLS);
	/* relative paths are taken from the config's folder */
	char *want = xasprintf("%s/refagent.db", dir);
	assert_string_equal(cfg->database, want);
	free(want);
	config_free(cfg);
	free(out);
	free(path);
}

static void test_full(void **state)
{
	char *path = write_conf("b.conf", "; comment\n"
	                                  "[agent]\n"
	                                  "address = agent@biz.test\n"
	                                  "aliases = referrals@biz.test, intros@biz.test\n"
	                                  "domains = biz.test, bizcorp.test\n"
	                                  "name = Brightpath Renovations\n"
	                                  "database = /var/lib/refagent/db.sqlite\n"
	                                  "max_leads = 3\n"
	                                  "[imap]\n"
	                                  "server = 127.0.0.1\n"
	                                  "security = none\n"
	                                  "user = agent@biz.test\n"
	                                  "password_file = pw\n"
	                                  "[reps]\n"
	                                  "Tom@Biz.Test = Tom Rivera\n"
	                                  "ana@biz.test = Ana Lopez\n");
	struct config *cfg = NULL;
	char *out = NULL;

	assert_int_equal(load_capture(path, &cfg, &out), 0);
	assert_string_equal(cfg->database, "/var/lib/refagent/db.sqlite");
	assert_int_equal(cfg->imap.port, 143);
	assert_int_equal(cfg->max_leads, 3);
	assert_int_equal(cfg->nreps, 2);
	assert_string_equal(cfg->reps[0].email, "tom@biz.test");
	assert_string_equal(cfg->reps[0].name, "Tom Rivera");
	assert_true(config_is_agent(cfg, "agent@biz.test"));
	assert_true(config_is_agent(cfg, "agent+r42@biz.test"));
	assert_true(config_is_agent(cfg, "intros@biz.test"));
	assert_false(config_is_agent(cfg, "agentx@biz.test"));
	assert_false(config_is_agent(cfg, "agent@other.test"));
	assert_true(config_is_business(cfg, "x@bizcorp.test"));
	assert_true(config_is_business(cfg, "x@forms.biz.test"));
	assert_false(config_is_business(cfg, "x@notbiz.test"));
	assert_non_null(config_find_rep(cfg, "TOM@biz.test"));
	assert_null(config_find_rep(cfg, "bob@biz.test"));
	config_free(cfg);
	free(out);
	free(path);
}

/* Every fault is reported with its line, not just the first. */
static void test_faults_with_lines(void **state)
{
	char *path = write_conf("c.conf", "[agent]\n"                   /* 1 */
	                                  "address = not-an-address\n"  /* 2 */
	                                  "favourite = blue\n"          /* 3 */
	                                  "max_leads = many\n"          /* 4 */
	                                  "this line is junk\n"         /* 5 */
	                                  "[imap]\n"                    /* 6 */
	                                  "server = mail.example.com\n" /* 7 */
	                                  "security = none\n"           /* 8 */
	                                  "password = hunter2\n"        /* 9 */
	                                  "[reps]\n"                    /* 10 */
	                                  "tom = Tom\n");               /* 11 */
	struct config *cfg = NULL;
	char *out = NULL;
	char want[256];

	assert_int_equal(load_capture(path, &cfg, &out), -1);
	assert_null(cfg);
	const char *expect[] = {
	        ":2: address: 'not-an-address' is not a mail address",
	        ":3: unknown setting 'favourite' in [agent]",
	        ":4: max_leads: 'many' is not a number",
	        ":5: syntax error",
	        ":8: [imap] security = none sends the password in clear text",
	        ":9: [imap] password: passwords do not go in the config",
	        ":11: [reps] 'tom' is not a mail address",
	};
	for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
		snprintf(want, sizeof(want), "%s%s", path, expect[i]);
		if (strstr(out, want) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want, out);
	}
	assert_null(strstr(out, "hunter2"));
	free(out);
	free(path);
}

/* [goals] and [reps] digest: yes for every rep, or a list of them, the
 * reps' lines before or after it; anything else is a fault with its
 * line. */
static void test_goals_and_digest(void **state)
{
	char *path = write_conf("d.conf", "[agent]\n"
	                                  "address = agent@biz.test\n"
	                                  "[goals]\n"
	                                  "referrals_per_month = 12\n"
	                                  "won_per_month = 4\n"
	                                  "[reps]\n"
	                                  "tom@biz.test = Tom Rivera\n"
	                                  "digest = Ana@Biz.Test\n"
	                                  "ana@biz.test = Ana Lopez\n");
	struct config *cfg = NULL;
	char *out = NULL;

	assert_int_equal(load_capture(path, &cfg, &out), 0);
	assert_string_equal(out, "");
	assert_int_equal(cfg->goal_referrals, 12);
	assert_int_equal(cfg->goal_won, 4);
	assert_int_equal(cfg->nreps, 2);
	assert_false(cfg->reps[0].digest);
	assert_true(cfg->reps[1].digest);
	config_free(cfg);
	free(out);
	free(path);

	path = write_conf("e.conf", "[agent]\naddress = agent@biz.test\n[reps]\ndigest = yes\n"
	                            "tom@biz.test = Tom Rivera\nana@biz.test = Ana Lopez\n");
	assert_int_equal(load_capture(path, &cfg, &out), 0);
	assert_true(cfg->reps[0].digest && cfg->reps[1].digest);
	assert_int_equal(cfg->goal_referrals, 0); /* no goal */
	config_free(cfg);
	free(out);
	free(path);

	path = write_conf("f.conf", "[agent]\n"                             /* 1 */
	                            "address = agent@biz.test\n"            /* 2 */
	                            "[goals]\n"                             /* 3 */
	                            "won_per_month = -1\n"                  /* 4 */
	                            "[reps]\n"                              /* 5 */
	                            "tom@biz.test = Tom Rivera\n"           /* 6 */
	                            "digest = tom@biz.test, bob@biz.test\n" /* 7 */
	                            "digest = no\n");                       /* 8 */
	assert_int_equal(load_capture(path, &cfg, &out), -1);
	{
		const char *expect[] = {
		        ":4: won_per_month: '-1' is not a number from 0 to 1000000",
		        ":8: [reps] digest is set twice (first on line 7)",
		};

		for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
			char *want = xasprintf("%s%s", path, expect[i]);

			if (strstr(out, want) == NULL)
				fail_msg("missing \"%s\" in:\n%s", want, out);
			free(want);
		}
	}
	free(out);
	free(path);

	path = write_conf("g.conf",
	                  "[agent]\naddress = agent@biz.test\n[reps]\n"
	                  "tom@biz.test = Tom Rivera\ndigest = tom@biz.test, bob@biz.test\n");
	assert_int_equal(load_capture(path, &cfg, &out), -1);
	{
		char *want =
		        xasprintf("%s:5: [reps] digest: 'bob@biz.test' is not yes, no or a rep "
		                  "listed in [reps]",
		                  path);

		if (strstr(out, want) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want, out);
		free(want);
	}
	free(out);
	free(path);
}

static void test_missing_file(void **state)
{
	struct config *cfg = NULL;
	char *out = NULL;
	char *path = xasprintf("%s/none.conf", dir);

	assert_int_equal(load_capture(path, &cfg, &out), -1);
	assert_non_null(strstr(out, "none.conf: cannot read the config"));
	free(out);
	free(path);
}

static void test_password_file(void **state)
{
	char *path = write_conf("d.conf", "[agent]\naddress = a@biz.test\n"
	                                  "[imap]\nserver = localhost\nsecurity = none\n"
	                                  "user = a@biz.test\npassword_file = secret\n");
	char *pwpath = write_conf("secret", "s3cret\n");
	struct config *cfg = NULL;
	char *out = NULL, *pw = NULL, *err = NULL;

	assert_int_equal(load_capture(path, &cfg, &out), 0);
	chmod(pwpath, 0644);
	assert_int_equal(config_read_password(&cfg->imap, &pw, &err), -1);
	assert_non_null(strstr(err, "chmod 600"));
	free(err);
	chmod(pwpath, 0600);
	assert_int_equal(config_read_password(&cfg->imap, &pw, &err), 0);
	assert_string_equal(pw, "s3cret");
	free(pw);
	config_free(cfg);
	free(out);
	free(path);
	free(pwpath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_minimal_defaults, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_faults_with_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_goals_and_digest, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_password_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
