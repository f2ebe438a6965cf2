/*
 * store_p.h - what the files of the store module share; not for other
 * modules (their contract is include/store.h).
 *
 * The store is one module in ten files, split by concern:
 *   store.c         open, transactions, errors, the statement layer below,
 *                   and the businesses of a database
 *   store_sqlite.c  the SQLite backend (the only file that includes
 *                   sqlite3.h): a file of its own, PRAGMA user_version
 *   store_pg.c      the PostgreSQL backend (the only file that includes
 *                   libpq-fe.h): a server many agents share
 *   store_sql.c     all the SQL: the schema (migrations[], pg_schema) and
 *                   every statement, in one table (stmt_def[])
 *   store_people.c  people and referrals, and the rows of imported sheets
 *   store_msg.c     messages, threads, IMAP checkpoints and the leases
 *                   that keep a mailbox to one agent, counters
 *   store_jobs.c    jobs (the outgoing mail), claims, confirmations
 *   store_events.c  events, rewards, and the figures of the report
 *   store_review.c  the admin's review: what waits for it, what was listed
 *   store_privacy.c what is held about a person (export-person), and
 *                   erasing it (forget)
 *
 * The feature files are written against the statement layer only, never
 * a database library: the same C runs on both backends, and where the
 * two dialects differ a statement carries a second text (stmt_def.pg).
 *
 * The statement layer: SQL names its parameters (:email, :at) and its
 * result columns (a column's own name, or AS lead_email for an expression
 * or where the name would be ambiguous), and C binds and reads them by
 * those names.  A call looks like
 *
 *	struct q q;
 *	int found = sql_query(&q, st, ST_MESSAGE_FIND, BINDS(B_TEXT(":key", key)));
 *
 *	if (found > 0)
 *		*id_r = col_int(&q, "id");
 *	sql_end(&q);
 *	if (found < 0)
 *		return store_failed(st, "find message %s", key);
 *
 * A name is looked up once per prepared statement and then found again by
 * the address of the string literal, so binding or reading by name costs
 * no string comparison on the hot path (intake).  A name the statement does
 * not have, or a parameter left unbound, is a bug in the store and fatal.
 *
 * Every row a business owns carries its key (the business column), and
 * every statement that reads or writes such rows says
 * "business = :business": the layer binds :business itself, from the
 * handle, so no feature file passes it and none can forget it.
 */
#ifndef REFAGENT_STORE_P_H
#define REFAGENT_STORE_P_H

#include <stdint.h>

#include "store.h"
#include "util.h"

/* ---- the schema (store_sql.c) ---- */

struct migration {
	const char *sql; /* SQLite: takes user_version i to i+1 */
	int rebuild;     /* rebuilds a table: runs with foreign keys off */
	/* PostgreSQL: takes schema_version i to i+1; NULL below
	 * PG_SCHEMA_BASE, which pg_schema creates in one step */
	const char *pg;
};

extern const struct migration migrations[STORE_SCHEMA_VERSION];

/* The schema that added the statuses table. */
#define SCHEMA_STATUSES 4

/* The PostgreSQL schema starts here: pg_schema creates schema
 * PG_SCHEMA_BASE in an empty database; migrations[PG_SCHEMA_BASE...]
 * .pg take it on from there, one version at a time, as for SQLite. */
#define PG_SCHEMA_BASE 9
extern const char pg_schema[];

/* ---- the statements (store_sql.c) ---- */

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_BUSINESS_LOCK,
	ST_STATUS_SYNC,
	ST_STATUS_LIST,
	ST_BUSINESS_FIND,
	ST_BUSINESS_ADD,
	ST_BUSINESS_LIST,
	/* messages, threads, checkpoints, counters */
	ST_MESSAGE_FIND,
	ST_MESSAGE_ADD,
	ST_MESSAGE_LINK,
	ST_THREAD_FIND,
	ST_MESSAGE_GET,
	ST_MESSAGE_COUNT,
	ST_MESSAGE_COUNT_ALL,
	ST_MESSAGE_FIND_OUT,
	ST_CHECKPOINT_GET,
	ST_CHECKPOINT_SET,
	ST_COUNTER_BUMP,
	ST_COUNTER_PEEK,
	/* leases */
	ST_LEASE_TAKE,
	ST_LEASE_TOOK,
	ST_LEASE_RENEW,
	ST_LEASE_RENEWED,
	ST_LEASE_RELEASE,
	ST_LEASE_RELEASED,
	ST_LEASE_HOLDER,
	/* people */
	ST_PERSON_FIND,
	ST_PERSON_ENSURE,
	ST_PERSON_FILL,
	ST_PERSON_FLAGS,
	ST_PERSON_SET_TOKEN,
	ST_PERSON_SET_CHECKIN,
	ST_PERSON_OPT_OUT,
	ST_PERSON_BOUNCING,
	ST_PERSON_BY_TOKEN,
	ST_CHECKIN_DUE,
	/* referrals */
	ST_REFERRAL_ADD,
	ST_REFERRAL_OPEN_FOR_LEAD,
	ST_REFERRAL_TOUCH,
	ST_REFERRAL_SET_STATUS,
	ST_REFERRAL_FIRST_CONTACT,
	ST_REFERRAL_SET_REFERRER,
	ST_REFERRAL_SWAP_ROLES,
	ST_REFERRAL_SET_REP,
	ST_REFERRALS_STALE,
	ST_REFERRAL_LIST_ALL,
	ST_REFERRAL_LIST_STATUS,
	ST_REFERRAL_GET,
	ST_REFERRALS_OF_REFERRER,
	ST_REFERRALS_OF_LEAD,
	/* events, rewards, the report */
	ST_EVENT_ADD,
	ST_EVENT_LIST,
	ST_REWARD_ADD,
	ST_REWARD_LIST,
	ST_REWARD_GET,
	ST_REWARD_OF_REFERRAL,
	ST_REWARD_PAY,
	ST_REWARD_CORRECT,
	ST_REPORT_COUNT_ADD,
	ST_REFERRER_COUNT_ADD,
	ST_REPORT_COUNTS,
	ST_REPORT_MADE,
	ST_REPORT_STATUS_COUNTS,
	ST_REPORT_STATUS_MADE,
	ST_REPORT_CONTACTED_ALL,
	ST_REPORT_CONTACTS,
	ST_REPORT_REPS,
	ST_REPORT_REP_FIRST,
	ST_REPORT_HELD,
	ST_REPORT_WON_MADE,
	ST_REPORT_WON_CLOSED,
	ST_REPORT_WON_UNDATED,
	ST_REPORT_DELAYS,
	ST_REPORT_DELAYS_DESC,
	ST_REPORT_REP_DELAYS,
	ST_REPORT_REP_DELAYS_DESC,
	ST_REPORT_TOP_BOUNDS,
	ST_REPORT_REFERRER,
	ST_REPORT_REWARDS,
	ST_REPORT_SENT,
	/* digests, periodic mail */
	ST_DIGEST_DUE,
	ST_DIGEST_WAITING,
	ST_DIGEST_DONE,
	ST_JOB_LAST,
	ST_SOURCE_THANKED,
	ST_SENT_TO,
	ST_SENT_TO_KEY,
	ST_JOBS_CANCEL_CONFIRMS,
	ST_CONFIRM_WAITING,
	/* jobs, confirmations */
	ST_JOB_ADD,
	ST_JOBS_ADD2, /* 2, 3 or 4 jobs in one statement */
	ST_JOBS_ADD3,
	ST_JOBS_ADD4,
	ST_JOBS_DUE,
	ST_JOB_NEXT_DUE,
	ST_JOB_CLAIM,
	ST_JOB_CLAIM_NEXT,
	ST_JOB_SENT,
	ST_JOB_RETRY,
	ST_JOB_FINISH,
	ST_JOBS_CANCEL_REFERRAL,
	ST_JOBS_CANCEL_RECIPIENT,
	ST_JOB_LIST_ALL,
	ST_JOB_LIST_STATE,
	ST_JOBS_PENDING_OF,
	ST_JOB_GET,
	ST_SENT_WINDOW,
	ST_CONFIRM_ADD,
	ST_CONFIRM_FIND,
	ST_CONFIRM_DONE,
	/* the admin's review */
	ST_REVIEWS_NEW,
	ST_REVIEW_ADD,
	ST_REVIEW_LAST,
	ST_REVIEWS_LISTED_HELD,
	/* spreadsheets */
	ST_PERSON_FIND_NAMED,
	ST_IMPORT_FIND,
	ST_IMPORT_ADD,
	ST_REFERRAL_FIND_SAME,
	/* people's data */
	ST_PERSON_GET,
	ST_PERSON_REFERRALS,
	ST_PERSON_EVENTS,
	ST_PERSON_MESSAGES,
	ST_PERSON_JOBS,
	ST_PERSON_REWARDS,
	ST_OPTOUT_FIND,
	ST_OPTOUT_ADD,
	ST_FORGET_EVENTS_ADD,
	ST_FORGET_AS_LEAD,
	ST_FORGET_AS_REFERRER,
	ST_FORGET_MESSAGES,
	ST_SCRUB_EVENTS,
	ST_SCRUB_REFERRALS,
	ST_SCRUB_MESSAGES,
	ST_SCRUB_JOBS,
	ST_SCRUB_OTHER,
	ST_SCRUB_PEOPLE,
	ST_SCRUB_IMPORTS,
	ST_SCRUB_REWARDS,
	ST_FORGET_PERSON,
	ST__COUNT
};

struct stmt_def {
	const char *name; /* what it does, for errors: "prepare job add: ..." */
	const char *sql;  /* the SQL; NULL: not run on SQLite */
	const char *pg;   /* PostgreSQL's text where it differs, NULL: sql */
	/* an INSERT whose new row's id sql_last_id() gives (PostgreSQL
	 * appends RETURNING id to it) */
	int returns_id;
};

extern const struct stmt_def stmt_def[ST__COUNT];

/* The most rows ST_JOBS_ADD<n> writes, and the parameter names of row n
 * (1-based) in the order of struct job_rec. */
#define JOBS_ADD_MAX 4
#define JOB_PARAM_NAMES(n)                                                                         \
	{                                                                                          \
		":referral_id_" #n, ":template_" #n, ":recipient_" #n, ":recipient_name_" #n,      \
		        ":cc_" #n, ":seq_" #n, ":note_" #n, ":due_at_" #n, ":message_key_" #n,     \
		        ":in_reply_to_" #n, ":refs_" #n                                            \
	}

/* ---- binding by name (store.c) ---- */

enum bind_type {
	BIND_NULL,
	BIND_TEXT, /* NULL text binds NULL */
	BIND_INT,
	BIND_ID, /* an id or time where 0 means none: 0 binds NULL */
	BIND_REAL,
};

struct bind {
	const char *name; /* ":email", as written in the SQL; NULL ends a list.
	                     A string literal: it is recognised again by its
	                     address (the same goes for column names) */
	enum bind_type type;
	const char *text; /* bound without a copy: valid until sql_end */
	int64_t i;
	double d;
};

#define B_NULL(n)    ((struct bind){.name = (n), .type = BIND_NULL})
#define B_TEXT(n, v) ((struct bind){.name = (n), .type = BIND_TEXT, .text = (v)})
#define B_INT(n, v)  ((struct bind){.name = (n), .type = BIND_INT, .i = (v)})
#define B_ID(n, v)   ((struct bind){.name = (n), .type = BIND_ID, .i = (v)})
#define B_REAL(n, v) ((struct bind){.name = (n), .type = BIND_REAL, .d = (v)})
/* The values of one call, every parameter of the statement once. */
#define BINDS(...) ((const struct bind[]){__VA_ARGS__, {.name = NULL}})

/* ---- the backends (store_sqlite.c, store_pg.c) ---- */

/* What `forget` replaces in stored text: the address everywhere, and the
 * person's name and phone on their own records (store_privacy.c); the SQL
 * function refagent_scrub(text, theirs) applies it (in C on SQLite, as
 * regular expressions on PostgreSQL). */
struct scrub {
	char *email; /* lower case; NULL: scrub() changes nothing */
	char *name;
	char *phone;
};

/* The parameter or column names of a statement, with the address of the
 * string last used for each: a call site passes the same literal every
 * time, so after the first call a lookup is a few pointer compares. */
struct names {
	int n;
	char **name;       /* copies, owned */
	const char **seen; /* the caller's string that last matched name[i] */
};

/* One statement of stmt_def, prepared on first use and kept. */
struct stmt {
	void *h; /* the backend's, NULL until prepared */
	enum stmt_id id;
	struct names params; /* ":email", in the backend's order */
	struct names cols;
	int business; /* index of :business in params, -1: none */
};

struct store {
	const struct store_backend *be;
	void *db;       /* the backend's connection */
	char *path;     /* what errors name: the file, or user@host/db */
	char *business; /* whose rows this handle sees */
	int readonly;
	char *error;        /* last error, owned */
	char *sqlerr;       /* the database's message for the last failed statement */
	struct scrub scrub; /* what refagent_scrub() replaces, during a forget */
	char *fence_name;   /* store_fence: the lease the checkpoint needs */
	char *fence_holder;
	int64_t fence_ttl;
	int fenced; /* the last checkpoint write failed on the fence */
	/* A counter's value as the current write transaction knows it (the
	 * round robin is read for every intro of an ingest): good until the
	 * transaction ends (sql_begin, store_commit, store_rollback forget
	 * it).  counter_name NULL: none kept. */
	char *counter_name;
	int64_t counter_value;
	int counter_locked; /* the transaction took the business's lock */
	struct stmt stmt[ST__COUNT];
};

/*
 * What a backend does.  Statement entries get a stmt that stmt_get has
 * prepared; a failure keeps the database's message with store_keep_error.
 */
struct store_backend {
	const char *name; /* "SQLite", "PostgreSQL" */
	int pg;           /* takes stmt_def[].pg */
	int shared;       /* a server many agents share: leases apply */

	/* Connects to p->database (st->path is set); -1 with *error_r. */
	int (*open)(struct store *st, const struct store_params *p, char **error_r);
	/* Brings the schema to STORE_SCHEMA_VERSION (read-write), or checks
	 * it is that version (read-only); -1 with *error_r. */
	int (*migrate)(struct store *st, char **error_r);
	void (*close)(struct store *st);

	/* Prepares sql into c->h and fills c->params and c->cols. */
	int (*prepare)(struct store *st, struct stmt *c, const char *sql);
	void (*finalize)(struct stmt *c);
	/* Binds b to parameter i (0-based); the text stays the caller's
	 * until reset. */
	int (*bind)(struct store *st, struct stmt *c, int i, const struct bind *b);
	/* Runs or steps on: 1 a row, 0 done, -1 error. */
	int (*step)(struct store *st, struct stmt *c);
	/* Ends the run and drops the bindings. */
	void (*reset)(struct stmt *c);
	/* The rows the finished statement changed. */
	int (*changes)(struct store *st, struct stmt *c);
	int64_t (*last_id)(struct store *st);
	int (*in_transaction)(struct store *st);

	/* Column i of the current row; NULL reads as 0 or NULL. */
	int64_t (*col_int)(struct stmt *c, int i);
	double (*col_real)(struct stmt *c, int i);
	const char *(*col_text)(struct stmt *c, int i);
	int (*col_null)(struct stmt *c, int i);

	/* store_secure_delete, store_compact; and what refagent_scrub()
	 * replaces from now on (NULL email: nothing). */
	int (*secure_delete)(struct store *st, int on);
	int (*compact)(struct store *st);
	int (*scrub_set)(struct store *st, const struct scrub *sc);
};

extern const struct store_backend store_sqlite;
extern const struct store_backend store_pg;

/* The text of statement id on st's backend (NULL: none there). */
const char *stmt_text(const struct store *st, enum stmt_id id);
void names_init(struct names *x, int n);
void names_free(struct names *x);
/* Keeps msg (a copy; NULL: "unknown error") as the database's message
 * of the failed statement, prefixed with prefix when not NULL. */
void store_keep_error(struct store *st, const char *prefix, const char *msg);
/* A database at schema version v that the handle cannot use: a newer
 * one, or an older one opened read-only (migrating it is a write).
 * 0 when v will do, else -1 with *error_r (caller frees). */
int schema_refused(const struct store *st, int v, char **error_r);
/* Writes status_table into the statuses table (a row changes only when
 * kinds.c changed it), in the caller's transaction.  0, or -1 kept. */
int statuses_sync(struct store *st);

/* ---- running statements (store.c) ---- */

/* One use of a cached statement, from sql_query to sql_end. */
struct q {
	struct store *st;
	struct stmt *c; /* NULL once ended, or when it could not be prepared */
};

/*
 * Binds the values b (NULL: none) to statement id and steps to its first
 * row.  Returns 1 on a row, 0 when there is none, -1 on error (the
 * database's message is kept for store_failed).  Call sql_end(q) in every case.
 */
int sql_query(struct q *q, struct store *st, enum stmt_id id, const struct bind *b);
/* The next row: 1, 0 at the end, -1 on error. */
int sql_next(struct q *q);
/* Ends the use: the read or write ends and the bindings are dropped, so no
 * bound string is referenced past the call that bound it. */
void sql_end(struct q *q);
/* Runs a statement that returns no row to its end.  Returns how many rows
 * it changed, or -1 on error (kept for store_failed). */
int sql_exec(struct store *st, enum stmt_id id, const struct bind *b);
/* Every row of statement id, into a new array (*v_r, caller frees; NULL
 * when none) of *n_r items of size bytes, each zeroed and then filled by
 * fill.  On error the items so far go to drop (NULL: plain free), *v_r is
 * NULL and -1 is returned (kept for store_failed). */
int sql_rows(struct store *st, enum stmt_id id, const struct bind *b, size_t size,
             void (*fill)(struct q *q, void *item), void (*drop)(void *v, size_t n), void **v_r,
             size_t *n_r);
/* The first row of statement id into item (size bytes, zeroed first) by
 * fill: 1, 0 when there is none (item stays zeroed), or -1 on error (kept
 * for store_failed). */
int sql_row(struct store *st, enum stmt_id id, const struct bind *b, void *item, size_t size,
            void (*fill)(struct q *q, void *item));
/* Every row of statement id, one at a time: item (size bytes, the
 * caller's) is zeroed, filled by fill, handed to fn and emptied by clear,
 * so memory does not grow with the rows.  fn returns non-zero to stop.
 * Returns 0 after the last row, fn's non-zero value when it stopped, or
 * -1 on error (kept for store_failed). */
int sql_each(struct store *st, enum stmt_id id, const struct bind *b, void *item, size_t size,
             void (*fill)(struct q *q, void *item), void (*clear)(void *item),
             int (*fn)(void *item, void *arg), void *arg);
/* The id of the row the last INSERT of a returns_id statement made. */
int64_t sql_last_id(struct store *st);
/* store_begin, and on PostgreSQL without the business's lock when
 * business_lock is 0: for a statement that locks the rows it needs
 * itself (store_job_claim_next).  0 or -1. */
int sql_begin(struct store *st, int business_lock);
/* Forgets the counter value kept for the transaction (store_counter_peek). */
void sql_forget_counter(struct store *st);
/* Non-zero inside store_begin() ... store_commit(). */
int sql_in_transaction(struct store *st);

/* Columns of the current row, by name.  NULL reads as 0 and col_text
 * returns NULL; col_text returns a copy (caller frees). */
int64_t col_int(struct q *q, const char *name);
double col_real(struct q *q, const char *name);
char *col_text(struct q *q, const char *name);
int col_null(struct q *q, const char *name);

/* Where the columns of a view's rows go: each column into a field of the
 * view's struct (store.h), by its offset.  One list per view drives both
 * reading a row (col_fill) and freeing what it read (col_free). */
enum col_kind {
	COL_INT64, /* int64_t; NULL reads 0 */
	COL_INT,   /* int */
	COL_REAL,  /* double */
	COL_TEXT,  /* char *, a copy the view owns; NULL stays NULL */
	COL_SET,   /* int: 1 when the column is not NULL (has_value) */
};
struct col_field {
	const char *column;
	enum col_kind kind;
	size_t off;
};
struct col_map {
	const struct col_field *f;
	size_t n;
	size_t size; /* of the view's struct */
};
void col_fill(struct q *q, const struct col_map *m, void *item);
/* Frees the COL_TEXT fields of item (may be NULL) and zeroes it; the
 * struct itself is the caller's. */
void col_clear(const struct col_map *m, void *item);

/* The views' maps (store_sql.c, beside their statements). */
extern const struct col_map event_columns, reward_columns, job_columns, confirmation_columns,
        message_columns, person_flags_columns, person_ref_columns, referral_columns,
        person_record_columns;

/* Records "<what>: <the database's message of the failed statement>" as
 * store_error() and returns -1. */
int store_failed(struct store *st, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Caps what a key or address from mail adds to an error line. */
#define ERR_ARG "%.200s"

/* ---- shared by the feature files ---- */

/* A lower-cased copy of an address, or NULL for NULL or "" (caller frees). */
char *email_norm(const char *email);
/* sql_rows' fill for a column "id" into an int64_t (store_people.c). */
void id_fill(struct q *q, void *item);
/* A hash of an address (lower case) as kept in optouts: 32 hex digits and
 * a NUL (store_privacy.c). */
#define ADDRESS_HASH_LEN 33
void address_hash(const char *lower, char out[static ADDRESS_HASH_LEN]);

/* text with every mention replaced by "(forgotten)" (caller frees), or
 * NULL when it has none. */
char *scrub_text(const struct scrub *sc, const char *text, int theirs);
/* Sets (copies; NULL email clears) what refagent_scrub() replaces.
 * 0 or -1 (kept for store_failed). */
int sql_scrub_set(struct store *st, const char *email, const char *name, const char *phone);

/* The events of referral id, oldest first (store_events.c). */
int events_read(struct store *st, int64_t id, struct event_view **ev_r, size_t *nev_r);
/* sql_rows fill and drop functions of the views of store.h, for any
 * statement that answers their columns (REFERRAL_VIEW_SELECT and the
 * like in store_sql.c). */
void referral_fill(struct q *q, void *item);
void referrals_drop(void *v, size_t n);
void event_fill(struct q *q, void *item);
void events_drop(void *v, size_t n);
void job_fill(struct q *q, void *item);
void jobs_drop(void *v, size_t n);
void reward_fill(struct q *q, void *item);
void rewards_drop(void *v, size_t n);
void message_fill(struct q *q, void *item);
void messages_drop(void *v, size_t n);

#endif
