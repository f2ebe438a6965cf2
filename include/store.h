/*
 * store.h - everything the agent remembers, in one database: a SQLite
 * file (the default: one business on one machine), or a PostgreSQL
 * server that many businesses and a fleet of agents share.
 *
 * The store is the only module that includes a database library (sqlite3
 * in store_sqlite.c, libpq in store_pg.c); the rest of the agent sees
 * this contract, the same on both.  The schema is versioned (SQLite:
 * PRAGMA user_version; PostgreSQL: the schema_version table) and migrated
 * forward by a read-write open; every statement is prepared once and
 * reused.  A SQLite file runs in WAL mode with foreign keys on.  Times are
 * Unix seconds (integers); the CLI prints them as ISO 8601.  Addresses
 * are stored lower case and compared case-insensitively.
 *
 * Businesses (schema 9): every row a business owns carries its key, and a
 * handle sees the rows of the one business it was opened for
 * (store_params.business) and no other: people, referrals, messages,
 * jobs, rewards, reviews... of two businesses in one database never
 * meet, and an address known to both is two people, each business's own.
 *
 * Tables (schema 10):
 *   people      one row per address and business (email UNIQUE per
 *               business; a referrer named only in a web form has no
 *               address), with what they asked of the agent's mail
 *               (opt-out, bounces, List-Unsubscribe token, last check-in)
 *   referrals   referrer, lead, rep, status, lead details, context, value,
 *               first contact, last activity, waiting for the rep's digest
 *   statuses    the statuses of kinds.h (closed, credit, contact), written
 *               by every read-write open; referrals.status refers to it
 *               (shared by the businesses)
 *   messages    every message seen or sent: key (Message-ID, or a
 *               stand-in, UNIQUE per business), mailbox, UIDVALIDITY, UID,
 *               direction, kind, why
 *   message_referrals  which referral(s) a message belongs to
 *   events      every status change or touch: who, when, why
 *   checkpoints IMAP position: mailbox, UIDVALIDITY, last UID
 *   counters    small named integers (the round-robin position)
 *   jobs        the mail the agent will send and has sent: template,
 *               recipient, due time, state, attempts, lease (an index on
 *               the state for `outbox --state`, schema 10)
 *   rewards     the reward ledger: one per won referral, owed or paid
 *   confirmations  status lines waiting for the rep's "yes"
 *   reviews     what a review mail has listed for the admin (a held
 *               referral, or a message naming someone unreachable)
 *   imports     the referrals `import` made from spreadsheet rows: a hash
 *               of the row's date, referrer and lead, so the same sheet
 *               imported twice adds nothing (schema 6)
 *   optouts     hashes of the addresses of people who opted out and then
 *               were forgotten, so a new introduction of them is still
 *               not mailed (schema 6)
 *   businesses  the businesses whose agents opened the database (schema 9)
 *   leases      who polls a mailbox now, and until when by the database's
 *               clock; lease_history keeps every holder's tenure (schema 9)
 *
 * Conventions: functions return 0 on success and -1 on a database error,
 * whose text store_error() gives until the next call.  Lookups return 1
 * found, 0 not found, -1 error.  Strings passed in are copied or used
 * only during the call; strings handed out in views are owned by the view
 * and freed with it.
 *
 * Writes are meant to run inside store_begin()/store_commit(): intake
 * writes one message's records and the IMAP checkpoint in one transaction,
 * so a crash before commit means the message is fetched again, and after
 * commit it is never processed twice.  The writes of one business are
 * serialised, on both backends: SQLite takes the file's write lock at
 * BEGIN, PostgreSQL a lock of the business (an advisory lock), so every
 * read-then-write of a transaction (the round-robin counter, the open
 * referral of a lead, the checkpoint) sees no other writer between its
 * read and its write.  Two businesses on one PostgreSQL server write side
 * by side.
 */
#ifndef REFAGENT_STORE_H
#define REFAGENT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Schema version this build writes. */
#define STORE_SCHEMA_VERSION 12

/* The longest business key; a key is [a-z0-9-], 1 to this many. */
#define STORE_BUSINESS_MAX 40

struct store_params {
	/* a SQLite file, or a PostgreSQL server: a URL (postgresql://user@
	 * host:port/db) or a libpq connection string (host=... dbname=...) */
	const char *database;
	const char *business; /* whose rows the handle sees (store_business_valid) */
	/* PostgreSQL: the password, NULL for libpq's own (~/.pgpass,
	 * PGPASSWORD) or none */
	const char *password;
	int readonly;
	/* SQLite: when the file holds the rows of exactly one business, and
	 * it is not this one, serve that one (the business was not set in
	 * the config, and its derived default changed with the address) */
	int adopt;
};

/* Non-zero when database names a PostgreSQL server (a postgresql:// or
 * postgres:// URL, or a connection string of key=value words) rather
 * than a SQLite file. */
int store_is_server(const char *database);
/* Non-zero when key is a business key: [a-z0-9-], 1 to
 * STORE_BUSINESS_MAX characters. */
int store_business_valid(const char *key);

/*
 * Opens (creating and migrating when needed) the database of p, and
 * writes the statuses of kinds.h into it.  With readonly non-zero the
 * database must exist and nothing is written: one of an older schema is
 * then refused (open it once read-write to migrate it).  Returns 0 and
 * sets *st_r, or -1 with *error_r (caller frees) naming the database.
 */
int store_open(const struct store_params *p, struct store **st_r, char **error_r);
void store_close(struct store *st);
/* Text of the last error, naming the database and the operation and
 * giving the database's message ("/var/lib/refagent/refagent.db: insert
 * message <key>: UNIQUE constraint failed: messages.key").
 * Owned by st; valid until the next call on st.  Never NULL. */
const char *store_error(const struct store *st);
/* The business the handle sees (owned by st). */
const char *store_business(const struct store *st);
/* Non-zero when the database is a server that several agents may share
 * (PostgreSQL): `run` then polls a mailbox only under its lease. */
int store_shared(const struct store *st);

/* BEGIN / COMMIT / ROLLBACK.  BEGIN waits for the business's write lock
 * (SQLite: up to 10 s for another process holding the file's; PostgreSQL:
 * up to 30 s for another agent's transaction of the same business).  0 or
 * -1.  After a failed commit the transaction may still be open: call
 * store_rollback().  store_rollback does nothing when no transaction is
 * open (SQLite may already have rolled back after an error); a failure
 * there is logged.  On PostgreSQL a failed statement spoils the rest of
 * its transaction: roll back after any error. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* ---- the businesses of one database (schema 9) ---- */

/* Every business whose agent opened the database read-write, by key.
 * Sets *keys_r (caller frees each and the array; NULL when none) and
 * *n_r.  0 or -1. */
int store_businesses(struct store *st, char ***keys_r, size_t *n_r);
/* Makes the handle see business key from now on (for
 * `report --all-businesses`).  0, or -1 for a key that is not valid. */
int store_set_business(struct store *st, const char *key);

/* ---- leases: one agent at a time on a mailbox (schema 9) ---- */

/*
 * A lease is a named right held by one holder ("host:pid:start") until
 * it expires, by the database's clock (so agents' clocks may disagree).
 * Each runs in its own short transaction (not inside store_begin).
 *
 * store_lease_acquire takes name for ttl_ms when it is free or expired,
 * or renews it when holder holds it already: 1 held, 0 another holder's
 * live lease (its holder in *other_r when not NULL, caller frees), -1.
 * store_lease_renew extends holder's live lease: 1, or 0 when it expired
 * or was taken (the holder must stop at once), -1.  store_lease_release
 * ends holder's lease now, so another agent takes over at once.  Every
 * tenure (taken, last renewed until, released) is kept in lease_history.
 */
int store_lease_acquire(struct store *st, const char *name, const char *holder, int64_t ttl_ms,
                        char **other_r);
int store_lease_renew(struct store *st, const char *name, const char *holder, int64_t ttl_ms);
int store_lease_release(struct store *st, const char *name, const char *holder);
/*
 * Fences the IMAP checkpoint with a lease: from now on, until called with
 * a NULL name, store_checkpoint_set fails (-1, and store_fenced() is 1)
 * unless holder holds the live lease name when it writes, and renews it
 * for ttl_ms when it does.  A partitioned agent whose lease another took
 * can then commit nothing it fetched, and a long pass over a full
 * mailbox keeps its lease.  Copies both strings.
 */
void store_fence(struct store *st, const char *name, const char *holder, int64_t ttl_ms);
/* 1 when the last store_checkpoint_set failed on the fence. */
int store_fenced(const struct store *st);

/* ---- messages ---- */

struct msg_rec {
	const char *key;       /* Message-ID, or "hash:<16 hex>" / "raw:<16 hex>" */
	const char *direction; /* "in" or "out" */
	const char *kind;      /* intro, form, reply, touch, automated, bounce,
	                          held, ignored, error, ... */
	const char *why;       /* one line, or NULL */
	const char *mailbox;   /* NULL when not from IMAP */
	uint32_t uidvalidity;
	uint32_t uid;
	const char *source; /* file name for `ingest`, or NULL */
	const char *from_email;
	const char *subject;
	int64_t date; /* Date header, 0 when none */
	int64_t at;   /* when processed */
};

/* Looks key up (exact, case-sensitive); sets *id_r when found.  1, 0 or -1. */
int store_message_find(struct store *st, const char *key, int64_t *id_r);
/* Adds a message; sets *id_r (may be NULL) to its id.  0, or -1 when the
 * key is already stored (UNIQUE constraint) or on error.  uidvalidity and
 * uid are stored only when mailbox is set; date 0 is stored as NULL. */
int store_message_add(struct store *st, const struct msg_rec *r, int64_t *id_r);
/* Links a message to a referral; linking twice is not an error.  0 or -1
 * (-1 also when either id does not exist). */
int store_message_link(struct store *st, int64_t message_id, int64_t referral_id);

/*
 * Referrals linked to any stored message whose key is one of keys[0..n).
 * Sets *ids_r (caller frees; NULL when none; oldest referral first, no
 * repeats) and *n_r.  NULL keys are skipped.  0 or -1.
 */
int store_thread_find(struct store *st, const char *const *keys, size_t n, int64_t **ids_r,
                      size_t *n_r);

/* ---- people ---- */

/*
 * The person with this address (case-insensitive), added when missing.
 * name fills an empty stored name, never overwrites one.  email may be NULL
 * for someone known by name only (a new row each time); "" counts as NULL.
 * Sets *id_r (may be NULL).  0 or -1.
 */
int store_person_ensure(struct store *st, const char *email, const char *name, int64_t now,
                        int64_t *id_r);
/* Fills the phone and company of a person when they are empty (NULL args
 * are skipped).  0 (also when no such person) or -1. */
int store_person_fill(struct store *st, int64_t id, const char *phone, const char *company);

/* ---- referrals ---- */

struct referral_rec {
	const char *status;  /* new, held, ... (NULL: new) */
	int64_t referrer_id; /* 0: unknown */
	int64_t lead_id;
	const char *rep_email; /* NULL: none */
	const char *rep_name;
	const char *need;
	const char *budget;
	const char *timeline;
	const char *context;
	const char *subject;
	const char *held_reason; /* for status held */
	const char *thread_key;  /* key of the intro message */
	int has_confidence;      /* 0: no confidence stored (NULL) */
	int confidence;          /* intake's confidence (intake.h) */
	const char *evidence;    /* its evidence, "+3 reason; -2 reason" */
	int64_t at;
};
/* Adds a referral with created_at = updated_at = last_activity_at = r->at;
 * rep_email is stored lower case.  Sets *id_r (may be NULL).  0 or -1
 * (-1 also for an unknown status or a person id that does not exist). */
int store_referral_add(struct store *st, const struct referral_rec *r, int64_t *id_r);

/* The referral that holds the lead with this address (case-insensitive)
 * for its referrer: one whose status has `credit` in kinds.h (new,
 * contacted, qualified, proposal; a held referral takes no credit until an
 * admin releases it), the oldest one when there are several.  Sets *id_r.
 * 1, 0 or -1. */
int store_referral_open_for_lead(struct store *st, const char *lead_email, int64_t *id_r);

/* Marks activity on a referral (last_activity_at = at, never moved back:
 * a late-ingested old message must not make a referral look idle).  0 (also
 * when no such referral) or -1. */
int store_referral_touch(struct store *st, int64_t id, int64_t at);

/*
 * Sets the status of referral id at time at: updated_at = at,
 * last_activity_at as store_referral_touch; closed_at = at when the status
 * is a closed one (kinds.h: won, lost, rejected, expired; kept when it
 * already was closed), NULL when it reopens; value = value when has_value
 * (else unchanged).
 * Writes no event: add one with store_event_add in the same transaction.
 * Returns 1 changed, 0 no such referral, -1 error (also unknown status).
 */
int store_referral_set_status(struct store *st, int64_t id, const char *status, int has_value,
                              double value, int64_t at);
/* Records the rep's first contact with the lead (first_contact_at = at)
 * unless one is recorded already; also updates updated_at and
 * last_activity_at.  Returns 1 set, 0 already set or no such referral,
 * -1 error. */
int store_referral_first_contact(struct store *st, int64_t id, int64_t at);

struct event_rec {
	int64_t referral_id;
	int64_t at;
	const char *actor;      /* address, "agent" or "cli" */
	const char *kind;       /* created, touch, reply, status, note, held, ... */
	const char *old_status; /* NULL unless a status change */
	const char *new_status;
	const char *detail; /* why, one line */
	int64_t message_id; /* 0: none */
};
/* 0 or -1 (-1 also when referral_id or message_id does not exist). */
int store_event_add(struct store *st, const struct event_rec *e);

/* ---- IMAP checkpoint ---- */

/* Returns 1 and the stored position, 0 when the mailbox has none (both
 * outputs 0), or -1. */
int store_checkpoint_get(struct store *st, const char *mailbox, uint32_t *uidvalidity_r,
                         uint32_t *last_uid_r);
/* Stores (replaces) the position of mailbox.  0 or -1. */
int store_checkpoint_set(struct store *st, const char *mailbox, uint32_t uidvalidity,
                         uint32_t last_uid);

/* ---- counters ---- */

/* Returns the counter's value in *value_r (0 when new) and stores value+1.
 * 0 or -1. */
int store_counter_next(struct store *st, const char *name, int64_t *value_r);
/* Reads the counter without changing it (0 when new).  0 or -1. */
int store_counter_peek(struct store *st, const char *name, int64_t *value_r);

/* ---- views for the CLI ---- */

struct person_view {
	char *name;
	char *email;
	char *phone;
	char *company;
};

struct referral_view {
	int64_t id;
	char *status;
	struct person_view referrer;
	struct person_view lead;
	char *rep_name; /* NULL: no rep */
	char *rep_email;
	char *need;
	char *budget;
	char *timeline;
	char *context;
	char *subject;
	char *held_reason;
	int64_t created_at;
	int64_t updated_at;
	int64_t first_contact_at; /* 0: not yet */
	int has_value;
	double value;
	char *thread_key;    /* key of the intro message */
	int64_t referrer_id; /* 0: unknown */
	int64_t lead_id;
	int has_confidence; /* schema 5; 0 for referrals made before it, or by hand */
	int confidence;
	char *evidence;
};

struct event_view {
	int64_t referral_id;
	int64_t at;
	char *actor;
	char *kind;
	char *old_status;
	char *new_status;
	char *detail;
	char *message_key; /* NULL when the event has no message */
};

/* Referrals with this status (NULL: all), newest last.  Sets *v_r (caller
 * frees with store_referral_views_free; NULL when none) and *n_r.  0 or -1.
 * Text fields are NULL where nothing is stored (the referrer is all NULL
 * when unknown). */
int store_referral_list(struct store *st, const char *status, struct referral_view **v_r,
                        size_t *n_r);
/* One referral with its events (oldest first).  Returns 1, 0 or -1.
 * *v_r is zeroed first and filled on 1 (clear it with
 * store_referral_view_clear); *ev_r (caller frees with
 * store_event_views_free; NULL when none) and *nev_r are set on 1.  ev_r
 * and nev_r may be NULL to skip the events. */
int store_referral_get(struct store *st, int64_t id, struct referral_view *v_r,
                       struct event_view **ev_r, size_t *nev_r);
/* These accept NULL. */
void store_referral_view_clear(struct referral_view *v);
/* store_referral_list one row at a time, in the same order: fn gets each
 * view (valid during the call; returns non-zero to stop), and memory does
 * not grow with the rows.  0, fn's non-zero value, or -1. */
int store_referral_each(struct store *st, const char *status,
                        int (*fn)(const struct referral_view *v, void *arg), void *arg);
void store_referral_views_free(struct referral_view *v, size_t n);
void store_event_views_free(struct event_view *v, size_t n);

/* Counts of messages by kind (NULL: all), for the end-of-run summary and
 * tests.  0 or -1. */
int store_message_count(struct store *st, const char *kind, int64_t *n_r);

/* ---- jobs: the mail the agent will send (schema 2) ---- */

struct job_rec {
	int64_t referral_id;   /* 0: none */
	const char *template;  /* one of template_names */
	const char *recipient; /* the To address */
	const char *recipient_name;
	const char *cc;   /* comma-separated addresses, or NULL */
	int seq;          /* e.g. the reminder's number */
	const char *note; /* e.g. "escalated" */
	int64_t due_at;
	const char *message_key; /* the Message-ID it will carry, without <> */
	const char *in_reply_to; /* thread, without <>, or NULL */
	const char *refs;        /* References, space-separated, or NULL */
	int64_t at;              /* created */
};

struct job_view {
	int64_t id;
	int64_t referral_id; /* 0: none */
	char *template;
	char *recipient;
	char *recipient_name;
	char *cc;
	int seq;
	char *note;
	int64_t due_at;
	int64_t next_attempt_at;
	char *state; /* pending, sent, failed, cancelled */
	int attempts;
	char *last_error; /* or the server's reply when sent */
	char *message_key;
	char *in_reply_to;
	char *refs;
	int64_t created_at;
	int64_t done_at; /* 0 while pending */
};

/* Adds a pending job (recipient stored lower case, next attempt at
 * due_at); sets *id_r (may be NULL).  0 or -1. */
int store_job_add(struct store *st, const struct job_rec *j, int64_t *id_r);
/* Adds j[0..n) in as few statements as it can (a new referral's jobs in
 * one: intake makes up to four).  Each row's created_at is j[0].at.
 * 0 or -1. */
int store_jobs_add(struct store *st, const struct job_rec *j, size_t n);

/* Pending jobs due at now (next attempt <= now, not claimed by a live
 * lease), earliest first, at most limit.  Uses the partial index on
 * pending jobs: its cost does not grow with sent ones. */
int store_jobs_due(struct store *st, int64_t now, size_t limit, struct job_view **v_r, size_t *n_r);
/* The earliest next attempt of a pending job; returns 1 and sets *at_r,
 * 0 when nothing is pending, -1 on error. */
int store_jobs_next_due(struct store *st, int64_t *at_r);

/*
 * Takes job id for owner until `until` (a lease): returns 1 when this
 * caller now holds it, 0 when it is no longer pending or another live
 * lease holds it.  Run it in its own short transaction; two agents on one
 * database can then never both hold a job.
 */
int store_job_claim(struct store *st, int64_t id, const char *owner, int64_t now, int64_t until);
/*
 * Takes the earliest job due at now that no live lease holds, for owner
 * until `until`, and fills *v with it (clear it with
 * store_job_view_clear): 1, 0 when none is due, -1.  One statement, in
 * its own transaction (not inside store_begin): on PostgreSQL the due
 * jobs are read FOR UPDATE SKIP LOCKED, so agents claiming at the same
 * moment take different jobs without waiting for each other.
 */
int store_job_claim_next(struct store *st, int64_t now, const char *owner, int64_t until,
                         struct job_view *v);
/* pending -> sent, reply = the server's answer. */
int store_job_sent(struct store *st, int64_t id, int64_t at, const char *reply);
/* Stays pending, next attempt at next_at, lease released; counted as an
 * attempt when count_attempt (a postponement, e.g. by the daily cap, is
 * not). */
int store_job_retry(struct store *st, int64_t id, int64_t next_at, const char *error,
                    int count_attempt);
/* pending -> failed or cancelled (state), with why. */
int store_job_finish(struct store *st, int64_t id, const char *state, int64_t at, const char *why,
                     int count_attempt);
/* Cancels the pending jobs of a referral (of one template, or all when
 * template is NULL); *n_r = how many. */
int store_jobs_cancel_referral(struct store *st, int64_t referral_id, const char *template,
                               int64_t at, const char *why, int *n_r);
/* Cancels the pending mails of referral_id that ask the rep for a "yes"
 * to a status line or a first contact (confirm-status, refused-rep with
 * an action), not to a #note. */
int store_jobs_cancel_confirms(struct store *st, int64_t referral_id, int64_t at, const char *why);
/* Cancels every pending job to recipient. */
int store_jobs_cancel_recipient(struct store *st, const char *recipient, int64_t at,
                                const char *why, int *n_r);
/* All jobs (state NULL) or those in one state, oldest first. */
int store_jobs_list(struct store *st, const char *state, struct job_view **v_r, size_t *n_r);
/* The pending jobs of one referral and template, oldest first (by their
 * index: a few rows, however many jobs wait). */
int store_jobs_pending_of(struct store *st, int64_t referral_id, const char *template,
                          struct job_view **v_r, size_t *n_r);
/* One job: 1, 0 or -1. */
int store_job_get(struct store *st, int64_t id, struct job_view *v_r);
void store_job_view_clear(struct job_view *v);
/* store_jobs_list one row at a time (see store_referral_each). */
int store_jobs_each(struct store *st, const char *state,
                    int (*fn)(const struct job_view *v, void *arg), void *arg);
void store_job_views_free(struct job_view *v, size_t n);

/* Mails sent to recipient after since: *n_r, and the time of the earliest
 * of them in *first_r (0 when none). */
int store_sent_since(struct store *st, const char *recipient, int64_t since, int64_t *n_r,
                     int64_t *first_r);

/* What a person asked of the agent's mail.  Returns 1 and fills *f for a
 * known address, 0 for an unknown or empty one (all zero), -1 on error. */
struct person_flags {
	int64_t id;
	int64_t opted_out_at; /* 0: not opted out */
	int64_t bouncing_at;  /* 0: not bouncing */
	char *token;          /* List-Unsubscribe token, NULL until made; caller frees */
};
int store_person_flags(struct store *st, const char *email, struct person_flags *f);
/* Sets a person's token when they have none yet (a no-op otherwise). */
int store_person_set_token(struct store *st, int64_t id, const char *token);

/* Referrers due a check-in: with an address, not opted out or bouncing,
 * who made a referral at or after active_since, and whose last check-in
 * (or first referral) is at or before due_before.  At most limit; ids and
 * addresses into the arrays (caller frees with store_people_free). */
struct person_ref {
	int64_t id;
	char *email;
	char *name;
};
int store_checkins_due(struct store *st, int64_t active_since, int64_t due_before, size_t limit,
                       struct person_ref **v_r, size_t *n_r);
void store_people_free(struct person_ref *v, size_t n);
int store_person_set_checkin(struct store *st, int64_t id, int64_t at);

/* Records that email wants no more automated mail (source: how it was
 * said, e.g. "reply stop to job 12"); the first opt-out's date is kept.
 * *changed_r (may be NULL) is 1 when this call opted them out.  The
 * person is added when unknown; a NULL or empty email does nothing. */
int store_person_opt_out(struct store *st, const char *email, int64_t at, const char *source,
                         int *changed_r);
/* Records that mail to email bounces, with the report's reason. */
int store_person_bouncing(struct store *st, const char *email, int64_t at, const char *reason);

/* ---- replies that move referrals (schema 3) ---- */

/* A message the agent sent with this key: 1 (and its referral, 0 when
 * none, in *referral_r), 0 not one of ours, -1. */
int store_sent_message_find(struct store *st, const char *key, int64_t *referral_r);
/* The same, giving the mail it was (its messages.kind: the template name,
 * e.g. "review-admin") in *kind_r (caller frees; NULL unless 1). */
int store_sent_message_kind(struct store *st, const char *key, char **kind_r);

/* A message as stored (not its text: the agent keeps none); for the
 * admin's review and export-person. */
struct message_view {
	int64_t id;
	char *key;
	char *direction; /* in, out */
	char *kind;
	char *why;
	char *mailbox; /* NULL when not from IMAP */
	int64_t uid;
	char *source; /* the file `ingest` read it from */
	char *from_email;
	char *subject;
	int64_t date; /* its Date header, 0: none */
	int64_t at;   /* when processed */
};
/* Message id: 1 (fills *v; clear it with store_message_view_clear), 0
 * none, -1 error. */
int store_message_get(struct store *st, int64_t id, struct message_view *v);
void store_message_view_clear(struct message_view *v);

/* The address of the person with this List-Unsubscribe token: 1 and
 * *email_r (caller frees), 0 unknown, -1 error. */
int store_person_by_token(struct store *st, const char *token, char **email_r);
/* Moves a referral's credit to another person (the event is the
 * caller's). */
int store_referral_set_referrer(struct store *st, int64_t id, int64_t person_id, int64_t at);
/* Exchanges a referral's referrer and lead (the admin's "swap": the mail
 * was read the wrong way round): 1 done, 0 when it has no referrer or no
 * such referral, -1 error. */
int store_referral_swap_roles(struct store *st, int64_t id, int64_t at);
/* Gives referral id to the rep rep_email (lower case) called rep_name,
 * both kept together so that mail never names one rep at another's
 * address: 1 done, 0 no such referral, -1 error. */
int store_referral_set_rep(struct store *st, int64_t id, const char *rep_email,
                           const char *rep_name, int64_t at);
/* Open referrals with no activity since before, oldest first. */
int store_referrals_stale(struct store *st, int64_t before, size_t limit, int64_t **ids_r,
                          size_t *n_r);
/* The referrals credited to the referrer with this address, oldest
 * first (none for a NULL or empty address); free with
 * store_referral_views_free. */
int store_referrals_of_referrer(struct store *st, const char *email, struct referral_view **v_r,
                                size_t *n_r);
/* The referrals (any status) whose lead has this address, likewise. */
int store_referrals_of_lead(struct store *st, const char *email, struct referral_view **v_r,
                            size_t *n_r);

struct reward_view {
	int64_t id;
	int64_t referral_id;
	double amount;
	char *rule;  /* how it was computed, e.g. "10% of 12000.00" */
	char *state; /* owed, paid */
	int64_t created_at;
	int64_t paid_at; /* 0: not yet */
	struct person_view referrer;
	struct person_view lead;
};
/* One reward per referral (a second add for it fails). */
int store_reward_add(struct store *st, int64_t referral_id, int64_t referrer_id, double amount,
                     const char *rule, int64_t at, int64_t *id_r);
/* Whether referral_id has its reward recorded: 1, 0, or -1. */
int store_reward_of_referral(struct store *st, int64_t referral_id);
int store_rewards_list(struct store *st, struct reward_view **v_r, size_t *n_r);
void store_reward_views_free(struct reward_view *v, size_t n);
/* owed -> paid: 1 done, 0 no such owed reward. */
int store_reward_pay(struct store *st, int64_t id, int64_t at);
/* The owed reward of referral referral_id becomes amount, by rule: 1
 * changed, 0 when it has none owed or has that amount already. */
int store_reward_correct(struct store *st, int64_t referral_id, double amount, const char *rule);

/* Whether a confirm-status to rep about the same line (command, arg) of
 * referral_id waits to be sent: 1 yes, 0 no, -1 error. */
int store_confirmation_waiting(struct store *st, int64_t referral_id, const char *rep,
                               const char *command, const char *arg);
/* A status line waiting for the rep's "yes" (no trusted
 * Authentication-Results): message_key is the confirmation mail's id. */
struct confirmation_view {
	int64_t id;
	int64_t referral_id;
	char *rep;
	char *command;
	char *arg;
	char *state; /* pending, applied, declined */
};
int store_confirmation_add(struct store *st, int64_t referral_id, const char *rep,
                           const char *command, const char *arg, const char *message_key,
                           int64_t at);
/* The confirmation whose mail has this key: 1 (fills *c; clear it with
 * store_confirmation_clear), 0 none, -1 error. */
int store_confirmation_find(struct store *st, const char *key, struct confirmation_view *c);
void store_confirmation_clear(struct confirmation_view *c);
/* pending -> applied or declined: 1 done, 0 it was not pending. */
int store_confirmation_done(struct store *st, int64_t id, const char *state, int64_t at);

/* ---- the admin's review (schema 5) ---- */

/* Something waiting for the admin: a held referral, or an incoming
 * message that named someone the agent cannot reach.  Exactly one id is
 * set. */
struct review_item {
	int64_t referral_id;
	int64_t message_id;
	int64_t at; /* when it came in */
};
/* Items no review mail has listed yet: referrals whose status is
 * held_status and incoming messages of kind msg_kind, oldest first, at
 * most limit.  Sets *v_r (caller frees; NULL when none) and *n_r.  0 or
 * -1. */
int store_reviews_new(struct store *st, const char *held_status, const char *msg_kind, size_t limit,
                      struct review_item **v_r, size_t *n_r);
/* Records that item it was listed by the review mail whose Message-ID is
 * mail_key (NULL: there was nobody to tell, the item was only logged), at
 * time at.  0, or -1 (also when it was listed before). */
int store_review_listed(struct store *st, const struct review_item *it, const char *mail_key,
                        int64_t at);
/* When the last review mail was made: 1 and *at_r, 0 when none, -1. */
int store_review_last(struct store *st, int64_t *at_r);
/* The referrals with status held_status that a review mail has listed,
 * oldest first (what "release all" means).  Sets *ids_r (caller frees)
 * and *n_r.  0 or -1. */
int store_reviews_listed_held(struct store *st, const char *held_status, int64_t **ids_r,
                              size_t *n_r);

/* ---- spreadsheets (schema 6) ---- */

/* The person known by name only (no address) called name, compared
 * case-insensitively; the oldest when there are several.  Forgotten
 * people are never found.  1 (and *id_r), 0 none, -1 error. */
int store_person_find_named(struct store *st, const char *name, int64_t *id_r);

/* The referral an import made from the row with this key: 1 (and *id_r),
 * 0 none, -1 error. */
int store_import_find(struct store *st, const char *key, int64_t *id_r);
/* Records that referral id came from row `row` of source (a file name)
 * under key.  0, or -1 (also when the key is taken). */
int store_import_add(struct store *st, const char *key, int64_t id, const char *source,
                     unsigned row, int64_t at);
/* A referral of lead_id by referrer_id (0: none) made at exactly `at`,
 * the same referral exported and imported again: 1 (and *id_r), 0, -1. */
int store_referral_find_same(struct store *st, int64_t lead_id, int64_t referrer_id, int64_t at,
                             int64_t *id_r);

/* ---- people's data (schema 6) ---- */

/* A person as stored: every column that is about them. */
struct person_record {
	int64_t id;
	char *name, *email, *phone, *company;
	int64_t created_at;
	int64_t opted_out_at; /* 0: not */
	char *opt_out_source;
	int64_t bouncing_at; /* 0: not */
	char *bounce_reason;
	int64_t checkin_at;   /* their last check-in mail, 0: none */
	int64_t forgotten_at; /* 0: not forgotten */
};

/* All that is held about the person with one address. */
struct person_export {
	int found;                       /* a person row has the address */
	struct person_record person;     /* when found */
	struct referral_view *referrals; /* theirs, as lead or as referrer */
	size_t nreferrals;
	struct event_view *events; /* of those referrals, and any other
	                              event naming the address */
	size_t nevents;
	struct message_view *messages; /* from the address */
	size_t nmessages;
	struct job_view *jobs; /* mail to the address (To or Cc) */
	size_t njobs;
	struct reward_view *rewards; /* owed or paid to them */
	size_t nrewards;
	int64_t optout_kept; /* the address opted out and was forgotten: when */
};

/* Fills *x (zeroed first; clear it with store_person_export_clear) with
 * everything stored about email.  0 or -1. */
int store_person_export(struct store *st, const char *email, struct person_export *x);
void store_person_export_clear(struct person_export *x);

/* What store_person_forget changed. */
struct forget_counts {
	int people;    /* person rows made anonymous (0 or 1) */
	int referrals; /* referrals whose text about them was erased */
	int messages;  /* message rows whose sender and subject were erased */
	int jobs;      /* pending mail to them cancelled */
	int scrubbed;  /* other rows where the address (or, on their own
	                  records, their name or phone) was replaced */
	int optout;    /* their opt-out is kept, as a hash */
};

/*
 * Erases the person with this address, in the caller's transaction: their
 * name, address, phone and company; the text of their referrals (as lead:
 * context, subject, need, budget, timeline; as referrer: the context and
 * subject of the mail they wrote); the sender and subject of their
 * messages and of the messages of their referrals as lead; their pending
 * mail (cancelled); and every other mention of the address in any stored
 * text (and of their name and phone on their own records), replaced by
 * "(forgotten)".  Counts stay: the referrals, their statuses, values and
 * dates, events, message and job rows and rewards remain, tied to an
 * anonymous person, and each referral gets a "forgotten" event.  If they
 * had opted out, a hash of the address is kept in optouts so a new
 * introduction of them is opted out at once.
 * Run store_secure_delete(st, 1) before the transaction and
 * store_compact() after it, or the old text stays in free pages and the
 * write-ahead log.  0 or -1.
 */
int store_person_forget(struct store *st, const char *email, int64_t now, struct forget_counts *c);

/* SQLite: PRAGMA secure_delete for this connection: deleted content is
 * overwritten with zeros.  PostgreSQL: nothing (see store_compact).
 * Outside a transaction.  0 or -1. */
int store_secure_delete(struct store *st, int on);

/* SQLite: rewrites the database file without free pages (VACUUM) and
 * empties the write-ahead log into it (wal_checkpoint(TRUNCATE)), so
 * nothing deleted survives in either file.  Returns 0, 1 when another
 * process's reader kept the log from being emptied (the old pages are
 * still in it until a later checkpoint), or -1.
 * PostgreSQL: VACUUM of the tables forget rewrites, which frees the old
 * row versions for reuse; the server's write-ahead log, its archive and
 * backups keep them as long as the server's administrator keeps those.
 * 0 or -1.  Outside a transaction. */
int store_compact(struct store *st);

/* ---- figures for the report (report.h computes the report) ---- */

/* The referrals made in a stretch of time, by status and rep (lower
 * case, "" for none): how many, how many have a first contact, and the
 * sum of their delays to it (seconds). */
struct report_tally {
	const char *status;
	const char *rep;
	int64_t n, contacted, delay_sum;
};
typedef void store_tally_fn(void *ctx, const struct report_tally *t);
/* Those made from `from` to `to` (excluded): from the running totals
 * when both are the start of an hour (store_report_hour), else from the
 * referrals themselves, by an index of the time made (meant for less
 * than an hour). */
int store_report_made(struct store *st, int64_t from, int64_t to, store_tally_fn *fn, void *ctx);
/* The start of the hour t is in (the running totals' unit). */
int64_t store_report_hour(int64_t t);

/* Every rep the business's referrals name (lower case) with the first
 * referral (lowest id) of theirs that the report reads: made or closed
 * at or after since, or new or held now; reps without one are left out.
 * In no particular order. */
typedef void store_rep_fn(void *ctx, const char *rep, int64_t first_id, const char *name);
int store_report_reps(struct store *st, int64_t since, store_rep_fn *fn, void *ctx);

/* The referrals in status made from `from` to `to` (excluded) that have
 * no first contact, by rep (lower case, "" for none): from the running
 * totals, as store_report_made. */
typedef void store_unreached_fn(void *ctx, const char *rep, int64_t n);
int store_report_unreached(struct store *st, const char *status, int64_t from, int64_t to,
                           store_unreached_fn *fn, void *ctx);
/* How many referrals are held now: 0 (*n_r) or -1. */
int store_report_held(struct store *st, int64_t *n_r);

/* One referral as the report sees it; strings valid during the call. */
struct report_row {
	int64_t created_at;
	int64_t first_contact_at; /* 0: none yet */
	int64_t closed_at;        /* 0: open */
	double value;             /* 0 when none */
	const char *rep_email;    /* NULL: no rep */
};
typedef void store_row_fn(void *ctx, const struct report_row *row);
/* The won referrals made or closed (0 when not known) from since to
 * until, in id order. */
int store_report_won(struct store *st, int64_t since, int64_t until, store_row_fn *fn, void *ctx);

/* Up to n delays to the first contact (seconds) of the referrals made
 * from since to until (of rep, lower case; NULL: of all) into v, in
 * order from the smallest (desc: the largest), after the k first:
 * how many, or -1. */
int store_report_delays(struct store *st, const char *rep, int64_t since, int64_t until, int desc,
                        int64_t k, int64_t n, int64_t *v);

/* How many referrals have a first contact, whenever made: 0 (*n_r) or
 * -1. */
int store_report_contacted(struct store *st, int64_t *n_r);
/* Every delay to the first contact (seconds) of the referrals made from
 * since to until, with the referral's rep (NULL: none), in no order. */
typedef void store_contact_fn(void *ctx, const char *rep, int64_t delay);
int store_report_contacts(struct store *st, int64_t since, int64_t until, store_contact_fn *fn,
                          void *ctx);

/* The referrers by the most they could count in any window: their
 * referrals (n) and how many of those are closed (a won one is), most
 * first, then by id; up to limit of them.  fn returns nonzero to stop. */
typedef int store_bound_fn(void *ctx, int64_t referrer_id, int64_t n, int64_t closed);
int store_report_top_bounds(struct store *st, int64_t limit, store_bound_fn *fn, void *ctx);
/* One referrer's referrals made at or after since: the referrer's name
 * and address, each referral's status and value, by status.  Strings
 * valid during the call. */
struct referrer_row {
	const char *name;
	const char *email;
	const char *status;
	int has_value;
	double value;
};
typedef void store_referrer_fn(void *ctx, const struct referrer_row *row);
int store_report_referrer(struct store *st, int64_t referrer_id, int64_t since,
                          store_referrer_fn *fn, void *ctx);

/* The whole reward ledger by referrer (0: unknown) and state (owed,
 * paid): how many and their sum. */
typedef void store_reward_fn(void *ctx, int64_t referrer_id, const char *state, int64_t n,
                             double amount);
int store_report_rewards(struct store *st, store_reward_fn *fn, void *ctx);

/* Mails of one template sent from since to until about referrals, by the
 * referral's rep (NULL: none) and the recipient: how many.  For the
 * reminders a rep got and the ones that went to the admin instead. */
typedef void store_sent_fn(void *ctx, const char *rep_email, const char *recipient, int64_t n);
int store_report_sent(struct store *st, const char *template, int64_t since, int64_t until,
                      store_sent_fn *fn, void *ctx);

/* ---- digests and periodic mail (schema 5) ---- */

/* Marks referral id as waiting for its rep's daily digest (since at).
 * 0 or -1. */
int store_digest_due(struct store *st, int64_t id, int64_t at);
/* The referrals waiting for the digest of the rep with this address,
 * oldest first; free with store_referral_views_free.  0 or -1. */
int store_digest_waiting(struct store *st, const char *rep_email, struct referral_view **v_r,
                         size_t *n_r);
/* Referral id no longer waits for a digest.  0 or -1. */
int store_digest_done(struct store *st, int64_t id);
/* When the last job of template (about no single referral: a digest, a
 * weekly summary) was made for recipient, in any state: 1 and *at_r, 0
 * none, -1 error. */
int store_job_last(struct store *st, const char *template, const char *recipient, int64_t *at_r);
/* Whether another referral made by the same message as referral id has a
 * job of template to recipient that was not cancelled (the referrer of an
 * intro of several leads, thanked once): 1 yes, 0 no, -1 error. */
int store_source_has_job(struct store *st, int64_t id, const char *template, const char *recipient);
/* Whether mail about referral id was sent to recipient (as its To): 1 yes,
 * 0 no, -1 error.  With key, whether the mail with that Message-ID was: a
 * delivery report quoting one mail is about that mail's recipient only
 * (a Cc is a rep, whose bounce the caller handles apart). */
int store_sent_to(struct store *st, int64_t id, const char *recipient, const char *key);
/* One reward with its referrer and lead: 1 (fills *v; clear it with
 * store_reward_view_clear), 0 no such reward, -1 error. */
int store_reward_get(struct store *st, int64_t id, struct reward_view *v);
void store_reward_view_clear(struct reward_view *v);

#endif
