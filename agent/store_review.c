/*
 * store_review.c - what waits for the admin's review, and what a review
 * mail has listed (see store.h; the SQL is in store_sql.c).
 *
 * An item is new until a row of `reviews` names it: the agent lists each
 * held referral and each message naming someone it cannot reach once,
 * and a release or a rejection later needs no row changed here (the
 * referral's status says it).
 */
#include "store_p.h"

#include <stdlib.h>

#include "util.h"

static void item_fill(struct q *q, void *item)
{
	struct review_item *it = item;

	it->referral_id = col_int(q, "referral_id");
	it->message_id = col_int(q, "message_id");
	it->at = col_int(q, "at");
}

int store_reviews_new(struct store *st, const char *held_status, const char *msg_kind, size_t limit,
                      struct review_item **v_r, size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, ST_REVIEWS_NEW,
	                  BINDS(B_TEXT(":held", held_status), B_TEXT(":kind", msg_kind),
	                        B_INT(":limit", (int64_t)limit)),
	                  sizeof(**v_r), item_fill, NULL, &v, n_r);

	*v_r = v;
	return rc < 0 ? store_failed(st, "list items for review") : 0;
}

int store_review_listed(struct store *st, const struct review_item *it, const char *mail_key,
                        int64_t at)
{
	if (sql_exec(st, ST_REVIEW_ADD,
	             BINDS(B_ID(":referral_id", it->referral_id),
	                   B_ID(":message_id", it->message_id), B_TEXT(":mail_key", mail_key),
	                   B_INT(":at", at))) < 0)
		return store_failed(
		        st, "record review of %s %lld", it->referral_id ? "referral" : "message",
		        (long long)(it->referral_id ? it->referral_id : it->message_id));
	return 0;
}

int store_review_last(struct store *st, int64_t *at_r)
{
	struct q q;
	int rc = sql_query(&q, st, ST_REVIEW_LAST, NULL), found;

	/* max() answers one row, NULL when no review mail was made */
	found = rc > 0 && !col_null(&q, "at");
	*at_r = found ? col_int(&q, "at") : 0;
	sql_end(&q);
	if (rc < 0)
		return store_failed(st, "read the last review");
	return found;
}

int store_reviews_listed_held(struct store *st, const char *held_status, int64_t **ids_r,
                              size_t *n_r)
{
	void *v;
	int rc = sql_rows(st, ST_REVIEWS_LISTED_HELD, BINDS(B_TEXT(":held", held_status)),
	                  sizeof(**ids_r), id_fill, NULL, &v, n_r);

	*ids_r = v;
	return rc < 0 ? store_failed(st, "list held referrals under review") : 0;
}
