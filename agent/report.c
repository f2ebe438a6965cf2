/*
 * report.c - the figures of `refagent report` (see report.h), from the
 * store's report queries: the SQL counts and sums, this file turns the
 * rows into the report (statuses by kinds.h, the median and mean time to
 * first contact).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

static void count_status(void *ctx, const char *name, int64_t n, double amount)
{
	struct report *r = ctx;
	enum status s;

	r->total += n;
	if (!status_parse(name, &s))
		return;
	r->by_status[s] = n;
	if (s == STATUS_WON)
		r->won_value = amount;
}

struct delays {
	int64_t *v; /* shortest first */
	size_t n, cap;
};

static void add_delay(void *ctx, int64_t seconds)
{
	struct delays *d = ctx;

	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	d->v[d->n++] = seconds;
}

static void add_referrer(void *ctx, const struct referrer_tally *t)
{
	struct report *r = ctx;
	struct report_referrer *top;

	if (r->ntop >= ARRAY_SIZE(r->top))
		return;
	top = &r->top[r->ntop++];
	top->name = xstrdup(t->name);
	top->email = xstrdup(t->email);
	top->referrals = t->referrals;
	top->won = t->won;
	top->won_value = t->won_value;
}

static void count_rewards(void *ctx, const char *state, int64_t n, double amount)
{
	struct report *r = ctx;

	if (state && strcmp(state, "owed") == 0) {
		r->rewards_owed_n = n;
		r->rewards_owed = amount;
	} else if (state && strcmp(state, "paid") == 0) {
		r->rewards_paid_n = n;
		r->rewards_paid = amount;
	}
}

int report_compute(struct store *st, int64_t since, struct report *r)
{
	struct delays d = {0};

	memset(r, 0, sizeof(*r));
	r->since = since;
	if (store_report_by_status(st, since, count_status, r) != 0 ||
	    store_report_contact_delays(st, since, add_delay, &d) != 0 ||
	    store_report_top_referrers(st, since, ARRAY_SIZE(r->top), add_referrer, r) != 0 ||
	    store_report_rewards(st, count_rewards, r) != 0) {
		free(d.v);
		report_clear(r);
		return -1;
	}
	r->contacted = (int64_t)d.n;
	if (d.n) {
		double sum = 0;

		for (size_t i = 0; i < d.n; i++)
			sum += (double)d.v[i];
		r->first_contact_mean = sum / (double)d.n;
		r->first_contact_median =
		        d.n % 2 ? (double)d.v[d.n / 2]
		                : ((double)d.v[d.n / 2 - 1] + (double)d.v[d.n / 2]) / 2;
	}
	free(d.v);
	return 0;
}

void report_clear(struct report *r)
{
	for (size_t i = 0; i < r->ntop; i++) {
		free(r->top[i].name);
		free(r->top[i].email);
	}
	r->ntop = 0;
}
