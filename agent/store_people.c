/*
 * store_people.c - people (one row per address) and the referrals that
 * join a referrer to a lead (see store.h; the SQL is in store_sql.c).
 *
 * Addresses are lower-cased here before they are stored or looked up, so
 * the columns and their indexes only ever see one spelling (SQLite's are
 * NOCASE as well; PostgreSQL compares exactly).
 */
#include "store_p.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "util.h"

/* ---- people ---- */

/*
 * Most calls name someone already stored whose name is known: one indexed
 * read answers them, where the upsert would write the row and (for
 * RETURNING) fill a temporary table every time.  Returns 1 and sets *id_r
 * when that settles it, 0 when the upsert must run (new address, or a name
 * to fill in), -1 on error.
 */
static int person_find(struct store *st, const char *lower, const char *name, int64_t *id_r)
{
	struct q q;
	int found = sql_query(&q, st, ST_PERSON_FIND, BINDS(B_TEXT(":email", lower))), done = 0;

	if (found > 0) {
		done = col_int(&q, "unnamed") == 0 || name == NULL || *name == '\0';
		if (done && id_r)
			*id_r = col_int(&q, "id");
	}
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "find person " ERR_ARG, lower);
	return done;
}

int store_person_ensure(struct store *st, const char *email, const char *name, int64_t now,
                        int64_t *id_r)
{
	char *lower = email_norm(email), hash[ADDRESS_HASH_LEN];
	struct q q;
	int rc;

	if (lower) {
		int found = person_find(st, lower, name, id_r);

		if (found != 0) {
			free(lower);
			return found < 0 ? -1 : 0;
		}
	}
	if (lower)
		address_hash(lower, hash);
	rc = sql_query(&q, st, ST_PERSON_ENSURE,
	               BINDS(B_TEXT(":email", lower), B_TEXT(":name", name), B_INT(":at", now),
	                     B_TEXT(":hash", lower ? hash : NULL)));
	if (rc > 0 && id_r)
		*id_r = col_int(&q, "id");
	sql_end(&q);
	if (rc <= 0)
		store_failed(st, "ensure person " ERR_ARG, lower ? lower : "(no address)");
	free(lower);
	return rc > 0 ? 0 : -1;
}

int store_person_fill(struct store *st, int64_t id, const char *phone, const char *company)
{
	/* nothing to fill leaves the row as it is: no statement (intake
	 * calls this for every lead, most with neither) */
	if (phone == NULL && company == NULL)
		return 0;
	if (sql_exec(st, ST_PERSON_FILL,
	             BINDS(B_INT(":id", id), B_TEXT(":phone", phone),
	                   B_TEXT(":company", company))) < 0)
		return store_failed(st, "fill person %lld", (long long)id);
	return 0;
}

static void person_flags_fill(struct q *q, void *item)
{
	col_fill(q, &person_flags_columns, item);
}

int store_person_flags(struct store *st, const char *email, struct person_flags *f)
{
	char *e = email_norm(email);
	int found;

	memset(f, 0, sizeof(*f));
	if (e == NULL)
		return 0;
	found = sql_row(st, ST_PERSON_FLAGS, BINDS(B_TEXT(":email", e)), f, sizeof(*f),
	                person_flags_fill);
	if (found < 0)
		store_failed(st, "read person " ERR_ARG, e);
	free(e);
	return found;
}

int store_person_set_token(struct store *st, int64_t id, const char *token)
{
	if (sql_exec(st, ST_PERSON_SET_TOKEN, BINDS(B_INT(":id", id), B_TEXT(":token", token))) < 0)
		return store_failed(st, "set token of person %lld", (long long)id);
	return 0;
}

int store_person_set_checkin(struct store *st, int64_t id, int64_t at)
{
	if (sql_exec(st, ST_PERSON_SET_CHECKIN, BINDS(B_INT(":id", id), B_INT(":at", at))) < 0)
		return store_failed(st, "set check-in of person %lld", (long long)id);
	return 0;
}

static void person_ref_fill(struct q *q, void *item)
{
	col_fill(q, &person_ref_columns, item);
}

static void people_drop(void *v, size_t n)
{
	store_people_free(v, n);
}

int store_checkins_due(struct store *st, int64_t active_since, int64_t due_before, size_t limit,
                       struct person_ref **v_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, ST_CHECKIN_DUE,
	                  BINDS(B_INT(":active_since", active_since),
	                        B_INT(":due_before", due_before), B_INT(":limit", (int64_t)limit)),
	                  sizeof(**v_r), person_ref_fill, people_drop, &v, n_r);

	*v_r = v;
	return rc < 0 ? store_failed(st, "list check-ins due") : 0;
}

void store_people_free(struct person_ref *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		col_clear(&person_ref_columns, &v[i]);
	free(v);
}

/* Sets a flag on the person with this address, adding the person first
 * when unknown (mail can be refused before anyone was recorded). */
static int person_flag(struct store *st, enum stmt_id id, const char *email, int64_t at,
                       const char *why, int *changed_r)
{
	char *e = email_norm(email);
	int64_t pid;
	int n = -1;

	if (e == NULL)
		return 0;
	if (store_person_ensure(st, e, NULL, at, &pid) == 0) {
		n = sql_exec(st, id,
		             BINDS(B_TEXT(":email", e), B_INT(":at", at), B_TEXT(":why", why)));
		if (n < 0)
			store_failed(st, "%s " ERR_ARG, stmt_def[id].name, e);
	}
	free(e);
	if (n >= 0 && changed_r)
		*changed_r = n;
	return n < 0 ? -1 : 0;
}

int store_person_opt_out(struct store *st, const char *email, int64_t at, const char *source,
                         int *changed_r)
{
	return person_flag(st, ST_PERSON_OPT_OUT, email, at, source, changed_r);
}

int store_person_bouncing(struct store *st, const char *email, int64_t at, const char *reason)
{
	return person_flag(st, ST_PERSON_BOUNCING, email, at, reason, NULL);
}

int store_person_by_token(struct store *st, const char *token, char **email_r)
{
	struct q q;
	int found = sql_query(&q, st, ST_PERSON_BY_TOKEN, BINDS(B_TEXT(":token", token)));

	*email_r = found > 0 ? col_text(&q, "email") : NULL;
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "find person by token");
	return found > 0 && *email_r != NULL;
}

/* ---- referrals ---- */

int store_referral_add(struct store *st, const struct referral_rec *r, int64_t *id_r)
{
	/* the referral and its share of the report's totals together */
	int own = !sql_in_transaction(st);
	int64_t id;
	char *rep;
	int rc;

	if (own && store_begin(st) != 0)
		return -1;
	rep = email_norm(r->rep_email);
	rc = sql_exec(st, ST_REFERRAL_ADD,
	              BINDS(B_TEXT(":status", r->status ? r->status : status_name(STATUS_NEW)),
	                    B_ID(":referrer_id", r->referrer_id), B_INT(":lead_id", r->lead_id),
	                    B_TEXT(":rep_email", rep), B_TEXT(":rep_name", r->rep_name),
	                    B_TEXT(":need", r->need), B_TEXT(":budget", r->budget),
	                    B_TEXT(":timeline", r->timeline), B_TEXT(":context", r->context),
	                    B_TEXT(":subject", r->subject), B_TEXT(":held_reason", r->held_reason),
	                    B_TEXT(":thread_key", r->thread_key),
	                    r->has_confidence ? B_INT(":confidence", r->confidence)
	                                      : B_NULL(":confidence"),
	                    B_TEXT(":evidence", r->evidence), B_INT(":at", r->at)));

	free(rep);
	if (rc < 0) {
		rc = store_failed(st, "insert referral for lead %lld", (long long)r->lead_id);
		goto out;
	}
	id = sql_last_id(st);
	if (sql_exec(st, ST_REPORT_COUNT_ADD, BINDS(B_INT(":id", id))) < 0 ||
	    sql_exec(st, ST_REFERRER_COUNT_ADD, BINDS(B_INT(":id", id))) < 0) {
		rc = store_failed(st, "count referral %lld", (long long)id);
		goto out;
	}
	if (id_r)
		*id_r = id;
	rc = 0;
out:
	if (own && rc == 0 && store_commit(st) != 0)
		rc = -1;
	if (own && rc != 0)
		store_rollback(st);
	return rc;
}

int store_referral_open_for_lead(struct store *st, const char *lead_email, int64_t *id_r)
{
	struct q q;
	int rc, found;

	char *e = email_norm(lead_email);

	if (e == NULL)
		return 0;
	rc = sql_query(&q, st, ST_REFERRAL_OPEN_FOR_LEAD, BINDS(B_TEXT(":email", e)));
	/* min() answers one row, NULL when there is no open referral. */
	found = rc > 0 && !col_null(&q, "id");
	if (found && id_r)
		*id_r = col_int(&q, "id");
	sql_end(&q);
	if (rc <= 0)
		found = store_failed(st, "find open referral of " ERR_ARG, e);
	free(e);
	return found;
}

/* Runs an UPDATE of one referral; returns 1 when it changed a row, 0 when
 * none matched, -1 on error. */
static int referral_update(struct store *st, enum stmt_id id, const struct bind *b,
                           int64_t referral, const char *what)
{
	int n = sql_exec(st, id, b);

	if (n < 0)
		return store_failed(st, "%s referral %lld", what, (long long)referral);
	return n > 0;
}

int store_referral_touch(struct store *st, int64_t id, int64_t at)
{
	return referral_update(st, ST_REFERRAL_TOUCH, BINDS(B_INT(":id", id), B_INT(":at", at)), id,
	                       "touch") < 0
	               ? -1
	               : 0;
}

int store_referral_set_status(struct store *st, int64_t id, const char *status, int has_value,
                              double value, int64_t at)
{
	return referral_update(st, ST_REFERRAL_SET_STATUS,
	                       BINDS(B_INT(":id", id), B_TEXT(":status", status),
	                             B_INT(":has_value", has_value != 0), B_REAL(":value", value),
	                             B_INT(":at", at)),
	                       id, "set status of");
}

int store_referral_first_contact(struct store *st, int64_t id, int64_t at)
{
	return referral_update(st, ST_REFERRAL_FIRST_CONTACT,
	                       BINDS(B_INT(":id", id), B_INT(":at", at)), id,
	                       "mark first contact of");
}

int store_referral_set_referrer(struct store *st, int64_t id, int64_t person_id, int64_t at)
{
	return referral_update(
	               st, ST_REFERRAL_SET_REFERRER,
	               BINDS(B_INT(":id", id), B_INT(":referrer_id", person_id), B_INT(":at", at)),
	               id, "move the credit of") < 0
	               ? -1
	               : 0;
}

int store_referral_set_rep(struct store *st, int64_t id, const char *rep_email,
                           const char *rep_name, int64_t at)
{
	return referral_update(st, ST_REFERRAL_SET_REP,
	                       BINDS(B_INT(":id", id), B_TEXT(":rep", rep_email),
	                             B_TEXT(":rep_name", rep_name), B_INT(":at", at)),
	                       id, "give a rep to");
}

int store_referral_swap_roles(struct store *st, int64_t id, int64_t at)
{
	return referral_update(st, ST_REFERRAL_SWAP_ROLES,
	                       BINDS(B_INT(":id", id), B_INT(":at", at)), id,
	                       "exchange the referrer and the lead of");
}

void id_fill(struct q *q, void *item)
{
	*(int64_t *)item = col_int(q, "id");
}

/* A stale referral and when it was last touched, to merge the statuses. */
struct stale {
	int64_t at, id;
};

static void stale_fill(struct q *q, void *item)
{
	struct stale *x = item;

	x->id = col_int(q, "id");
	x->at = col_int(q, "last_activity_at");
}

static int stale_cmp(const void *a, const void *b)
{
	const struct stale *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int store_referrals_stale(struct store *st, int64_t before, size_t limit, int64_t **ids_r,
                          size_t *n_r)
{
	struct stale *all = NULL;
	size_t n = 0, cap = 0;

	*ids_r = NULL;
	*n_r = 0;
	/* the oldest limit of each open status, then the oldest of those */
	for (int s = 0; s < STATUS_COUNT; s++) {
		void *v;
		size_t k;

		if (status_table[s].closed)
			continue;
		if (sql_rows(st, ST_REFERRALS_STALE,
		             BINDS(B_TEXT(":status", status_table[s].name),
		                   B_INT(":before", before), B_INT(":limit", (int64_t)limit)),
		             sizeof(*all), stale_fill, NULL, &v, &k) < 0) {
			free(all);
			return store_failed(st, "list stale referrals");
		}
		all = xgrow(all, &cap, n + k + 1, sizeof(*all));
		if (k)
			memcpy(all + n, v, k * sizeof(*all));
		n += k;
		free(v);
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), stale_cmp);
	if (n > limit)
		n = limit;
	if (n > 0) {
		*ids_r = xcalloc(n, sizeof(**ids_r));
		for (size_t i = 0; i < n; i++)
			(*ids_r)[i] = all[i].id;
	}
	*n_r = n;
	free(all);
	return 0;
}

/* ---- spreadsheets ---- */

/* Runs a lookup whose one row has an id column (NULL from min() when
 * nothing matched): 1 and *id_r, 0, or -1 (recorded as what). */
static int find_id(struct store *st, enum stmt_id id, const char *col, const struct bind *b,
                   int64_t *id_r, const char *what)
{
	struct q q;
	int rc = sql_query(&q, st, id, b), found = rc > 0 && !col_null(&q, col);

	if (found)
		*id_r = col_int(&q, col);
	sql_end(&q);
	if (rc < 0)
		return store_failed(st, "%s", what);
	return found;
}

int store_person_find_named(struct store *st, const char *name, int64_t *id_r)
{
	if (name == NULL || *name == '\0')
		return 0;
	return find_id(st, ST_PERSON_FIND_NAMED, "id", BINDS(B_TEXT(":name", name)), id_r,
	               "find person by name");
}

int store_import_find(struct store *st, const char *key, int64_t *id_r)
{
	return find_id(st, ST_IMPORT_FIND, "referral_id", BINDS(B_TEXT(":key", key)), id_r,
	               "find imported row");
}

int store_import_add(struct store *st, const char *key, int64_t id, const char *source,
                     unsigned row, int64_t at)
{
	if (sql_exec(st, ST_IMPORT_ADD,
	             BINDS(B_INT(":referral_id", id), B_TEXT(":key", key),
	                   B_TEXT(":source", source), B_INT(":row", row), B_INT(":at", at))) < 0)
		return store_failed(st, "record import of referral %lld", (long long)id);
	return 0;
}

int store_referral_find_same(struct store *st, int64_t lead_id, int64_t referrer_id, int64_t at,
                             int64_t *id_r)
{
	return find_id(st, ST_REFERRAL_FIND_SAME, "id",
	               BINDS(B_INT(":lead_id", lead_id), B_ID(":referrer_id", referrer_id),
	                     B_INT(":at", at)),
	               id_r, "find referral");
}

/* ---- views ---- */

/* Fills a struct referral_view from a row of REFERRAL_VIEW_SELECT. */
void referral_fill(struct q *q, void *item)
{
	col_fill(q, &referral_columns, item);
}

void referrals_drop(void *v, size_t n)
{
	store_referral_views_free(v, n);
}

/* Every row of a referral view statement, into an array. */
static int views_read(struct store *st, enum stmt_id id, const struct bind *b,
                      struct referral_view **v_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, id, b, sizeof(**v_r), referral_fill, referrals_drop, &v, n_r);

	*v_r = v;
	return rc;
}

int store_referral_list(struct store *st, const char *status, struct referral_view **v_r,
                        size_t *n_r)
{
	int rc = status ? views_read(st, ST_REFERRAL_LIST_STATUS, BINDS(B_TEXT(":status", status)),
	                             v_r, n_r)
	                : views_read(st, ST_REFERRAL_LIST_ALL, NULL, v_r, n_r);

	return rc < 0 ? store_failed(st, "list referrals") : 0;
}

static void referral_clear(void *item)
{
	store_referral_view_clear(item);
}

struct referral_each {
	int (*fn)(const struct referral_view *v, void *arg);
	void *arg;
};

static int referral_each_row(void *item, void *arg)
{
	struct referral_each *e = arg;

	return e->fn(item, e->arg);
}

int store_referral_each(struct store *st, const char *status,
                        int (*fn)(const struct referral_view *v, void *arg), void *arg)
{
	struct referral_each e = {fn, arg};
	struct referral_view v;
	int rc =
	        status ? sql_each(st, ST_REFERRAL_LIST_STATUS, BINDS(B_TEXT(":status", status)), &v,
	                          sizeof(v), referral_fill, referral_clear, referral_each_row, &e)
	               : sql_each(st, ST_REFERRAL_LIST_ALL, NULL, &v, sizeof(v), referral_fill,
	                          referral_clear, referral_each_row, &e);

	return rc < 0 ? store_failed(st, "list referrals") : rc;
}

static int referrals_of(struct store *st, enum stmt_id id, const char *email,
                        struct referral_view **v_r, size_t *n_r)
{
	char *e = email_norm(email);
	int rc;

	*v_r = NULL;
	*n_r = 0;
	if (e == NULL)
		return 0;
	rc = views_read(st, id, BINDS(B_TEXT(":email", e)), v_r, n_r);
	if (rc < 0)
		store_failed(st, "%s " ERR_ARG, stmt_def[id].name, e);
	free(e);
	return rc;
}

int store_referrals_of_referrer(struct store *st, const char *email, struct referral_view **v_r,
                                size_t *n_r)
{
	return referrals_of(st, ST_REFERRALS_OF_REFERRER, email, v_r, n_r);
}

int store_referrals_of_lead(struct store *st, const char *email, struct referral_view **v_r,
                            size_t *n_r)
{
	return referrals_of(st, ST_REFERRALS_OF_LEAD, email, v_r, n_r);
}

/* ---- the daily digest of a rep ---- */

int store_digest_due(struct store *st, int64_t id, int64_t at)
{
	if (sql_exec(st, ST_DIGEST_DUE, BINDS(B_INT(":id", id), B_INT(":at", at))) < 0)
		return store_failed(st, "referral %lld: wait for the digest", (long long)id);
	return 0;
}

int store_digest_waiting(struct store *st, const char *rep_email, struct referral_view **v_r,
                         size_t *n_r)
{
	char *e = email_norm(rep_email);
	int rc = 0;

	*v_r = NULL;
	*n_r = 0;
	if (e && views_read(st, ST_DIGEST_WAITING, BINDS(B_TEXT(":rep", e)), v_r, n_r) < 0)
		rc = store_failed(st, "referrals waiting for the digest of " ERR_ARG, e);
	free(e);
	return rc;
}

int store_digest_done(struct store *st, int64_t id)
{
	if (sql_exec(st, ST_DIGEST_DONE, BINDS(B_INT(":id", id))) < 0)
		return store_failed(st, "referral %lld: digest done", (long long)id);
	return 0;
}

int store_referral_get(struct store *st, int64_t id, struct referral_view *v_r,
                       struct event_view **ev_r, size_t *nev_r)
{
	struct q q;
	int found, ret = 0;

	memset(v_r, 0, sizeof(*v_r));
	if (ev_r)
		*ev_r = NULL;
	if (nev_r)
		*nev_r = 0;
	found = sql_query(&q, st, ST_REFERRAL_GET, BINDS(B_INT(":id", id)));
	if (found > 0) {
		referral_fill(&q, v_r);
		/* The referral statement is reset only after the events are
		 * read, so outside a transaction both reads see the same
		 * snapshot. */
		if (ev_r && nev_r)
			ret = events_read(st, id, ev_r, nev_r);
	}
	sql_end(&q);
	if (found < 0)
		return store_failed(st, "read referral %lld", (long long)id);
	if (ret != 0) {
		store_referral_view_clear(v_r);
		return -1;
	}
	return found;
}

void store_referral_view_clear(struct referral_view *v)
{
	col_clear(&referral_columns, v);
}

void store_referral_views_free(struct referral_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_referral_view_clear(&v[i]);
	free(v);
}
