/*
 * store_msg.c - messages and the threads they make, the IMAP checkpoint
 * and the leases that keep a mailbox to one agent, and the named counters
 * (see store.h; the SQL is in store_sql.c).
 *
 * Intake calls these for every message, so each is one cached statement
 * and, for a thread, one index probe per key.
 */
#include "store_p.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int store_message_find(struct store *st, const char *key, int64_t *id_r)
{
	struct q q;
	int found = sql_query(&q, st, ST_MESSAGE_FIND, BINDS(B_TEXT(":key", key)));

	if (found > 0 && id_r)
		*id_r = col_int(&q, "id");
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "find message " ERR_ARG, key ? key : "(null)");
	return found;
}

int store_message_add(struct store *st, const struct msg_rec *r, int64_t *id_r)
{
	/* UIDs mean nothing without the mailbox they came from. */
	if (sql_exec(st, ST_MESSAGE_ADD,
	             BINDS(B_TEXT(":key", r->key), B_TEXT(":direction", r->direction),
	                   B_TEXT(":kind", r->kind), B_TEXT(":why", r->why),
	                   B_TEXT(":mailbox", r->mailbox),
	                   r->mailbox ? B_INT(":uidvalidity", r->uidvalidity)
	                              : B_NULL(":uidvalidity"),
	                   r->mailbox ? B_INT(":uid", r->uid) : B_NULL(":uid"),
	                   B_TEXT(":source", r->source), B_TEXT(":from_email", r->from_email),
	                   B_TEXT(":subject", r->subject), B_ID(":date", r->date),
	                   B_INT(":at", r->at))) < 0)
		return store_failed(st, "insert message " ERR_ARG, r->key ? r->key : "(null)");
	if (id_r)
		*id_r = sql_last_id(st);
	return 0;
}

int store_message_link(struct store *st, int64_t message_id, int64_t referral_id)
{
	if (sql_exec(st, ST_MESSAGE_LINK,
	             BINDS(B_INT(":message_id", message_id), B_INT(":referral_id", referral_id))) <
	    0)
		return store_failed(st, "link message %lld to referral %lld", (long long)message_id,
		                    (long long)referral_id);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One key at a time through one cached statement: each lookup is two
 * index probes, so 100 keys cost well under a millisecond, and there is
 * no SQL to build per call. */
int store_thread_find(struct store *st, const char *const *keys, size_t n, int64_t **ids_r,
                      size_t *n_r)
{
	int64_t *ids = NULL;
	size_t len = 0, cap = 0, out = 0;

	*ids_r = NULL;
	*n_r = 0;
	for (size_t i = 0; i < n; i++) {
		struct q q;
		int rc;

		if (keys[i] == NULL)
			continue;
		for (rc = sql_query(&q, st, ST_THREAD_FIND, BINDS(B_TEXT(":key", keys[i]))); rc > 0;
		     rc = sql_next(&q)) {
			ids = xgrow(ids, &cap, len + 1, sizeof(*ids));
			ids[len++] = col_int(&q, "referral_id");
		}
		sql_end(&q);
		if (rc < 0) {
			free(ids);
			return store_failed(st, "find thread of " ERR_ARG, keys[i]);
		}
	}
	if (len == 0)
		return 0;
	qsort(ids, len, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < len; i++)
		if (out == 0 || ids[out - 1] != ids[i])
			ids[out++] = ids[i];
	*ids_r = ids;
	*n_r = out;
	return 0;
}

int store_message_count(struct store *st, const char *kind, int64_t *n_r)
{
	struct q q;
	int rc = kind ? sql_query(&q, st, ST_MESSAGE_COUNT, BINDS(B_TEXT(":kind", kind)))
	              : sql_query(&q, st, ST_MESSAGE_COUNT_ALL, NULL);

	*n_r = rc > 0 ? col_int(&q, "n") : 0;
	sql_end(&q);
	if (rc <= 0)
		return store_failed(st, "count messages of kind %s", kind ? kind : "(any)");
	return 0;
}

/* A message the agent sent under key: its referral and its kind (either
 * output may be NULL).  1, 0 or -1. */
static int sent_message(struct store *st, const char *key, int64_t *referral_r, char **kind_r)
{
	struct q q;
	int found = sql_query(&q, st, ST_MESSAGE_FIND_OUT, BINDS(B_TEXT(":key", key)));

	if (referral_r)
		*referral_r = found > 0 ? col_int(&q, "referral_id") : 0;
	if (kind_r)
		*kind_r = found > 0 ? col_text(&q, "kind") : NULL;
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "find sent message " ERR_ARG, key ? key : "(null)");
	return found;
}

int store_sent_message_find(struct store *st, const char *key, int64_t *referral_r)
{
	return sent_message(st, key, referral_r, NULL);
}

int store_sent_message_kind(struct store *st, const char *key, char **kind_r)
{
	return sent_message(st, key, NULL, kind_r);
}

void message_fill(struct q *q, void *item)
{
	col_fill(q, &message_columns, item);
}

void messages_drop(void *v, size_t n)
{
	struct message_view *m = v;

	for (size_t i = 0; m && i < n; i++)
		store_message_view_clear(&m[i]);
	free(m);
}

int store_message_get(struct store *st, int64_t id, struct message_view *v)
{
	int found =
	        sql_row(st, ST_MESSAGE_GET, BINDS(B_INT(":id", id)), v, sizeof(*v), message_fill);

	return found < 0 ? store_failed(st, "get message %lld", (long long)id) : found;
}

void store_message_view_clear(struct message_view *v)
{
	col_clear(&message_columns, v);
}

/* ---- IMAP checkpoint ---- */

int store_checkpoint_get(struct store *st, const char *mailbox, uint32_t *uidvalidity_r,
                         uint32_t *last_uid_r)
{
	struct q q;
	int found = sql_query(&q, st, ST_CHECKPOINT_GET, BINDS(B_TEXT(":mailbox", mailbox)));

	*uidvalidity_r = found > 0 ? (uint32_t)col_int(&q, "uidvalidity") : 0;
	*last_uid_r = found > 0 ? (uint32_t)col_int(&q, "last_uid") : 0;
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "read checkpoint of " ERR_ARG,
		                    mailbox ? mailbox : "(null)");
	return found;
}

int store_checkpoint_set(struct store *st, const char *mailbox, uint32_t uidvalidity,
                         uint32_t last_uid)
{
	st->fenced = 0;
	/* the fence: the holder's live lease, renewed by the write (a long
	 * pass keeps it), or no checkpoint */
	if (st->fence_name) {
		int n = sql_exec(st, ST_LEASE_RENEW,
		                 BINDS(B_TEXT(":name", st->fence_name),
		                       B_TEXT(":holder", st->fence_holder),
		                       B_INT(":ttl", st->fence_ttl)));

		if (n == 0) {
			st->fenced = 1;
			store_keep_error(st, NULL,
			                 "this agent no longer holds the mailbox's lease");
		}
		if (n > 0)
			n = sql_exec(st, ST_LEASE_RENEWED,
			             BINDS(B_TEXT(":name", st->fence_name),
			                   B_TEXT(":holder", st->fence_holder),
			                   B_INT(":ttl", st->fence_ttl)));
		if (n <= 0)
			return store_failed(st, "write checkpoint of " ERR_ARG,
			                    mailbox ? mailbox : "(null)");
	}
	if (sql_exec(st, ST_CHECKPOINT_SET,
	             BINDS(B_TEXT(":mailbox", mailbox), B_INT(":uidvalidity", uidvalidity),
	                   B_INT(":last_uid", last_uid))) < 0)
		return store_failed(st, "write checkpoint of " ERR_ARG,
		                    mailbox ? mailbox : "(null)");
	return 0;
}

/* ---- leases (see store.h) ---- */

void store_fence(struct store *st, const char *name, const char *holder, int64_t ttl_ms)
{
	free(st->fence_name);
	free(st->fence_holder);
	st->fence_name = name ? xstrdup(name) : NULL;
	st->fence_holder = name ? xstrdup(holder) : NULL;
	st->fence_ttl = ttl_ms;
	st->fenced = 0;
}

int store_fenced(const struct store *st)
{
	return st->fenced;
}

/* Runs the lease statement id and its line of the history (hist), in one
 * transaction of their own: 1 when id changed the lease, 0 when not, -1. */
static int lease_step(struct store *st, enum stmt_id id, enum stmt_id hist, const char *name,
                      const char *holder, int64_t ttl_ms, const char *what)
{
	int n;

	if (store_begin(st) != 0)
		return -1;
	n = id == ST_LEASE_RELEASE
	            ? sql_exec(st, id, BINDS(B_TEXT(":name", name), B_TEXT(":holder", holder)))
	            : sql_exec(st, id,
	                       BINDS(B_TEXT(":name", name), B_TEXT(":holder", holder),
	                             B_INT(":ttl", ttl_ms)));
	if (n > 0)
		n = hist == ST_LEASE_RELEASED
		            ? sql_exec(st, hist,
		                       BINDS(B_TEXT(":name", name), B_TEXT(":holder", holder)))
		            : sql_exec(st, hist,
		                       BINDS(B_TEXT(":name", name), B_TEXT(":holder", holder),
		                             B_INT(":ttl", ttl_ms)));
	if (n < 0 || store_commit(st) != 0) {
		if (n < 0)
			store_failed(st, "%s " ERR_ARG, what, name);
		store_rollback(st);
		return -1;
	}
	return n > 0;
}

int store_lease_acquire(struct store *st, const char *name, const char *holder, int64_t ttl_ms,
                        char **other_r)
{
	struct q q;
	int rc = store_lease_renew(st, name, holder, ttl_ms);

	if (other_r)
		*other_r = NULL;
	if (rc != 0)
		return rc;
	rc = lease_step(st, ST_LEASE_TAKE, ST_LEASE_TOOK, name, holder, ttl_ms, "take lease");
	if (rc != 0 || other_r == NULL)
		return rc;
	rc = sql_query(&q, st, ST_LEASE_HOLDER, BINDS(B_TEXT(":name", name)));
	if (rc > 0)
		*other_r = col_text(&q, "holder");
	sql_end(&q);
	return rc < 0 ? store_failed(st, "read lease " ERR_ARG, name) : 0;
}

int store_lease_renew(struct store *st, const char *name, const char *holder, int64_t ttl_ms)
{
	return lease_step(st, ST_LEASE_RENEW, ST_LEASE_RENEWED, name, holder, ttl_ms,
	                  "renew lease");
}

int store_lease_release(struct store *st, const char *name, const char *holder)
{
	return lease_step(st, ST_LEASE_RELEASE, ST_LEASE_RELEASED, name, holder, 0,
	                  "release lease") < 0
	               ? -1
	               : 0;
}

/* ---- counters ---- */

/* The value of counter name kept for this transaction: 1, or 0 (none). */
static int counter_kept(struct store *st, const char *name, int64_t *value_r)
{
	if (st->counter_name == NULL || name == NULL || strcmp(st->counter_name, name) != 0 ||
	    !sql_in_transaction(st))
		return 0;
	*value_r = st->counter_value;
	return 1;
}

/* Keeps value for counter name until the transaction ends: no other
 * writer changes it while this one holds the lock. */
static void counter_keep(struct store *st, const char *name, int64_t value)
{
	if (name == NULL || !st->counter_locked || !sql_in_transaction(st)) {
		sql_forget_counter(st);
		return;
	}
	if (st->counter_name == NULL || strcmp(st->counter_name, name) != 0) {
		free(st->counter_name);
		st->counter_name = xstrdup(name);
	}
	st->counter_value = value;
}

int store_counter_peek(struct store *st, const char *name, int64_t *value_r)
{
	struct q q;
	int found;

	if (counter_kept(st, name, value_r))
		return 0;
	found = sql_query(&q, st, ST_COUNTER_PEEK, BINDS(B_TEXT(":name", name)));
	*value_r = found > 0 ? col_int(&q, "value") : 0;
	sql_end(&q);
	if (found < 0) {
		sql_forget_counter(st);
		return store_failed(st, "counter peek %s", name ? name : "(null)");
	}
	counter_keep(st, name, *value_r);
	return 0;
}

/*
 * A read and then an upsert, not one upsert ... RETURNING: RETURNING fills
 * a temporary table on every call, which made this the costliest step of
 * intake; the pair costs a third.  Both run in one write transaction (the
 * caller's, or one of our own) so no other writer gets between them.
 */
int store_counter_next(struct store *st, const char *name, int64_t *value_r)
{
	int own = !sql_in_transaction(st);

	if (own && store_begin(st) != 0)
		return -1;
	if (store_counter_peek(st, name, value_r) != 0)
		goto fail;
	if (sql_exec(st, ST_COUNTER_BUMP, BINDS(B_TEXT(":name", name))) < 0) {
		sql_forget_counter(st);
		store_failed(st, "counter next %s", name ? name : "(null)");
		goto fail;
	}
	/* the bump made it *value_r + 1 (1 for a new one: peek gave 0) */
	counter_keep(st, name, *value_r + 1);
	if (own && store_commit(st) != 0)
		goto fail;
	return 0;
fail:
	if (own)
		store_rollback(st);
	*value_r = 0;
	return -1;
}
