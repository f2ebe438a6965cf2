/*
 * test_plans.c - how SQLite runs every statement of the store
 * (stmt_def[], store_sql.c): none that looks up a few rows may read all
 * of a business's referrals, jobs, messages or people.
 *
 * Every statement is planned with EXPLAIN QUERY PLAN on a fresh store
 * (no statistics: a store that has not yet run PRAGMA optimize), with the
 * statistics of a store of a million referrals, five million jobs and as
 * many messages, and with those statistics as PRAGMA optimize writes them
 * under analysis_limit (store_sqlite.c): it reads the first 1,000 entries
 * of each index, so on an index that starts with the business every
 * prefix looks as narrow as "about 1,000 rows".  A plan that reads a table whole ("SCAN t"),
 * or through an index by the business alone ("(business=?)": every row,
 * on a store of one business), fails, unless the statement is one of
 * those below that read a business's rows whole by design.
 *
 * A plan like that once slipped in with a new index: canceling a
 * referral's four pending jobs read every job of the business, a quarter
 * of a second for each "#won" on a store of 100,000 referrals.  Plans
 * name a table by its alias ("SEARCH r"), which is looked up in the
 * statement: before it was, the review mail's query read every referral
 * of a million for each `send` unseen.
 */
#include "testutil.h"

#include <sqlite3.h>

#include "store.h"
#include "../../agent/store_p.h" /* stmt_def[], the SQLite handle */

/* The statements that read a business's rows whole by design, with why:
 * a count or a listing of everything, a report, the rare requests about
 * one person's data (`people show`, `forget`) that look for the person's
 * address and name in every text. */
static const struct {
	enum stmt_id id;
	const char *why;
} whole[] = {
        {ST_MESSAGE_COUNT, "the count of every message"},
        {ST_MESSAGE_COUNT_ALL, "likewise, of every business"},
        {ST_REFERRAL_LIST_ALL, "`list` without a status"},
        {ST_JOB_LIST_ALL, "`outbox` without a state"},
        {ST_JOB_NEXT_DUE, "min() of the pending index: its first entry"},
        {ST_REPORT_REWARDS, "the whole reward ledger"},
        {ST_REPORT_REPS, "min() of the reps' index, once for each rep"},
        {ST_REPORT_CONTACTED_ALL, "every contact ever, from the hours' totals"},
        {ST_REPORT_DELAYS, "the window's delays in order, up to the median"},
        {ST_REPORT_DELAYS_DESC, "the window's delays from the largest, the top tenth"},
        {ST_REPORT_TOP_BOUNDS, "referrers by their bound, read only until the top is sure"},
        {ST_REPORT_SENT, "the report's window"},
        {ST_REWARD_LIST, "`rewards`: the whole ledger"},
        {ST_CHECKIN_DUE, "hourly, with checkin_days set: which referrers are due"},
        {ST_PERSON_REFERRALS, "a person's data: as lead or as referrer"},
        {ST_PERSON_EVENTS, "a person's data: their address in every event"},
        {ST_PERSON_MESSAGES, "a person's data: the mail they sent"},
        {ST_PERSON_JOBS, "a person's data: a copy is a text list (cc)"},
        {ST_FORGET_EVENTS_ADD, "forget: every referral of the person"},
        {ST_FORGET_AS_LEAD, "forget"},
        {ST_FORGET_AS_REFERRER, "forget"},
        {ST_FORGET_MESSAGES, "forget"},
        {ST_SCRUB_EVENTS, "forget: the name in every text"},
        {ST_SCRUB_REFERRALS, "forget: the name in every text"},
        {ST_SCRUB_MESSAGES, "forget: the name in every text"},
        {ST_SCRUB_JOBS, "forget: the name in every text"},
        {ST_SCRUB_OTHER, "forget: the name in every text"},
        {ST_SCRUB_PEOPLE, "forget: the name in every text"},
        {ST_SCRUB_IMPORTS, "forget: the name in every text"},
        {ST_SCRUB_REWARDS, "forget: the name in every text"},
        {ST_FORGET_PERSON, "forget"},
};

/* The big tables: a plan that reads one of them whole is a fault. */
static const char *const big[] = {"referrals",       "jobs",   "messages", "message_referrals",
                                  "events",          "people", "rewards",  "report_counts",
                                  "referrer_counts", NULL};

static int allowed(int id)
{
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if ((int)whole[i].id == id)
			return 1;
	return 0;
}

/* The table a plan line names: the name itself, or the table of an alias
 * ("SEARCH r USING ...": "FROM referrals r" in sql), into table. */
static void plan_table(const char *sql, const char *name, size_t n, char *table, size_t len)
{
	snprintf(table, len, "%.*s", (int)n, name);
	for (size_t i = 0; big[i]; i++) {
		char *as = xasprintf(" %s %.*s ", big[i], (int)n, name),
		     *as2 = xasprintf(" %s AS %.*s ", big[i], (int)n, name);
		int found = strstr(sql, as) || strstr(sql, as2);

		free(as);
		free(as2);
		if (found) {
			snprintf(table, len, "%s", big[i]);
			return;
		}
	}
}

/* Whether a plan line reads a big table whole: "SCAN t" (not "SCAN
 * CONSTANT ROW", not a subquery), or "SEARCH t USING ... (business=?)";
 * t may be the table's alias in sql. */
static int reads_all(const char *sql, const char *detail, char *table, size_t len)
{
	const char *p;

	if (strncmp(detail, "SCAN ", 5) == 0)
		p = detail + 5;
	else if (strncmp(detail, "SEARCH ", 7) == 0)
		p = detail + 7;
	else
		return 0;
	plan_table(sql, p, strcspn(p, " "), table, len);
	for (size_t i = 0; big[i]; i++) {
		if (strcmp(table, big[i]) != 0)
			continue;
		if (detail[1] == 'C')
			return 1;
		return strstr(detail, "(business=?)") != NULL;
	}
	return 0;
}

/* Plans every statement on db; the count of faults (each printed). */
static int check_all(sqlite3 *db, const char *when)
{
	int faults = 0;

	for (int i = 0; i < ST__COUNT; i++) {
		const struct stmt_def *d = &stmt_def[i];
		char *sql;
		sqlite3_stmt *s = NULL;

		if (d->sql == NULL || strncmp(d->sql, "BEGIN", 5) == 0)
			continue;
		sql = xasprintf("EXPLAIN QUERY PLAN %s", d->sql);
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
			fail_msg("%s: prepare %s: %s", when, d->name, sqlite3_errmsg(db));
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(s, 3);
			char table[64];

			if (detail && reads_all(d->sql, detail, table, sizeof(table)) &&
			    !allowed(i)) {
				fprintf(stderr, "%s: \"%s\" (statement %d) reads %s whole: %s\n",
				        when, d->name, i, table, detail);
				faults++;
			}
		}
		sqlite3_finalize(s);
		free(sql);
	}
	return faults;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/*
 * The statistics ANALYZE would write for a store of a million referrals
 * (a tenth new), five million jobs (most of them done), five million
 * messages and two million people, one business: each index's row count,
 * then the rows per distinct value of each prefix of its columns.
 */
static void big_store_stats(sqlite3 *db, int sampled)
{
	/* sampled: as analysis_limit has it (see the top of this file) */
	sqlite3_stmt *s = NULL;

	exec(db, "ANALYZE; DELETE FROM sqlite_stat1;");
	if (sqlite3_prepare_v2(db,
	                       "SELECT m.name, i.name FROM sqlite_schema m"
	                       " JOIN pragma_index_list(m.name) i WHERE m.type = 'table'",
	                       -1, &s, NULL) != SQLITE_OK)
		fail_msg("index list: %s", sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(s, 0);
		const char *index = (const char *)sqlite3_column_text(s, 1);
		long rows = strcmp(table, "jobs") == 0 || strcmp(table, "messages") == 0 ||
		                            strcmp(table, "message_referrals") == 0 ||
		                            strcmp(table, "events") == 0
		                    ? 5000000
		            : strcmp(table, "people") == 0    ? 2000000
		            : strcmp(table, "referrals") == 0 ? 1000000
		                                              : 1000;
		char *cols = NULL, *stat, *sql;
		sqlite3_stmt *c = NULL;
		struct buf b = {0};
		int k = 0, lead_business = 0;

		sql = sqlite3_mprintf("SELECT name FROM pragma_index_xinfo(%Q) WHERE key", index);
		if (sqlite3_prepare_v2(db, sql, -1, &c, NULL) != SQLITE_OK)
			fail_msg("index info: %s", sqlite3_errmsg(db));
		sqlite3_free(sql);
		buf_printf(&b, "%ld", rows);
		while (sqlite3_step(c) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(c, 0);

			/* one business; a state or status splits a table in a
			 * few; anything else (an id, a time, an address) is
			 * nearly unique */
			if (col && strcmp(col, "business") == 0 && k == 0)
				lead_business = 1;
			if (sampled && lead_business)
				buf_printf(&b, " 1001");
			else if (col && strcmp(col, "business") == 0)
				buf_printf(&b, " %ld", rows);
			else if (col && (strcmp(col, "state") == 0 || strcmp(col, "status") == 0 ||
			                 strcmp(col, "kind") == 0 || strcmp(col, "template") == 0))
				buf_printf(&b, " %ld", k == 0 ? rows / 4 : 4);
			else
				buf_printf(&b, " %d", k < 2 ? 2 : 1);
			k++;
		}
		sqlite3_finalize(c);
		stat = b.s;
		sql = sqlite3_mprintf("INSERT INTO sqlite_stat1 VALUES (%Q, %Q, %Q)", table, index,
		                      stat);
		exec(db, sql);
		sqlite3_free(sql);
		free(cols);
		buf_free(&b);
	}
	sqlite3_finalize(s);
	exec(db, "ANALYZE sqlite_schema;");
}

static void test_plans(void **state)
{
	char dir[] = "/tmp/refagent-plans-XXXXXX", path[128], *err = NULL;
	struct store *st = NULL;
	sqlite3 *db;
	int faults;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/refagent.db", dir);
	struct store_params p = {.database = path, .business = "test"};

	if (store_open(&p, &st, &err) != 0)
		fail_msg("store_open: %s", err);
	db = st->db;
	faults = check_all(db, "fresh store");
	big_store_stats(db, 0);
	faults += check_all(db, "store of a million referrals");
	big_store_stats(db, 1);
	faults += check_all(db, "sampled statistics");
	store_close(st);
	unlink(path);
	rmdir(dir);
	if (faults)
		fail_msg("%d plans read a whole table (above)", faults);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
