/*
 * store_events.c - the history of a referral (events), the reward ledger,
 * and the figures the report is computed from (see store.h; the SQL is in
 * store_sql.c, the report itself in report.c).
 */
#include "store_p.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "util.h"

/* ---- events ---- */

int store_event_add(struct store *st, const struct event_rec *e)
{
	if (sql_exec(st, ST_EVENT_ADD,
	             BINDS(B_INT(":referral_id", e->referral_id), B_INT(":at", e->at),
	                   B_TEXT(":actor", e->actor), B_TEXT(":kind", e->kind),
	                   B_TEXT(":old_status", e->old_status),
	                   B_TEXT(":new_status", e->new_status), B_TEXT(":detail", e->detail),
	                   B_ID(":message_id", e->message_id))) < 0)
		return store_failed(st, "insert %s event for referral %lld",
		                    e->kind ? e->kind : "(null)", (long long)e->referral_id);
	return 0;
}

void event_fill(struct q *q, void *item)
{
	col_fill(q, &event_columns, item);
}

void events_drop(void *v, size_t n)
{
	store_event_views_free(v, n);
}

int events_read(struct store *st, int64_t id, struct event_view **ev_r, size_t *nev_r)
{
	void *v;
	int rc = sql_rows(st, ST_EVENT_LIST, BINDS(B_INT(":referral_id", id)), sizeof(**ev_r),
	                  event_fill, events_drop, &v, nev_r);

	*ev_r = v;
	return rc < 0 ? store_failed(st, "list events of referral %lld", (long long)id) : 0;
}

void store_event_views_free(struct event_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		col_clear(&event_columns, &v[i]);
	free(v);
}

/* ---- rewards ---- */

int store_reward_add(struct store *st, int64_t referral_id, int64_t referrer_id, double amount,
                     const char *rule, int64_t at, int64_t *id_r)
{
	if (sql_exec(st, ST_REWARD_ADD,
	             BINDS(B_INT(":referral_id", referral_id), B_ID(":referrer_id", referrer_id),
	                   B_REAL(":amount", amount), B_TEXT(":rule", rule), B_INT(":at", at))) < 0)
		return store_failed(st, "add reward for referral %lld", (long long)referral_id);
	if (id_r)
		*id_r = sql_last_id(st);
	return 0;
}

void reward_fill(struct q *q, void *item)
{
	col_fill(q, &reward_columns, item);
}

void rewards_drop(void *v, size_t n)
{
	store_reward_views_free(v, n);
}

int store_rewards_list(struct store *st, struct reward_view **v_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, ST_REWARD_LIST, NULL, sizeof(**v_r), reward_fill, rewards_drop, &v,
	                  n_r);

	*v_r = v;
	return rc < 0 ? store_failed(st, "list rewards") : 0;
}

int store_reward_of_referral(struct store *st, int64_t referral_id)
{
	struct q q;
	int found =
	        sql_query(&q, st, ST_REWARD_OF_REFERRAL, BINDS(B_INT(":referral_id", referral_id)));

	sql_end(&q);
	return found < 0 ? store_failed(st, "reward of referral %lld", (long long)referral_id)
	                 : found;
}

int store_reward_get(struct store *st, int64_t id, struct reward_view *v)
{
	int found = sql_row(st, ST_REWARD_GET, BINDS(B_INT(":id", id)), v, sizeof(*v), reward_fill);

	return found < 0 ? store_failed(st, "read reward %lld", (long long)id) : found;
}

void store_reward_view_clear(struct reward_view *v)
{
	col_clear(&reward_columns, v);
}

void store_reward_views_free(struct reward_view *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		store_reward_view_clear(&v[i]);
	free(v);
}

int store_reward_correct(struct store *st, int64_t referral_id, double amount, const char *rule)
{
	int n = sql_exec(st, ST_REWARD_CORRECT,
	                 BINDS(B_INT(":referral_id", referral_id), B_REAL(":amount", amount),
	                       B_TEXT(":rule", rule)));

	if (n < 0)
		return store_failed(st, "correct the reward of referral %lld",
		                    (long long)referral_id);
	return n > 0;
}

int store_reward_pay(struct store *st, int64_t id, int64_t at)
{
	int n = sql_exec(st, ST_REWARD_PAY, BINDS(B_INT(":id", id), B_INT(":at", at)));

	if (n < 0)
		return store_failed(st, "pay reward %lld", (long long)id);
	return n == 1;
}

/* ---- figures for the report ---- */

int64_t store_report_hour(int64_t t)
{
	/* as REPORT_HOUR in store_sql.c: down, also before 1970 */
	return t - (t % 3600 + 3600) % 3600;
}

int store_report_made(struct store *st, int64_t from, int64_t to, store_tally_fn *fn, void *ctx)
{
	/* whole hours from the hours' totals, anything else from the
	 * referrals themselves */
	enum stmt_id id = store_report_hour(from) == from && store_report_hour(to) == to
	                          ? ST_REPORT_COUNTS
	                          : ST_REPORT_MADE;
	struct q q;
	int rc;

	if (from >= to)
		return 0;
	for (rc = sql_query(&q, st, id, BINDS(B_INT(":from", from), B_INT(":to", to))); rc > 0;
	     rc = sql_next(&q)) {
		char *status = col_text(&q, "status"), *rep = col_text(&q, "rep");
		struct report_tally t = {.status = status,
		                         .rep = rep,
		                         .n = col_int(&q, "n"),
		                         .contacted = col_int(&q, "with_contact"),
		                         .delay_sum = col_int(&q, "delay_sum")};

		fn(ctx, &t);
		free(status);
		free(rep);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[id].name) : 0;
}

int store_report_reps(struct store *st, int64_t since, store_rep_fn *fn, void *ctx)
{
	char **reps = NULL;
	size_t n = 0, cap = 0;
	struct q q;
	int rc;

	/* the reps first: the statement for each runs after */
	for (rc = sql_query(&q, st, ST_REPORT_REPS, NULL); rc > 0; rc = sql_next(&q)) {
		reps = xgrow(reps, &cap, n + 1, sizeof(*reps));
		reps[n++] = col_text(&q, "rep");
	}
	sql_end(&q);
	if (rc < 0)
		rc = store_failed(st, "%s", stmt_def[ST_REPORT_REPS].name);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (reps[i] == NULL || *reps[i] == '\0')
			continue;
		rc = sql_query(&q, st, ST_REPORT_REP_FIRST,
		               BINDS(B_TEXT(":rep", reps[i]), B_INT(":since", since),
		                     B_TEXT(":new", status_name(STATUS_NEW)),
		                     B_TEXT(":held", status_name(STATUS_HELD))));
		if (rc > 0) {
			char *name = col_text(&q, "rep_name");

			fn(ctx, reps[i], col_int(&q, "id"), name);
			free(name);
		}
		sql_end(&q);
		if (rc < 0)
			rc = store_failed(st, "%s %s", stmt_def[ST_REPORT_REP_FIRST].name, reps[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(reps[i]);
	free(reps);
	return rc < 0 ? -1 : 0;
}

int store_report_unreached(struct store *st, const char *status, int64_t from, int64_t to,
                           store_unreached_fn *fn, void *ctx)
{
	enum stmt_id id = store_report_hour(from) == from && store_report_hour(to) == to
	                          ? ST_REPORT_STATUS_COUNTS
	                          : ST_REPORT_STATUS_MADE;
	struct q q;
	int rc;

	if (from >= to)
		return 0;
	for (rc = sql_query(
	             &q, st, id,
	             BINDS(B_TEXT(":status", status), B_INT(":from", from), B_INT(":to", to)));
	     rc > 0; rc = sql_next(&q)) {
		char *rep = col_text(&q, "rep");

		fn(ctx, rep, col_int(&q, "n"));
		free(rep);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[id].name) : 0;
}

int store_report_contacted(struct store *st, int64_t *n_r)
{
	struct q q;
	int rc = sql_query(&q, st, ST_REPORT_CONTACTED_ALL, NULL);

	*n_r = rc > 0 ? col_int(&q, "n") : 0;
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_CONTACTED_ALL].name) : 0;
}

int store_report_contacts(struct store *st, int64_t since, int64_t until, store_contact_fn *fn,
                          void *ctx)
{
	struct q q;
	int rc;

	for (rc = sql_query(&q, st, ST_REPORT_CONTACTS,
	                    BINDS(B_INT(":since", since), B_INT(":until", until)));
	     rc > 0; rc = sql_next(&q)) {
		char *rep = col_text(&q, "rep_email");

		fn(ctx, rep, col_int(&q, "delay"));
		free(rep);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_CONTACTS].name) : 0;
}

int store_report_held(struct store *st, int64_t *n_r)
{
	struct q q;
	int rc =
	        sql_query(&q, st, ST_REPORT_HELD, BINDS(B_TEXT(":held", status_name(STATUS_HELD))));

	*n_r = rc > 0 ? col_int(&q, "n") : 0;
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_HELD].name) : 0;
}

/* A won referral of the report. */
struct won_row {
	int64_t id;
	struct report_row row;
	char *rep;
};

static int won_cmp(const void *x, const void *y)
{
	int64_t a = ((const struct won_row *)x)->id, b = ((const struct won_row *)y)->id;

	return (a > b) - (a < b);
}

/* The won referrals made in the window and those won in it (few, in a
 * window, of all those ever won) are read by their times, then handed
 * on in id order, the order their values have always been summed in. */
int store_report_won(struct store *st, int64_t since, int64_t until, store_row_fn *fn, void *ctx)
{
	static const enum stmt_id ids[] = {ST_REPORT_WON_MADE, ST_REPORT_WON_CLOSED,
	                                   ST_REPORT_WON_UNDATED};
	struct won_row *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t k = 0; k < ARRAY_SIZE(ids) && rc >= 0; k++) {
		struct q q;

		for (rc = sql_query(&q, st, ids[k],
		                    BINDS(B_INT(":since", since), B_INT(":until", until),
		                          B_TEXT(":won", status_name(STATUS_WON))));
		     rc > 0; rc = sql_next(&q)) {
			v = xgrow(v, &cap, n + 1, sizeof(*v));
			v[n].id = col_int(&q, "id");
			v[n].row = (struct report_row){.created_at = col_int(&q, "created_at"),
			                               .closed_at = col_int(&q, "closed_at"),
			                               .value = col_real(&q, "value")};
			v[n++].rep = col_text(&q, "rep_email");
		}
		sql_end(&q);
		if (rc < 0)
			rc = store_failed(st, "%s", stmt_def[ids[k]].name);
	}
	if (n)
		qsort(v, n, sizeof(*v), won_cmp);
	for (size_t i = 0; i < n; i++) {
		/* one made and won in the window comes twice */
		if (rc >= 0 && (i == 0 || v[i].id != v[i - 1].id)) {
			v[i].row.rep_email = v[i].rep;
			fn(ctx, &v[i].row);
		}
		free(v[i].rep);
	}
	free(v);
	return rc < 0 ? -1 : 0;
}

int store_report_delays(struct store *st, const char *rep, int64_t since, int64_t until, int desc,
                        int64_t k, int64_t n, int64_t *v)
{
	enum stmt_id id = rep ? (desc ? ST_REPORT_REP_DELAYS_DESC : ST_REPORT_REP_DELAYS)
	                      : (desc ? ST_REPORT_DELAYS_DESC : ST_REPORT_DELAYS);
	struct q q;
	int64_t got = 0;
	int rc;

	for (rc = sql_query(&q, st, id,
	                    rep ? BINDS(B_TEXT(":rep", rep), B_INT(":since", since),
	                                B_INT(":until", until), B_INT(":n", n), B_INT(":k", k))
	                        : BINDS(B_INT(":since", since), B_INT(":until", until),
	                                B_INT(":n", n), B_INT(":k", k)));
	     rc > 0 && got < n; rc = sql_next(&q))
		v[got++] = col_int(&q, "delay");
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[id].name) : (int)got;
}

int store_report_top_bounds(struct store *st, int64_t limit, store_bound_fn *fn, void *ctx)
{
	struct q q;
	int rc;

	for (rc = sql_query(&q, st, ST_REPORT_TOP_BOUNDS, BINDS(B_INT(":limit", limit))); rc > 0;
	     rc = sql_next(&q))
		if (fn(ctx, col_int(&q, "referrer_id"), col_int(&q, "n"), col_int(&q, "closed")))
			break;
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_TOP_BOUNDS].name) : 0;
}

int store_report_referrer(struct store *st, int64_t referrer_id, int64_t since,
                          store_referrer_fn *fn, void *ctx)
{
	struct q q;
	int rc;

	for (rc = sql_query(&q, st, ST_REPORT_REFERRER,
	                    BINDS(B_INT(":id", referrer_id), B_INT(":since", since)));
	     rc > 0; rc = sql_next(&q)) {
		char *name = col_text(&q, "name"), *email = col_text(&q, "email"),
		     *status = col_text(&q, "status");
		struct referrer_row row = {.name = name,
		                           .email = email,
		                           .status = status,
		                           .has_value = !col_null(&q, "value"),
		                           .value = col_real(&q, "value")};

		fn(ctx, &row);
		free(name);
		free(email);
		free(status);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_REFERRER].name) : 0;
}

int store_report_rewards(struct store *st, store_reward_fn *fn, void *ctx)
{
	struct q q;
	int rc;

	for (rc = sql_query(&q, st, ST_REPORT_REWARDS, NULL); rc > 0; rc = sql_next(&q)) {
		char *state = col_text(&q, "state");

		fn(ctx, col_int(&q, "referrer_id"), state, col_int(&q, "n"),
		   col_real(&q, "amount"));
		free(state);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_REWARDS].name) : 0;
}

int store_report_sent(struct store *st, const char *template, int64_t since, int64_t until,
                      store_sent_fn *fn, void *ctx)
{
	struct q q;
	int rc;

	for (rc = sql_query(&q, st, ST_REPORT_SENT,
	                    BINDS(B_TEXT(":template", template), B_INT(":since", since),
	                          B_INT(":until", until)));
	     rc > 0; rc = sql_next(&q)) {
		char *rep = col_text(&q, "rep_email"), *to = col_text(&q, "recipient");

		fn(ctx, rep, to, col_int(&q, "n"));
		free(rep);
		free(to);
	}
	sql_end(&q);
	return rc < 0 ? store_failed(st, "%s", stmt_def[ST_REPORT_SENT].name) : 0;
}
