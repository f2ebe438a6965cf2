/*
 * store.c - the agent's memory: opening a database, transactions, errors,
 * and the statement layer the feature files are written against (see
 * store_p.h for how the module is split).
 *
 * Why it is built this way:
 *  - Two backends behind one small table of functions (struct
 *    store_backend): SQLite for one business on one machine, PostgreSQL
 *    for many businesses and a fleet of agents.  The feature files never
 *    see which one runs: they bind and read by name here, and the SQL of
 *    store_sql.c is one table with a second text where PostgreSQL's
 *    dialect differs.
 *  - Every statement is prepared once, on first use, and kept in st->stmt:
 *    intake runs the same ten statements for every message, and preparing
 *    them each time would cost more than running them.  Values are always
 *    bound, never pasted into SQL, and bound and read by name (store_p.h).
 *    Strings are bound without a copy because every statement is reset and
 *    its bindings cleared before the call that bound them returns
 *    (sql_end).
 *  - The business is bound here, not by the callers: a statement that
 *    names :business gets the handle's, so a feature file cannot read
 *    another business's rows by forgetting a condition it never writes.
 *  - The statuses live in kinds.c; every read-write open mirrors them into
 *    the statuses table, which referrals.status refers to and the SQL asks
 *    ("status IN (SELECT name FROM statuses WHERE closed <> 0)").
 *  - Errors are kept as text naming the operation and the database's
 *    message, e.g. "insert message <a@b>: UNIQUE constraint failed:
 *    messages.key".
 */
#include "store_p.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "log.h"
#include "util.h"

/* ---- the statement layer (see store_p.h) ---- */

void names_init(struct names *x, int n)
{
	x->n = n;
	x->name = xcalloc((size_t)n + 1, sizeof(*x->name));
	x->seen = xcalloc((size_t)n + 1, sizeof(*x->seen));
}

void names_free(struct names *x)
{
	free_strings(x->name, (size_t)x->n);
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

void store_keep_error(struct store *st, const char *prefix, const char *msg)
{
	char *old = st->sqlerr; /* msg may be it */

	if (msg == NULL)
		msg = "unknown error";
	st->sqlerr = prefix ? xasprintf("%s: %s", prefix, msg) : xstrdup(msg);
	free(old);
}

int store_failed(struct store *st, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	free(st->error);
	/* the database first: "db.sqlite: commit: database is locked" */
	st->error =
	        xasprintf("%s: %s: %s", st->path, what, st->sqlerr ? st->sqlerr : "unknown error");
	return -1;
}

const char *stmt_text(const struct store *st, enum stmt_id id)
{
	if (st->be->pg && stmt_def[id].pg)
		return stmt_def[id].pg;
	return stmt_def[id].sql;
}

/* The cached statement id, prepared on first use; NULL on error. */
static struct stmt *stmt_get(struct store *st, enum stmt_id id)
{
	struct stmt *c = &st->stmt[id];
	const char *sql = stmt_text(st, id);

	if (c->h)
		return c;
	if (sql == NULL)
		fatal("store: statement %s has no text for %s", stmt_def[id].name, st->be->name);
	c->id = id;
	if (st->be->prepare(st, c, sql) != 0) {
		char what[64];

		snprintf(what, sizeof(what), "prepare %s", stmt_def[id].name);
		store_keep_error(st, what, st->sqlerr);
		return NULL;
	}
	/* stmt_bind keeps a bit per parameter. */
	if (c->params.n > 64)
		fatal("store: statement %s: more than 64 parameters", stmt_def[id].name);
	c->business = names_find(&c->params, ":business");
	return c;
}

static void stmt_free(struct store *st, struct stmt *c)
{
	if (c->h)
		st->be->finalize(c);
	names_free(&c->params);
	names_free(&c->cols);
	c->h = NULL;
}

/* Binds the list b, and :business from the handle; every parameter of
 * the statement exactly once.  A name the statement lacks is a bug here,
 * not a run-time condition. */
static int stmt_bind(struct store *st, struct stmt *c, const struct bind *b)
{
	uint64_t bound = 0, all = c->params.n ? UINT64_MAX >> (64 - c->params.n) : 0;
	int rc = 0;

	if (c->business >= 0) {
		rc = st->be->bind(st, c, c->business, &B_TEXT(":business", st->business));
		bound |= UINT64_C(1) << c->business;
	}
	for (; b && b->name && rc == 0; b++) {
		int i = names_find(&c->params, b->name);

		if (i < 0 || (bound & (UINT64_C(1) << i)))
			fatal("store: statement %s: parameter %s %s", stmt_def[c->id].name, b->name,
			      i < 0 ? "unknown" : "bound twice");
		bound |= UINT64_C(1) << i;
		rc = st->be->bind(st, c, i, b);
	}
	if (rc == 0 && bound != all)
		fatal("store: statement %s: a parameter is left unbound", stmt_def[c->id].name);
	return rc;
}

int sql_query(struct q *q, struct store *st, enum stmt_id id, const struct bind *b)
{
	q->st = st;
	q->c = stmt_get(st, id);
	if (q->c == NULL)
		return -1;
	if (stmt_bind(st, q->c, b) != 0)
		return -1;
	return st->be->step(st, q->c);
}

int sql_next(struct q *q)
{
	return q->st->be->step(q->st, q->c);
}

void sql_end(struct q *q)
{
	if (q->c == NULL)
		return;
	q->st->be->reset(q->c);
	q->c = NULL;
}

int sql_exec(struct store *st, enum stmt_id id, const struct bind *b)
{
	struct q q;
	int rc = sql_query(&q, st, id, b);

	if (rc >= 0)
		rc = st->be->changes(st, q.c);
	sql_end(&q);
	return rc;
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

int sql_row(struct store *st, enum stmt_id id, const struct bind *b, void *item, size_t size,
            void (*fill)(struct q *q, void *item))
{
	struct q q;
	int found;

	memset(item, 0, size);
	found = sql_query(&q, st, id, b);
	if (found > 0)
		fill(&q, item);
	sql_end(&q);
	return found;
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
	return st->be->last_id(st);
}

int sql_in_transaction(struct store *st)
{
	return st->be->in_transaction(st);
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
	return q->st->be->col_int(q->c, col(q, name));
}

double col_real(struct q *q, const char *name)
{
	return q->st->be->col_real(q->c, col(q, name));
}

char *col_text(struct q *q, const char *name)
{
	return xstrdup(q->st->be->col_text(q->c, col(q, name)));
}

int col_null(struct q *q, const char *name)
{
	return q->st->be->col_null(q->c, col(q, name));
}

void col_fill(struct q *q, const struct col_map *m, void *item)
{
	const struct col_field *f = m->f;

	for (size_t i = 0; i < m->n; i++) {
		void *field = (char *)item + f[i].off;

		switch (f[i].kind) {
		case COL_INT64:
			*(int64_t *)field = col_int(q, f[i].column);
			break;
		case COL_INT:
			*(int *)field = (int)col_int(q, f[i].column);
			break;
		case COL_REAL:
			*(double *)field = col_real(q, f[i].column);
			break;
		case COL_TEXT:
			*(char **)field = col_text(q, f[i].column);
			break;
		case COL_SET:
			*(int *)field = !col_null(q, f[i].column);
			break;
		}
	}
}

void col_clear(const struct col_map *m, void *item)
{
	if (item == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->f[i].kind == COL_TEXT)
			free(*(char **)((char *)item + m->f[i].off));
	memset(item, 0, m->size);
}

char *email_norm(const char *email)
{
	if (email == NULL || *email == '\0')
		return NULL;
	return str_lower(xstrdup(email));
}

/* ---- refagent_scrub(text, theirs): forget's replacement ---- */

static void scrub_clear(struct scrub *sc)
{
	FREE_ALL(sc->email, sc->name, sc->phone);
	memset(sc, 0, sizeof(*sc));
}

int sql_scrub_set(struct store *st, const char *email, const char *name, const char *phone)
{
	scrub_clear(&st->scrub);
	if (email) {
		st->scrub.email = xstrdup(email);
		st->scrub.name = xstrdup(name);
		st->scrub.phone = xstrdup(phone);
	}
	return st->be->scrub_set(st, &st->scrub);
}

/* ---- open and close ---- */

int store_is_server(const char *database)
{
	if (database == NULL)
		return 0;
	/* a libpq connection string is key=value words; a file name with
	 * '=' in it can be given as ./name */
	return strncmp(database, "postgresql://", 13) == 0 ||
	       strncmp(database, "postgres://", 11) == 0 ||
	       (database[0] != '/' && database[0] != '.' && strchr(database, '=') != NULL);
}

int store_business_valid(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	if (n == 0 || n > STORE_BUSINESS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)key[i]) || isdigit((unsigned char)key[i]) ||
		      key[i] == '-'))
			return 0;
	return 1;
}

int schema_refused(const struct store *st, int v, char **error_r)
{
	if (v > STORE_SCHEMA_VERSION) {
		*error_r = xasprintf("%s: schema version %d is newer than this build's %d: "
		                     "use a newer refagent",
		                     st->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (v < STORE_SCHEMA_VERSION && st->readonly) {
		*error_r = xasprintf("%s: schema version %d, this build needs %d: open it "
		                     "once read-write (e.g. `refagent check`) to migrate",
		                     st->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
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

int statuses_sync(struct store *st)
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

/* The statuses as kinds.c has them, and this business among the
 * businesses, in one transaction; most opens find both there and write
 * nothing, so they do not wait for the write lock. */
static int open_write(struct store *st, int64_t now, char **error_r)
{
	int current = statuses_current(st), known = 0;
	struct q q;

	if (current >= 0) {
		known = sql_query(&q, st, ST_BUSINESS_FIND, NULL);
		sql_end(&q);
	}
	if (current > 0 && known > 0)
		return 0;
	if (current < 0 || known < 0 || store_begin(st) != 0 ||
	    (current == 0 && statuses_sync(st) != 0) ||
	    (known == 0 && sql_exec(st, ST_BUSINESS_ADD, BINDS(B_INT(":at", now))) < 0) ||
	    store_commit(st) != 0) {
		*error_r = xasprintf("%s: write the statuses and the business: %s", st->path,
		                     st->sqlerr ? st->sqlerr : "unknown error");
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* SQLite, business not set in the config: a file that holds the rows of
 * exactly one other business goes on serving that one. */
static int adopt(struct store *st, char **error_r)
{
	char **keys = NULL;
	size_t n = 0;

	if (store_businesses(st, &keys, &n) != 0) {
		*error_r = xstrdup(st->error);
		return -1;
	}
	if (n == 1 && strcmp(keys[0], st->business) != 0) {
		log_debug("%s: serving business %s, the one the file holds", st->path, keys[0]);
		free(st->business);
		st->business = keys[0];
		keys[0] = NULL;
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return 0;
}

int store_open(const struct store_params *p, struct store **st_r, char **error_r)
{
	struct store *st;

	*st_r = NULL;
	*error_r = NULL;
	if (!store_business_valid(p->business)) {
		*error_r = xasprintf("business '%s' is not a business key: 1 to %d of a-z, 0-9 "
		                     "and -",
		                     p->business ? p->business : "", STORE_BUSINESS_MAX);
		return -1;
	}
	st = xcalloc(1, sizeof(*st));
	st->be = store_is_server(p->database) ? &store_pg : &store_sqlite;
	st->business = xstrdup(p->business);
	st->readonly = p->readonly;
	if (st->be->open(st, p, error_r) != 0 || st->be->migrate(st, error_r) != 0)
		goto fail;
	if (p->adopt && !st->be->shared && adopt(st, error_r) != 0)
		goto fail;
	if (!st->readonly && open_write(st, (int64_t)time(NULL), error_r) != 0)
		goto fail;
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
		stmt_free(st, &st->stmt[i]);
	/* An open transaction (a caller that neither committed nor rolled
	 * back) is rolled back by closing the connection. */
	st->be->close(st);
	free(st->path);
	free(st->business);
	free(st->error);
	free(st->sqlerr);
	scrub_clear(&st->scrub);
	free(st->fence_name);
	free(st->fence_holder);
	free(st->counter_name);
	free(st);
}

const char *store_error(const struct store *st)
{
	if (st == NULL)
		return "no database";
	return st->error ? st->error : "no error";
}

const char *store_business(const struct store *st)
{
	return st->business;
}

int store_shared(const struct store *st)
{
	return st->be->shared;
}

/* ---- transactions ---- */

static int run_simple(struct store *st, enum stmt_id id)
{
	return sql_exec(st, id, NULL) < 0 ? store_failed(st, "%s", stmt_def[id].name) : 0;
}

void sql_forget_counter(struct store *st)
{
	free(st->counter_name);
	st->counter_name = NULL;
}

int sql_begin(struct store *st, int business_lock)
{
	sql_forget_counter(st);
	st->counter_locked = business_lock;
	if (run_simple(st, ST_BEGIN) != 0)
		return -1;
	/* PostgreSQL: the business's write lock, which SQLite's BEGIN
	 * IMMEDIATE took for the whole file */
	if (business_lock && stmt_text(st, ST_BUSINESS_LOCK) &&
	    run_simple(st, ST_BUSINESS_LOCK) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_begin(struct store *st)
{
	return sql_begin(st, 1);
}

int store_commit(struct store *st)
{
	/* PostgreSQL would only warn */
	if (!st->be->in_transaction(st)) {
		store_keep_error(st, NULL, "cannot commit - no transaction is active");
		return store_failed(st, "commit");
	}
	sql_forget_counter(st);
	return run_simple(st, ST_COMMIT);
}

void store_rollback(struct store *st)
{
	/* A failed statement may already have rolled the transaction back
	 * (SQLITE_FULL, an interrupted commit); ROLLBACK would then fail. */
	if (st == NULL)
		return;
	sql_forget_counter(st);
	if (!st->be->in_transaction(st))
		return;
	if (run_simple(st, ST_ROLLBACK) != 0)
		log_error("%s", st->error);
}

/* ---- the businesses ---- */

static void key_fill(struct q *q, void *item)
{
	*(char **)item = col_text(q, "name");
}

static void keys_drop(void *v, size_t n)
{
	char **k = v;

	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

int store_businesses(struct store *st, char ***keys_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, ST_BUSINESS_LIST, NULL, sizeof(char *), key_fill, keys_drop, &v, n_r);

	*keys_r = v;
	return rc < 0 ? store_failed(st, "list the businesses") : 0;
}

int store_set_business(struct store *st, const char *key)
{
	if (!store_business_valid(key)) {
		store_keep_error(st, NULL, "not a business key");
		return store_failed(st, "business '" ERR_ARG "'", key ? key : "");
	}
	free(st->business);
	st->business = xstrdup(key);
	return 0;
}

/* ---- erasing for good ---- */

int store_secure_delete(struct store *st, int on)
{
	return st->be->secure_delete(st, on) == 0 ? 0 : store_failed(st, "secure_delete");
}

int store_compact(struct store *st)
{
	return st->be->compact(st);
}
