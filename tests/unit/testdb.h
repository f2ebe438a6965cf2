/*
 * testdb.h - the database of a store-using unit test, on either backend.
 *
 * A test names its database by a file path under its own temporary
 * folder, as ever.  With REFAGENT_TEST_DB unset that file is the SQLite
 * database.  With REFAGENT_TEST_DB set to a PostgreSQL connection string
 * of key=value words (tests/pg.sh starts a throw-away server and sets
 * it), the path names a schema of its own on that server instead
 * (created on first use, its tables then made by the store like a new
 * file's), so every test starts from an empty database, ids from 1, and
 * `make check` runs the same tests on both backends.
 *
 * The test_db_* helpers read and write that database behind the store's
 * back, for the store's own checks: plain SQL that both backends take.
 */
#ifndef REFAGENT_TESTDB_H
#define REFAGENT_TESTDB_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

/* The business the tests' stores see. */
#define TEST_BUSINESS "test"

/* PostgreSQL: the schema made last, and a connection kept while a test
 * asks about the same database (a connection costs a tenth of a
 * second). */
static char testdb_made[64];
static PGconn *testdb_conn;
static char *testdb_conn_db;

static inline void test_db_forget(void)
{
	testdb_made[0] = '\0';
	PQfinish(testdb_conn);
	testdb_conn = NULL;
	free(testdb_conn_db);
	testdb_conn_db = NULL;
}

/* The PostgreSQL server of this run, or NULL: SQLite files. */
static inline const char *test_pg(void)
{
	const char *s = getenv("REFAGENT_TEST_DB");

	return s && *s ? s : NULL;
}

/* The schema standing for path: t_ and its letters and digits. */
static inline void test_schema(const char *path, char out[64])
{
	size_t n = strlen(path), o = 2, from = n > 56 ? n - 56 : 0;

	memcpy(out, "t_", 2);
	for (size_t i = from; i < n && o < 62; i++)
		out[o++] = isalnum((unsigned char)path[i]) ? (char)tolower((unsigned char)path[i])
		                                           : '_';
	out[o] = '\0';
}

static inline void test_pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs sql on the server of this run (its default schema), on one
 * connection the process keeps: 0 or fails. */
static inline void test_pg_admin(const char *sql)
{
	static PGconn *c;
	PGresult *r;

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		c = PQconnectdb(test_pg());
		if (PQstatus(c) != CONNECTION_OK)
			fail_msg("REFAGENT_TEST_DB: %s", PQerrorMessage(c));
		PQsetNoticeProcessor(c, test_pg_quiet, NULL);
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* What store_params.database is for the test database path (caller
 * frees); on PostgreSQL its schema exists after the call. */
static inline char *test_db(const char *path)
{
	char schema[64], sql[128];

	if (!test_pg())
		return xstrdup(path);
	test_schema(path, schema);
	if (strcmp(testdb_made, schema) != 0) {
		snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema);
		test_pg_admin(sql);
		memcpy(testdb_made, schema, sizeof(testdb_made));
	}
	return xasprintf("%s options='-c search_path=%s'", test_pg(), schema);
}

/* store_open of the test database path, for TEST_BUSINESS. */
static inline int test_store_open_as(const char *path, const char *business, int readonly,
                                     struct store **st_r, char **err_r)
{
	char *db = test_db(path);
	struct store_params p = {.database = db, .business = business, .readonly = readonly};
	int rc = store_open(&p, st_r, err_r);

	free(db);
	return rc;
}

static inline int test_store_open(const char *path, int readonly, struct store **st_r, char **err_r)
{
	return test_store_open_as(path, TEST_BUSINESS, readonly, st_r, err_r);
}

/* Removes the test database path (its files, or its schema). */
static inline void test_db_remove(const char *path)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char f[512], schema[64], sql[128];

	if (test_pg()) {
		test_schema(path, schema);
		test_db_forget();
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
		test_pg_admin(sql);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(f, sizeof(f), "%s%s", path, ext[i]);
		unlink(f);
	}
}

/* Runs sql on the test database path; *text_r (caller frees) is the first
 * column of its first row, NULL when none or NULL. */
static inline void test_db_sql(const char *path, const char *sql, char **text_r)
{
	if (text_r)
		*text_r = NULL;
	if (test_pg()) {
		char *db = test_db(path);
		PGconn *c = testdb_conn;
		PGresult *r;

		if (c == NULL || strcmp(testdb_conn_db, db) != 0 || PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			free(testdb_conn_db);
			c = testdb_conn = PQconnectdb(db);
			testdb_conn_db = xstrdup(db);
			if (PQstatus(c) != CONNECTION_OK)
				fail_msg("%s", PQerrorMessage(c));
			PQsetNoticeProcessor(c, test_pg_quiet, NULL);
		}
		free(db);
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		if (text_r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
		    !PQgetisnull(r, 0, 0))
			*text_r = xstrdup(PQgetvalue(r, 0, 0));
		PQclear(r);
		return;
	}
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *s = NULL;
		const char *tail = sql;

		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		while (tail && *tail) {
			int rc;

			if (sqlite3_prepare_v2(db, tail, -1, &s, &tail) != SQLITE_OK)
				fail_msg("%s: %s", sql, sqlite3_errmsg(db));
			if (s == NULL)
				break;
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW && text_r && *text_r == NULL &&
			    sqlite3_column_type(s, 0) != SQLITE_NULL)
				*text_r = xstrdup((const char *)sqlite3_column_text(s, 0));
			else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				fail_msg("%s: %s", sql, sqlite3_errmsg(db));
			sqlite3_finalize(s);
		}
		assert_int_equal(sqlite3_close(db), SQLITE_OK);
	}
}

/* One integer (a boolean reads 1 or 0) of sql, -999 when none. */
static inline long long test_db_int(const char *path, const char *sql)
{
	char *t = NULL;
	long long v = -999;

	test_db_sql(path, sql, &t);
	if (t)
		v = strcmp(t, "t") == 0 ? 1 : strcmp(t, "f") == 0 ? 0 : strtoll(t, NULL, 10);
	free(t);
	return v;
}

/* One text value of sql (caller frees); fails when there is none. */
static inline char *test_db_text(const char *path, const char *sql)
{
	char *t = NULL;

	test_db_sql(path, sql, &t);
	assert_non_null(t);
	return t;
}

static inline void test_db_exec(const char *path, const char *sql)
{
	test_db_sql(path, sql, NULL);
}

/* The backend's words for an error: the SQLite text, or PostgreSQL's. */
#define DB_WORDS(lite, pg) (test_pg() ? (pg) : (lite))

#endif
