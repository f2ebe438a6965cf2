/*
 * test_import.c - spreadsheets into referrals: the words, dates and
 * amounts sheets hold (tables of cases), then whole files from
 * tests/data/csv/ into a real store: what each row becomes, rows skipped
 * alone, a second import adding nothing, dry runs writing nothing, no mail
 * ever, and an export imported again giving the same referrals.
 */
#include "testutil.h"
#include "testdb.h"

#include <time.h>

#include "clock.h"
#include "config.h"
#include "export.h"
#include "import.h"
#include "schedule.h"
#include "store.h"

static const int64_t NOW = 1796119200; /* 2026-12-01 10:00 UTC */

static const char *iso(int64_t t)
{
	static char buf[32];

	return time_iso(t, buf);
}

/* ---- dates ---- */

static void test_dates(void **state)
{
	static const struct {
		const char *in;
		enum import_dates order;
		int rc;
		const char *want; /* UTC, the process in UTC */
		int has_time;
	} cases[] = {
	        {"2026-03-02", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"2026/03/02", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"2026-03-02 14:30", DATES_AUTO, 0, "2026-03-02T14:30:00Z", 1},
	        {"2026-03-02T14:30:05Z", DATES_AUTO, 0, "2026-03-02T14:30:05Z", 1},
	        {"2026-03-02T14:30:00+01:00", DATES_AUTO, 0, "2026-03-02T13:30:00Z", 1},
	        {"2026-03-02T14:30:00.250-0500", DATES_AUTO, 0, "2026-03-02T19:30:00Z", 1},
	        {"02/03/2026", DATES_DAY_FIRST, 0, "2026-03-02T00:00:00Z", 0},
	        {"02/03/2026", DATES_MONTH_FIRST, 0, "2026-02-03T00:00:00Z", 0},
	        {"02/03/2026", DATES_AUTO, 1, NULL, 0},
	        {"25/03/2026", DATES_AUTO, 0, "2026-03-25T00:00:00Z", 0},
	        {"3/25/2026", DATES_AUTO, 0, "2026-03-25T00:00:00Z", 0},
	        {"3/3/26", DATES_AUTO, 0, "2026-03-03T00:00:00Z", 0},
	        {"02.03.2026", DATES_MONTH_FIRST, 0, "2026-03-02T00:00:00Z", 0},
	        {"02-03-2026", DATES_DAY_FIRST, 0, "2026-03-02T00:00:00Z", 0},
	        {"3/2/2026 2:30 PM", DATES_MONTH_FIRST, 0, "2026-03-02T14:30:00Z", 1},
	        {"3/2/2026 2:30pm", DATES_MONTH_FIRST, 0, "2026-03-02T14:30:00Z", 1},
	        {"3/2/2026 12:05 a.m.", DATES_MONTH_FIRST, 0, "2026-03-02T00:05:00Z", 1},
	        {"2 March 2026", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"March 2, 2026", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"Mar 2, 2026 09:15", DATES_AUTO, 0, "2026-03-02T09:15:00Z", 1},
	        {"Monday, March 2nd, 2026", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"2-Mar-26", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0},
	        {"2 Sept 2026", DATES_AUTO, 0, "2026-09-02T00:00:00Z", 0},
	        {"29 Feb 2028", DATES_AUTO, 0, "2028-02-29T00:00:00Z", 0},
	        {"46083", DATES_AUTO, 0, "2026-03-02T00:00:00Z", 0}, /* Excel's day */
	        {"2026-02-31", DATES_AUTO, -1, NULL, 0},
	        {"29 Feb 2026", DATES_AUTO, -1, NULL, 0},
	        {"2026-13-01", DATES_AUTO, -1, NULL, 0},
	        {"2026-03-02 25:00", DATES_AUTO, -1, NULL, 0},
	        {"13:30 PM", DATES_AUTO, -1, NULL, 0},
	        {"next Tuesday", DATES_AUTO, -1, NULL, 0},
	        {"March", DATES_AUTO, -1, NULL, 0},
	        {"1850-01-01", DATES_AUTO, -1, NULL, 0},
	        {"12", DATES_AUTO, -1, NULL, 0},
	        {"", DATES_AUTO, -1, NULL, 0},
	};

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t t = 0;
		int has_time = -1;
		int rc = import_date(cases[i].in, cases[i].order, &t, &has_time);

		if (rc != cases[i].rc)
			fail_msg("'%s': %d, want %d", cases[i].in, rc, cases[i].rc);
		if (rc == 0 &&
		    (strcmp(iso(t), cases[i].want) != 0 || has_time != cases[i].has_time))
			fail_msg("'%s': %s (time %d), want %s", cases[i].in, iso(t), has_time,
			         cases[i].want);
	}
	/* local times are the business's: [schedule] timezone is the TZ */
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	{
		int64_t t;

		assert_int_equal(import_date("2026-03-02 14:30", DATES_AUTO, &t, NULL), 0);
		assert_string_equal(iso(t), "2026-03-02T22:30:00Z");
		assert_int_equal(import_date("2026-03-02T14:30Z", DATES_AUTO, &t, NULL), 0);
		assert_string_equal(iso(t), "2026-03-02T14:30:00Z");
	}
	setenv("TZ", "UTC", 1);
	tzset();
}

/* ---- amounts, statuses, headers, people ---- */

static void test_values(void **state)
{
	static const struct {
		const char *in;
		int rc;
		double want;
	} cases[] = {
	        {"12000", 0, 12000},
	        {"$12,000", 0, 12000},
	        {"$12,000.00", 0, 12000},
	        {"12.000 \xe2\x82\xac", 0, 12000},
	        {"12.000,50 \xe2\x82\xac", 0, 12000.5},
	        {"\xe2\x82\xac 1.234.567,89", 0, 1234567.89},
	        {"12\xc2\xa0"
	         "500,00 \xe2\x82\xac",
	         0, 12500},
	        {"12 000", 0, 12000},
	        {"12'000", 0, 12000},
	        {"12,5", 0, 12.5},
	        {"12.50", 0, 12.5},
	        {"0.125", 0, 0.125},
	        {"1,234,567.89", 0, 1234567.89},
	        {"12k", 0, 12000},
	        {"1.2K", 0, 1200},
	        {"2m", 0, 2000000},
	        {"USD 12000", 0, 12000},
	        {"12000 EUR", 0, 12000},
	        {"\xc2\xa3"
	         "950",
	         0, 950},
	        {"TBD", -1, 0},
	        {"N/A", -1, 0},
	        {"-500", -1, 0},
	        {"about 12k", -1, 0},
	        {"12,00,000", -1, 0},
	        {"1.2.3", -1, 0},
	        {"12k3", -1, 0},
	        {"", -1, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double v = -1;
		int rc = import_value(cases[i].in, &v);

		if (rc != cases[i].rc ||
		    (rc == 0 && (v < cases[i].want - 0.001 || v > cases[i].want + 0.001)))
			fail_msg("'%s': %d %.3f, want %d %.3f", cases[i].in, rc, v, cases[i].rc,
			         cases[i].want);
	}
}

static void test_statuses(void **state)
{
	static const struct {
		const char *word;
		int found;
		enum status want;
	} cases[] = {
	        {"new", 1, STATUS_NEW},
	        {"Won", 1, STATUS_WON},
	        {"WON", 1, STATUS_WON},
	        {"Closed won", 1, STATUS_WON},
	        {"Closed-Won", 1, STATUS_WON},
	        {"closed_won", 1, STATUS_WON},
	        {"Lost", 1, STATUS_LOST},
	        {"Closed Lost", 1, STATUS_LOST},
	        {"Contacted", 1, STATUS_CONTACTED},
	        {"In progress", 1, STATUS_CONTACTED},
	        {"Connected", 1, STATUS_CONTACTED},
	        {"Qualified", 1, STATUS_QUALIFIED},
	        {"Meeting booked", 1, STATUS_QUALIFIED},
	        {"Proposal", 1, STATUS_PROPOSAL},
	        {"Proposal sent", 1, STATUS_PROPOSAL},
	        {"Quote sent", 1, STATUS_PROPOSAL},
	        {"Proposal/Price Quote", 1, STATUS_PROPOSAL},
	        {"Open Deal", 1, STATUS_PROPOSAL},
	        {"Rejected", 1, STATUS_REJECTED},
	        {"Not a fit", 1, STATUS_REJECTED},
	        {"Unqualified", 1, STATUS_REJECTED},
	        {"Open", 1, STATUS_NEW},
	        {"Attempted to contact", 1, STATUS_NEW},
	        {" won ", 1, STATUS_WON},
	        {"Maybe", 0, STATUS_NEW},
	        {"wonderful", 0, STATUS_NEW},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum status s = STATUS_COUNT;
		int found = import_status(cases[i].word, &s);

		if (found != cases[i].found || (found && s != cases[i].want))
			fail_msg("'%s': %d %s", cases[i].word, found, found ? status_name(s) : "");
	}
}

static void test_headers(void **state)
{
	static const struct {
		const char *header;
		int found;
		enum import_field want;
	} cases[] = {
	        {"Date", 1, FIELD_DATE},
	        {"Timestamp", 1, FIELD_DATE},
	        {"Create Date", 1, FIELD_DATE},
	        {"Referred by", 1, FIELD_REFERRER},
	        {"REFERRER", 1, FIELD_REFERRER},
	        {"Referrer's email", 1, FIELD_REFERRER_EMAIL},
	        {"Referrer Email Address", 1, FIELD_REFERRER_EMAIL},
	        {"Client", 1, FIELD_LEAD},
	        {"Lead", 1, FIELD_LEAD},
	        {"Name", 1, FIELD_LEAD},
	        {"First Name", 1, FIELD_FIRST_NAME},
	        {"Last Name", 1, FIELD_LAST_NAME},
	        {"Email", 1, FIELD_EMAIL},
	        {"E-mail", 1, FIELD_EMAIL},
	        {"Client email", 1, FIELD_EMAIL},
	        {"Phone Number", 1, FIELD_PHONE},
	        {"Company Name", 1, FIELD_COMPANY},
	        {"Lead Status", 1, FIELD_STATUS},
	        {"Stage", 1, FIELD_STATUS},
	        {"Value", 1, FIELD_VALUE},
	        {"Deal value ($)", 1, FIELD_VALUE},
	        {"Value (\xe2\x82\xac)", 1, FIELD_VALUE},
	        {"Notes", 1, FIELD_NOTES},
	        {"Contact owner", 1, FIELD_REP},
	        {"Record ID", 1, FIELD_SKIP},
	        {"Favourite colour", 0, FIELD_SKIP},
	        {"", 0, FIELD_SKIP},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum import_field f = FIELD_COUNT;
		int found = import_header(cases[i].header, &f);

		if (found != cases[i].found || (found && f != cases[i].want))
			fail_msg("'%s': %d %d", cases[i].header, found, (int)f);
	}
	/* --map names */
	{
		enum import_field f;

		assert_int_equal(import_field_parse("referrer-email", &f), 1);
		assert_int_equal(f, FIELD_REFERRER_EMAIL);
		assert_int_equal(import_field_parse("Skip", &f), 1);
		assert_int_equal(f, FIELD_SKIP);
		assert_int_equal(import_field_parse("shoe-size", &f), 0);
		assert_non_null(strstr(import_field_list(), "date, referrer, referrer-email"));
	}
}

/* ---- whole files into a store ---- */

struct fx {
	char dir[64];
	char db[96];
	struct config cfg;
	struct rep reps[2];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-import-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	assert_int_equal(test_store_open(f->db, 0, &f->st, &err), 0);
	f->cfg.address = "agent@biz.test";
	f->cfg.domains = "biz.test";
	f->cfg.timezone = "UTC";
	f->cfg.currency = "$";
	f->cfg.checkin_days = 90;
	f->reps[0] = (struct rep){"rep@biz.test", "Tom Rivera", 0};
	f->reps[1] = (struct rep){"ana@biz.test", "Ana Lopez", 0};
	f->cfg.reps = f->reps;
	f->cfg.nreps = 2;
	schedule_init(&f->cfg);
	clock_set(NOW);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set(0);
	free(f);
	return 0;
}

/* Imports tests/data/csv/name (or a path); stderr captured into *err_r
 * when err_r is given (caller frees). */
static int run(struct fx *f, const char *file, int dry_run, enum import_dates dates,
               const char *const *maps, size_t nmaps, struct import_stats *s, char **err_r)
{
	char path[256];
	struct import_opts o = {.path = path,
	                        .dry_run = dry_run,
	                        .quiet = 1,
	                        .dates = dates,
	                        .maps = maps,
	                        .nmaps = nmaps};
	struct stderr_capture cap;
	char *err;
	int rc;

	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "tests/data/csv/%s", file);
	stderr_capture_begin(&cap);
	rc = import_file(&f->cfg, f->st, &o, s);
	err = stderr_capture_end(&cap);
	if (err_r)
		*err_r = err;
	else
		free(err);
	return rc;
}

/* What a referral became, in one line. */
static char *describe(const struct referral_view *v)
{
	char value[32] = "-";

	if (v->has_value)
		snprintf(value, sizeof(value), "%.2f", v->value);
	return xasprintf("%s %s|%s|%s %s|%s|%s|%s|%s|%s", iso(v->created_at),
	                 v->lead.name ? v->lead.name : "-", v->lead.email ? v->lead.email : "-",
	                 v->referrer.name ? v->referrer.name : "-",
	                 v->referrer.email ? v->referrer.email : "-", v->status, value,
	                 v->lead.phone ? v->lead.phone : "-", v->rep_email ? v->rep_email : "-",
	                 v->context ? v->context : "-");
}

struct expect {
	const char *file;
	size_t added;
	const char *referrals[4];
};

static const struct expect expected[] = {
        {"google-sheets.csv",
         3,
         {"2026-03-02T00:00:00Z Bob Smith|bob@client.test|Sarah Lee "
          "sarah@partner.test|won|12000.00|(415) 555-0142|-|Kitchen remodel, signed in March",
          "2026-03-15T00:00:00Z Carol White|carol@client.test|Sarah Lee "
          "sarah@partner.test|proposal|-|-|-|-",
          "2026-04-20T00:00:00Z Dan Brown|dan@client.test|David Ortiz -|contacted|-|+1 415 555 "
          "0199|-|Called twice; wants a quote\nafter the summer"}},
        {"excel-semicolon.csv",
         3,
         {"2026-03-02T00:00:00Z \xc3\x89lodie Martin|elodie@client.test|Sarah Lee "
          "sarah@partner.test|won|12500.00|-|-|Salle de bain; sign\xc3\xa9"
          "e\nle 2 mars",
          "2026-03-25T00:00:00Z Bruno Keller|bruno@client.test|Sarah Lee "
          "sarah@partner.test|contacted|-|-|-|-",
          "2026-04-07T15:30:00Z Chlo\xc3\xa9 Dubois|chloe@client.test|Anna Schmidt "
          "anna@freelance.test|lost|3000.00|-|-|Prix \"trop \xc3\xa9lev\xc3\xa9\""}},
        {"excel-sep.csv",
         1,
         {"2026-03-02T00:00:00Z Bob Smith|bob@client.test|Sarah Lee -|new|-|-|-|-"}},
        {"excel-cp1252.csv",
         1,
         {"2026-03-02T00:00:00Z Zo\xc3\xab M\xc3\xbcller|zoe@client.test|J\xc3\xbcrgen "
          "Wei\xc3\x9f -|won|1500.00|-|-|-"}},
        {"numbers.csv",
         2,
         {"2026-03-02T00:00:00Z Bob Smith|bob@client.test|Sarah Lee -|won|12000.00|(415) "
          "555-0142|-|-",
          "2026-04-02T00:00:00Z Eve Adams|eve@client.test|Tom Rivera -|qualified|-|-|-|-"}},
        {"hubspot.csv",
         3,
         {"2026-03-02T14:30:00Z Bob Smith|bob@client.test|Sarah Lee "
          "sarah@partner.test|contacted|-|(415) 555-0142|rep@biz.test|-",
          "2026-03-09T09:05:00Z Frank Green|frank@client.test|Sarah Lee "
          "sarah@partner.test|proposal|-|-|ana@biz.test|-",
          "2026-03-10T11:00:00Z Gina Hall|gina@client.test|- -|rejected|-|-|-|-"}},
        {"airtable.csv",
         2,
         {"2026-03-02T14:30:00Z Bob Smith|bob@client.test|Sarah Lee "
          "sarah@partner.test|won|12000.00|-|-|Signed",
          "2026-03-20T10:00:00Z Hank Iver|hank@client.test|David Ortiz -|lost|-|-|-|Went "
          "with \"the other guys\""}},
};

static void check_referrals(struct fx *f, const struct expect *e)
{
	struct referral_view *v = NULL;
	size_t n = 0;

	assert_int_equal(store_referral_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, e->added);
	for (size_t i = 0; i < n; i++) {
		char *d = describe(&v[i]);

		if (strcmp(d, e->referrals[i]) != 0)
			fail_msg("%s: referral %zu:\n  %s\nwant\n  %s", e->file, i + 1, d,
			         e->referrals[i]);
		free(d);
	}
	store_referral_views_free(v, n);
}

/* Empties the store between files. */
static void reopen_empty(struct fx *f)
{
	char *err = NULL;

	store_close(f->st);
	test_db_remove(f->db);
	assert_int_equal(test_store_open(f->db, 0, &f->st, &err), 0);
}

static void test_files(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
		struct import_stats s;
		struct job_view *jobs = NULL;
		size_t njobs = 0;

		reopen_empty(f);
		assert_int_equal(run(f, expected[i].file, 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
		if (s.added != expected[i].added || s.skipped || s.existing)
			fail_msg("%s: %zu added, %zu skipped, %zu there", expected[i].file, s.added,
			         s.skipped, s.existing);
		check_referrals(f, &expected[i]);
		/* history: no mail, ever */
		assert_int_equal(store_jobs_list(f->st, NULL, &jobs, &njobs), 0);
		assert_int_equal(njobs, 0);
		/* and again: nothing added */
		assert_int_equal(run(f, expected[i].file, 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
		assert_int_equal(s.added, 0);
		assert_int_equal(s.existing, expected[i].added);
		check_referrals(f, &expected[i]);
	}
}

/* The sheet's status comes with its event, its value, and closed_at for
 * a closed one; the import itself is an event; a referrer named only by
 * name is one person over many rows; no check-in for them. */
static void test_history(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct referral_view v;
	struct event_view *ev = NULL;
	struct person_ref *due = NULL;
	size_t nev = 0, ndue = 0;

	assert_int_equal(run(f, "google-sheets.csv", 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(store_referral_get(f->st, 1, &v, &ev, &nev), 1);
	assert_int_equal(nev, 2);
	assert_string_equal(ev[0].kind, "imported");
	assert_string_equal(ev[0].detail, "from google-sheets.csv, row 2");
	assert_string_equal(ev[1].kind, "status");
	assert_string_equal(ev[1].new_status, "won");
	assert_string_equal(ev[1].detail, "as in the sheet (Won): $12,000");
	assert_string_equal(iso(ev[1].at), "2026-03-02T00:00:00Z");
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);

	/* Sarah Lee of numbers.csv has no address: one person for both rows
	 * of a sheet naming her twice */
	reopen_empty(f);
	{
		char path[128];
		FILE *out;
		struct referral_view *l = NULL;
		size_t n = 0;

		snprintf(path, sizeof(path), "%s/twice.csv", f->dir);
		out = fopen(path, "w");
		fputs("Date,Referred by,Client\n2026-03-02,Sarah Lee,Ann\n2026-03-03,sarah "
		      "lee,Ben\n",
		      out);
		fclose(out);
		assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
		assert_int_equal(store_referral_list(f->st, NULL, &l, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(l[0].referrer_id, l[1].referrer_id);
		assert_null(l[0].lead.email);
		store_referral_views_free(l, n);
	}
	/* check-ins leave sheet rows out, however recent */
	assert_int_equal(store_checkins_due(f->st, 0, NOW, 10, &due, &ndue), 0);
	assert_int_equal(ndue, 0);
}

static void test_broken(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	char *err = NULL;

	assert_int_equal(run(f, "broken.csv", 0, DATES_AUTO, NULL, 0, &s, &err), 0);
	assert_int_equal(s.rows, 10);
	assert_int_equal(s.added, 2);
	assert_int_equal(s.skipped, 8);
	static const char *const lines[] = {
	        "broken.csv: row 3, column C (Client): a quote inside a cell",
	        "broken.csv: row 4, column C (Client): text after the closing quote",
	        "broken.csv: row 5, column A (Date): '2026-02-31' is not a date; row skipped",
	        "broken.csv: row 6, column F (Value): 'TBD' is not an amount",
	        "broken.csv: row 7, column D (Email): 'bob at client' is not an address",
	        "broken.csv: row 8, column C (Client): no lead",
	        "broken.csv: row 9, column E (Status): 'Maybe' is not a status",
	        "broken.csv: row 11, column C (Client): a quote that is never closed",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		if (strstr(err, lines[i]) == NULL)
			fail_msg("no '%s' in:\n%s", lines[i], err);
	free(err);
}

static void test_dry_run(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct referral_view *v = NULL;
	size_t n = 9;

	assert_int_equal(run(f, "hubspot.csv", 1, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(s.added, 3);
	assert_int_equal(store_referral_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 0);
	/* and the transaction is over: the store takes a real import */
	assert_int_equal(run(f, "hubspot.csv", 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(s.added, 3);
}

/* A sheet in its own words: --map names the columns, by header or by
 * letter; a map to a field no header has, an unknown column, a title
 * row above the header. */
static void test_map(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct referral_view *v = NULL;
	size_t n = 0;
	char path[128], *err = NULL;
	FILE *out;
	static const char *const maps[] = {"Who=lead", "B=email", "Sent us=referrer",
	                                   "Colour=skip"};
	static const char *const bad[] = {"Nope=lead"};

	snprintf(path, sizeof(path), "%s/own.csv", f->dir);
	out = fopen(path, "w");
	fputs("Who,Mail,Sent us,Colour\nIvy Lane,ivy@client.test,Sarah Lee,blue\n", out);
	fclose(out);
	/* without maps nothing here names a column import knows */
	assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, &err), -1);
	assert_non_null(strstr(err, "no header row"));
	free(err);
	assert_int_equal(run(f, path, 0, DATES_AUTO, maps, ARRAY_SIZE(maps), &s, &err), 0);
	assert_null(strstr(err, "not imported"));
	free(err);
	assert_int_equal(s.added, 1);
	assert_int_equal(store_referral_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].lead.name, "Ivy Lane");
	assert_string_equal(v[0].lead.email, "ivy@client.test");
	assert_string_equal(v[0].referrer.name, "Sarah Lee");
	assert_string_equal(v[0].status, "new");
	/* no date: the import's */
	assert_int_equal(v[0].created_at, NOW);
	store_referral_views_free(v, n);
	assert_int_equal(run(f, path, 0, DATES_AUTO, bad, 1, &s, &err), -1);
	assert_non_null(strstr(err, "--map 'Nope=lead': row 1 has no column 'Nope'"));
	free(err);
}

/* 02/03/2026 alone is refused until --dates says; a file whose dates
 * disagree is refused whole. */
static void test_date_order(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	char path[128], *err = NULL;
	FILE *out;
	struct referral_view *v = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/dates.csv", f->dir);
	out = fopen(path, "w");
	fputs("Date,Client\n02/03/2026,Ann\n04/05/2026,Ben\n", out);
	fclose(out);
	assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, &err), 0);
	assert_int_equal(s.skipped, 2);
	assert_non_null(strstr(err, "row 2, column A (Date): '02/03/2026' could be either day or "
	                            "month first"));
	free(err);
	assert_int_equal(run(f, path, 0, DATES_DAY_FIRST, NULL, 0, &s, NULL), 0);
	assert_int_equal(s.added, 2);
	assert_int_equal(store_referral_list(f->st, NULL, &v, &n), 0);
	assert_string_equal(iso(v[1].created_at), "2026-05-04T00:00:00Z");
	store_referral_views_free(v, n);

	out = fopen(path, "w");
	fputs("Date,Client\n25/03/2026,Ann\n03/25/2026,Ben\n", out);
	fclose(out);
	assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, &err), -1);
	assert_non_null(
	        strstr(err, "the dates disagree: row 2 has the day first, row 3 the month"));
	free(err);
}

/* list --csv of a store, imported into an empty one, gives the same
 * referrals; imported into the same one, nothing. */
static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct import_stats s;
	struct referral_view *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	char path[128];
	FILE *out;

	assert_int_equal(run(f, "google-sheets.csv", 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(run(f, "hubspot.csv", 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(run(f, "excel-semicolon.csv", 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(store_referral_list(f->st, NULL, &a, &na), 0);
	assert_int_equal(na, 9);
	snprintf(path, sizeof(path), "%s/export.csv", f->dir);
	out = fopen(path, "w");
	export_referrals(out, a, na);
	fclose(out);

	assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(s.added, 0);
	assert_int_equal(s.existing, 9);

	reopen_empty(f);
	assert_int_equal(run(f, path, 0, DATES_AUTO, NULL, 0, &s, NULL), 0);
	assert_int_equal(s.added, 9);
	assert_int_equal(store_referral_list(f->st, NULL, &b, &nb), 0);
	assert_int_equal(nb, na);
	for (size_t i = 0; i < na; i++) {
		char *da = describe(&a[i]), *db = describe(&b[i]);

		assert_string_equal(db, da);
		assert_int_equal(b[i].updated_at, a[i].updated_at);
		assert_int_equal(b[i].first_contact_at, a[i].first_contact_at);
		assert_string_equal(b[i].lead.company ? b[i].lead.company : "-",
		                    a[i].lead.company ? a[i].lead.company : "-");
		free(da);
		free(db);
	}
	store_referral_views_free(a, na);
	store_referral_views_free(b, nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dates),
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_statuses),
	        cmocka_unit_test(test_headers),
	        cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_map, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_date_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
