/*
 * store.c - the agent's memory: one SQLite database (the only file that
 * includes sqlite3, see store_p.h for how the module is split).
 *
 * Why it is built this way:
 *  - The schema is the list of migrations in store_sql.c; migration i
 *    takes PRAGMA user_version i to i+1 inside one transaction together
 *    with the version bump, so a crash mid-way leaves the old version
 *    intact and the next open simply tries again.  A file written by a
 *    newer build is refused rather than guessed at; a read-only open never
 *    migrates.
 *  - WAL lets `list` and reports read while the daemon writes;
 *    synchronous=NORMAL is durable across process crashes in WAL mode (a
 *    power cut may lose the last commits, which IMAP simply delivers
 *    again); busy_timeout lets a second writer wait instead of failing.
 *  - Every statement is prepared once, on first use, and kept in st->stmt:
 *    intake runs the same ten statements for every message, and preparing
 *    them each time would cost more than running them.  Values are always
 *    bound, never pasted into SQL, and bound and read by name (store_p.h).
 *    Strings are bound SQLITE_STATIC (no copy) because every statement is
 *    reset and its bindings cleared before the call that bound them
 *    returns (sql_end).
 *  - The statuses live in kinds.c; every read-write open mirrors them into
 *    the statuses table, which referrals.status refers to and the SQL asks
 *    ("status IN (SELECT name FROM statuses WHERE closed)").
 *  - Errors are kept as text naming the operation and the SQLite message,
 *    e.g. "insert message <a@b>: UNIQUE constraint failed: messages.key".
 */
#include "store_p.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "kinds.h"
#include "log.h"
#include "util.h"

/* The page cache of a read-write connection, in KiB (negative in the
 * pragma): the daemon and `ingest` touch the same index pages again and
 * again, and SQLite's default 2 MB made a 10,000-message import read and
 * write each of them back tens of times.  Memory grows to this only as
 * pages are used.  Readers (list, report) keep the default. */
#define WRITER_CACHE_KIB -32768
/* Rows of each index that PRAGMA optimize's ANALYZE looks at, and the rows
 * a connection must have changed before its close runs it. */
#define ANALYSIS_LIMIT 1000
#define OPTIMIZE_AFTER 1000
#define STR_(x)        #x
#define STR(x)         STR_(x)

/* ---- the statement layer (see store_p.h) ---- */

/* The parameter or column names of a statement, with the address of the
 * string last used for each: a call site passes the same literal every
 * time, so after the first call a lookup is a few pointer compares. */
struct names {
	int n;
	char **name;       /* copies: SQLite's own may go on a re-prepare */
	const char **seen; /* the caller's string that last matched name[i] */
};

struct stmt {
	sqlite3_stmt *s;
	enum stmt_id id;
	struct names params; /* ":email", in SQL order (index + 1 to bind) */
	struct names cols;
};

struct store {
	sqlite3 *db;
	char *path;
	int readonly;
	char *error;        /* last error, owned */
	char *sqlerr;       /* SQLite's message for the last failed statement */
	struct scrub scrub; /* what scrub() replaces, during a forget */
	struct stmt stmt[ST__COUNT];
};

static void names_init(struct names *x, int n)
{
	x->n = n;
	x->name = xcalloc((size_t)n + 1, sizeof(*x->name));
	x->seen = xcalloc((size_t)n + 1, sizeof(*x->seen));
}

static void names_free(struct names *x)
{
	for (int i = 0; i < x->n; i++)
		free(x->name[i]);
	free(x->name);
	free(x->seen);
	memset(x, 0, sizeof(*x));
}

/* The index of name, or -1. */
static int names_find(struct names *x, const char *name)
{
	for (int i = 0; i < x->n; i++)
		if (x->seen[i] == name)
			return i;
	for (int i = 0; i < x->n; i++)
		if (strcmp(x->name[i], name) == 0) {
			x->seen[i] = name;
			return i;
		}
	return -1;
}

/* Keeps SQLite's message for store_failed; call before the reset. */
static void keep_error(struct store *st, const char *prefix)
{
	free(st->sqlerr);
	st->sqlerr = prefix ? xasprintf("%s: %s", prefix, sqlite3_errmsg(st->db))
	                    : xstrdup(sqlite3_errmsg(st->db));
}

int store_failed(struct store *st, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	free(st->error);
	/* the database file first: "db.sqlite: commit: database is locked" */
	st->error =
	        xasprintf("%s: %s: %s", st->path, what, st->sqlerr ? st->sqlerr : "unknown error");
	return -1;
}

/* The cached statement id, prepared on first use; NULL on error. */
static struct stmt *stmt_get(struct store *st, enum stmt_id id)
{
	struct stmt *c = &st->stmt[id];

	if (c->s)
		return c;
	if (sqlite3_prepare_v3(st->db, stmt_def[id].sql, -1, SQLITE_PREPARE_PERSISTENT, &c->s,
	                       NULL) != SQLITE_OK) {
		char what[64];

		snprintf(what, sizeof(what), "prepare %s", stmt_def[id].name);
		keep_error(st, what);
		c->s = NULL;
		return NULL;
	}
	c->id = id;
	/* stmt_bind keeps a bit per parameter. */
	if (sqlite3_bind_parameter_count(c->s) > 64)
		fatal("store: statement %s: more than 64 parameters", stmt_def[id].name);
	names_init(&c->params, sqlite3_bind_parameter_count(c->s));
	for (int i = 0; i < c->params.n; i++) {
		const char *p = sqlite3_bind_parameter_name(c->s, i + 1);

		if (p == NULL)
			fatal("store: statement %s: parameter %d has no name", stmt_def[id].name,
			      i + 1);
		c->params.name[i] = xstrdup(p);
	}
	names_init(&c->cols, sqlite3_column_count(c->s));
	for (int i = 0; i < c->cols.n; i++)
		c->cols.name[i] = xstrdup(sqlite3_column_name(c->s, i));
	return c;
}

static void stmt_free(struct stmt *c)
{
	sqlite3_finalize(c->s);
	names_free(&c->params);
	names_free(&c->cols);
	c->s = NULL;
}

/* Binds the list b; every parameter of the statement exactly once.  A
 * name the statement lacks is a bug here, not a run-time condition. */
static int stmt_bind(struct stmt *c, const struct bind *b)
{
	uint64_t bound = 0, all = c->params.n ? UINT64_MAX >> (64 - c->params.n) : 0;
	int rc = SQLITE_OK;

	for (; b && b->name && rc == SQLITE_OK; b++) {
		int i = names_find(&c->params, b->name);

		if (i < 0 || (bound & (UINT64_C(1) << i)))
			fatal("store: statement %s: parameter %s %s", stmt_def[c->id].name, b->name,
			      i < 0 ? "unknown" : "bound twice");
		bound |= UINT64_C(1) << i;
		switch (b->type) {
		case BIND_TEXT:
			rc = b->text ? sqlite3_bind_text(c->s, i + 1, b->text, -1, SQLITE_STATIC)
			             : sqlite3_bind_null(c->s, i + 1);
			break;
		case BIND_INT:
			rc = sqlite3_bind_int64(c->s, i + 1, b->i);
			break;
		case BIND_ID:
			rc = b->i ? sqlite3_bind_int64(c->s, i + 1, b->i)
			          : sqlite3_bind_null(c->s, i + 1);
			break;
		case BIND_REAL:
			rc = sqlite3_bind_double(c->s, i + 1, b->d);
			break;
		case BIND_NULL:
			rc = sqlite3_bind_null(c->s, i + 1);
			break;
		}
	}
	if (rc == SQLITE_OK && bound != all)
		fatal("store: statement %s: a parameter is left unbound", stmt_def[c->id].name);
	return rc;
}

/* 1 row, 0 done, -1 error (kept). */
static int step_result(struct q *q, int rc)
{
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	keep_error(q->st, NULL);
	return -1;
}

int sql_query(struct q *q, struct store *st, enum stmt_id id, const struct bind *b)
{
	int rc;

	q->st = st;
	q->c = stmt_get(st, id);
	if (q->c == NULL)
		return -1;
	rc = stmt_bind(q->c, b);
	return step_result(q, rc == SQLITE_OK ? sqlite3_step(q->c->s) : rc);
}

int sql_next(struct q *q)
{
	return step_result(q, sqlite3_step(q->c->s));
}

void sql_end(struct q *q)
{
	if (q->c == NULL)
		return;
	sqlite3_reset(q->c->s);
	sqlite3_clear_bindings(q->c->s);
	q->c = NULL;
}

int sql_exec(struct store *st, enum stmt_id id, const struct bind *b)
{
	struct q q;
	int rc = sql_query(&q, st, id, b);

	sql_end(&q);
	return rc < 0 ? -1 : sqlite3_changes(st->db);
}

int sql_rows(struct store *st, enum stmt_id id, const struct bind *b, size_t size,
             void (*fill)(struct q *q, void *item), void (*drop)(void *v, size_t n), void **v_r,
             size_t *n_r)
{
	char *v = NULL;
	size_t n = 0, cap = 0;
	struct q q;
	int rc;

	*v_r = NULL;
	*n_r = 0;
	for (rc = sql_query(&q, st, id, b); rc > 0; rc = sql_next(&q)) {
		v = xgrow(v, &cap, n + 1, size);
		memset(v + n * size, 0, size);
		fill(&q, v + n++ * size);
	}
	sql_end(&q);
	if (rc < 0) {
		if (drop)
			drop(v, n);
		else
			free(v);
		return -1;
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

int sql_each(struct store *st, enum stmt_id id, const struct bind *b, void *item, size_t size,
             void (*fill)(struct q *q, void *item), void (*clear)(void *item),
             int (*fn)(void *item, void *arg), void *arg)
{
	struct q q;
	int rc, stop = 0;

	for (rc = sql_query(&q, st, id, b); rc > 0 && !stop; rc = sql_next(&q)) {
		memset(item, 0, size);
		fill(&q, item);
		stop = fn(item, arg);
		clear(item);
	}
	sql_end(&q);
	return rc < 0 ? -1 : stop;
}

int64_t sql_last_id(struct store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

int sql_in_transaction(struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

/* The column called name of the current row. */
static int col(struct q *q, const char *name)
{
	int i = names_find(&q->c->cols, name);

	if (i < 0)
		fatal("store: statement %s has no column %s", stmt_def[q->c->id].name, name);
	return i;
}

int64_t col_int(struct q *q, const char *name)
{
	return sqlite3_column_int64(q->c->s, col(q, name));
}

double col_real(struct q *q, const char *name)
{
	return sqlite3_column_double(q->c->s, col(q, name));
}

char *col_text(struct q *q, const char *name)
{
	return xstrdup((const char *)sqlite3_column_text(q->c->s, col(q, name)));
}

int col_null(struct q *q, const char *name)
{
	return sqlite3_column_type(q->c->s, col(q, name)) == SQLITE_NULL;
}

char *email_norm(const char *email)
{
	if (email == NULL || *email == '\0')
		return NULL;
	return str_lower(xstrdup(email));
}

/* ---- scrub(text, theirs): forget's replacement, as an SQL function ---- */

static void scrub_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store *st = sqlite3_user_data(ctx);
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	char *out;

	(void)argc;
	if (text == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	out = scrub_text(&st->scrub, text, sqlite3_value_int(argv[1]));
	if (out)
		sqlite3_result_text(ctx, out, -1, free);
	else
		sqlite3_result_value(ctx, argv[0]);
}

static void scrub_clear(struct scrub *sc)
{
	free(sc->email);
	free(sc->name);
	free(sc->phone);
	memset(sc, 0, sizeof(*sc));
}

void sql_scrub_set(struct store *st, const char *email, const char *name, const char *phone)
{
	scrub_clear(&st->scrub);
	if (email == NULL)
		return;
	st->scrub.email = xstrdup(email);
	st->scrub.name = xstrdup(name);
	st->scrub.phone = xstrdup(phone);
}

/* ---- open, migrate, close ---- */

/* Runs one constant SQL text (pragmas and migrations; never values). */
static int exec_sql(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Runs a pragma that answers one row; sets *text_r (may be NULL; caller
 * frees) to its first column.  1 a row, 0 none, -1 error. */
static int pragma_row(struct store *st, const char *sql, char **text_r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && text_r)
		*text_r = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int read_user_version(struct store *st, int *v_r)
{
	char *v = NULL;
	long n;

	if (pragma_row(st, "PRAGMA user_version", &v) != 1 || parse_long(v, 0, 1L << 30, &n) != 0) {
		free(v);
		return -1;
	}
	free(v);
	*v_r = (int)n;
	return 0;
}

static int set_wal(struct store *st)
{
	char *mode = NULL;

	if (pragma_row(st, "PRAGMA journal_mode=WAL", &mode) != 1) {
		free(mode);
		return -1;
	}
	/* Some file systems (network mounts) cannot do WAL; SQLite then keeps
	 * the rollback journal, which is correct, only slower for readers. */
	if (!str_ieq(mode, "wal"))
		log_warn("%s: journal mode %s, not WAL", st->path, mode ? mode : "(none)");
	free(mode);
	return 0;
}

/* Writes status_table into the statuses table (a row changes only when
 * kinds.c changed it).  Inside the caller's transaction; -1 with the
 * SQLite message kept. */
static int statuses_sync(struct store *st)
{
	for (int i = 0; i < STATUS_COUNT; i++) {
		const struct status_desc *d = &status_table[i];

		if (sql_exec(st, ST_STATUS_SYNC,
		             BINDS(B_TEXT(":name", d->name), B_INT(":position", i),
		                   B_INT(":closed", d->closed), B_INT(":credit", d->credit),
		                   B_INT(":contact", d->contact))) < 0)
			return -1;
	}
	return 0;
}

/* Runs migration v (v -> v+1) and the version bump in the open
 * transaction.  0, or -1 with *why_r (caller frees). */
static int migrate_one(struct store *st, int v, char **why_r)
{
	char bump[64], *table = NULL;
	int bad;

	if (exec_sql(st, migrations[v].sql) != 0)
		goto sql_error;
	/* The rows referrals.status refers to, before anything checks it. */
	if (v + 1 >= SCHEMA_STATUSES && statuses_sync(st) != 0) {
		*why_r = xasprintf("write the statuses: %s", st->sqlerr);
		return -1;
	}
	if (migrations[v].rebuild) {
		bad = pragma_row(st, "PRAGMA foreign_key_check", &table);
		if (bad < 0)
			goto sql_error;
		if (bad > 0) {
			*why_r = xasprintf("foreign key check: a row of %s refers to nothing",
			                   table);
			free(table);
			return -1;
		}
	}
	/* The version is our own loop counter, not a value from outside, and
	 * PRAGMA takes no parameters. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
	if (exec_sql(st, bump) != 0)
		goto sql_error;
	return 0;
sql_error:
	*why_r = xstrdup(sqlite3_errmsg(st->db));
	return -1;
}

/* Applies the migrations from the file's version up to
 * STORE_SCHEMA_VERSION, each in its own transaction. */
static int migrate(struct store *st, char **error_r)
{
	char *why = NULL;
	int v, fk_off = 0;

	if (read_user_version(st, &v) != 0) {
		*error_r =
		        xasprintf("%s: read schema version: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	while (v < STORE_SCHEMA_VERSION) {
		if (st->readonly) {
			*error_r = xasprintf("%s: schema version %d, this build needs %d: open it "
			                     "once read-write (e.g. `refagent check`) to migrate",
			                     st->path, v, STORE_SCHEMA_VERSION);
			return -1;
		}
		fk_off = migrations[v].rebuild;
		if ((fk_off && exec_sql(st, "PRAGMA foreign_keys=OFF") != 0) ||
		    exec_sql(st, "BEGIN IMMEDIATE") != 0)
			goto fail;
		/* Another process may have migrated while we waited for the
		 * write lock: look again inside the transaction. */
		if (read_user_version(st, &v) != 0)
			goto fail;
		if (v >= STORE_SCHEMA_VERSION) {
			if (exec_sql(st, "COMMIT") != 0)
				goto fail;
		} else {
			if (migrate_one(st, v, &why) != 0 || exec_sql(st, "COMMIT") != 0)
				goto fail;
			log_debug("%s: schema migrated to version %d", st->path, v + 1);
			v++;
		}
		if (fk_off && exec_sql(st, "PRAGMA foreign_keys=ON") != 0)
			goto fail;
		fk_off = 0;
	}
	if (v > STORE_SCHEMA_VERSION) {
		*error_r = xasprintf("%s: schema version %d is newer than this build's %d: "
		                     "use a newer refagent",
		                     st->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
fail:
	*error_r = xasprintf("%s: migrate schema %d to %d: %s", st->path, v, v + 1,
	                     why ? why : sqlite3_errmsg(st->db));
	free(why);
	if (!sqlite3_get_autocommit(st->db))
		exec_sql(st, "ROLLBACK");
	if (fk_off)
		exec_sql(st, "PRAGMA foreign_keys=ON");
	return -1;
}

/* 1 when the statuses table holds every row of status_table as it is, 0
 * when it must be written, -1 on error (kept). */
static int statuses_current(struct store *st)
{
	struct q q;
	int rc, same = 0;

	for (rc = sql_query(&q, st, ST_STATUS_LIST, NULL); rc > 0; rc = sql_next(&q)) {
		char *name = col_text(&q, "name");
		enum status s;

		if (status_parse(name, &s) && col_int(&q, "position") == s &&
		    col_int(&q, "closed") == status_table[s].closed &&
		    col_int(&q, "credit") == status_table[s].credit &&
		    col_int(&q, "contact") == status_table[s].contact)
			same++;
		free(name);
	}
	sql_end(&q);
	return rc < 0 ? -1 : same == STATUS_COUNT;
}

/* Mirrors status_table into the statuses table (see kinds.h), in one
 * transaction; most opens find it current and write nothing, so they do
 * not wait for the write lock. */
static int statuses_write(struct store *st, char **error_r)
{
	int current = statuses_current(st);

	if (current > 0)
		return 0;
	if (current < 0 || store_begin(st) != 0 || statuses_sync(st) != 0 ||
	    store_commit(st) != 0) {
		*error_r = xasprintf("%s: write the statuses: %s", st->path,
		                     st->sqlerr ? st->sqlerr : sqlite3_errmsg(st->db));
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_open(const char *path, int readonly, struct store **st_r, char **error_r)
{
	struct store *st;
	struct stat sb;
	char *fname;
	int rc;

	*st_r = NULL;
	*error_r = NULL;
	/* SQLite can open a missing file read-only only to fail later with
	 * "unable to open database file"; say what is wrong instead. */
	if (readonly && stat(path, &sb) != 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->readonly = readonly;
	/* This SQLite is built with URI names on: a relative file name that
	 * starts with "file:" must stay a file name. */
	fname = strncmp(path, "file:", 5) == 0 ? xasprintf("./%s", path) : xstrdup(path);
	rc = sqlite3_open_v2(
	        fname, &st->db,
	        readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	free(fname);
	if (st->db == NULL)
		fatal("out of memory (sqlite3_open_v2)");
	if (rc != SQLITE_OK) {
		*error_r = xasprintf("%s: open: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	/* journal_mode=WAL is stored in the file, so a read-only open leaves
	 * it as the writer set it.  foreign_keys and synchronous are per
	 * connection and must be set each time. */
	if ((!readonly && set_wal(st) != 0) || exec_sql(st, "PRAGMA foreign_keys=ON") != 0 ||
	    exec_sql(st, "PRAGMA synchronous=NORMAL") != 0 ||
	    (!readonly && exec_sql(st, "PRAGMA cache_size=" STR(WRITER_CACHE_KIB)) != 0)) {
		*error_r = xasprintf("%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (migrate(st, error_r) != 0 || (!readonly && statuses_write(st, error_r) != 0))
		goto fail;
	/* DIRECTONLY: the schema (a trigger, a view) may never call it */
	if (sqlite3_create_function(st->db, "scrub", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, st,
	                            scrub_fn, NULL, NULL) != SQLITE_OK) {
		*error_r = xasprintf("%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	*st_r = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < ST__COUNT; i++)
		stmt_free(&st->stmt[i]);
	/* Fresh statistics for the query planner, after a run that changed
	 * enough rows to matter (an ingest, a day of the daemon): SQLite then
	 * analyses the tables this connection used whose statistics are
	 * missing or out of date, and analysis_limit bounds what it reads of
	 * each index.  A short command (send with nothing due, status) skips
	 * it: an index with no statistics yet (jobs_sent before any mail was
	 * sent) would have every close count millions of jobs.  Not while a
	 * transaction is open (a failed run rolls back in sqlite3_close). */
	if (st->db && !st->readonly && sqlite3_get_autocommit(st->db) &&
	    sqlite3_total_changes64(st->db) >= OPTIMIZE_AFTER &&
	    exec_sql(st, "PRAGMA analysis_limit=" STR(ANALYSIS_LIMIT) "; PRAGMA optimize") != 0)
		log_warn("%s: optimize: %s", st->path, sqlite3_errmsg(st->db));
	/* An open transaction (a caller that neither committed nor rolled
	 * back) is rolled back by sqlite3_close. */
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_error("%s: close: %s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st->error);
	free(st->sqlerr);
	scrub_clear(&st->scrub);
	free(st);
}

const char *store_error(const struct store *st)
{
	if (st == NULL)
		return "no database";
	return st->error ? st->error : "no error";
}

/* ---- transactions ---- */

static int run_simple(struct store *st, enum stmt_id id)
{
	return sql_exec(st, id, NULL) < 0 ? store_failed(st, "%s", stmt_def[id].name) : 0;
}

int store_begin(struct store *st)
{
	return run_simple(st, ST_BEGIN);
}

int store_commit(struct store *st)
{
	return run_simple(st, ST_COMMIT);
}

void store_rollback(struct store *st)
{
	/* A failed statement may already have rolled the transaction back
	 * (SQLITE_FULL, an interrupted commit); ROLLBACK would then fail. */
	if (st == NULL || sqlite3_get_autocommit(st->db))
		return;
	if (run_simple(st, ST_ROLLBACK) != 0)
		log_error("%s", st->error);
}

/* ---- erasing for good ---- */

int store_secure_delete(struct store *st, int on)
{
	if (exec_sql(st, on ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF") == 0)
		return 0;
	keep_error(st, NULL);
	return store_failed(st, "secure_delete");
}

/*
 * VACUUM copies the live rows into a new file and writes it back, so no
 * free page keeps old text; in WAL mode that copy goes through the log,
 * and the checkpoint then writes it to the file and truncates the log to
 * nothing.  The -shm file holds page numbers only, never content.
 */
int store_compact(struct store *st)
{
	char *busy = NULL;
	int rc;

	if (exec_sql(st, "VACUUM") != 0) {
		keep_error(st, NULL);
		return store_failed(st, "vacuum");
	}
	rc = pragma_row(st, "PRAGMA wal_checkpoint(TRUNCATE)", &busy);
	if (rc < 0) {
		keep_error(st, NULL);
		return store_failed(st, "checkpoint");
	}
	rc = rc > 0 && busy && strcmp(busy, "0") != 0;
	free(busy);
	return rc;
}
