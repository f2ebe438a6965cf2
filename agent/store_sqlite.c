/*
 * store_sqlite.c - the SQLite backend of the store: one database file, for
 * one business on one machine (the only file that includes sqlite3).
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
 *  - BEGIN IMMEDIATE takes the file's write lock at once, so a
 *    transaction never reads and then finds it cannot write.
 *  - Strings are bound SQLITE_STATIC (no copy): the statement layer resets
 *    every statement before the call that bound them returns.
 */
#include "store_p.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "log.h"
#include "util.h"

#define DB(st) ((sqlite3 *)(st)->db)
#define S(c)   ((sqlite3_stmt *)(c)->h)

/* The page cache of a read-write connection, in KiB (negative in the
 * pragma): the daemon and `ingest` touch the same index pages again and
 * again, and SQLite's default 2 MB made a 10,000-message import read and
 * write each of them back tens of times.  Memory grows to this only as
 * pages are used.  Readers (list, report) keep the default. */
#define WRITER_CACHE_KIB -32768
/* A commit that leaves the WAL longer than this many pages (40 MB) copies
 * it back into the database.  SQLite's 1,000 pages (4 MB) made a large
 * ingest copy the same index pages back every second commit; the WAL
 * file keeps its size after a checkpoint, so this is also the disk it
 * may take beside the database. */
#define WAL_CHECKPOINT_PAGES 10000
/* A read-write connection also keeps its temporary files in memory
 * (temp_store=MEMORY): the savepoint around each message of an ingest
 * copies every page the message changes into the sub-journal, and from
 * its first 64 KiB on SQLite wrote that journal to a temporary file, page
 * by page: 220,000 of the 290,000 pwrite calls of a 10,000-message
 * import.  The journal holds one message's pages at most (it empties when
 * the savepoint is released), so memory stays small.  These three are set
 * on each read-write connection, in one go. */
#define WRITER_PRAGMAS                                                                             \
	"PRAGMA cache_size=" STR(WRITER_CACHE_KIB) "; PRAGMA temp_store=MEMORY;"                   \
	                                           " PRAGMA wal_autocheckpoint=" STR(              \
	                                                   WAL_CHECKPOINT_PAGES)
/* Rows of each index that PRAGMA optimize's ANALYZE looks at, and the rows
 * a connection must have changed before its close runs it. */
#define ANALYSIS_LIMIT 1000
#define OPTIMIZE_AFTER 1000
#define STR_(x)        #x
#define STR(x)         STR_(x)

/* SQLite's journal of a statement (one that may fail half way, inside the
 * writer's transaction: a new referral's jobs, the report's upserts) keeps
 * the pages the statement changes in memory (temp_store=MEMORY), in chunks
 * of 1 KiB that it allocates as it goes and frees when the statement ends:
 * about a hundred of each per message of an ingest, far more than the
 * seven blocks of a size glibc keeps per thread, so most took the arena's
 * slow path (malloc and free were 12 % of the writer thread's samples).  A
 * thread keeps up to CHUNK_CACHE of them for the next statement; any other
 * allocation is SQLite's default one. */
#define CHUNK_SIZE  1024
#define CHUNK_CACHE 128
static sqlite3_mem_methods mem_default;
static __thread void *chunk_cache[CHUNK_CACHE];
static __thread int chunk_n;

/*
 * The page cache's pages (a 4 KiB page and SQLite's header, 4,360 bytes)
 * come from a region of their own that the kernel may back with huge
 * pages (MADV_HUGEPAGE).  From the heap, each new page of the writer's
 * 32 MB cache was a page fault or two: 9,000 of the 13,000 faults of a
 * 10,000-message import, and on a virtual machine a fault costs
 * microseconds.  The region is only address space until it is touched;
 * where the kernel gives no huge pages it is faulted in as the heap was.
 * Slots are reused through a free list; past the region, or for another
 * page size, the default allocator serves.
 */
#define SLOT_MIN    4097
#define SLOT_SIZE   4608
#define SLOT_REGION (96u << 20)
#define HUGE_PAGE   (2u << 20)
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static char *slot_base, *slot_next, *slot_end;
static void *slot_free;
static int slot_failed;

static int slot_ours(const void *p)
{
	return slot_base != NULL && (const char *)p >= slot_base && (const char *)p < slot_end;
}

/* A slot, or NULL for the default allocator. */
static void *slot_get(void)
{
	void *p = NULL;

	pthread_mutex_lock(&slot_lock);
	if (slot_base == NULL && !slot_failed) {
		char *m = mmap(NULL, SLOT_REGION + HUGE_PAGE, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (m == MAP_FAILED) {
			slot_failed = 1;
		} else {
			/* huge pages start at a multiple of their size */
			slot_base = (char *)(((uintptr_t)m + HUGE_PAGE - 1) &
			                     ~(uintptr_t)(HUGE_PAGE - 1));
			slot_next = slot_base;
			slot_end = slot_base + SLOT_REGION;
			(void)madvise(slot_base, SLOT_REGION, MADV_HUGEPAGE);
		}
	}
	if (slot_free != NULL) {
		p = slot_free;
		slot_free = *(void **)p;
	} else if (slot_base != NULL && slot_end - slot_next >= SLOT_SIZE) {
		p = slot_next;
		slot_next += SLOT_SIZE;
	}
	pthread_mutex_unlock(&slot_lock);
	return p;
}

static void slot_put(void *p)
{
	pthread_mutex_lock(&slot_lock);
	*(void **)p = slot_free;
	slot_free = p;
	pthread_mutex_unlock(&slot_lock);
}

static void *mem_malloc(int n)
{
	if (n == CHUNK_SIZE && chunk_n > 0)
		return chunk_cache[--chunk_n];
	if (n >= SLOT_MIN && n <= SLOT_SIZE) {
		void *p = slot_get();

		if (p != NULL)
			return p;
	}
	return mem_default.xMalloc(n);
}

static void mem_free(void *p)
{
	if (slot_ours(p)) {
		slot_put(p);
		return;
	}
	if (p != NULL && chunk_n < CHUNK_CACHE && mem_default.xSize(p) == CHUNK_SIZE) {
		chunk_cache[chunk_n++] = p;
		return;
	}
	mem_default.xFree(p);
}

static int mem_size(void *p)
{
	return slot_ours(p) ? SLOT_SIZE : mem_default.xSize(p);
}

static void *mem_realloc(void *p, int n)
{
	void *q;

	if (!slot_ours(p))
		return mem_default.xRealloc(p, n);
	if (n <= SLOT_SIZE && n >= SLOT_MIN)
		return p;
	q = mem_malloc(n);
	if (q != NULL) {
		memcpy(q, p, (size_t)(n < SLOT_SIZE ? n : SLOT_SIZE));
		slot_put(p);
	}
	return q;
}

/* Before the library initialises (the first open): SQLite's allocator
 * with the chunk cache and the page slots in front. */
static void mem_setup(void)
{
	sqlite3_mem_methods m;

	if (mem_default.xMalloc != NULL ||
	    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &mem_default) != SQLITE_OK ||
	    mem_default.xMalloc == NULL || mem_default.xSize == NULL ||
	    mem_default.xRealloc == NULL)
		return;
	m = mem_default;
	m.xMalloc = mem_malloc;
	m.xFree = mem_free;
	m.xSize = mem_size;
	m.xRealloc = mem_realloc;
	/* on an initialised library this fails and the default stays */
	(void)sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

static void keep(struct store *st)
{
	store_keep_error(st, NULL, sqlite3_errmsg(DB(st)));
}

/* ---- statements ---- */

static int lite_prepare(struct store *st, struct stmt *c, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v3(DB(st), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		keep(st);
		return -1;
	}
	c->h = s;
	names_init(&c->params, sqlite3_bind_parameter_count(s));
	for (int i = 0; i < c->params.n; i++) {
		const char *p = sqlite3_bind_parameter_name(s, i + 1);

		if (p == NULL)
			fatal("store: statement %s: parameter %d has no name", stmt_def[c->id].name,
			      i + 1);
		/* copies: SQLite's own may go on a re-prepare */
		c->params.name[i] = xstrdup(p);
	}
	names_init(&c->cols, sqlite3_column_count(s));
	for (int i = 0; i < c->cols.n; i++)
		c->cols.name[i] = xstrdup(sqlite3_column_name(s, i));
	return 0;
}

static void lite_finalize(struct stmt *c)
{
	sqlite3_finalize(S(c));
}

static int lite_bind(struct store *st, struct stmt *c, int i, const struct bind *b)
{
	int rc = SQLITE_OK;

	switch (b->type) {
	case BIND_TEXT:
		rc = b->text ? sqlite3_bind_text(S(c), i + 1, b->text, -1, SQLITE_STATIC)
		             : sqlite3_bind_null(S(c), i + 1);
		break;
	case BIND_INT:
		rc = sqlite3_bind_int64(S(c), i + 1, b->i);
		break;
	case BIND_ID:
		rc = b->i ? sqlite3_bind_int64(S(c), i + 1, b->i) : sqlite3_bind_null(S(c), i + 1);
		break;
	case BIND_REAL:
		rc = sqlite3_bind_double(S(c), i + 1, b->d);
		break;
	case BIND_NULL:
		rc = sqlite3_bind_null(S(c), i + 1);
		break;
	}
	if (rc == SQLITE_OK)
		return 0;
	keep(st);
	return -1;
}

static int lite_step(struct store *st, struct stmt *c)
{
	int rc = sqlite3_step(S(c));

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	keep(st);
	return -1;
}

static void lite_reset(struct stmt *c)
{
	sqlite3_reset(S(c));
	sqlite3_clear_bindings(S(c));
}

static int lite_changes(struct store *st, struct stmt *c)
{
	(void)c;
	return sqlite3_changes(DB(st));
}

static int64_t lite_last_id(struct store *st)
{
	return sqlite3_last_insert_rowid(DB(st));
}

static int lite_in_transaction(struct store *st)
{
	return !sqlite3_get_autocommit(DB(st));
}

static int64_t lite_col_int(struct stmt *c, int i)
{
	return sqlite3_column_int64(S(c), i);
}

static double lite_col_real(struct stmt *c, int i)
{
	return sqlite3_column_double(S(c), i);
}

static const char *lite_col_text(struct stmt *c, int i)
{
	return (const char *)sqlite3_column_text(S(c), i);
}

static int lite_col_null(struct stmt *c, int i)
{
	return sqlite3_column_type(S(c), i) == SQLITE_NULL;
}

/* ---- SQL functions ---- */

/* refagent_scrub(text, theirs): forget's replacement (store_privacy.c). */
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

/* refagent_business(): the business of the handle, for the migration
 * that gives every row its business. */
static void business_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store *st = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	sqlite3_result_text(ctx, st->business, -1, SQLITE_TRANSIENT);
}

static int lite_scrub_set(struct store *st, const struct scrub *sc)
{
	(void)st;
	(void)sc; /* scrub_fn reads st->scrub */
	return 0;
}

/* ---- open, migrate, close ---- */

/* Runs one constant SQL text (pragmas and migrations; never values). */
static int exec_sql(struct store *st, const char *sql)
{
	return sqlite3_exec(DB(st), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Runs a pragma that answers one row; sets *text_r (may be NULL; caller
 * frees) to its first column.  1 a row, 0 none, -1 error. */
static int pragma_row(struct store *st, const char *sql, char **text_r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(DB(st), sql, -1, &s, NULL) != SQLITE_OK)
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
	*why_r = xstrdup(sqlite3_errmsg(DB(st)));
	return -1;
}

/* Applies the migrations from the file's version up to
 * STORE_SCHEMA_VERSION, each in its own transaction. */
static int lite_migrate(struct store *st, char **error_r)
{
	char *why = NULL;
	int v, fk_off = 0;

	if (read_user_version(st, &v) != 0) {
		*error_r =
		        xasprintf("%s: read schema version: %s", st->path, sqlite3_errmsg(DB(st)));
		return -1;
	}
	if (schema_refused(st, v, error_r) != 0)
		return -1;
	while (v < STORE_SCHEMA_VERSION) {
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
	/* another process may have gone further while we waited */
	return schema_refused(st, v, error_r);
fail:
	*error_r = xasprintf("%s: migrate schema %d to %d: %s", st->path, v, v + 1,
	                     why ? why : sqlite3_errmsg(DB(st)));
	free(why);
	if (!sqlite3_get_autocommit(DB(st)))
		exec_sql(st, "ROLLBACK");
	if (fk_off)
		exec_sql(st, "PRAGMA foreign_keys=ON");
	return -1;
}

static int lite_open(struct store *st, const struct store_params *p, char **error_r)
{
	const char *path = p->database;
	struct stat sb;
	sqlite3 *db = NULL;
	char *fname;
	int rc;

	st->path = xstrdup(path);
	/* SQLite can open a missing file read-only only to fail later with
	 * "unable to open database file"; say what is wrong instead. */
	if (p->readonly && stat(path, &sb) != 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	/* This SQLite is built with URI names on: a relative file name that
	 * starts with "file:" must stay a file name. */
	fname = strncmp(path, "file:", 5) == 0 ? xasprintf("./%s", path) : xstrdup(path);
	/* SQLite's memory statistics take a global mutex on every
	 * allocation, and a connection in "serialized" mode takes its own on
	 * every call; nothing here reads the statistics, and a store (so its
	 * connection) is only ever used by one thread at a time (the ingest
	 * workers never touch it), which is what NOMUTEX asks.  The writer
	 * makes tens of statements per message, so both were a few per cent
	 * of an ingest.  sqlite3_config must come before the library
	 * initialises; on an already initialised library it fails harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	mem_setup();
	rc = sqlite3_open_v2(
	        fname, &db,
	        (p->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
	                SQLITE_OPEN_NOMUTEX,
	        NULL);
	free(fname);
	if (db == NULL)
		fatal("out of memory (sqlite3_open_v2)");
	st->db = db;
	if (rc != SQLITE_OK) {
		*error_r = xasprintf("%s: open: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_busy_timeout(db, 10000);
	/* journal_mode=WAL is stored in the file, so a read-only open leaves
	 * it as the writer set it.  foreign_keys and synchronous are per
	 * connection and must be set each time. */
	if ((!p->readonly && set_wal(st) != 0) || exec_sql(st, "PRAGMA foreign_keys=ON") != 0 ||
	    exec_sql(st, "PRAGMA synchronous=NORMAL") != 0 ||
	    (!p->readonly && exec_sql(st, WRITER_PRAGMAS) != 0)) {
		*error_r = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	/* DIRECTONLY: the schema (a trigger, a view) may never call them */
	if (sqlite3_create_function(db, "refagent_scrub", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, st,
	                            scrub_fn, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "refagent_business", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, st,
	                            business_fn, NULL, NULL) != SQLITE_OK) {
		*error_r = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void lite_close(struct store *st)
{
	/* Fresh statistics for the query planner, after a run that changed
	 * enough rows to matter (an ingest, a day of the daemon): SQLite then
	 * analyses the tables this connection used whose statistics are
	 * missing or out of date, and analysis_limit bounds what it reads of
	 * each index.  A short command (send with nothing due, status) skips
	 * it: an index with no statistics yet (jobs_sent before any mail was
	 * sent) would have every close count millions of jobs.  Not while a
	 * transaction is open (a failed run rolls back in sqlite3_close). */
	if (st->db && !st->readonly && sqlite3_get_autocommit(DB(st)) &&
	    sqlite3_total_changes64(DB(st)) >= OPTIMIZE_AFTER &&
	    exec_sql(st, "PRAGMA analysis_limit=" STR(ANALYSIS_LIMIT) "; PRAGMA optimize") != 0)
		log_warn("%s: optimize: %s", st->path, sqlite3_errmsg(DB(st)));
	if (st->db && sqlite3_close(DB(st)) != SQLITE_OK)
		log_error("%s: close: %s", st->path, sqlite3_errmsg(DB(st)));
	st->db = NULL;
}

/* ---- erasing for good ---- */

static int lite_secure_delete(struct store *st, int on)
{
	if (exec_sql(st, on ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF") == 0)
		return 0;
	keep(st);
	return -1;
}

/*
 * VACUUM copies the live rows into a new file and writes it back, so no
 * free page keeps old text; in WAL mode that copy goes through the log,
 * and the checkpoint then writes it to the file and truncates the log to
 * nothing.  The -shm file holds page numbers only, never content.
 */
static int lite_compact(struct store *st)
{
	char *busy = NULL;
	int rc;

	if (exec_sql(st, "VACUUM") != 0) {
		keep(st);
		return store_failed(st, "vacuum");
	}
	rc = pragma_row(st, "PRAGMA wal_checkpoint(TRUNCATE)", &busy);
	if (rc < 0) {
		keep(st);
		return store_failed(st, "checkpoint");
	}
	rc = rc > 0 && busy && strcmp(busy, "0") != 0;
	free(busy);
	return rc;
}

const struct store_backend store_sqlite = {
        .name = "SQLite",
        .open = lite_open,
        .migrate = lite_migrate,
        .close = lite_close,
        .prepare = lite_prepare,
        .finalize = lite_finalize,
        .bind = lite_bind,
        .step = lite_step,
        .reset = lite_reset,
        .changes = lite_changes,
        .last_id = lite_last_id,
        .in_transaction = lite_in_transaction,
        .col_int = lite_col_int,
        .col_real = lite_col_real,
        .col_text = lite_col_text,
        .col_null = lite_col_null,
        .secure_delete = lite_secure_delete,
        .compact = lite_compact,
        .scrub_set = lite_scrub_set,
};
