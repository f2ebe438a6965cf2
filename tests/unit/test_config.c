/*
 * test_config.c - refagent.conf: defaults, every kind of fault reported as
 * file:line, paths relative to the config, passwords only from a file,
 * and the OAuth2 keys: one complete token source, no password with it,
 * secrets only in files.
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
	/* choices take their first word */
	assert_int_equal(cfg->review_daily, 0);
	assert_int_equal(cfg->welcome_from_rep, 0);
	assert_int_equal(cfg->credit_last, 0);
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
	                                  "review = Daily\n"
	                                  "welcome_from = rep\n"
	                                  "[rewards]\n"
	                                  "credit = last\n"
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
	assert_int_equal(cfg->review_daily, 1);
	assert_int_equal(cfg->welcome_from_rep, 1);
	assert_int_equal(cfg->credit_last, 1);
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
	                                  "tom = Tom\n"                 /* 11 */
	                                  "[agent]\n"                   /* 12 */
	                                  "review = weekly\n"           /* 13 */
	                                  "welcome_from = boss\n"       /* 14 */
	                                  "[rewards]\n"                 /* 15 */
	                                  "credit = middle\n");         /* 16 */
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
	        ":13: review: 'weekly' is not now or daily",
	        ":14: welcome_from: 'boss' is not agent or rep",
	        ":16: credit: 'middle' is not first or last",
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

static void test_oauth_settings(void **state)
{
	char *path = write_conf("o.conf", "[agent]\naddress = a@biz.test\n"
	                                  "[imap]\nserver = imap.gmail.com\nuser = a@biz.test\n"
	                                  "auth = XOAUTH2\n"
	                                  "oauth2_token_command = oama access a@biz.test\n"
	                                  "[smtp]\nserver = smtp.office365.com\n"
	                                  "security = starttls\nuser = a@biz.test\n"
	                                  "auth = oauthbearer\n"
	                                  "oauth2_token_url = https://login.microsoftonline.com/"
	                                  "common/oauth2/v2.0/token\n"
	                                  "oauth2_client_id = 08162f7c\n"
	                                  "oauth2_client_secret_file = client.secret\n"
	                                  "oauth2_refresh_token_file = /etc/refagent/refresh\n");
	struct config *cfg = NULL;
	char *out = NULL, *want = xasprintf("%s/client.secret", dir);

	assert_int_equal(load_capture(path, &cfg, &out), 0);
	assert_string_equal(out, "");
	assert_int_equal(cfg->imap.auth, AUTH_XOAUTH2);
	assert_string_equal(cfg->imap.oauth2_token_command, "oama access a@biz.test");
	assert_int_equal(cfg->smtp.auth, AUTH_OAUTHBEARER);
	assert_int_equal(cfg->smtp.port, 587);
	assert_string_equal(cfg->smtp.oauth2_client_id, "08162f7c");
	assert_string_equal(cfg->smtp.oauth2_client_secret_file, want);
	assert_string_equal(cfg->smtp.oauth2_refresh_token_file, "/etc/refagent/refresh");
	assert_null(cfg->smtp.oauth2_token_command);
	assert_string_equal(config_auth_name(cfg->smtp.auth), "oauthbearer");
	config_free(cfg);
	free(out);
	free(want);
	free(path);
}

/* Each wrong combination is a fault with the line to fix. */
static void test_oauth_faults(void **state)
{
	char *path =
	        write_conf("p.conf", "[agent]\naddress = a@biz.test\n"      /* 1, 2 */
	                             "[imap]\n"                             /* 3 */
	                             "server = imap.gmail.com\n"            /* 4 */
	                             "auth = xoauth2\n"                     /* 5 */
	                             "oauth2_client_secret = GOCSPX-hush\n" /* 6 */
	                             "[smtp]\n"                             /* 7 */
	                             "server = smtp.gmail.com\n"            /* 8 */
	                             "user = a@biz.test\n"                  /* 9 */
	                             "password_file = pw\n"                 /* 10 */
	                             "auth = oauthbearer\n"                 /* 11 */
	                             "oauth2_token_command = echo tok\n"    /* 12 */
	                             "oauth2_token_url = http://oauth2.example.com/token\n" /* 13 */
	                             "[agent]\n"                                            /* 14 */
	                             "name = x\n");                                         /* 15 */
	char *path2 = write_conf("q.conf", "[agent]\naddress = a@biz.test\n"   /* 1, 2 */
	                                   "[imap]\nserver = imap.gmail.com\n" /* 3, 4 */
	                                   "user = a@biz.test\n"               /* 5 */
	                                   "password_file = pw\n"              /* 6 */
	                                   "oauth2_client_id = abc\n"          /* 7 */
	                                   "[smtp]\nserver = smtp.gmail.com\n" /* 8, 9 */
	                                   "user = a@biz.test\n"               /* 10 */
	                                   "auth = xoauth2\n"                  /* 11 */
	                                   "oauth2_client_id = abc\n"          /* 12 */
	                                   "auth = sso\n");                    /* 13 */
	struct config *cfg = NULL;
	char *out = NULL;
	char want[512];
	const char *expect[] = {
	        ":5: [imap] auth = xoauth2 needs user",
	        ":5: [imap] auth = xoauth2 needs oauth2_token_command, or oauth2_token_url, "
	        "oauth2_client_id and oauth2_refresh_token_file",
	        ":6: [imap] oauth2_client_secret: OAuth2 secrets and tokens do not go in the "
	        "config",
	        ":10: [smtp] password_file is set but auth = oauthbearer signs in with a token",
	        ":12: [smtp] oauth2_token_command and the refresh flow",
	};
	const char *expect2[] = {
	        ":7: [imap] oauth2_client_id is set but auth = password",
	        ":13: auth: 'sso' is not password, xoauth2 or oauthbearer",
	        ":13: [smtp] auth is set twice",
	        ":13: [smtp] auth = xoauth2: oauth2_token_url is not set",
	        ":13: [smtp] auth = xoauth2: oauth2_refresh_token_file is not set",
	};

	assert_int_equal(load_capture(path, &cfg, &out), -1);
	for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
		snprintf(want, sizeof(want), "%s%s", path, expect[i]);
		if (strstr(out, want) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want, out);
	}
	assert_null(strstr(out, "GOCSPX-hush"));
	free(out);
	assert_int_equal(load_capture(path2, &cfg, &out), -1);
	for (size_t i = 0; i < ARRAY_SIZE(expect2); i++) {
		snprintf(want, sizeof(want), "%s%s", path2, expect2[i]);
		if (strstr(out, want) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want, out);
	}
	free(out);
	free(path);
	free(path2);
}

/* http:// is for a token endpoint on loopback only. */
static void test_oauth_url(void **state)
{
	static const struct {
		const char *url;
		int ok;
	} cases[] = {
	        {"https://oauth2.googleapis.com/token", 1},
	        {"http://127.0.0.1:8080/token", 1},
	        {"http://localhost/token", 1},
	        {"http://[::1]:99/token", 1},
	        {"http://oauth2.googleapis.com/token", 0},
	        {"http://127.0.0.1.evil.test/token", 0},
	        {"http://127.0.0.1@evil.test/token", 0},
	        {"ftp://127.0.0.1/token", 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = xasprintf("[agent]\naddress = a@biz.test\n[imap]\nserver = x.test\n"
		                       "user = a@biz.test\nauth = xoauth2\noauth2_token_url = %s\n"
		                       "oauth2_client_id = id\noauth2_refresh_token_file = rt\n",
		                       cases[i].url);
		char *path = write_conf("u.conf", text);
		struct config *cfg = NULL;
		char *out = NULL;

		if ((load_capture(path, &cfg, &out) == 0) != cases[i].ok)
			fail_msg("%s: want %s, got:\n%s", cases[i].url,
			         cases[i].ok ? "ok" : "a fault", out);
		config_free(cfg);
		free(out);
		free(path);
		free(text);
	}
}

static void test_read_secret(void **state)
{
	char *path = write_conf("rt", "1//0refresh-token\nsecond line\n");
	char *empty = write_conf("empty", "\n");
	char *s = NULL, *err = NULL;

	chmod(path, 0640);
	assert_int_equal(config_read_secret(path, "refresh token", &s, &err), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, "refresh-token"));
	free(err);
	chmod(path, 0600);
	assert_int_equal(config_read_secret(path, "refresh token", &s, &err), 0);
	assert_string_equal(s, "1//0refresh-token");
	free(s);
	chmod(empty, 0600);
	assert_int_equal(config_read_secret(empty, "refresh token", &s, &err), -1);
	assert_non_null(strstr(err, "empty refresh token"));
	free(err);
	free(path);
	free(empty);
}

/* [agent] database, business, lease: a file is a path relative to the
 * config, a PostgreSQL URL or connection string stays as written; the
 * business is the address's domain unless set, and is checked; the lease
 * is a duration; a database password file needs PostgreSQL. */
static void test_database_business_lease(void **state)
{
	char *a = write_conf("d1.conf", "[agent]\naddress = referrals@Bright-Path.Example.COM\n");
	char *b = write_conf("d2.conf", "[agent]\naddress = agent@biz.test\n"
	                                "database = postgresql://refagent@db.example/refagent\n"
	                                "database_password_file = db.password\n"
	                                "business = north-1\n"
	                                "lease = 2m\n");
	char *c = write_conf("d3.conf", "[agent]\naddress = agent@biz.test\n"
	                                "database = host=db.example dbname=refagent user=ra\n");
	char *d = write_conf("d4.conf", "[agent]\n"                       /* 1 */
	                                "address = agent@biz.test\n"      /* 2 */
	                                "business = North_Wind\n"         /* 3 */
	                                "lease = 1s\n"                    /* 4 */
	                                "database_password_file = pw\n"); /* 5 */
	struct config *cfg = NULL;
	char *out = NULL, *want;

	assert_int_equal(load_capture(a, &cfg, &out), 0);
	assert_string_equal(cfg->business, "bright-path-example-com");
	assert_int_equal(cfg->business_set, 0);
	assert_int_equal(cfg->lease, 30);
	assert_null(cfg->database_password_file);
	config_free(cfg);
	free(out);

	assert_int_equal(load_capture(b, &cfg, &out), 0);
	assert_string_equal(out, "");
	assert_string_equal(cfg->database, "postgresql://refagent@db.example/refagent");
	want = xasprintf("%s/db.password", dir);
	assert_string_equal(cfg->database_password_file, want);
	free(want);
	assert_string_equal(cfg->business, "north-1");
	assert_int_equal(cfg->business_set, 1);
	assert_int_equal(cfg->lease, 120);
	config_free(cfg);
	free(out);

	assert_int_equal(load_capture(c, &cfg, &out), 0);
	assert_string_equal(cfg->database, "host=db.example dbname=refagent user=ra");
	config_free(cfg);
	free(out);

	assert_int_equal(load_capture(d, &cfg, &out), -1);
	want = xasprintf("%s:3: business: 'North_Wind' is not a business key", d);
	assert_non_null(strstr(out, want));
	free(want);
	want = xasprintf("%s:4: lease: '1s' is not a duration from 3s to 3600s", d);
	assert_non_null(strstr(out, want));
	free(want);
	want = xasprintf("%s:5: [agent] database_password_file is set but database is a SQLite "
	                 "file",
	                 d);
	assert_non_null(strstr(out, want));
	free(want);
	free(out);

	{
		char *k = config_business_of("x@a.b_c..d");

		assert_string_equal(k, "a-b-c-d");
		free(k);
		k = config_business_of("x@");
		assert_string_equal(k, "default");
		free(k);
	}
	free(a);
	free(b);
	free(c);
	free(d);
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
	        cmocka_unit_test_setup_teardown(test_oauth_settings, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_oauth_faults, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_oauth_url, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_read_secret, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_database_business_lease, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
