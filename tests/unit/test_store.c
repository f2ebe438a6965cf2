/*
 * test_store.c - the store: schema versions, upserts, lookups,
 * transactions, the CLI views, businesses and leases, on real database
 * files under /tmp, or with REFAGENT_TEST_DB on a PostgreSQL server
 * (testdb.h; `make check` runs it both ways).
 *
 * This is the store module's own test, so it may open the database with
 * sqlite3 or libpq directly to check (and to forge) what the store wrote.
 * The tests of what only one backend has (SQLite's file, pragmas and old
 * schemas; PostgreSQL's schema_version) skip on the other.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdb.h"

#include "kinds.h"
#include "report.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

/* A fresh directory; the store is opened by setup_open only. */
static int setup_dir(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/refagent-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/agent.db", fx->dir);
	*state = fx;
	return 0;
}

static int setup_open(void **state)
{
	struct fx *fx;
	char *err = NULL;

	if (setup_dir(state) != 0)
		return -1;
	fx = *state;
	if (test_store_open(fx->path, 0, &fx->st, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	test_db_remove(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The database behind the store's back (testdb.h). */
#define raw_int  test_db_int
#define raw_text test_db_text
#define raw_exec test_db_exec

/* Skips a test of what only SQLite has (its file, pragmas, old schemas). */
#define SQLITE_ONLY()                                                                              \
	do {                                                                                       \
		if (test_pg())                                                                     \
			skip();                                                                    \
	} while (0)
#define PG_ONLY()                                                                                  \
	do {                                                                                       \
		if (!test_pg())                                                                    \
			skip();                                                                    \
	} while (0)

static int64_t person(struct store *st, const char *email, const char *name)
{
	int64_t id = -1;

	assert_int_equal(store_person_ensure(st, email, name, 1000, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t referral(struct store *st, const char *status, int64_t referrer, int64_t lead,
                        int64_t at)
{
	struct referral_rec r = {
	        .status = status, .referrer_id = referrer, .lead_id = lead, .at = at};
	int64_t id = -1;

	assert_int_equal(store_referral_add(st, &r, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t message(struct store *st, const char *key, int64_t at)
{
	struct msg_rec m = {.key = key, .direction = "in", .kind = "intro", .at = at};
	int64_t id = -1;

	assert_int_equal(store_message_add(st, &m, &id), 0);
	assert_true(id > 0);
	return id;
}

/* ---- open and schema ---- */

static void test_create_migrate_reopen(void **state)
{
	struct fx *fx = *state;
	char *err = NULL;
	int64_t id = 0;

	SQLITE_ONLY();

	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_null(err);
	assert_int_equal(store_person_ensure(fx->st, "a@x.test", "A", 1, &id), 0);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM sqlite_schema WHERE type = "
	                                   "'table' AND name IN ('people', 'referrals', "
	                                   "'messages', 'message_referrals', 'events', "
	                                   "'checkpoints', 'counters')"),
	                 7);

	/* Reopening migrates nothing and keeps the data. */
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(store_person_ensure(fx->st, "A@X.TEST", NULL, 2, &id), 0);
	assert_int_equal(id, 1);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);

	/* Read-only open of a current database works; writes fail. */
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), 0);
	assert_int_equal(store_person_ensure(fx->st, "b@x.test", NULL, 2, &id), -1);
	assert_non_null(strstr(store_error(fx->st), "ensure person b@x.test: "));
	assert_non_null(strstr(store_error(fx->st), "readonly"));
}

static void test_pragmas(void **state)
{
	struct fx *fx = *state;

	SQLITE_ONLY();

	/* journal_mode is stored in the file; foreign_keys, synchronous and
	 * busy_timeout are per connection and show in the other tests
	 * (FOREIGN KEY errors, the write lock test). */
	assert_int_equal(raw_int(fx->path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"),
	                 1);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	char *err = NULL, want[64], sql[80];

	SQLITE_ONLY();

	snprintf(sql, sizeof(sql), "CREATE TABLE t (x); PRAGMA user_version = %d",
	         STORE_SCHEMA_VERSION + 1);
	raw_exec(fx->path, sql);
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), -1);
	assert_null(fx->st);
	assert_non_null(err);
	assert_non_null(strstr(err, fx->path));
	snprintf(want, sizeof(want), "schema version %d is newer than this build's %d",
	         STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	free(err);
	err = NULL;
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), -1);
	assert_non_null(strstr(err, want));
	free(err);
	/* Nothing was changed. */
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION + 1);
}

static void test_readonly_missing(void **state)
{
	struct fx *fx = *state;
	struct stat sb;
	char *err = NULL;

	SQLITE_ONLY();

	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), -1);
	assert_null(fx->st);
	assert_non_null(err);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, "No such file"));
	free(err);
	assert_int_equal(stat(fx->path, &sb), -1);
}

static void test_readonly_old_schema(void **state)
{
	struct fx *fx = *state;
	char *err = NULL;

	SQLITE_ONLY();

	raw_exec(fx->path, "CREATE TABLE t (x)");
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), -1);
	assert_non_null(strstr(err, fx->path));
	char want[80];
	snprintf(want, sizeof(want), "schema version 0, this build needs %d", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	free(err);
}

static void test_not_a_database(void **state)
{
	struct fx *fx = *state;
	char *err = NULL;
	FILE *f = fopen(fx->path, "w");

	SQLITE_ONLY();

	assert_non_null(f);
	fputs("this is not a database, just some text long enough to be a header\n", f);
	for (int i = 0; i < 100; i++)
		fputs("padding padding padding padding padding padding padding\n", f);
	fclose(f);
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), -1);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, "not a database"));
	free(err);
}

/* ---- people ---- */

static void test_person_upsert(void **state)
{
	struct fx *fx = *state;
	int64_t a = 0, b = 0, c = 0;
	struct referral_view v;

	assert_int_equal(store_person_ensure(fx->st, "Bob@X.test", NULL, 10, &a), 0);
	assert_int_equal(store_person_ensure(fx->st, "bob@x.test", "Bob Smith", 11, &b), 0);
	assert_int_equal(store_person_ensure(fx->st, "BOB@x.TEST", "Robert", 12, &c), 0);
	assert_int_equal(a, b);
	assert_int_equal(a, c);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people"), 1);
	assert_int_equal(raw_int(fx->path, "SELECT created_at FROM people"), 10);

	assert_int_equal(store_person_fill(fx->st, a, "+1 555 0100", NULL), 0);
	assert_int_equal(store_person_fill(fx->st, a, "+1 555 9999", "Acme"), 0);

	referral(fx->st, "new", 0, a, 100);
	assert_int_equal(store_referral_get(fx->st, 1, &v, NULL, NULL), 1);
	assert_string_equal(v.lead.email, "bob@x.test");
	assert_string_equal(v.lead.name, "Bob Smith");
	assert_string_equal(v.lead.phone, "+1 555 0100");
	assert_string_equal(v.lead.company, "Acme");
	assert_null(v.referrer.email);
	assert_null(v.referrer.name);
	store_referral_view_clear(&v);

	/* An empty stored name is filled. */
	assert_int_equal(store_person_ensure(fx->st, "eve@x.test", "", 10, &a), 0);
	assert_int_equal(store_person_ensure(fx->st, "Eve@x.test", "Eve", 10, &b), 0);
	assert_int_equal(a, b);
	{
		char q[80];

		/* (PostgreSQL spends an id on an upsert that updates) */
		snprintf(q, sizeof(q), "SELECT name = 'Eve' FROM people WHERE id = %lld",
		         (long long)a);
		assert_int_equal(raw_int(fx->path, q), 1);
	}
}

static void test_person_null_email(void **state)
{
	struct fx *fx = *state;
	int64_t a = 0, b = 0, c = 0;

	assert_int_equal(store_person_ensure(fx->st, NULL, "Sarah", 10, &a), 0);
	assert_int_equal(store_person_ensure(fx->st, NULL, "Sarah", 10, &b), 0);
	assert_int_equal(store_person_ensure(fx->st, "", "Sarah", 10, &c), 0);
	assert_true(a != b);
	assert_true(b != c);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people WHERE email IS NULL"), 3);
}

/* ---- messages and threads ---- */

static void test_message_add_find_duplicate(void **state)
{
	struct fx *fx = *state;
	char want[300];
	struct msg_rec m = {.key = "<a1@x.test>",
	                    .direction = "in",
	                    .kind = "intro",
	                    .mailbox = "INBOX",
	                    .uidvalidity = 4000000000u,
	                    .uid = 7,
	                    .from_email = "sarah@x.test",
	                    .subject = "Meet Tom",
	                    .date = 500,
	                    .at = 600};
	int64_t id = 0, found = 0, n = -1;

	assert_int_equal(store_message_find(fx->st, "<a1@x.test>", &found), 0);
	assert_int_equal(store_message_add(fx->st, &m, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(store_message_find(fx->st, "<a1@x.test>", &found), 1);
	assert_int_equal(found, 1);
	/* Message-IDs compare exactly. */
	assert_int_equal(store_message_find(fx->st, "<A1@x.test>", &found), 0);
	assert_int_equal(raw_int(fx->path, "SELECT uidvalidity FROM messages"), 4000000000LL);

	m.kind = "reply";
	assert_int_equal(store_message_add(fx->st, &m, &id), -1);
	/* the error names the database file, what failed and why */
	snprintf(want, sizeof(want), "insert message <a1@x.test>: %s",
	         DB_WORDS("UNIQUE constraint failed: messages.business, messages.key",
	                  "UNIQUE constraint failed: messages_key"));
	assert_non_null(strstr(store_error(fx->st), want));
	/* SQLite: the file; PostgreSQL: where the server is, never a password */
	assert_true(strncmp(store_error(fx->st),
	                    DB_WORDS(fx->path, "postgresql://refagent@127.0.0.1:"),
	                    strlen(DB_WORDS(fx->path, "postgresql://refagent@127.0.0.1:"))) == 0);

	m.key = "<a2@x.test>";
	m.direction = "sideways";
	assert_int_equal(store_message_add(fx->st, &m, &id), -1);
	assert_non_null(strstr(store_error(fx->st), "insert message <a2@x.test>: CHECK"));
	assert_non_null(strstr(store_error(fx->st), "message_direction"));

	m.direction = "out";
	m.mailbox = NULL;
	assert_int_equal(store_message_add(fx->st, &m, &id), 0);
	assert_int_equal(
	        raw_int(fx->path, "SELECT uid IS NULL FROM messages WHERE direction = 'out'"), 1);
	assert_int_equal(store_message_count(fx->st, "intro", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_message_count(fx->st, "reply", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_message_count(fx->st, "bounce", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_message_count(fx->st, NULL, &n), 0);
	assert_int_equal(n, 2);
}

static void test_thread_find(void **state)
{
	struct fx *fx = *state;
	int64_t lead = person(fx->st, "lead@x.test", NULL);
	int64_t r1 = referral(fx->st, "new", 0, lead, 1);
	int64_t r2 = referral(fx->st, "new", 0, lead, 2);
	int64_t r3 = referral(fx->st, "new", 0, lead, 3);
	int64_t m1 = message(fx->st, "<m1@x>", 1);
	int64_t m2 = message(fx->st, "<m2@x>", 2);
	int64_t m3 = message(fx->st, "<m3@x>", 3);
	int64_t *ids = NULL;
	size_t n = 99;
	const char *keys[] = {"<m3@x>", "<none@x>", NULL, "<m1@x>", "<m2@x>", "<m3@x>"};

	message(fx->st, "<m4@x>", 4); /* linked to nothing */
	assert_int_equal(store_message_link(fx->st, m1, r1), 0);
	assert_int_equal(store_message_link(fx->st, m1, r1), 0); /* idempotent */
	assert_int_equal(store_message_link(fx->st, m2, r3), 0);
	assert_int_equal(store_message_link(fx->st, m3, r3), 0);
	assert_int_equal(store_message_link(fx->st, m3, r1), 0);
	assert_int_equal(store_message_link(fx->st, m3, 999), -1);
	assert_non_null(strstr(store_error(fx->st), "link message 3 to referral 999: FOREIGN KEY"));

	assert_int_equal(store_thread_find(fx->st, keys, ARRAY_SIZE(keys), &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], r1);
	assert_int_equal(ids[1], r3);
	free(ids);

	assert_int_equal(store_thread_find(fx->st, keys + 1, 2, &ids, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	assert_int_equal(store_thread_find(fx->st, keys + 4, 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], r3);
	free(ids);
	(void)r2;
}

/* ---- the admin's review ---- */

/* Held referrals and "review" messages are new until listed; listed with
 * a mail they count for "all" while held; the last review mail's time. */
static void test_reviews(void **state)
{
	struct fx *fx = *state;
	int64_t ref = person(fx->st, "mark@x.test", "Mark");
	int64_t l1 = person(fx->st, "a1@y.test", NULL), l2 = person(fx->st, "a2@y.test", NULL);
	int64_t h1 = referral(fx->st, "held", ref, l1, 10),
	        h2 = referral(fx->st, "held", ref, l2, 30);
	int64_t fresh = referral(fx->st, "new", ref, l2, 40), at = 0, *ids = NULL;
	struct msg_rec mr = {.key = "<named@x.test>",
	                     .direction = "in",
	                     .kind = "review",
	                     .why = "names Dana, no address",
	                     .at = 20};
	struct msg_rec out = {
	        .key = "<sent@biz.test>", .direction = "out", .kind = "review", .at = 25};
	struct review_item *v = NULL;
	struct message_view mv;
	int64_t mid = 0, oid = 0;
	size_t n = 0;
	char *kind = NULL;

	assert_int_equal(store_message_add(fx->st, &mr, &mid), 0);
	assert_int_equal(store_message_add(fx->st, &out, &oid), 0);
	message(fx->st, "<intro@x.test>", 15);
	assert_int_equal(store_review_last(fx->st, &at), 0);

	/* oldest first; only incoming "review" messages, only held referrals */
	assert_int_equal(store_reviews_new(fx->st, "held", "review", 10, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_true(v[0].referral_id == h1 && v[0].message_id == 0 && v[0].at == 10);
	assert_true(v[1].referral_id == 0 && v[1].message_id == mid && v[1].at == 20);
	assert_true(v[2].referral_id == h2);
	free(v);
	assert_int_equal(store_reviews_new(fx->st, "held", "review", 1, &v, &n), 0);
	assert_int_equal(n, 1);

	/* listed: no longer new; once only */
	assert_int_equal(store_review_listed(fx->st, &v[0], "review.1@biz.test", 50), 0);
	assert_int_equal(store_review_listed(fx->st, &v[0], "review.2@biz.test", 51), -1);
	assert_non_null(strstr(store_error(fx->st), "UNIQUE"));
	free(v);
	{
		struct review_item logged = {.message_id = mid};

		/* logged for want of an admin: not new, but no review mail */
		assert_int_equal(store_review_listed(fx->st, &logged, NULL, 60), 0);
	}
	assert_int_equal(store_reviews_new(fx->st, "held", "review", 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].referral_id, h2);
	free(v);
	assert_int_equal(store_review_last(fx->st, &at), 1);
	assert_int_equal(at, 50);

	/* "all": the held ones a review mail listed */
	assert_int_equal(store_reviews_listed_held(fx->st, "held", &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], h1);
	free(ids);
	assert_int_equal(store_referral_set_status(fx->st, h1, "new", 0, 0, 70), 1);
	assert_int_equal(store_reviews_listed_held(fx->st, "held", &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);

	/* the message's row, and the kind of a sent message */
	assert_int_equal(store_message_get(fx->st, mid, &mv), 1);
	assert_string_equal(mv.why, "names Dana, no address");
	assert_string_equal(mv.kind, "review");
	store_message_view_clear(&mv);
	assert_int_equal(store_message_get(fx->st, 999, &mv), 0);
	assert_int_equal(store_sent_message_kind(fx->st, "<sent@biz.test>", &kind), 1);
	assert_string_equal(kind, "review");
	free(kind);
	assert_int_equal(store_sent_message_kind(fx->st, "<named@x.test>", &kind), 0);
	assert_null(kind);
	(void)fresh;
	(void)oid;
}

/* ---- referrals ---- */

static void test_open_for_lead(void **state)
{
	struct fx *fx = *state;
	int64_t ref = person(fx->st, "sarah@x.test", "Sarah");
	int64_t lead = person(fx->st, "tom@y.test", "Tom");
	int64_t other = person(fx->st, "ann@y.test", "Ann");
	int64_t id = 0, open1, open2;
	const char *closed[] = {"won", "lost", "rejected", "expired"};

	for (size_t i = 0; i < ARRAY_SIZE(closed); i++)
		referral(fx->st, closed[i], ref, lead, 10);
	referral(fx->st, "new", ref, other, 10);
	assert_int_equal(store_referral_open_for_lead(fx->st, "tom@y.test", &id), 0);
	assert_int_equal(store_referral_open_for_lead(fx->st, "nobody@y.test", &id), 0);
	assert_int_equal(store_referral_open_for_lead(fx->st, NULL, &id), 0);

	/* a held referral takes no credit: it does not hold its lead */
	open1 = referral(fx->st, "held", ref, lead, 20);
	assert_int_equal(store_referral_open_for_lead(fx->st, "tom@y.test", &id), 0);
	open2 = referral(fx->st, "qualified", ref, lead, 30);
	assert_int_equal(store_referral_open_for_lead(fx->st, "Tom@Y.test", &id), 1);
	assert_int_equal(id, open2);
	/* released, it is the oldest that holds the lead */
	assert_int_equal(store_referral_set_status(fx->st, open1, "new", 0, 0, 35), 1);
	assert_int_equal(store_referral_open_for_lead(fx->st, "tom@y.test", &id), 1);
	assert_int_equal(id, open1);
	assert_int_equal(store_referral_set_status(fx->st, open1, "won", 1, 12000.5, 40), 1);
	assert_int_equal(store_referral_open_for_lead(fx->st, "tom@y.test", &id), 1);
	assert_int_equal(id, open2);

	/* Bad status (not in the statuses table) and dangling people are
	 * refused by the schema. */
	{
		struct referral_rec r = {.status = "maybe", .lead_id = lead, .at = 1};

		assert_int_equal(store_referral_add(fx->st, &r, &id), -1);
		assert_non_null(
		        strstr(store_error(fx->st), "insert referral for lead 2: FOREIGN KEY"));
		assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM referrals"), 7);
		r.status = "new";
		r.lead_id = 999;
		assert_int_equal(store_referral_add(fx->st, &r, &id), -1);
		assert_non_null(strstr(store_error(fx->st), "FOREIGN KEY"));
	}
}

static void test_referral_fields_and_status(void **state)
{
	struct fx *fx = *state;
	int64_t ref = person(fx->st, "sarah@x.test", "Sarah");
	int64_t lead = person(fx->st, "tom@y.test", "Tom");
	struct referral_rec r = {.status = NULL,
	                         .referrer_id = ref,
	                         .lead_id = lead,
	                         .rep_email = "Rep@Biz.test",
	                         .rep_name = "Rita Rep",
	                         .need = "a website",
	                         .budget = "5k",
	                         .timeline = "Q3",
	                         .context = "Sarah says hi",
	                         .subject = "Meet Tom",
	                         .thread_key = "<i1@x>",
	                         .has_confidence = 1,
	                         .confidence = 6,
	                         .evidence = "+3 introduction phrase; +2 the agent in Cc",
	                         .at = 100};
	struct referral_view v;
	int64_t id = 0;

	assert_int_equal(store_referral_add(fx->st, &r, &id), 0);
	assert_int_equal(store_referral_get(fx->st, id, &v, NULL, NULL), 1);
	assert_int_equal(v.id, id);
	assert_string_equal(v.status, "new");
	assert_string_equal(v.referrer.name, "Sarah");
	assert_string_equal(v.referrer.email, "sarah@x.test");
	assert_null(v.referrer.phone);
	assert_string_equal(v.lead.name, "Tom");
	assert_string_equal(v.rep_email, "rep@biz.test");
	assert_string_equal(v.rep_name, "Rita Rep");
	assert_string_equal(v.need, "a website");
	assert_string_equal(v.budget, "5k");
	assert_string_equal(v.timeline, "Q3");
	assert_string_equal(v.context, "Sarah says hi");
	assert_string_equal(v.subject, "Meet Tom");
	assert_null(v.held_reason);
	assert_int_equal(v.has_confidence, 1);
	assert_int_equal(v.confidence, 6);
	assert_string_equal(v.evidence, "+3 introduction phrase; +2 the agent in Cc");
	assert_int_equal(v.created_at, 100);
	assert_int_equal(v.updated_at, 100);
	assert_int_equal(v.first_contact_at, 0);
	assert_int_equal(v.has_value, 0);
	store_referral_view_clear(&v);
	assert_int_equal(raw_int(fx->path, "SELECT last_activity_at FROM referrals"), 100);

	/* Touch never moves activity back. */
	assert_int_equal(store_referral_touch(fx->st, id, 150), 0);
	assert_int_equal(store_referral_touch(fx->st, id, 120), 0);
	assert_int_equal(raw_int(fx->path, "SELECT last_activity_at FROM referrals"), 150);

	assert_int_equal(store_referral_first_contact(fx->st, id, 200), 1);
	assert_int_equal(store_referral_first_contact(fx->st, id, 300), 0);
	assert_int_equal(store_referral_set_status(fx->st, id, "won", 1, 12000, 400), 1);
	assert_int_equal(store_referral_set_status(fx->st, 999, "won", 0, 0, 400), 0);
	assert_int_equal(store_referral_set_status(fx->st, id, "bogus", 0, 0, 400), -1);
	assert_non_null(strstr(store_error(fx->st), "set status of referral 1: FOREIGN KEY"));
	assert_int_equal(store_referral_get(fx->st, id, &v, NULL, NULL), 1);
	assert_string_equal(v.status, "won");
	assert_int_equal(v.first_contact_at, 200);
	assert_int_equal(v.updated_at, 400);
	assert_int_equal(v.has_value, 1);
	assert_true(v.value == 12000.0);
	store_referral_view_clear(&v);
	assert_int_equal(raw_int(fx->path, "SELECT closed_at FROM referrals"), 400);
	/* Reopening clears closed_at and keeps the value. */
	assert_int_equal(store_referral_set_status(fx->st, id, "proposal", 0, 0, 500), 1);
	assert_int_equal(raw_int(fx->path, "SELECT closed_at IS NULL AND value = 12000 "
	                                   "FROM referrals"),
	                 1);
}

static void test_events_in_order(void **state)
{
	struct fx *fx = *state;
	int64_t lead = person(fx->st, "tom@y.test", "Tom");
	int64_t r = referral(fx->st, "new", 0, lead, 10);
	int64_t m1 = message(fx->st, "<m1@x>", 10);
	int64_t m2 = message(fx->st, "<m2@x>", 30);
	struct event_rec e1 = {.referral_id = r,
	                       .at = 10,
	                       .actor = "sarah@x.test",
	                       .kind = "created",
	                       .new_status = "new",
	                       .detail = "intro",
	                       .message_id = m1};
	struct event_rec e2 = {.referral_id = r,
	                       .at = 50,
	                       .actor = "cli",
	                       .kind = "status",
	                       .old_status = "new",
	                       .new_status = "contacted"};
	struct event_rec e3 = {.referral_id = r,
	                       .at = 30,
	                       .actor = "tom@y.test",
	                       .kind = "reply",
	                       .message_id = m2};
	struct event_rec bad = {.referral_id = 999, .at = 1, .actor = "agent", .kind = "touch"};
	struct referral_view v;
	struct event_view *ev = NULL;
	size_t n = 0;

	assert_int_equal(store_event_add(fx->st, &e1), 0);
	assert_int_equal(store_event_add(fx->st, &e2), 0);
	assert_int_equal(store_event_add(fx->st, &e3), 0);
	assert_int_equal(store_event_add(fx->st, &bad), -1);
	assert_non_null(strstr(store_error(fx->st), "insert touch event for referral 999: "));

	assert_int_equal(store_referral_get(fx->st, r, &v, &ev, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].at, 10);
	assert_string_equal(ev[0].actor, "sarah@x.test");
	assert_string_equal(ev[0].kind, "created");
	assert_null(ev[0].old_status);
	assert_string_equal(ev[0].new_status, "new");
	assert_string_equal(ev[0].detail, "intro");
	assert_string_equal(ev[0].message_key, "<m1@x>");
	assert_int_equal(ev[1].at, 30);
	assert_string_equal(ev[1].kind, "reply");
	assert_string_equal(ev[1].message_key, "<m2@x>");
	assert_int_equal(ev[2].at, 50);
	assert_string_equal(ev[2].old_status, "new");
	assert_string_equal(ev[2].new_status, "contacted");
	assert_null(ev[2].message_key);
	assert_null(ev[2].detail);
	store_event_views_free(ev, n);
	store_referral_view_clear(&v);
}

/* ---- checkpoints and counters ---- */

static void test_checkpoint(void **state)
{
	struct fx *fx = *state;
	uint32_t uv = 9, last = 9;

	assert_int_equal(store_checkpoint_get(fx->st, "INBOX", &uv, &last), 0);
	assert_int_equal(uv, 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 4294967295u, 12), 0);
	assert_int_equal(store_checkpoint_set(fx->st, "Other", 5, 6), 0);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 4294967295u, 13), 0);
	assert_int_equal(store_checkpoint_get(fx->st, "INBOX", &uv, &last), 1);
	assert_int_equal(uv, 4294967295u);
	assert_int_equal(last, 13);
	assert_int_equal(store_checkpoint_get(fx->st, "Other", &uv, &last), 1);
	assert_int_equal(uv, 5);
	assert_int_equal(last, 6);
	/* Mailbox names are case-sensitive except INBOX, which the IMAP
	 * module normalises; the store compares exactly. */
	assert_int_equal(store_checkpoint_get(fx->st, "other", &uv, &last), 0);
}

static void test_counters(void **state)
{
	struct fx *fx = *state;
	int64_t v = -1;

	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_counter_next(fx->st, "other", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(store_counter_peek(fx->st, "other", &v), 0);
	assert_int_equal(v, 1);
}

/* Inside a write transaction the value is kept (ingest reads the round
 * robin for every intro): peeks and bumps agree with the table, a second
 * counter between them changes nothing, and a rollback forgets it. */
static void test_counters_in_transaction(void **state)
{
	struct fx *fx = *state;
	int64_t v = -1;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_counter_next(fx->st, "other", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 3);
	store_rollback(fx->st);
	/* the bump was rolled back, and so is what was kept of it */
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_counter_peek(fx->st, "other", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_commit(fx->st), 0);
}

/* ---- transactions ---- */

static void test_transactions(void **state)
{
	struct fx *fx = *state;
	int64_t id = 0, v = 0;
	char *err = NULL;
	struct store *ro = NULL;

	assert_int_equal(store_begin(fx->st), 0);
	message(fx->st, "<kept@x>", 1);
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(store_begin(fx->st), 0);
	message(fx->st, "<gone@x>", 2);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, 2), 0);
	assert_int_equal(store_message_find(fx->st, "<gone@x>", &id), 1);
	/* A reader sees only committed data. */
	assert_int_equal(test_store_open(fx->path, 1, &ro, &err), 0);
	assert_int_equal(store_message_find(ro, "<kept@x>", &id), 1);
	assert_int_equal(store_message_find(ro, "<gone@x>", &id), 0);
	store_rollback(fx->st);

	assert_int_equal(store_message_find(fx->st, "<kept@x>", &id), 1);
	assert_int_equal(store_message_find(fx->st, "<gone@x>", &id), 0);
	assert_int_equal(store_counter_peek(fx->st, "rr", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_checkpoint_get(fx->st, "INBOX", (uint32_t[]){0}, (uint32_t[]){0}),
	                 0);

	/* Rollback with nothing open is harmless; commit without begin fails. */
	store_rollback(fx->st);
	assert_int_equal(store_commit(fx->st), -1);
	assert_non_null(strstr(store_error(fx->st), "commit: cannot commit"));

	/* A failed statement inside a transaction: on SQLite the rest stays
	 * and commits; on PostgreSQL it spoils the transaction, and the commit
	 * says so and keeps nothing (store.h: roll back after any error). */
	assert_int_equal(store_begin(fx->st), 0);
	message(fx->st, "<t1@x>", 3);
	assert_int_equal(store_message_add(fx->st,
	                                   &(struct msg_rec){.key = "<t1@x>",
	                                                     .direction = "in",
	                                                     .kind = "intro",
	                                                     .at = 3},
	                                   &id),
	                 -1);
	if (test_pg()) {
		assert_int_equal(store_commit(fx->st), -1);
		assert_non_null(
		        strstr(store_error(fx->st), "commit: the transaction was rolled back"));
		store_rollback(fx->st);
		assert_int_equal(store_message_find(ro, "<t1@x>", &id), 0);
	} else {
		assert_int_equal(store_commit(fx->st), 0);
		assert_int_equal(store_message_find(ro, "<t1@x>", &id), 1);
	}
	store_close(ro);
}

/* PostgreSQL: store_begin takes the business's lock, so a second writer of
 * the business waits until commit, and another business's does not. */
static void test_business_lock(void **state)
{
	struct fx *fx = *state;
	char *db;
	PGconn *c;
	PGresult *r;

	PG_ONLY();
	db = test_db(fx->path);
	c = PQconnectdb(db);
	free(db);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "SET lock_timeout = '200ms'"));
	assert_int_equal(store_begin(fx->st), 0);
	/* the lock ST_BUSINESS_LOCK takes, by another connection */
	r = PQexec(c, "SELECT pg_advisory_lock(1380271681, hashtext('" TEST_BUSINESS "'))");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_non_null(strstr(PQresultErrorMessage(r), "lock timeout"));
	PQclear(r);
	r = PQexec(c, "SELECT pg_advisory_lock(1380271681, hashtext('other'))");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	assert_int_equal(store_commit(fx->st), 0);
	r = PQexec(c, "SELECT pg_advisory_lock(1380271681, hashtext('" TEST_BUSINESS "'))");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	PQfinish(c);
}

/* store_begin takes the write lock at once (BEGIN IMMEDIATE), so a
 * second writer is kept out until commit. */
static void test_write_lock(void **state)
{
	struct fx *fx = *state;
	struct store *other = NULL;
	char *err = NULL;

	SQLITE_ONLY();

	assert_int_equal(test_store_open(fx->path, 0, &other, &err), 0);
	assert_int_equal(store_begin(fx->st), 0);
	/* Opening writes the statuses only when they changed: an open while
	 * another writer holds the lock does not wait for it. */
	store_close(other);
	assert_int_equal(test_store_open(fx->path, 0, &other, &err), 0);
	/* A plain connection without busy_timeout fails at once instead of
	 * waiting the store's 10 s. */
	{
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
		                 SQLITE_BUSY);
		sqlite3_close(db);
	}
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(store_commit(other), 0);
	store_close(other);
}

/* ---- views ---- */

static void test_list_and_get(void **state)
{
	struct fx *fx = *state;
	int64_t ref = person(fx->st, "sarah@x.test", "Sarah");
	int64_t l1 = person(fx->st, "a@y.test", "A");
	int64_t l2 = person(fx->st, "b@y.test", "B");
	int64_t r1 = referral(fx->st, "new", ref, l1, 1);
	int64_t r2 = referral(fx->st, "held", 0, l2, 2);
	int64_t r3 = referral(fx->st, "new", ref, l2, 3);
	struct referral_view *v = NULL, one;
	struct event_view dummy, *ev = &dummy;
	size_t n = 0;

	assert_int_equal(store_referral_list(fx->st, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, r1);
	assert_int_equal(v[1].id, r2);
	assert_int_equal(v[2].id, r3);
	assert_null(v[1].referrer.email);
	assert_string_equal(v[1].lead.email, "b@y.test");
	store_referral_views_free(v, n);

	assert_int_equal(store_referral_list(fx->st, "new", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, r1);
	assert_string_equal(v[0].lead.name, "A");
	assert_string_equal(v[0].referrer.name, "Sarah");
	assert_int_equal(v[1].id, r3);
	assert_string_equal(v[1].lead.name, "B");
	store_referral_views_free(v, n);

	assert_int_equal(store_referral_list(fx->st, "won", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);

	assert_int_equal(store_referral_get(fx->st, 999, &one, &ev, &n), 0);
	assert_null(ev);
	assert_int_equal(n, 0);
	assert_null(one.status);
	assert_int_equal(store_referral_get(fx->st, r2, &one, &ev, &n), 1);
	assert_string_equal(one.status, "held");
	assert_int_equal(n, 0);
	assert_null(ev);
	store_referral_view_clear(&one);
	store_referral_view_clear(NULL);
	store_referral_views_free(NULL, 0);
	store_event_views_free(NULL, 0);
}

/* The intake sequence for many messages in batches, as the benchmark does. */
static void test_ingest_batches(void **state)
{
	struct fx *fx = *state;
	int64_t n = 0;

	for (int b = 0; b < 4; b++) {
		assert_int_equal(store_begin(fx->st), 0);
		for (int i = 0; i < 50; i++) {
			char key[64], ref[64], lead[64];
			int64_t mid = 0, rid = 0, rfid, lid, v;
			int k = b * 50 + i;
			struct msg_rec m = {
			        .key = key, .direction = "in", .kind = "intro", .at = k};
			struct referral_rec r = {.status = "new", .at = k};
			struct event_rec e = {.at = k, .actor = "agent", .kind = "created"};

			snprintf(key, sizeof(key), "<%d@bench>", k);
			snprintf(ref, sizeof(ref), "ref%d@x.test", k % 7);
			snprintf(lead, sizeof(lead), "Lead%d@y.test", k);
			assert_int_equal(store_message_find(fx->st, key, &mid), 0);
			rfid = person(fx->st, ref, "R");
			lid = person(fx->st, lead, "L");
			assert_int_equal(store_referral_open_for_lead(fx->st, lead, &rid), 0);
			r.referrer_id = rfid;
			r.lead_id = lid;
			assert_int_equal(store_referral_add(fx->st, &r, &rid), 0);
			assert_int_equal(store_message_add(fx->st, &m, &mid), 0);
			assert_int_equal(store_message_link(fx->st, mid, rid), 0);
			e.referral_id = rid;
			e.message_id = mid;
			assert_int_equal(store_event_add(fx->st, &e), 0);
			assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
			assert_int_equal(v, k);
		}
		assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, (uint32_t)(b + 1) * 50),
		                 0);
		assert_int_equal(store_commit(fx->st), 0);
	}
	assert_int_equal(store_message_count(fx->st, "intro", &n), 0);
	assert_int_equal(n, 200);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people"), 207);
}

/* A schema-1 database (tests/data/store/schema1.sql, made by the build
 * before follow-up mail) is migrated with its data kept. */
static void test_migrate_from_schema1(void **state)
{
	struct fx *fx = *state;
	char *sql = NULL, *err = NULL;
	struct referral_view *v = NULL;
	struct person_flags f;
	struct job_view *jv = NULL;
	size_t n = 0;

	SQLITE_ONLY();
	sql = test_read_data("store/schema1.sql", NULL); /* after the skip: no leak */

	assert_non_null(sql);
	raw_exec(fx->path, sql);
	free(sql);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), 1);
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(store_referral_list(fx->st, NULL, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].lead.email, "bob@client.test");
	assert_string_equal(v[0].thread_key, "intro-basic-1@partner.test");
	store_referral_views_free(v, n);
	assert_int_equal(store_person_flags(fx->st, "bob@client.test", &f), 1);
	assert_int_equal(f.opted_out_at, 0);
	assert_null(f.token);
	assert_int_equal(store_jobs_list(fx->st, NULL, &jv, &n), 0);
	assert_int_equal(n, 0);
	store_close(fx->st);
	fx->st = NULL;

	/* schema 9: the rows there were are the migrating agent's business */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people WHERE business = 'test'"),
	                 raw_int(fx->path, "SELECT count(*) FROM people"));
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM referrals WHERE business <> 'test'"
	                                   " OR business IS NULL"),
	                 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM messages WHERE business = 'test'"),
	                 raw_int(fx->path, "SELECT count(*) FROM messages"));
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM businesses WHERE name = 'test'"),
	                 1);
	/* a config whose derived business changed (a new address) goes on
	 * serving the file's one business; a business set in the config is
	 * served as set */
	{
		char *db = test_db(fx->path);
		struct store_params p = {.database = db, .business = "new-domain", .adopt = 1};

		assert_int_equal(store_open(&p, &fx->st, &err), 0);
		assert_string_equal(store_business(fx->st), "test");
		assert_int_equal(store_referral_list(fx->st, NULL, &v, &n), 0);
		assert_int_equal(n, 2);
		store_referral_views_free(v, n);
		store_close(fx->st);
		p.adopt = 0;
		assert_int_equal(store_open(&p, &fx->st, &err), 0);
		assert_string_equal(store_business(fx->st), "new-domain");
		assert_int_equal(store_referral_list(fx->st, NULL, &v, &n), 0);
		assert_int_equal(n, 0);
		free(db);
	}
}

/* Every row of the tables a migration must keep, as one text. */
#define ROWS_DIGEST                                                                                \
	"SELECT (SELECT group_concat(quote(id) || quote(status) || quote(referrer_id) ||"          \
	"   quote(lead_id) || quote(rep_email) || quote(rep_name) || quote(need) ||"               \
	"   quote(budget) || quote(timeline) || quote(context) || quote(subject) ||"               \
	"   quote(held_reason) || quote(thread_key) || quote(value) || quote(created_at) ||"       \
	"   quote(updated_at) || quote(first_contact_at) || quote(closed_at) ||"                   \
	"   quote(last_activity_at), '|') FROM (SELECT * FROM referrals ORDER BY id))"             \
	" || ' people ' || (SELECT count(*) FROM people)"                                          \
	" || ' messages ' || (SELECT count(*) FROM messages)"                                      \
	" || ' links ' || (SELECT count(*) FROM message_referrals)"                                \
	" || ' events ' || (SELECT count(*) FROM events)"                                          \
	" || ' jobs ' || (SELECT count(*) FROM jobs)"                                              \
	" || ' rewards ' || (SELECT count(*) FROM rewards)"                                        \
	" || ' confirmations ' || (SELECT count(*) FROM confirmations)"                            \
	" || ' counters ' || (SELECT group_concat(name || '=' || value) FROM counters)"

/* (but the ones schemas 5 and 12 add) */
#define REFERRAL_INDEXES                                                                           \
	"SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema"                           \
	" WHERE type = 'index' AND tbl_name = 'referrals' AND name NOT IN ('referrals_digest',"    \
	" 'referrals_made', 'referrals_won', 'referrals_delay', 'referrals_rep_delay',"            \
	" 'referrals_rep')"                                                                        \
	" ORDER BY name)"

/* A schema-3 database (tests/data/store/schema3.sql, made by the build
 * before the statuses table) with referrals in all nine statuses: the
 * migrations (to 4, then 5) keep every row and index, the statuses come
 * from kinds.c, and an unknown status is refused. */
static void test_migrate_from_schema3(void **state)
{
	struct fx *fx = *state;
	char *sql = NULL, *err = NULL, *before, *after;
	char *indexes, want[96], q[160];
	struct referral_rec bad = {.status = "maybe", .lead_id = 2, .at = 1};
	int64_t *ids = NULL, id = 0;
	size_t n = 0;

	SQLITE_ONLY();
	sql = test_read_data("store/schema3.sql", NULL); /* after the skip: no leak */

	assert_non_null(sql);
	raw_exec(fx->path, sql);
	free(sql);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(fx->path, "SELECT count(DISTINCT status) FROM referrals"), 9);
	before = raw_text(fx->path, ROWS_DIGEST);
	indexes = raw_text(fx->path, REFERRAL_INDEXES);

	/* A read-only open refuses the old schema and changes nothing. */
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), -1);
	snprintf(want, sizeof(want), "schema version 3, this build needs %d", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	free(err);
	err = NULL;
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), 3);

	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_null(err);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* schema 7: the referrals made before it have no confidence */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM referrals"
	                                   " WHERE confidence IS NULL AND evidence IS NULL"),
	                 raw_int(fx->path, "SELECT count(*) FROM referrals"));
	/* schema 5: referrals wait for their rep's digest */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM pragma_table_info('referrals')"
	                                   " WHERE name = 'digest_due'"),
	                 1);
	after = raw_text(fx->path, ROWS_DIGEST);
	assert_string_equal(after, before);
	free(after);
	after = raw_text(fx->path, REFERRAL_INDEXES);
	assert_string_equal(after, indexes);
	free(after);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* the report's running totals (12) count every referral */
	assert_int_equal(raw_int(fx->path, "SELECT sum(n) FROM report_counts"),
	                 raw_int(fx->path, "SELECT count(*) FROM referrals"));
	/* and the later migrations ran: the admin's review (5) */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
	                                   " AND name = 'reviews'"),
	                 1);
	assert_int_equal(raw_int(fx->path, "SELECT sql LIKE '%REFERENCES statuses(name)%' AND"
	                                   " sql NOT LIKE '%CHECK%' FROM sqlite_schema"
	                                   " WHERE name = 'referrals'"),
	                 1);

	/* The statuses table is status_table. */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM statuses"), STATUS_COUNT);
	for (int i = 0; i < STATUS_COUNT; i++) {
		snprintf(q, sizeof(q),
		         "SELECT count(*) FROM statuses WHERE name = '%s' AND position = %d"
		         " AND closed = %d AND credit = %d AND contact = %d",
		         status_table[i].name, i, status_table[i].closed, status_table[i].credit,
		         status_table[i].contact);
		assert_int_equal(raw_int(fx->path, q), 1);
	}

	/* An unknown status is refused, in an insert and in an update. */
	assert_int_equal(store_referral_add(fx->st, &bad, &id), -1);
	assert_non_null(strstr(store_error(fx->st), "FOREIGN KEY"));
	assert_int_equal(store_referral_set_status(fx->st, 1, "maybe", 0, 0, 10), -1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM referrals"), 9);
	assert_int_equal(raw_int(fx->path, "SELECT status = 'contacted' FROM referrals"
	                                   " WHERE id = 1"),
	                 1);

	/* Open and closed still read the same from the migrated rows: the
	 * open ones are contacted, qualified, proposal, held and new. */
	assert_int_equal(store_referrals_stale(fx->st, INT64_MAX, 100, &ids, &n), 0);
	assert_int_equal(n, 5);
	{
		int64_t open[] = {1, 2, 3, 8, 9}, seen = 0;

		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < ARRAY_SIZE(open); k++)
				seen += ids[i] == open[k];
		assert_int_equal(seen, 5);
	}
	free(ids);
	assert_int_equal(store_referral_open_for_lead(fx->st, "bob@client.test", &id), 1);
	assert_int_equal(id, 1);
	assert_int_equal(store_referral_open_for_lead(fx->st, "soren@client.test", &id), 0);
	store_close(fx->st);
	fx->st = NULL;

	/* Every read-write open writes status_table again: a changed row is
	 * put back, and the data stays as it was. */
	raw_exec(fx->path, "UPDATE statuses SET closed = 0 WHERE name = 'won'");
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT closed FROM statuses WHERE name = 'won'"), 1);
	after = raw_text(fx->path, ROWS_DIGEST);
	assert_string_equal(after, before);
	free(after);
	store_close(fx->st);
	fx->st = NULL;
	/* And a read-only open of the migrated file reads. */
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), 0);
	assert_int_equal(store_referral_open_for_lead(fx->st, "bob@client.test", &id), 1);
	free(before);
	free(indexes);
}

static struct job_rec job(const char *tmpl, const char *to, int64_t due, const char *key)
{
	struct job_rec j = {.referral_id = 0,
	                    .template = tmpl,
	                    .recipient = to,
	                    .due_at = due,
	                    .message_key = key,
	                    .at = 100};
	return j;
}

/* Due jobs come earliest first, only pending and unclaimed ones; a claim
 * is exclusive until its lease ends; sent, retried, finished and cancelled
 * jobs behave. */
static void test_jobs(void **state)
{
	struct fx *fx = *state;
	struct job_rec a = job("thank-referrer", "Sarah@Partner.test", 200, "k1@x");
	struct job_rec b = job("welcome-lead", "bob@client.test", 150, "k2@x");
	struct job_rec c = job("remind-rep", "rep@biz.test", 5000, "k3@x");
	struct job_view *v = NULL, one;
	size_t n = 0;
	int64_t ia, ib, ic, at = 0, cnt, first;
	int k = 0;

	assert_int_equal(store_job_add(fx->st, &a, &ia), 0);
	assert_int_equal(store_job_add(fx->st, &b, &ib), 0);
	assert_int_equal(store_job_add(fx->st, &c, &ic), 0);
	assert_int_equal(store_jobs_next_due(fx->st, &at), 1);
	assert_int_equal(at, 150);
	assert_int_equal(store_jobs_due(fx->st, 300, 10, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, ib);
	assert_int_equal(v[1].id, ia);
	assert_string_equal(v[1].recipient, "sarah@partner.test");
	assert_string_equal(v[1].state, "pending");
	store_job_views_free(v, n);

	/* a claim is exclusive while its lease lasts */
	assert_int_equal(store_job_claim(fx->st, ia, "agent-1", 300, 600), 1);
	assert_int_equal(store_job_claim(fx->st, ia, "agent-2", 310, 610), 0);
	assert_int_equal(store_jobs_due(fx->st, 320, 10, &v, &n), 0);
	assert_int_equal(n, 1); /* only b: a is claimed */
	store_job_views_free(v, n);
	assert_int_equal(store_job_claim(fx->st, ia, "agent-2", 601, 900), 1); /* lease over */

	assert_int_equal(store_job_sent(fx->st, ia, 650, "250 2.0.0 Ok: queued"), 0);
	assert_int_equal(store_job_claim(fx->st, ia, "agent-1", 700, 900), 0);
	assert_int_equal(store_job_get(fx->st, ia, &one), 1);
	assert_string_equal(one.state, "sent");
	assert_int_equal(one.attempts, 1);
	assert_int_equal(one.done_at, 650);
	assert_string_equal(one.last_error, "250 2.0.0 Ok: queued");
	store_job_view_clear(&one);

	assert_int_equal(store_job_retry(fx->st, ib, 1000, "451 try later", 1), 0);
	assert_int_equal(store_jobs_due(fx->st, 999, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	store_job_views_free(v, n);
	assert_int_equal(store_job_get(fx->st, ib, &one), 1);
	assert_int_equal(one.attempts, 1);
	assert_int_equal(one.next_attempt_at, 1000);
	assert_int_equal(one.due_at, 150);
	store_job_view_clear(&one);
	assert_int_equal(store_job_finish(fx->st, ib, "failed", 1001, "550 no such user", 1), 0);
	assert_int_equal(store_job_get(fx->st, ib, &one), 1);
	assert_string_equal(one.state, "failed");
	assert_int_equal(one.attempts, 2);
	store_job_view_clear(&one);

	assert_int_equal(store_jobs_cancel_recipient(fx->st, "REP@biz.test", 1100, "opted out", &k),
	                 0);
	assert_int_equal(k, 1);
	assert_int_equal(store_jobs_next_due(fx->st, &at), 0);

	assert_int_equal(store_sent_since(fx->st, "sarah@partner.test", 600, &cnt, &first), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(first, 650);
	assert_int_equal(store_sent_since(fx->st, "sarah@partner.test", 650, &cnt, &first), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_jobs_list(fx->st, "cancelled", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].last_error, "opted out");
	store_job_views_free(v, n);
}

/* Cancelling by referral takes one template or all, pending ones only. */
/* Stale referrals stay right once the store has statistics: closing a
 * read-write store after a long run runs PRAGMA optimize (ANALYZE), after
 * which SQLite 3.40 answered "status IN (SELECT ...) AND last_activity_at
 * < ?" with rows outside the range. */
static void test_stale_after_optimize(void **state)
{
	struct fx *fx = *state;
	int64_t ref = person(fx->st, "sarah@x.test", "Sarah"), *ids = NULL, old;
	char lead[32], *err = NULL;
	size_t n = 0;

	SQLITE_ONLY(); /* SQLite's statistics and its query planner */
	/* a short run leaves the statistics alone */
	referral(fx->st, "held", ref, person(fx->st, "first@y.test", NULL), 5000);
	store_close(fx->st);
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM sqlite_master"
	                                   " WHERE name = 'sqlite_stat1'"),
	                 0);
	/* a long one (over a thousand rows changed) writes them */
	for (int i = 0; i < 600; i++) {
		snprintf(lead, sizeof(lead), "lead%d@y.test", i);
		referral(fx->st, "held", ref, person(fx->st, lead, NULL), 5000);
	}
	store_close(fx->st);
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_true(raw_int(fx->path, "SELECT count(*) FROM sqlite_stat1") > 0);
	assert_int_equal(store_referrals_stale(fx->st, 4000, 10, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	old = referral(fx->st, "new", ref, person(fx->st, "old@y.test", NULL), 100);
	assert_int_equal(store_referrals_stale(fx->st, 4000, 10, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], old);
	free(ids);
}

/* A new referral's jobs go in with one statement (four rows at most per
 * statement, more in several); every field lands in its own row. */
static void test_jobs_add_many(void **state)
{
	struct fx *fx = *state;
	struct job_rec j[6];
	char to[6][32], key[6][32];
	struct job_view *v = NULL;
	size_t n = 0;

	for (int i = 0; i < 6; i++) {
		snprintf(to[i], sizeof(to[i]), "To%d@X.test", i);
		snprintf(key[i], sizeof(key[i]), "k%d@x", i);
		j[i] = job(i % 2 ? "welcome-lead" : "thank-referrer", to[i], 100 + i, key[i]);
		j[i].seq = i;
		j[i].cc = i == 3 ? "rep@biz.test" : NULL;
		j[i].in_reply_to = i == 4 ? "intro@x" : NULL;
	}
	for (size_t k = 1; k <= 6; k++) {
		assert_int_equal(store_jobs_add(fx->st, j, k), 0);
		for (size_t i = 0; i < k; i++)
			key[i][0]++; /* the next round's keys differ */
	}
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM jobs"), 21);
	assert_int_equal(store_jobs_due(fx->st, 1000, 100, &v, &n), 0);
	assert_int_equal(n, 21);
	for (size_t i = 0; i < n; i++) {
		int r = (int)(v[i].due_at - 100);
		char want[32];

		snprintf(want, sizeof(want), "to%d@x.test", r);
		assert_int_equal(v[i].seq, r);
		assert_string_equal(v[i].template, r % 2 ? "welcome-lead" : "thank-referrer");
		assert_string_equal(v[i].recipient, want);
		if (r == 3)
			assert_string_equal(v[i].cc, "rep@biz.test");
		else
			assert_null(v[i].cc);
		if (r == 4)
			assert_string_equal(v[i].in_reply_to, "intro@x");
		else
			assert_null(v[i].in_reply_to);
	}
	store_job_views_free(v, n);
}

static void test_jobs_cancel_referral(void **state)
{
	struct fx *fx = *state;
	struct referral_rec r = {.status = "new", .at = 10};
	struct job_rec j1 = job("remind-rep", "rep@biz.test", 100, "r1@x");
	struct job_rec j2 = job("remind-rep", "rep@biz.test", 200, "r2@x");
	struct job_rec j3 = job("nudge-lead", "bob@client.test", 300, "r3@x");
	int64_t rid, id;
	int k = 0;

	r.lead_id = person(fx->st, "bob@client.test", "Bob");
	assert_int_equal(store_referral_add(fx->st, &r, &rid), 0);
	j1.referral_id = j2.referral_id = j3.referral_id = rid;
	assert_int_equal(store_job_add(fx->st, &j1, &id), 0);
	assert_int_equal(store_job_sent(fx->st, id, 150, "250 ok"), 0);
	assert_int_equal(store_job_add(fx->st, &j2, NULL), 0);
	assert_int_equal(store_job_add(fx->st, &j3, NULL), 0);
	assert_int_equal(
	        store_jobs_cancel_referral(fx->st, rid, "remind-rep", 400, "rep replied", &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(store_jobs_cancel_referral(fx->st, rid, NULL, 400, "closed", &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(store_jobs_cancel_referral(fx->st, rid, NULL, 400, "closed", &k), 0);
	assert_int_equal(k, 0);
}

/* Check-ins: active referrers whose last check-in (or first referral) is
 * old enough, never opted out. */
static void test_checkins(void **state)
{
	struct fx *fx = *state;
	struct referral_rec r = {.status = "new"};
	struct person_ref *v = NULL;
	size_t n = 0;
	int64_t sarah = person(fx->st, "sarah@partner.test", "Sarah"), rid;
	int64_t old = person(fx->st, "old@partner.test", "Old");

	r.lead_id = person(fx->st, "bob@client.test", "Bob");
	r.referrer_id = sarah;
	r.at = 1000;
	assert_int_equal(store_referral_add(fx->st, &r, &rid), 0);
	r.lead_id = person(fx->st, "ann@client.test", "Ann");
	r.referrer_id = old;
	r.at = 10;
	assert_int_equal(store_referral_add(fx->st, &r, &rid), 0);

	/* active since 500, due when the last contact is at or before 2000 */
	assert_int_equal(store_checkins_due(fx->st, 500, 2000, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].email, "sarah@partner.test");
	store_people_free(v, n);
	assert_int_equal(store_person_set_checkin(fx->st, sarah, 2500), 0);
	assert_int_equal(store_checkins_due(fx->st, 500, 2000, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	store_people_free(v, n);
	assert_int_equal(store_person_set_token(fx->st, sarah, "tok1"), 0);
	assert_int_equal(store_person_set_token(fx->st, sarah, "tok2"), 0); /* kept */
	struct person_flags f;
	assert_int_equal(store_person_flags(fx->st, "Sarah@partner.test", &f), 1);
	assert_string_equal(f.token, "tok1");
	free(f.token);
}

/* ---- spreadsheets (schema 5) ---- */

/* The rows of an import are found again by key, and an export's row by
 * its lead, referrer and time; people without an address by name; and
 * check-ins leave imported referrals out. */
static void test_imports(void **state)
{
	struct fx *fx = *state;
	int64_t sarah = person(fx->st, "sarah@partner.test", "Sarah"), named = 0, id = 0;
	int64_t lead = person(fx->st, "bob@client.test", "Bob"), rid;
	struct person_ref *v = NULL;
	size_t n = 0;

	rid = referral(fx->st, "new", sarah, lead, 1000);
	assert_int_equal(store_import_find(fx->st, "k1", &id), 0);
	assert_int_equal(store_import_add(fx->st, "k1", rid, "sheet.csv", 7, 2000), 0);
	assert_int_equal(store_import_find(fx->st, "k1", &id), 1);
	assert_int_equal(id, rid);
	assert_int_equal(store_import_add(fx->st, "k1", rid, "sheet.csv", 8, 2000), -1);
	assert_int_equal(store_referral_find_same(fx->st, lead, sarah, 1000, &id), 1);
	assert_int_equal(store_referral_find_same(fx->st, lead, sarah, 1001, &id), 0);
	assert_int_equal(store_referral_find_same(fx->st, lead, 0, 1000, &id), 0);

	/* known by name only: found by name, any case; the oldest */
	assert_int_equal(store_person_find_named(fx->st, "Dana Cole", &named), 0);
	assert_int_equal(store_person_ensure(fx->st, NULL, "Dana Cole", 1, &named), 0);
	assert_int_equal(store_person_ensure(fx->st, NULL, "Dana Cole", 1, &id), 0);
	assert_int_equal(store_person_find_named(fx->st, "dana cole", &id), 1);
	assert_int_equal(id, named);
	/* someone with an address is not "known by name only" */
	assert_int_equal(store_person_find_named(fx->st, "Sarah", &id), 0);

	/* Sarah's only referral is imported: no check-in */
	assert_int_equal(store_checkins_due(fx->st, 0, 5000, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	referral(fx->st, "new", sarah, person(fx->st, "ann@client.test", "Ann"), 1500);
	assert_int_equal(store_checkins_due(fx->st, 0, 5000, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	store_people_free(v, n);
}

/* ---- people's data (schema 5) ---- */

/* Bob: the lead of referral 1, who wrote a reply, got mail, opted out.
 * Carol's referral mentions his address and name in its text. */
static void forget_world(struct fx *fx, int64_t *bob_ref, int64_t *carol_ref)
{
	int64_t sarah = person(fx->st, "sarah@partner.test", "Sarah Lee");
	int64_t bob = person(fx->st, "bob@client.test", "Bob Smith");
	int64_t carol = person(fx->st, "carol@client.test", "Carol White");
	struct referral_rec r = {.referrer_id = sarah,
	                         .lead_id = bob,
	                         .context =
	                                 "Bob Smith (bob@client.test, (415) 555-0142) needs a roof",
	                         .subject = "Bob, meet Brightpath",
	                         .need = "a roof for Bob Smith",
	                         .at = 1000};
	struct msg_rec m = {.key = "reply-1@client.test",
	                    .direction = "in",
	                    .kind = "reply",
	                    .from_email = "Bob@Client.test",
	                    .subject = "Re: Bob, meet Brightpath",
	                    .at = 1100};
	struct event_rec e = {.at = 1100,
	                      .actor = "bob@client.test",
	                      .kind = "reply",
	                      .detail = "reply from Bob Smith <bob@client.test>"};
	struct job_rec j = {.template = "welcome-lead",
	                    .recipient = "bob@client.test",
	                    .recipient_name = "Bob Smith",
	                    .cc = "rep@biz.test",
	                    .note = "lead.name=Bob Smith",
	                    .due_at = 5000,
	                    .message_key = "w1@biz.test",
	                    .at = 1000};
	int64_t mid, jid;

	assert_int_equal(store_person_fill(fx->st, bob, "(415) 555-0142", "Smith Remodeling"), 0);
	assert_int_equal(store_referral_add(fx->st, &r, bob_ref), 0);
	r.lead_id = carol;
	r.context = "Carol knows Bob Smith; reach him at BOB@client.test";
	r.subject = "Carol";
	r.need = NULL;
	assert_int_equal(store_referral_add(fx->st, &r, carol_ref), 0);
	assert_int_equal(store_message_add(fx->st, &m, &mid), 0);
	assert_int_equal(store_message_link(fx->st, mid, *bob_ref), 0);
	e.referral_id = *bob_ref;
	e.message_id = mid;
	assert_int_equal(store_event_add(fx->st, &e), 0);
	e.referral_id = *carol_ref;
	e.message_id = 0;
	assert_int_equal(store_event_add(fx->st, &e), 0);
	j.referral_id = *bob_ref;
	assert_int_equal(store_job_add(fx->st, &j, &jid), 0);
	j.template = "update-referrer";
	j.recipient = "sarah@partner.test";
	j.recipient_name = "Sarah Lee";
	j.message_key = "u1@biz.test";
	assert_int_equal(store_job_add(fx->st, &j, &jid), 0);
	assert_int_equal(store_job_sent(fx->st, jid, 1200, "250 ok"), 0);
	assert_int_equal(store_referral_set_status(fx->st, *bob_ref, "won", 1, 12000, 1300), 1);
	assert_int_equal(store_reward_add(fx->st, *bob_ref, sarah, 500, "client: 10%", 1300, NULL),
	                 0);
	assert_int_equal(store_person_opt_out(fx->st, "bob@client.test", 1400, "reply stop", NULL),
	                 0);
}

static void test_export_person(void **state)
{
	struct fx *fx = *state;
	struct person_export x;
	int64_t bob_ref, carol_ref;

	forget_world(fx, &bob_ref, &carol_ref);
	assert_int_equal(store_person_export(fx->st, "BOB@client.test", &x), 0);
	assert_int_equal(x.found, 1);
	assert_string_equal(x.person.name, "Bob Smith");
	assert_string_equal(x.person.phone, "(415) 555-0142");
	assert_int_equal(x.person.opted_out_at, 1400);
	assert_int_equal(x.nreferrals, 1);
	assert_int_equal(x.referrals[0].id, bob_ref);
	/* the event of his referral, and the one elsewhere naming him */
	assert_int_equal(x.nevents, 2);
	assert_int_equal(x.events[1].referral_id, carol_ref);
	assert_int_equal(x.nmessages, 1);
	assert_string_equal(x.messages[0].subject, "Re: Bob, meet Brightpath");
	assert_int_equal(x.njobs, 1);
	assert_string_equal(x.jobs[0].template, "welcome-lead");
	assert_int_equal(x.nrewards, 0); /* the reward is Sarah's */
	assert_int_equal(x.optout_kept, 0);
	store_person_export_clear(&x);
	assert_int_equal(store_person_export(fx->st, "sarah@partner.test", &x), 0);
	assert_int_equal(x.nreferrals, 2);
	assert_int_equal(x.nrewards, 1);
	assert_int_equal(x.njobs, 1);
	store_person_export_clear(&x);
	assert_int_equal(store_person_export(fx->st, "nobody@x.test", &x), 0);
	assert_int_equal(x.found + x.nreferrals + x.nevents + x.nmessages + x.njobs, 0);
	store_person_export_clear(&x);
}

/* path followed by suffix, into out (160 bytes). */
static const char *strcat_path(char *out, const char *path, const char *suffix)
{
	snprintf(out, 160, "%s%s", path, suffix);
	return out;
}

/* Bytes of a file holding needle (case folded), or -1 when it does not
 * exist. */
static long file_mentions(const char *path, const char *needle)
{
	char *data = NULL;
	size_t len = 0, n = strlen(needle);
	long hits = 0;

	if (file_read(path, 64u << 20, &data, &len) != 0)
		return -1;
	for (size_t i = 0; i + n <= len; i++)
		hits += strncasecmp(data + i, needle, n) == 0;
	free(data);
	return hits;
}

static void test_forget(void **state)
{
	struct fx *fx = *state;
	struct forget_counts c;
	struct referral_view v;
	struct event_view *ev = NULL;
	struct person_flags f;
	struct person_export x;
	char wal[160];
	size_t nev = 0;
	int64_t bob_ref, carol_ref, id;

	forget_world(fx, &bob_ref, &carol_ref);
	/* (the files are SQLite's; a server's pages are its administrator's) */
	assert_true(test_pg() || file_mentions(fx->path, "bob@client.test") +
	                                         file_mentions(strcat_path(wal, fx->path, "-wal"),
	                                                       "bob@client.test") >
	                                 0);
	assert_int_equal(store_secure_delete(fx->st, 1), 0);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_person_forget(fx->st, "bob@client.test", 2000, &c), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(store_compact(fx->st), 0);
	assert_int_equal(c.people, 1);
	assert_int_equal(c.referrals, 1);
	assert_int_equal(c.messages, 1);
	assert_int_equal(c.jobs, 1);
	assert_int_equal(c.optout, 1);
	assert_true(c.scrubbed >= 3);

	/* nowhere in the files, with the connection still open */
	if (!test_pg()) {
		assert_int_equal(file_mentions(fx->path, "bob@client.test"), 0);
		assert_true(file_mentions(wal, "bob@client.test") <= 0);
		assert_int_equal(file_mentions(fx->path, "555-0142"), 0);
	}

	/* his referral keeps its counts, not his words */
	assert_int_equal(store_referral_get(fx->st, bob_ref, &v, &ev, &nev), 1);
	assert_string_equal(v.status, "won");
	assert_true(v.has_value && v.value == 12000);
	assert_null(v.lead.name);
	assert_null(v.lead.email);
	assert_null(v.lead.phone);
	assert_null(v.context);
	assert_null(v.subject);
	assert_null(v.need);
	assert_string_equal(v.referrer.email, "sarah@partner.test");
	assert_string_equal(ev[0].actor, "(forgotten)");
	assert_string_equal(ev[0].detail, "reply from (forgotten) <(forgotten)>");
	assert_string_equal(ev[nev - 1].kind, "forgotten");
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);
	/* Carol's keeps hers: only his address goes, not his name */
	assert_int_equal(store_referral_get(fx->st, carol_ref, &v, &ev, &nev), 1);
	assert_string_equal(v.context, "Carol knows Bob Smith; reach him at (forgotten)");
	assert_string_equal(ev[0].actor, "(forgotten)");
	assert_string_equal(ev[0].detail, "reply from Bob Smith <(forgotten)>");
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM referrals"), 2);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM jobs WHERE state = 'cancelled'"
	                                   " AND recipient = '(forgotten)'"),
	                 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM rewards WHERE amount = 500"), 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people WHERE forgotten_at = 2000"
	                                   " AND email IS NULL AND name IS NULL"),
	                 1);
	assert_int_equal(store_person_export(fx->st, "bob@client.test", &x), 0);
	assert_int_equal(x.found + x.nreferrals + x.nevents + x.nmessages + x.njobs, 0);
	assert_int_equal(x.optout_kept, 1400);
	store_person_export_clear(&x);

	/* introduced again: opted out at once, from the hash */
	assert_int_equal(store_person_ensure(fx->st, "Bob@Client.test", "Bob", 3000, &id), 0);
	assert_int_equal(store_person_flags(fx->st, "bob@client.test", &f), 1);
	assert_int_equal(f.opted_out_at, 1400);
	free(f.token);
	/* a stranger is not */
	assert_int_equal(store_person_ensure(fx->st, "dan@client.test", "Dan", 3000, &id), 0);
	assert_int_equal(store_person_flags(fx->st, "dan@client.test", &f), 1);
	assert_int_equal(f.opted_out_at, 0);

	/* forgetting an address nobody has changes nothing */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_person_forget(fx->st, "nobody@x.test", 4000, &c), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(c.people + c.referrals + c.messages + c.jobs + c.scrubbed, 0);
}

/* ---- businesses (schema 9) ---- */

/* One business's world: a referrer, a lead, a referral with its message,
 * event, job and reward, a checkpoint, a counter, a review, an import and
 * a kept opt-out.  Returns the referral's id. */
static int64_t business_world(struct store *st, const char *tag, int64_t *job_r)
{
	char ref[64], subject[64], key[64];
	int64_t sarah, bob, rid, mid, v;
	struct referral_rec r = {.at = 1000};
	struct msg_rec m = {.key = "intro-1@partner.test",
	                    .direction = "in",
	                    .kind = "intro",
	                    .mailbox = "INBOX",
	                    .uidvalidity = 1,
	                    .uid = 1,
	                    .at = 1000};
	struct event_rec e = {.at = 1000, .actor = "agent", .kind = "created"};
	struct job_rec j = {.template = "thank-referrer", .due_at = 1000, .at = 1000};
	struct review_item it = {0};

	snprintf(ref, sizeof(ref), "sarah.%s@partner.test", tag);
	snprintf(subject, sizeof(subject), "Bob, meet %s", tag);
	snprintf(key, sizeof(key), "thanks.%s@biz.test", tag);
	sarah = person(st, ref, "Sarah");
	/* the same lead, referred to both businesses */
	bob = person(st, "bob@client.test", tag);
	r.referrer_id = sarah;
	r.lead_id = bob;
	r.subject = subject;
	assert_int_equal(store_referral_add(st, &r, &rid), 0);
	assert_int_equal(store_message_add(st, &m, &mid), 0);
	assert_int_equal(store_message_link(st, mid, rid), 0);
	e.referral_id = rid;
	e.message_id = mid;
	assert_int_equal(store_event_add(st, &e), 0);
	j.referral_id = rid;
	j.recipient = ref;
	j.message_key = key;
	assert_int_equal(store_job_add(st, &j, job_r), 0);
	assert_int_equal(store_referral_set_status(st, rid, "won", 1, 100, 1100), 1);
	assert_int_equal(store_reward_add(st, rid, sarah, 10, "10%", 1100, NULL), 0);
	assert_int_equal(store_checkpoint_set(st, "INBOX", 1, 1), 0);
	assert_int_equal(store_counter_next(st, "rr", &v), 0);
	assert_int_equal(v, 0);
	it.referral_id = rid;
	assert_int_equal(store_review_listed(st, &it, NULL, 1200), 0);
	assert_int_equal(store_import_add(st, "row-key", rid, "sheet.csv", 2, 1200), 0);
	assert_int_equal(store_person_opt_out(st, "bob@client.test", 1300, tag, NULL), 0);
	return rid;
}

/* Two businesses in one database never see or touch each other's rows:
 * people (a lead referred to both is two people), referrals, messages
 * (one Message-ID in both is two messages), events, jobs, rewards,
 * checkpoints, counters, reviews, imports, opt-outs; an id of the other
 * business reads as nothing and changes nothing; forgetting someone in
 * one leaves the other's record of them whole. */
static void test_businesses_isolated(void **state)
{
	struct fx *fx = *state;
	struct store *b = NULL;
	char *err = NULL, **keys = NULL;
	int64_t ra, rb, ja, jb, id = 0, v = 0;
	struct referral_view *l = NULL, one;
	struct reward_view *w = NULL;
	struct job_view *jv = NULL, job;
	struct person_flags f;
	struct forget_counts c;
	struct person_export x;
	uint32_t uv, last;
	size_t n = 0;

	assert_int_equal(test_store_open_as(fx->path, "beta", 0, &b, &err), 0);
	assert_string_equal(store_business(b), "beta");
	ra = business_world(fx->st, "alpha", &ja);
	rb = business_world(b, "beta", &jb);
	assert_true(ra != rb);

	/* each lists its own */
	assert_int_equal(store_referral_list(fx->st, NULL, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, ra);
	assert_string_equal(l[0].lead.name, "alpha");
	assert_string_equal(l[0].subject, "Bob, meet alpha");
	store_referral_views_free(l, n);
	assert_int_equal(store_referral_list(b, NULL, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, rb);
	assert_string_equal(l[0].lead.name, "beta");
	assert_true(l[0].lead_id != 0);
	store_referral_views_free(l, n);
	/* the lead holds a referral in each, each business's own */
	assert_int_equal(store_referral_open_for_lead(fx->st, "bob@client.test", &id), 0);
	assert_int_equal(store_referrals_of_lead(fx->st, "bob@client.test", &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, ra);
	store_referral_views_free(l, n);

	/* the other's ids are nothing here */
	assert_int_equal(store_referral_get(fx->st, rb, &one, NULL, NULL), 0);
	assert_int_equal(store_referral_set_status(fx->st, rb, "lost", 0, 0, 2000), 0);
	assert_int_equal(store_referral_get(b, rb, &one, NULL, NULL), 1);
	assert_string_equal(one.status, "won");
	store_referral_view_clear(&one);
	assert_int_equal(store_job_get(fx->st, jb, &job), 0);
	assert_int_equal(store_job_claim(fx->st, jb, "a", 1000, 2000), 0);
	assert_int_equal(store_job_claim_next(fx->st, 5000, "agent-a", 6000, &job), 1);
	assert_int_equal(job.id, ja);
	store_job_view_clear(&job);
	assert_int_equal(store_job_claim_next(fx->st, 5000, "agent-a", 6000, &job), 0);
	assert_int_equal(store_jobs_list(b, "pending", &jv, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(jv[0].id, jb);
	store_job_views_free(jv, n);
	assert_int_equal(store_reward_pay(fx->st, 2, 3000) + store_reward_pay(fx->st, 1, 3000), 1);
	assert_int_equal(store_rewards_list(b, &w, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(w[0].state, "owed");
	store_reward_views_free(w, n);

	/* one Message-ID, two messages; checkpoints and counters apart */
	assert_int_equal(store_message_find(fx->st, "intro-1@partner.test", &id), 1);
	assert_int_equal(store_message_find(b, "intro-1@partner.test", &v), 1);
	assert_true(id != v);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, 50), 0);
	assert_int_equal(store_checkpoint_get(b, "INBOX", &uv, &last), 1);
	assert_int_equal(last, 1);
	assert_int_equal(store_counter_next(fx->st, "rr", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_counter_peek(b, "rr", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_import_find(b, "row-key", &id), 1);
	assert_int_equal(id, rb);

	/* forgetting Bob in alpha leaves beta's Bob whole */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_person_forget(fx->st, "bob@client.test", 4000, &c), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(c.people, 1);
	assert_int_equal(c.optout, 1);
	assert_int_equal(store_person_export(b, "bob@client.test", &x), 0);
	assert_int_equal(x.found, 1);
	assert_string_equal(x.person.name, "beta");
	assert_int_equal(x.nreferrals, 1);
	assert_int_equal(x.optout_kept, 0);
	store_person_export_clear(&x);
	assert_int_equal(store_referral_get(b, rb, &one, NULL, NULL), 1);
	assert_string_equal(one.subject, "Bob, meet beta");
	store_referral_view_clear(&one);
	assert_int_equal(store_person_flags(b, "bob@client.test", &f), 1);
	assert_int_equal(f.opted_out_at, 1300);
	free(f.token);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM people WHERE business = 'beta'"
	                                   " AND email = 'bob@client.test'"),
	                 1);

	/* both are known to the database; a handle can turn to the other */
	assert_int_equal(store_businesses(b, &keys, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(keys[0], "beta");
	assert_string_equal(keys[1], TEST_BUSINESS);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	assert_int_equal(store_set_business(b, "Not a key"), -1);
	assert_int_equal(store_set_business(b, TEST_BUSINESS), 0);
	assert_int_equal(store_referral_get(b, ra, &one, NULL, NULL), 1);
	store_referral_view_clear(&one);
	store_close(b);

	/* a business key is checked */
	assert_int_equal(test_store_open_as(fx->path, "Beta Corp", 0, &b, &err), -1);
	assert_non_null(strstr(err, "not a business key"));
	free(err);
}

/* ---- leases ---- */

/* A lease has one holder at a time, by the database's clock: renewed by
 * it, refused to others while it lives, taken over once it expired or
 * was released; the fence keeps a checkpoint to the holder; every tenure
 * is in lease_history. */
static void test_leases(void **state)
{
	struct fx *fx = *state;
	const char *name = "imap:" TEST_BUSINESS ":INBOX";
	char *other = NULL;

	assert_int_equal(store_lease_acquire(fx->st, name, "host:1:1", 60000, &other), 1);
	assert_null(other);
	assert_int_equal(store_lease_acquire(fx->st, name, "host:1:1", 60000, &other), 1);
	assert_int_equal(store_lease_acquire(fx->st, name, "host:2:2", 60000, &other), 0);
	assert_string_equal(other, "host:1:1");
	free(other);
	assert_int_equal(store_lease_renew(fx->st, name, "host:1:1", 60000), 1);
	assert_int_equal(store_lease_renew(fx->st, name, "host:2:2", 60000), 0);
	/* another lease is another matter */
	assert_int_equal(store_lease_acquire(fx->st, "imap:x:Other", "host:2:2", 60000, NULL), 1);

	/* the fence: only the holder writes the checkpoint */
	store_fence(fx->st, name, "host:2:2", 60000);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, 10), -1);
	assert_int_equal(store_fenced(fx->st), 1);
	assert_non_null(strstr(store_error(fx->st), "no longer holds the mailbox's lease"));
	store_fence(fx->st, name, "host:1:1", 60000);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, 11), 0);
	assert_int_equal(store_fenced(fx->st), 0);
	store_fence(fx->st, NULL, NULL, 0);
	assert_int_equal(store_checkpoint_set(fx->st, "INBOX", 1, 12), 0);

	/* released: another takes it at once */
	assert_int_equal(store_lease_release(fx->st, name, "host:1:1"), 0);
	assert_int_equal(store_lease_acquire(fx->st, name, "host:2:2", 300, NULL), 1);
	assert_int_equal(store_lease_renew(fx->st, name, "host:1:1", 60000), 0);
	/* expired: another takes it, and the old holder cannot renew */
	usleep(400 * 1000);
	assert_int_equal(store_lease_renew(fx->st, name, "host:2:2", 60000), 0);
	assert_int_equal(store_lease_acquire(fx->st, name, "host:3:3", 60000, NULL), 1);

	/* three tenures of name, in order, none overlapping */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM lease_history WHERE name = "
	                                   "'imap:" TEST_BUSINESS ":INBOX'"),
	                 3);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM lease_history a JOIN lease_history"
	                                   " b ON b.name = a.name AND b.id > a.id"
	                                   " WHERE b.acquired_at < a.until"),
	                 0);
	assert_int_equal(raw_int(fx->path,
	                         "SELECT count(*) FROM lease_history"
	                         " WHERE holder = 'host:1:1' AND released_at IS NOT NULL"),
	                 1);
}

/* store_job_claim_next takes the earliest due job no live lease holds,
 * each once, and nothing before it is due. */
static void test_job_claim_next(void **state)
{
	struct fx *fx = *state;
	struct job_rec a = job("thank-referrer", "a@x.test", 200, "c1@x");
	struct job_rec b = job("welcome-lead", "b@x.test", 150, "c2@x");
	struct job_rec c = job("remind-rep", "c@x.test", 5000, "c3@x");
	struct job_view v;
	int64_t ia, ib;

	assert_int_equal(store_job_add(fx->st, &a, &ia), 0);
	assert_int_equal(store_job_add(fx->st, &b, &ib), 0);
	assert_int_equal(store_job_add(fx->st, &c, NULL), 0);
	assert_int_equal(store_job_claim_next(fx->st, 100, "agent-1", 700, &v), 0);
	assert_int_equal(store_job_claim_next(fx->st, 300, "agent-1", 900, &v), 1);
	assert_int_equal(v.id, ib);
	assert_string_equal(v.recipient, "b@x.test");
	store_job_view_clear(&v);
	assert_int_equal(store_job_claim_next(fx->st, 300, "agent-2", 900, &v), 1);
	assert_int_equal(v.id, ia);
	store_job_view_clear(&v);
	assert_int_equal(store_job_claim_next(fx->st, 300, "agent-2", 900, &v), 0);
	/* a lease that ran out: taken again */
	assert_int_equal(store_job_claim_next(fx->st, 901, "agent-2", 1500, &v), 1);
	assert_int_equal(v.id, ib);
	store_job_view_clear(&v);
	assert_int_equal(store_job_sent(fx->st, ia, 950, "250 ok"), 0);
	assert_int_equal(store_job_claim_next(fx->st, 1600, "agent-3", 2000, &v), 1);
	assert_int_equal(v.id, ib);
	store_job_view_clear(&v);
	assert_int_equal(store_job_claim_next(fx->st, 1600, "agent-3", 2000, &v), 0);
}

/* ---- PostgreSQL's schema ---- */

/* A new database gets the whole schema and its version; a reopen keeps
 * the data; a newer schema is refused; a read-only open of an empty
 * database is refused and writes nothing; a read-only handle writes
 * nothing. */
static void test_pg_schema(void **state)
{
	struct fx *fx = *state;
	char *err = NULL, want[96];
	int64_t id = 0;

	PG_ONLY();
	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), -1);
	snprintf(want, sizeof(want), "schema version 0, this build needs %d", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	free(err);
	err = NULL;
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM pg_tables WHERE schemaname ="
	                                   " current_schema()"),
	                 0);

	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT version FROM schema_version"),
	                 STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM statuses"), STATUS_COUNT);
	assert_int_equal(store_person_ensure(fx->st, "a@x.test", "A", 1, &id), 0);
	store_close(fx->st);
	fx->st = NULL;

	assert_int_equal(test_store_open(fx->path, 1, &fx->st, &err), 0);
	assert_int_equal(store_person_ensure(fx->st, "A@X.test", NULL, 2, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(store_person_ensure(fx->st, "b@x.test", NULL, 2, &id), -1);
	assert_non_null(strstr(store_error(fx->st), "read-only transaction"));
	store_close(fx->st);
	fx->st = NULL;

	raw_exec(fx->path, "UPDATE schema_version SET version = version + 1");
	assert_int_equal(test_store_open(fx->path, 0, &fx->st, &err), -1);
	snprintf(want, sizeof(want), "schema version %d is newer than this build's %d",
	         STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_create_migrate_reopen, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_pragmas, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_readonly_missing, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_readonly_old_schema, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_not_a_database, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_person_upsert, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_person_null_email, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_message_add_find_duplicate, setup_open,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_thread_find, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_open_for_lead, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_referral_fields_and_status, setup_open,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_events_in_order, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_checkpoint, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_counters, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_counters_in_transaction, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_transactions, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_write_lock, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_business_lock, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_list_and_get, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_ingest_batches, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_from_schema1, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_from_schema3, setup_dir, teardown),
	        cmocka_unit_test_setup_teardown(test_reviews, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_jobs, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_jobs_add_many, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_stale_after_optimize, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_jobs_cancel_referral, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_checkins, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_imports, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_export_person, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_forget, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_businesses_isolated, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_leases, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_job_claim_next, setup_open, teardown),
	        cmocka_unit_test_setup_teardown(test_pg_schema, setup_dir, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
