/*
 * store_jobs.c - the mail the agent will send (jobs), the leases that keep
 * two agents from sending one job twice, and the status lines waiting for
 * a rep's confirmation (see store.h; the SQL is in store_sql.c).
 *
 * A job leaves `pending` once, for sent, failed or cancelled: every UPDATE
 * here is guarded by state = 'pending', so a late retry can never revive a
 * sent job.
 */
#include "store_p.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int store_job_add(struct store *st, const struct job_rec *j, int64_t *id_r)
{
	char *to = email_norm(j->recipient);
	int rc = sql_exec(st, ST_JOB_ADD,
	                  BINDS(B_ID(":referral_id", j->referral_id),
	                        B_TEXT(":template", j->template), B_TEXT(":recipient", to),
	                        B_TEXT(":recipient_name", j->recipient_name), B_TEXT(":cc", j->cc),
	                        B_INT(":seq", j->seq), B_TEXT(":note", j->note),
	                        B_INT(":due_at", j->due_at), B_TEXT(":message_key", j->message_key),
	                        B_TEXT(":in_reply_to", j->in_reply_to), B_TEXT(":refs", j->refs),
	                        B_INT(":at", j->at)));

	if (rc < 0)
		store_failed(st, "add job %s to " ERR_ARG, j->template ? j->template : "(null)",
		             to ? to : "(null)");
	else if (id_r)
		*id_r = sql_last_id(st);
	free(to);
	return rc < 0 ? -1 : 0;
}

int store_jobs_add(struct store *st, const struct job_rec *j, size_t n)
{
	static const char *const names[JOBS_ADD_MAX][11] = {JOB_PARAM_NAMES(1), JOB_PARAM_NAMES(2),
	                                                    JOB_PARAM_NAMES(3), JOB_PARAM_NAMES(4)};
	static const enum stmt_id ids[JOBS_ADD_MAX + 1] = {0, ST_JOB_ADD, ST_JOBS_ADD2,
	                                                   ST_JOBS_ADD3, ST_JOBS_ADD4};
	struct bind b[JOBS_ADD_MAX * 11 + 2];
	char *to[JOBS_ADD_MAX];
	size_t k = 0, done = 0;
	int rc = 0;

	while (rc == 0 && done < n) {
		size_t m = n - done < JOBS_ADD_MAX ? n - done : JOBS_ADD_MAX;

		if (m == 1) {
			rc = store_job_add(st, &j[done++], NULL);
			continue;
		}
		k = 0;
		for (size_t r = 0; r < m; r++) {
			const struct job_rec *x = &j[done + r];
			const char *const *nm = names[r];

			to[r] = email_norm(x->recipient);
			b[k++] = B_ID(nm[0], x->referral_id);
			b[k++] = B_TEXT(nm[1], x->template);
			b[k++] = B_TEXT(nm[2], to[r]);
			b[k++] = B_TEXT(nm[3], x->recipient_name);
			b[k++] = B_TEXT(nm[4], x->cc);
			b[k++] = B_INT(nm[5], x->seq);
			b[k++] = B_TEXT(nm[6], x->note);
			b[k++] = B_INT(nm[7], x->due_at);
			b[k++] = B_TEXT(nm[8], x->message_key);
			b[k++] = B_TEXT(nm[9], x->in_reply_to);
			b[k++] = B_TEXT(nm[10], x->refs);
		}
		b[k++] = B_INT(":at", j[done].at);
		b[k] = (struct bind){.name = NULL};
		if (sql_exec(st, ids[m], b) < 0)
			rc = store_failed(st, "add %zu jobs of referral %" PRId64, m,
			                  j[done].referral_id);
		for (size_t r = 0; r < m; r++)
			free(to[r]);
		done += m;
	}
	return rc;
}

void job_fill(struct q *q, void *item)
{
	col_fill(q, &job_columns, item);
}

void jobs_drop(void *v, size_t n)
{
	store_job_views_free(v, n);
}

/* Every row of a job statement, into an array. */
static int jobs_read(struct store *st, enum stmt_id id, const struct bind *b, const char *what,
                     struct job_view **v_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, id, b, sizeof(**v_r), job_fill, jobs_drop, &v, n_r);

	*v_r = v;
	return rc < 0 ? store_failed(st, "%s", what) : 0;
}

int store_jobs_due(struct store *st, int64_t now, size_t limit, struct job_view **v_r, size_t *n_r)
{
	return jobs_read(st, ST_JOBS_DUE,
	                 BINDS(B_INT(":now", now), B_INT(":limit", (int64_t)limit)),
	                 "list due jobs", v_r, n_r);
}

int store_jobs_list(struct store *st, const char *state, struct job_view **v_r, size_t *n_r)
{
	if (state)
		return jobs_read(st, ST_JOB_LIST_STATE, BINDS(B_TEXT(":state", state)), "list jobs",
		                 v_r, n_r);
	return jobs_read(st, ST_JOB_LIST_ALL, NULL, "list jobs", v_r, n_r);
}

int store_jobs_pending_of(struct store *st, int64_t referral_id, const char *template,
                          struct job_view **v_r, size_t *n_r)
{
	return jobs_read(st, ST_JOBS_PENDING_OF,
	                 BINDS(B_INT(":referral_id", referral_id), B_TEXT(":template", template)),
	                 "list jobs of referral", v_r, n_r);
}

static void job_clear(void *item)
{
	store_job_view_clear(item);
}

struct job_each {
	int (*fn)(const struct job_view *v, void *arg);
	void *arg;
};

static int job_each_row(void *item, void *arg)
{
	struct job_each *e = arg;

	return e->fn(item, e->arg);
}

int store_jobs_each(struct store *st, const char *state,
                    int (*fn)(const struct job_view *v, void *arg), void *arg)
{
	struct job_each e = {fn, arg};
	struct job_view v;
	int rc = state ? sql_each(st, ST_JOB_LIST_STATE, BINDS(B_TEXT(":state", state)), &v,
	                          sizeof(v), job_fill, job_clear, job_each_row, &e)
	               : sql_each(st, ST_JOB_LIST_ALL, NULL, &v, sizeof(v), job_fill, job_clear,
	                          job_each_row, &e);

	return rc < 0 ? store_failed(st, "list jobs") : rc;
}

int store_job_get(struct store *st, int64_t id, struct job_view *v_r)
{
	int found = sql_row(st, ST_JOB_GET, BINDS(B_INT(":id", id)), v_r, sizeof(*v_r), job_fill);

	return found < 0 ? store_failed(st, "read job %lld", (long long)id) : found;
}

int store_jobs_next_due(struct store *st, int64_t *at_r)
{
	struct q q;
	int rc = sql_query(&q, st, ST_JOB_NEXT_DUE, NULL), found;

	/* min() answers one row, NULL when nothing is pending. */
	found = rc > 0 && !col_null(&q, "at");
	if (found)
		*at_r = col_int(&q, "at");
	sql_end(&q);
	if (rc <= 0)
		return store_failed(st, "next due job");
	return found;
}

/* Runs an UPDATE on job(s) id; returns the number of rows changed or -1. */
static int job_update(struct store *st, enum stmt_id id, const struct bind *b, int64_t job,
                      const char *what)
{
	int n = sql_exec(st, id, b);

	return n < 0 ? store_failed(st, "%s job %lld", what, (long long)job) : n;
}

int store_job_claim(struct store *st, int64_t id, const char *owner, int64_t now, int64_t until)
{
	int n = job_update(st, ST_JOB_CLAIM,
	                   BINDS(B_INT(":id", id), B_TEXT(":owner", owner), B_INT(":now", now),
	                         B_INT(":until", until)),
	                   id, "claim");

	return n < 0 ? -1 : n == 1;
}

int store_job_claim_next(struct store *st, int64_t now, const char *owner, int64_t until,
                         struct job_view *v)
{
	struct q q;
	int found;

	memset(v, 0, sizeof(*v));
	/* the rows it takes are locked by the statement (SKIP LOCKED), not
	 * by the business's lock: a claim waits for no other transaction */
	if (sql_begin(st, 0) != 0)
		return -1;
	found = sql_query(
	        &q, st, ST_JOB_CLAIM_NEXT,
	        BINDS(B_INT(":now", now), B_TEXT(":owner", owner), B_INT(":until", until)));
	if (found > 0)
		job_fill(&q, v);
	sql_end(&q);
	if (found < 0 || store_commit(st) != 0) {
		if (found < 0)
			store_failed(st, "claim the next due job");
		store_rollback(st);
		store_job_view_clear(v);
		return -1;
	}
	return found;
}

int store_job_sent(struct store *st, int64_t id, int64_t at, const char *reply)
{
	return job_update(st, ST_JOB_SENT,
	                  BINDS(B_INT(":id", id), B_INT(":at", at), B_TEXT(":reply", reply)), id,
	                  "mark sent") < 0
	               ? -1
	               : 0;
}

int store_job_retry(struct store *st, int64_t id, int64_t next_at, const char *error,
                    int count_attempt)
{
	return job_update(st, ST_JOB_RETRY,
	                  BINDS(B_INT(":id", id), B_INT(":next_at", next_at),
	                        B_TEXT(":error", error), B_INT(":attempt", count_attempt ? 1 : 0)),
	                  id, "postpone") < 0
	               ? -1
	               : 0;
}

int store_job_finish(struct store *st, int64_t id, const char *state, int64_t at, const char *why,
                     int count_attempt)
{
	return job_update(st, ST_JOB_FINISH,
	                  BINDS(B_INT(":id", id), B_TEXT(":state", state), B_INT(":at", at),
	                        B_TEXT(":why", why), B_INT(":attempt", count_attempt ? 1 : 0)),
	                  id, state) < 0
	               ? -1
	               : 0;
}

int store_jobs_cancel_referral(struct store *st, int64_t referral_id, const char *template,
                               int64_t at, const char *why, int *n_r)
{
	int n = job_update(st, ST_JOBS_CANCEL_REFERRAL,
	                   BINDS(B_INT(":referral_id", referral_id), B_TEXT(":template", template),
	                         B_INT(":at", at), B_TEXT(":why", why)),
	                   referral_id, "cancel jobs of referral");

	if (n >= 0 && n_r)
		*n_r = n;
	return n < 0 ? -1 : 0;
}

int store_jobs_cancel_confirms(struct store *st, int64_t referral_id, int64_t at, const char *why)
{
	int n = job_update(
	        st, ST_JOBS_CANCEL_CONFIRMS,
	        BINDS(B_INT(":referral_id", referral_id), B_INT(":at", at), B_TEXT(":why", why)),
	        referral_id, "cancel confirmations of referral");

	return n < 0 ? -1 : 0;
}

int store_jobs_cancel_recipient(struct store *st, const char *recipient, int64_t at,
                                const char *why, int *n_r)
{
	char *to = email_norm(recipient);
	int n = job_update(st, ST_JOBS_CANCEL_RECIPIENT,
	                   BINDS(B_TEXT(":recipient", to), B_INT(":at", at), B_TEXT(":why", why)),
	                   0, "cancel jobs to recipient");

	free(to);
	if (n >= 0 && n_r)
		*n_r = n;
	return n < 0 ? -1 : 0;
}

void store_job_view_clear(struct job_view *v)
{
	col_clear(&job_columns, v);
}

void store_job_views_free(struct job_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_job_view_clear(&v[i]);
	free(v);
}

int store_sent_since(struct store *st, const char *recipient, int64_t since, int64_t *n_r,
                     int64_t *first_r)
{
	char *to = email_norm(recipient);
	struct q q;
	int rc = sql_query(&q, st, ST_SENT_WINDOW,
	                   BINDS(B_TEXT(":recipient", to), B_INT(":since", since)));

	*n_r = rc > 0 ? col_int(&q, "n") : 0;
	*first_r = rc > 0 ? col_int(&q, "first") : 0;
	sql_end(&q);
	if (rc <= 0)
		store_failed(st, "count mail sent to " ERR_ARG, to ? to : "(null)");
	free(to);
	return rc > 0 ? 0 : -1;
}

int store_job_last(struct store *st, const char *template, const char *recipient, int64_t *at_r)
{
	char *to = email_norm(recipient);
	struct q q;
	int rc = sql_query(&q, st, ST_JOB_LAST,
	                   BINDS(B_TEXT(":template", template), B_TEXT(":recipient", to)));

	/* max() answers one row, NULL when there is no such job */
	*at_r = rc > 0 ? col_int(&q, "at") : 0;
	rc = rc > 0 ? !col_null(&q, "at") : rc;
	sql_end(&q);
	if (rc < 0)
		store_failed(st, "last %s to " ERR_ARG, template, to ? to : "(null)");
	free(to);
	return rc;
}

int store_source_has_job(struct store *st, int64_t id, const char *template, const char *recipient)
{
	char *to = email_norm(recipient);
	struct q q;
	int rc = sql_query(
	        &q, st, ST_SOURCE_THANKED,
	        BINDS(B_INT(":id", id), B_TEXT(":template", template), B_TEXT(":recipient", to)));

	rc = rc > 0 ? col_int(&q, "n") > 0 : rc;
	sql_end(&q);
	if (rc < 0)
		store_failed(st, "%s of the intro of referral %" PRId64, template, id);
	free(to);
	return rc;
}

int store_sent_to(struct store *st, int64_t id, const char *recipient, const char *key)
{
	char *to = email_norm(recipient);
	struct q q;
	int rc = key ? sql_query(&q, st, ST_SENT_TO_KEY,
	                         BINDS(B_INT(":id", id), B_TEXT(":key", key),
	                               B_TEXT(":recipient", to)))
	             : sql_query(&q, st, ST_SENT_TO,
	                         BINDS(B_INT(":id", id), B_TEXT(":recipient", to)));

	rc = rc > 0 ? col_int(&q, "n") > 0 : rc;
	sql_end(&q);
	if (rc < 0)
		store_failed(st, "mail of referral %" PRId64 " sent to " ERR_ARG, id,
		             to ? to : "(null)");
	free(to);
	return rc;
}

/* ---- confirmations ---- */

int store_confirmation_waiting(struct store *st, int64_t referral_id, const char *rep,
                               const char *command, const char *arg)
{
	struct q q;
	int rc = sql_query(&q, st, ST_CONFIRM_WAITING,
	                   BINDS(B_INT(":referral_id", referral_id), B_TEXT(":rep", rep),
	                         B_TEXT(":command", command), B_TEXT(":arg", arg)));

	rc = rc > 0 ? col_int(&q, "n") > 0 : rc;
	sql_end(&q);
	if (rc < 0)
		store_failed(st, "confirmation of referral %" PRId64 " waiting", referral_id);
	return rc;
}

int store_confirmation_add(struct store *st, int64_t referral_id, const char *rep,
                           const char *command, const char *arg, const char *message_key,
                           int64_t at)
{
	if (sql_exec(st, ST_CONFIRM_ADD,
	             BINDS(B_INT(":referral_id", referral_id), B_TEXT(":rep", rep),
	                   B_TEXT(":command", command), B_TEXT(":arg", arg),
	                   B_TEXT(":message_key", message_key), B_INT(":at", at))) < 0)
		return store_failed(st, "add confirmation for referral %lld",
		                    (long long)referral_id);
	return 0;
}

static void confirmation_fill(struct q *q, void *item)
{
	col_fill(q, &confirmation_columns, item);
}

int store_confirmation_find(struct store *st, const char *key, struct confirmation_view *c)
{
	int found = sql_row(st, ST_CONFIRM_FIND, BINDS(B_TEXT(":key", key)), c, sizeof(*c),
	                    confirmation_fill);

	if (found < 0)
		return store_failed(st, "find confirmation " ERR_ARG, key ? key : "(null)");
	return found;
}

void store_confirmation_clear(struct confirmation_view *c)
{
	col_clear(&confirmation_columns, c);
}

int store_confirmation_done(struct store *st, int64_t id, const char *state, int64_t at)
{
	int n = sql_exec(st, ST_CONFIRM_DONE,
	                 BINDS(B_INT(":id", id), B_TEXT(":state", state), B_INT(":at", at)));

	if (n < 0)
		return store_failed(st, "close confirmation %lld", (long long)id);
	return n == 1;
}
