/*
 * store_pg.c - the PostgreSQL backend of the store: a server that many
 * businesses and a fleet of agents share (the only file that includes
 * libpq-fe.h).
 *
 * Why it is built this way:
 *  - Statements are prepared on the server once per connection (PQprepare)
 *    and run with PQexecPrepared.  The SQL names its parameters (:email)
 *    as SQLite's does; they become $1, $2... here, once per statement, and
 *    the names are kept in that order, so the statement layer binds by
 *    name on both backends.  Values travel as text and the server reads
 *    them as the type the statement gives them.
 *  - A result is read whole (PGresult) and walked row by row: a statement
 *    may stay open while others run (a referral and then its events), as
 *    on SQLite.
 *  - The schema starts at version PG_SCHEMA_BASE as one script
 *    (pg_schema, store_sql.c), then goes on with the numbered migrations,
 *    each with the version bump in schema_version in one transaction.  An
 *    advisory lock serialises agents that open a new database at once.
 *  - BEGIN is plain (READ COMMITTED) and then takes an advisory lock of
 *    the business (ST_BUSINESS_LOCK), which stands in for the write lock
 *    SQLite's BEGIN IMMEDIATE takes on the file: the writes of one business
 *    are serialised, so every read-then-write the feature files do stays
 *    correct, and other businesses are not held up.  The lock waits at most
 *    lock_timeout (30 s).
 *  - Times that must not depend on an agent's clock (leases) are the
 *    server's (statement_timestamp()).
 *  - The password comes from [agent] database_password_file, else libpq
 *    finds its own (~/.pgpass, PGPASSWORD, or none for peer or trust
 *    authentication); errors name user@host:port/db, never a password.
 */
#include "store_p.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "util.h"

/* The first key of the agent's advisory locks ('REFA'); the second is 0
 * for migrations, hashtext(business) for a business (store_sql.c). */
#define LOCK_MIGRATE "SELECT pg_advisory_xact_lock(1380271681, 0)"
/* boolean's type oid (catalog/pg_type.h, stable across versions) */
#define BOOL_OID 16

struct pgconn {
	PGconn *conn;
	int64_t last_id;
};

struct pgstmt {
	char name[16];       /* the server's name for it: ra<id> */
	const char **values; /* per parameter; NULL binds NULL */
	char (*num)[32];     /* the text of numbers bound */
	int *is_bool;        /* per column */
	PGresult *res;       /* NULL until run */
	int row, nrows;
};

#define CONN(st) (((struct pgconn *)(st)->db)->conn)
#define PS(c)    ((struct pgstmt *)(c)->h)

/* msg on one line, without libpq's "ERROR:  " and trailing newline. */
static void keep_msg(struct store *st, const char *msg)
{
	char *m = xstrdup(msg ? msg : "unknown error");
	size_t n = strlen(m);

	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	for (char *p = m; *p; p++)
		if (*p == '\n')
			*p = ' ';
	store_keep_error(st, NULL, m);
	free(m);
}

/* A broken constraint in the words SQLite uses ("UNIQUE constraint
 * failed: messages_key"), so an error reads alike on both backends; any
 * other error in PostgreSQL's own words. */
static void keep_result(struct store *st, const PGresult *res)
{
	static const struct {
		const char *state, *words;
	} constraints[] = {{"23505", "UNIQUE"},
	                   {"23503", "FOREIGN KEY"},
	                   {"23514", "CHECK"},
	                   {"23502", "NOT NULL"}};
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *name = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;

	if (name == NULL && res)
		name = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	for (size_t i = 0; state && name && i < ARRAY_SIZE(constraints); i++)
		if (strcmp(state, constraints[i].state) == 0) {
			char *m = xasprintf("%s constraint failed: %s", constraints[i].words, name);

			keep_msg(st, m);
			free(m);
			return;
		}
	keep_msg(st, primary ? primary : PQerrorMessage(CONN(st)));
}

/* Runs constant SQL (no parameters; several statements allowed): 0, or -1
 * kept. */
static int exec_sql(struct store *st, const char *sql)
{
	PGresult *res = PQexec(CONN(st), sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;

	if (rc)
		keep_result(st, res);
	PQclear(res);
	return rc;
}

/* Runs a query that answers one value: 1 and *text_r (caller frees; NULL
 * for SQL NULL), 0 no row, -1 kept. */
static int exec_value(struct store *st, const char *sql, char **text_r)
{
	PGresult *res = PQexec(CONN(st), sql);
	int rc;

	*text_r = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		keep_result(st, res);
		rc = -1;
	} else if (PQntuples(res) == 0) {
		rc = 0;
	} else {
		if (!PQgetisnull(res, 0, 0))
			*text_r = xstrdup(PQgetvalue(res, 0, 0));
		rc = 1;
	}
	PQclear(res);
	return rc;
}

/* ---- statements ---- */

/* The index of :name in x, added when new. */
static int param_index(struct names *x, int *cap, const char *name, size_t len)
{
	for (int i = 0; i < x->n; i++)
		if (strlen(x->name[i]) == len && memcmp(x->name[i], name, len) == 0)
			return i;
	if (x->n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		x->name = xrealloc(x->name, (size_t)*cap * sizeof(*x->name));
	}
	x->name[x->n] = xstrndup(name, len);
	return x->n++;
}

/* sql with :name as $n (the names into *params, in the order of n);
 * quoted text and :: casts stay as they are. */
static char *translate(const char *sql, struct names *params)
{
	struct buf out = {0};
	int cap = 0;

	memset(params, 0, sizeof(*params));
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);

			q = q ? q + 1 : p + strlen(p);
			buf_add(&out, p, (size_t)(q - p));
			p = q;
		} else if (p[0] == ':' && p[1] == ':') {
			buf_adds(&out, "::");
			p += 2;
		} else if (*p == ':' && (p[1] == '_' || (p[1] >= 'a' && p[1] <= 'z'))) {
			size_t n = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");

			buf_printf(&out, "$%d", param_index(params, &cap, p, n) + 1);
			p += n;
		} else {
			buf_addc(&out, *p++);
		}
	}
	params->seen = xcalloc((size_t)params->n + 1, sizeof(*params->seen));
	if (params->name == NULL)
		params->name = xcalloc(1, sizeof(*params->name));
	return buf_steal(&out);
}

static int pg_prepare(struct store *st, struct stmt *c, const char *sql)
{
	struct pgstmt *ps = xcalloc(1, sizeof(*ps));
	char *text = translate(sql, &c->params), *full;
	PGresult *res;
	int ok;

	full = stmt_def[c->id].returns_id ? xasprintf("%s RETURNING id", text) : xstrdup(text);
	free(text);
	snprintf(ps->name, sizeof(ps->name), "ra%d", (int)c->id);
	res = PQprepare(CONN(st), ps->name, full, c->params.n, NULL);
	free(full);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		keep_result(st, res);
	PQclear(res);
	res = NULL;
	if (ok) {
		res = PQdescribePrepared(CONN(st), ps->name);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			keep_result(st, res);
	}
	if (!ok) {
		PQclear(res);
		names_free(&c->params);
		free(ps);
		return -1;
	}
	names_init(&c->cols, PQnfields(res));
	ps->is_bool = xcalloc((size_t)c->cols.n + 1, sizeof(*ps->is_bool));
	for (int i = 0; i < c->cols.n; i++) {
		c->cols.name[i] = xstrdup(PQfname(res, i));
		ps->is_bool[i] = PQftype(res, i) == BOOL_OID;
	}
	PQclear(res);
	ps->values = xcalloc((size_t)c->params.n + 1, sizeof(*ps->values));
	ps->num = xcalloc((size_t)c->params.n + 1, sizeof(*ps->num));
	c->h = ps;
	return 0;
}

static void pg_finalize(struct stmt *c)
{
	struct pgstmt *ps = PS(c);

	/* the server forgets it with the connection */
	PQclear(ps->res);
	free(ps->values);
	free(ps->num);
	free(ps->is_bool);
	free(ps);
}

static int pg_bind(struct store *st, struct stmt *c, int i, const struct bind *b)
{
	struct pgstmt *ps = PS(c);

	(void)st;
	switch (b->type) {
	case BIND_TEXT:
		ps->values[i] = b->text;
		break;
	case BIND_ID:
		if (b->i == 0) {
			ps->values[i] = NULL;
			break;
		}
		/* fall through */
	case BIND_INT:
		snprintf(ps->num[i], sizeof(ps->num[i]), "%lld", (long long)b->i);
		ps->values[i] = ps->num[i];
		break;
	case BIND_REAL:
		snprintf(ps->num[i], sizeof(ps->num[i]), "%.17g", b->d);
		ps->values[i] = ps->num[i];
		break;
	case BIND_NULL:
		ps->values[i] = NULL;
		break;
	}
	return 0;
}

static int pg_step(struct store *st, struct stmt *c)
{
	struct pgstmt *ps = PS(c);
	ExecStatusType s;

	if (ps->res) {
		ps->row++;
		return ps->row < ps->nrows;
	}
	ps->res = PQexecPrepared(CONN(st), ps->name, c->params.n, ps->values, NULL, NULL, 0);
	s = PQresultStatus(ps->res);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		keep_result(st, ps->res);
		PQclear(ps->res);
		ps->res = NULL;
		return -1;
	}
	/* COMMIT of a transaction a failed statement spoilt rolls back, and
	 * says so only in its tag */
	if (c->id == ST_COMMIT && strcmp(PQcmdStatus(ps->res), "ROLLBACK") == 0) {
		keep_msg(st, "the transaction was rolled back: a statement in it failed");
		PQclear(ps->res);
		ps->res = NULL;
		return -1;
	}
	ps->row = 0;
	ps->nrows = PQntuples(ps->res);
	if (stmt_def[c->id].returns_id && ps->nrows > 0)
		((struct pgconn *)st->db)->last_id = strtoll(PQgetvalue(ps->res, 0, 0), NULL, 10);
	return ps->nrows > 0;
}

static void pg_reset(struct stmt *c)
{
	struct pgstmt *ps = PS(c);

	PQclear(ps->res);
	ps->res = NULL;
	memset(ps->values, 0, (size_t)c->params.n * sizeof(*ps->values));
}

static int pg_changes(struct store *st, struct stmt *c)
{
	const char *n = PS(c)->res ? PQcmdTuples(PS(c)->res) : "";

	(void)st;
	return *n ? (int)strtol(n, NULL, 10) : 0;
}

static int64_t pg_last_id(struct store *st)
{
	return ((struct pgconn *)st->db)->last_id;
}

static int pg_in_transaction(struct store *st)
{
	PGTransactionStatusType t = PQtransactionStatus(CONN(st));

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static const char *value(struct stmt *c, int i)
{
	struct pgstmt *ps = PS(c);

	if (ps->res == NULL || ps->row >= ps->nrows || PQgetisnull(ps->res, ps->row, i))
		return NULL;
	return PQgetvalue(ps->res, ps->row, i);
}

static int64_t pg_col_int(struct stmt *c, int i)
{
	const char *v = value(c, i);

	if (v == NULL)
		return 0;
	if (PS(c)->is_bool[i])
		return *v == 't';
	return strtoll(v, NULL, 10);
}

static double pg_col_real(struct stmt *c, int i)
{
	const char *v = value(c, i);

	return v ? strtod(v, NULL) : 0;
}

static const char *pg_col_text(struct stmt *c, int i)
{
	return value(c, i);
}

static int pg_col_null(struct stmt *c, int i)
{
	return value(c, i) == NULL;
}

/* ---- forget ---- */

/* refagent_scrub() (pg_schema) reads what to replace from three settings
 * of the session; "" is none. */
static int pg_scrub_set(struct store *st, const struct scrub *sc)
{
	const char *v[3] = {sc->email ? sc->email : "", sc->name ? sc->name : "",
	                    sc->phone ? sc->phone : ""};
	PGresult *res = PQexecParams(CONN(st),
	                             "SELECT set_config('refagent.scrub_email', $1, false),"
	                             " set_config('refagent.scrub_name', $2, false),"
	                             " set_config('refagent.scrub_phone', $3, false)",
	                             3, NULL, v, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;

	if (rc)
		keep_result(st, res);
	PQclear(res);
	return rc;
}

static int pg_secure_delete(struct store *st, int on)
{
	(void)st;
	(void)on; /* the server's pages are the administrator's (store.h) */
	return 0;
}

static int pg_compact(struct store *st)
{
	if (exec_sql(st, "VACUUM people, referrals, messages, events, jobs, confirmations,"
	                 " rewards, imports, optouts") == 0)
		return 0;
	return store_failed(st, "vacuum");
}

/* ---- open, migrate, close ---- */

/* What errors call the database: postgresql://user@host:port/db from the
 * parts of the connection string that are there, never its password. */
static char *display_name(const char *conninfo)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL);
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	char *s;

	for (PQconninfoOption *x = o; x && x->keyword; x++) {
		if (x->val == NULL || *x->val == '\0')
			continue;
		if (strcmp(x->keyword, "user") == 0)
			user = x->val;
		else if (strcmp(x->keyword, "host") == 0)
			host = x->val;
		else if (strcmp(x->keyword, "port") == 0)
			port = x->val;
		else if (strcmp(x->keyword, "dbname") == 0)
			db = x->val;
	}
	s = xasprintf("postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
	              host ? host : "", port ? ":" : "", port ? port : "", db ? db : "");
	PQconninfoFree(o);
	return s;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgresql: %s", message);
}

static int pg_open(struct store *st, const struct store_params *p, char **error_r)
{
	const char *keys[] = {"dbname", "application_name", "connect_timeout", "password", NULL};
	const char *vals[] = {p->database, "refagent", "10", p->password, NULL};
	struct pgconn *pc = xcalloc(1, sizeof(*pc));
	char *err = NULL;
	PQconninfoOption *o = PQconninfoParse(p->database, &err);

	st->db = pc;
	if (o == NULL) {
		st->path = xstrdup("postgresql");
		*error_r = xasprintf("[agent] database: not a PostgreSQL connection string: %s",
		                     err ? err : "out of memory");
		if (err)
			PQfreemem(err);
		str_trim(*error_r);
		return -1;
	}
	PQconninfoFree(o);
	st->path = display_name(p->database);
	if (p->password == NULL)
		keys[3] = NULL;
	/* expand_dbname: the first value is the whole URL or string; the
	 * keywords after it override it */
	pc->conn = PQconnectdbParams(keys, vals, 1);
	if (pc->conn == NULL)
		fatal("out of memory (PQconnectdbParams)");
	if (PQstatus(pc->conn) != CONNECTION_OK) {
		keep_msg(st, PQerrorMessage(pc->conn));
		*error_r = xasprintf("%s: connect: %s", st->path, st->sqlerr);
		return -1;
	}
	PQsetNoticeProcessor(pc->conn, quiet_notice, NULL);
	if (exec_sql(st, "SET lock_timeout = '30s'") != 0 ||
	    (p->readonly && exec_sql(st, "SET default_transaction_read_only = on") != 0)) {
		*error_r = xasprintf("%s: %s", st->path, st->sqlerr);
		return -1;
	}
	return 0;
}

static void pg_close(struct store *st)
{
	struct pgconn *pc = st->db;

	if (pc == NULL)
		return;
	PQfinish(pc->conn);
	free(pc);
	st->db = NULL;
}

/* The database's schema version: 0 when it has no schema_version yet. */
static int read_version(struct store *st, int *v_r)
{
	char *v = NULL;
	long n = 0;
	int rc = exec_value(st, "SELECT to_regclass('schema_version') IS NOT NULL", &v);

	if (rc < 0)
		return -1;
	if (rc == 1 && v && strcmp(v, "t") == 0) {
		free(v);
		v = NULL;
		rc = exec_value(st, "SELECT max(version) FROM schema_version", &v);
		if (rc < 0)
			return -1;
		if (v && parse_long(v, 0, 1L << 30, &n) != 0) {
			free(v);
			store_keep_error(st, NULL, "schema_version holds no version");
			return -1;
		}
	}
	free(v);
	*v_r = (int)n;
	return 0;
}

/* One step from v, in the open transaction: the whole schema from an
 * empty database, or migration v. */
static int migrate_one(struct store *st, int v, int *next_r)
{
	char bump[80];

	if (v == 0) {
		if (exec_sql(st, "CREATE TABLE schema_version (version integer NOT NULL)") != 0 ||
		    exec_sql(st, pg_schema) != 0)
			return -1;
		*next_r = PG_SCHEMA_BASE;
	} else if (v < PG_SCHEMA_BASE || migrations[v].pg == NULL) {
		store_keep_error(st, NULL, "no PostgreSQL schema of that version");
		return -1;
	} else {
		if (exec_sql(st, migrations[v].pg) != 0)
			return -1;
		*next_r = v + 1;
	}
	/* the rows referrals.status refers to, before anything checks it */
	if (statuses_sync(st) != 0)
		return -1;
	/* our own loop counter, not a value from outside */
	snprintf(bump, sizeof(bump),
	         "DELETE FROM schema_version; INSERT INTO schema_version "
	         "VALUES (%d)",
	         *next_r);
	return exec_sql(st, bump);
}

static int pg_migrate(struct store *st, char **error_r)
{
	int v = 0, next = 0;

	if (read_version(st, &v) != 0)
		goto fail;
	if (schema_refused(st, v, error_r) != 0)
		return -1;
	while (v < STORE_SCHEMA_VERSION) {
		/* another agent may be migrating: wait for it, then look again */
		if (exec_sql(st, "BEGIN") != 0 || exec_sql(st, LOCK_MIGRATE) != 0 ||
		    read_version(st, &v) != 0)
			goto fail;
		if (v < STORE_SCHEMA_VERSION) {
			if (migrate_one(st, v, &next) != 0)
				goto fail;
			log_debug("%s: schema migrated to version %d", st->path, next);
		}
		if (exec_sql(st, "COMMIT") != 0)
			goto fail;
		if (v < STORE_SCHEMA_VERSION)
			v = next;
	}
	/* another agent may have gone further while we waited */
	return schema_refused(st, v, error_r);
fail:
	*error_r = xasprintf("%s: migrate schema %d: %s", st->path, v, st->sqlerr);
	if (pg_in_transaction(st))
		exec_sql(st, "ROLLBACK");
	return -1;
}

const struct store_backend store_pg = {
        .name = "PostgreSQL",
        .pg = 1,
        .shared = 1,
        .open = pg_open,
        .migrate = pg_migrate,
        .close = pg_close,
        .prepare = pg_prepare,
        .finalize = pg_finalize,
        .bind = pg_bind,
        .step = pg_step,
        .reset = pg_reset,
        .changes = pg_changes,
        .last_id = pg_last_id,
        .in_transaction = pg_in_transaction,
        .col_int = pg_col_int,
        .col_real = pg_col_real,
        .col_text = pg_col_text,
        .col_null = pg_col_null,
        .secure_delete = pg_secure_delete,
        .compact = pg_compact,
        .scrub_set = pg_scrub_set,
};
