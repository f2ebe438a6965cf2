/*
 * report.c - the figures of `refagent report` (see report.h), from the
 * store's report queries: the SQL reads the rows and the tallies, this
 * file turns them into the report (statuses by kinds.h, months in the
 * business's time zone, medians and percentiles, who counts as a
 * referrer).  The page is drawn by report_html.c.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "kinds.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* Delays from intake to first contact, in seconds. */
struct delays {
	int64_t *v;
	size_t n, cap;
};

static void delay_add(struct delays *d, int64_t seconds)
{
	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	d->v[d->n++] = seconds;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts d and sets the median (the mean of the middle two for an even
 * count), the nearest-rank 90th percentile (the smallest delay that at
 * least 90% of them are within) and the mean; all 0 when d is empty. */
static void delay_figures(struct delays *d, double *median, double *p90, double *mean)
{
	double sum = 0;
	size_t rank;

	*median = *p90 = 0;
	if (mean)
		*mean = 0;
	if (d->n == 0)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
	for (size_t i = 0; i < d->n; i++)
		sum += (double)d->v[i];
	if (mean)
		*mean = sum / (double)d->n;
	*median = d->n % 2 ? (double)d->v[d->n / 2]
	                   : ((double)d->v[d->n / 2 - 1] + (double)d->v[d->n / 2]) / 2;
	rank = (size_t)ceil(0.9 * (double)d->n);
	*p90 = (double)d->v[rank ? rank - 1 : 0];
}

/* ---- what the computation keeps while the rows go by ---- */

struct rep_acc {
	struct report_rep rep;
	struct delays d;
};

struct acc {
	const struct config *cfg;
	struct report *r;
	struct delays d;
	struct rep_acc *reps;
	size_t nreps, cap;
	/* the referrers, by person id in ascending order (the store's
	 * order), before the top is chosen */
	struct report_referrer *people;
	int64_t *ids;
	size_t npeople, pcap, icap;
	/* a referral made at or before this is overdue at r->until (see
	 * overdue); late_known once it is worked out */
	int64_t late_before;
	int late_known;
};

/*
 * Whether a referral made at created, still without a first contact, is
 * past the rep's deadline at the report's end.  The deadline grows with
 * the time made (schedule_add_business_days never goes back), so one
 * bisection finds the last time made that is overdue, and each referral
 * is a comparison: a million waiting referrals were a million calendar
 * walks (mktime on every day) before.
 */
static int overdue(struct acc *a, int64_t created)
{
	const struct config *cfg = a->cfg;
	int64_t until = a->r->until;

	if (!a->late_known) {
		/* n business days, and the opening before and after them, lie
		 * within 7n + 15 calendar days of any time (a business day a week) */
		int64_t lo = until - ((int64_t)cfg->rep_deadline * 7 + 15) * 86400, hi = until;

		/* lo is overdue, hi is not (unless it is: then every one is) */
		if (schedule_add_business_days(cfg, hi, cfg->rep_deadline) <= until) {
			lo = hi;
		} else {
			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;

				if (schedule_add_business_days(cfg, mid, cfg->rep_deadline) <=
				    until)
					lo = mid;
				else
					hi = mid;
			}
		}
		a->late_before = lo;
		a->late_known = 1;
	}
	return created <= a->late_before;
}

/* The rep with this address, added (with name) when new; NULL for none. */
static struct rep_acc *rep_of(struct acc *a, const char *email, const char *name)
{
	if (email == NULL || *email == '\0')
		return NULL;
	for (size_t i = 0; i < a->nreps; i++)
		if (str_ieq(a->reps[i].rep.email, email))
			return &a->reps[i];
	a->reps = xgrow(a->reps, &a->cap, a->nreps + 1, sizeof(*a->reps));
	memset(&a->reps[a->nreps], 0, sizeof(*a->reps));
	a->reps[a->nreps].rep.email = str_lower(xstrdup(email));
	a->reps[a->nreps].rep.name = xstrdup(name);
	return &a->reps[a->nreps++];
}

/* The month of the window t falls in, or NULL outside it. */
static struct report_month *month_of(const struct report *r, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt;
	int y, m, first_y, first_m;
	long i;

	if (r->nmonths == 0 || t < r->since || t > r->until)
		return NULL;
	localtime_r(&tt, &lt);
	y = lt.tm_year;
	m = lt.tm_mon;
	tt = (time_t)r->months[0].start;
	localtime_r(&tt, &lt);
	first_y = lt.tm_year;
	first_m = lt.tm_mon;
	i = (long)(y - first_y) * 12 + (m - first_m);
	return i >= 0 && (size_t)i < r->nmonths ? &r->months[i] : NULL;
}

/* The calendar months from since's to until's, each starting on the 1st
 * at local midnight. */
static void make_months(struct report *r)
{
	time_t tt = (time_t)r->since;
	struct tm lt;
	size_t cap = 0;

	localtime_r(&tt, &lt);
	lt.tm_mday = 1;
	lt.tm_hour = lt.tm_min = lt.tm_sec = 0;
	for (;;) {
		struct tm m = lt;
		time_t start;

		m.tm_isdst = -1;
		start = mktime(&m);
		if ((int64_t)start > r->until || r->nmonths > 12 * 101)
			break;
		r->months = xgrow(r->months, &cap, r->nmonths + 1, sizeof(*r->months));
		memset(&r->months[r->nmonths], 0, sizeof(*r->months));
		r->months[r->nmonths].start = (int64_t)start;
		strftime(r->months[r->nmonths].label, sizeof(r->months[0].label), "%Y-%m", &m);
		r->nmonths++;
		if (++lt.tm_mon == 12) {
			lt.tm_mon = 0;
			lt.tm_year++;
		}
	}
}

static void add_row(void *ctx, const struct report_row *row)
{
	struct acc *a = ctx;
	struct report *r = a->r;
	struct rep_acc *rep = rep_of(a, row->rep_email, row->rep_name);
	struct report_month *made = month_of(r, row->created_at);
	enum status s;
	int known = status_parse(row->status, &s);

	/* what waits now, whenever it was made */
	if (known && s == STATUS_HELD)
		r->held_now++;
	if (known && s == STATUS_NEW && row->first_contact_at == 0) {
		int late = overdue(a, row->created_at);

		r->waiting_now++;
		r->overdue_now += late;
		if (rep) {
			rep->rep.waiting++;
			rep->rep.overdue += late;
		}
	}
	/* wins recorded in the window, by the month they were won */
	if (known && s == STATUS_WON && row->closed_at >= r->since && row->closed_at <= r->until) {
		struct report_month *m = month_of(r, row->closed_at);

		r->won_in_window++;
		r->won_in_window_value += row->value;
		if (m) {
			m->won++;
			m->won_value += row->value;
		}
	}
	if (row->created_at < r->since || row->created_at > r->until)
		return;
	/* the referrals made in the window */
	r->total++;
	if (known)
		r->by_status[s]++;
	if (known && s == STATUS_WON)
		r->won_value += row->value;
	if (made)
		made->referrals++;
	if (row->first_contact_at)
		delay_add(&a->d, row->first_contact_at - row->created_at);
	if (rep == NULL)
		return;
	rep->rep.referrals++;
	if (known && s == STATUS_WON) {
		rep->rep.won++;
		rep->rep.won_value += row->value;
	}
	if (known && s == STATUS_LOST)
		rep->rep.lost++;
	if (row->first_contact_at)
		delay_add(&rep->d, row->first_contact_at - row->created_at);
}

/* One of the business's own people: their referrals count only as staff
 * referrals that stand. */
static int own_person(const struct config *cfg, const char *email)
{
	return email && (config_find_rep(cfg, email) || str_ieq(email, cfg->admin) ||
	                 config_is_business(cfg, email) || config_is_agent(cfg, email));
}

/* The referrer with person id, added when new (the store gives the ids in
 * ascending order, so the last one is the one to look at first). */
static struct report_referrer *person_of(struct acc *a, int64_t id, const char *name,
                                         const char *email)
{
	if (a->npeople == 0 || a->ids[a->npeople - 1] != id) {
		a->people = xgrow(a->people, &a->pcap, a->npeople + 1, sizeof(*a->people));
		a->ids = xgrow(a->ids, &a->icap, a->npeople + 1, sizeof(*a->ids));
		memset(&a->people[a->npeople], 0, sizeof(*a->people));
		a->people[a->npeople].name = xstrdup(name);
		a->people[a->npeople].email = xstrdup(email);
		a->ids[a->npeople++] = id;
	}
	return &a->people[a->npeople - 1];
}

static void add_referrer(void *ctx, const struct referrer_tally *t)
{
	struct acc *a = ctx;
	struct report_referrer *p;
	enum status s;
	int known = status_parse(t->status, &s);

	if (config_is_agent(a->cfg, t->email))
		return;
	/* a held or rejected "referral" of the business's own people was
	 * their client thread, taken for an introduction */
	if (own_person(a->cfg, t->email) && known && (s == STATUS_HELD || s == STATUS_REJECTED))
		return;
	p = person_of(a, t->id, t->name, t->email);
	p->referrals += t->n;
	if (known && s == STATUS_WON) {
		p->won += t->n;
		p->won_value += t->value;
	}
	if (known && s == STATUS_LOST)
		p->lost += t->n;
}

/* A person's index in a->ids (ascending), or -1. */
static long person_index(const struct acc *a, int64_t id)
{
	size_t lo = 0, hi = a->npeople;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->ids[mid] == id)
			return (long)mid;
		if (a->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void add_reward(void *ctx, int64_t referrer_id, const char *state, int64_t n, double amount)
{
	struct acc *a = ctx;
	struct report *r = a->r;
	long i = person_index(a, referrer_id);
	int owed = state && strcmp(state, "owed") == 0, paid = state && strcmp(state, "paid") == 0;

	if (owed) {
		r->rewards_owed_n += n;
		r->rewards_owed += amount;
	} else if (paid) {
		r->rewards_paid_n += n;
		r->rewards_paid += amount;
	}
	if (i < 0)
		return;
	if (owed) {
		a->people[i].rewards_owed_n += n;
		a->people[i].rewards_owed += amount;
	} else if (paid) {
		a->people[i].rewards_paid_n += n;
		a->people[i].rewards_paid += amount;
	}
}

static void add_reminders(void *ctx, const char *rep_email, const char *recipient, int64_t n)
{
	struct acc *a = ctx;
	struct rep_acc *rep = rep_of(a, rep_email, NULL);
	/* a reminder goes to the rep; the copy that goes elsewhere went to
	 * the admin in the rep's place */
	int to_rep = rep_email && str_ieq(rep_email, recipient);

	if (to_rep)
		a->r->reminders += n;
	else
		a->r->escalations += n;
	if (rep && to_rep)
		rep->rep.reminders += n;
	else if (rep)
		rep->rep.escalations += n;
}

/* Most referrals first, then most won, then the earliest known (the
 * lower index: people are in id order). */
static int top_before(const struct report_referrer *x, size_t xi, const struct report_referrer *y,
                      size_t yi)
{
	if (x->referrals != y->referrals)
		return x->referrals > y->referrals;
	if (x->won != y->won)
		return x->won > y->won;
	return xi < yi;
}

/* Moves the REPORT_TOP first referrers into r->top. */
static void choose_top(struct acc *a)
{
	struct report *r = a->r;
	unsigned char *taken = xcalloc(a->npeople + 1, 1);

	while (r->ntop < REPORT_TOP) {
		long best = -1;

		for (size_t i = 0; i < a->npeople; i++)
			if (!taken[i] && (best < 0 || top_before(&a->people[i], i, &a->people[best],
			                                         (size_t)best)))
				best = (long)i;
		if (best < 0)
			break;
		taken[best] = 1;
		r->top[r->ntop++] = a->people[best];
		memset(&a->people[best], 0, sizeof(a->people[best]));
	}
	free(taken);
}

static void acc_free(struct acc *a)
{
	for (size_t i = 0; i < a->npeople; i++) {
		free(a->people[i].name);
		free(a->people[i].email);
	}
	free(a->people);
	free(a->ids);
	for (size_t i = 0; i < a->nreps; i++) {
		free(a->reps[i].rep.email);
		free(a->reps[i].rep.name);
		free(a->reps[i].d.v);
	}
	free(a->reps);
	free(a->d.v);
}

int report_compute(struct store *st, const struct config *cfg, int64_t since, int64_t until,
                   struct report *r)
{
	struct acc a = {.cfg = cfg, .r = r};

	memset(r, 0, sizeof(*r));
	r->since = since;
	r->until = until;
	r->goal_referrals = cfg->goal_referrals;
	r->goal_won = cfg->goal_won;
	make_months(r);
	/* the reps of the config first, in its order */
	for (size_t i = 0; i < cfg->nreps; i++)
		rep_of(&a, cfg->reps[i].email, cfg->reps[i].name);
	if (store_report_referrals(st, since, add_row, &a) != 0 ||
	    store_report_referrers(st, since, add_referrer, &a) != 0 ||
	    store_report_rewards(st, add_reward, &a) != 0 ||
	    store_report_sent(st, mail_name(MAIL_REMIND_REP), since, until, add_reminders, &a) !=
	            0) {
		acc_free(&a);
		report_clear(r);
		return -1;
	}
	r->contacted = (int64_t)a.d.n;
	delay_figures(&a.d, &r->first_contact_median, &r->first_contact_p90,
	              &r->first_contact_mean);
	r->reps = xcalloc(a.nreps + 1, sizeof(*r->reps));
	for (size_t i = 0; i < a.nreps; i++) {
		struct rep_acc *ra = &a.reps[i];

		ra->rep.contacted = (int64_t)ra->d.n;
		delay_figures(&ra->d, &ra->rep.first_contact_median, &ra->rep.first_contact_p90,
		              NULL);
		r->reps[r->nreps++] = ra->rep;
		memset(&ra->rep, 0, sizeof(ra->rep));
	}
	choose_top(&a);
	acc_free(&a);
	return 0;
}

void report_clear(struct report *r)
{
	for (size_t i = 0; i < r->ntop; i++) {
		free(r->top[i].name);
		free(r->top[i].email);
	}
	r->ntop = 0;
	for (size_t i = 0; i < r->nreps; i++) {
		free(r->reps[i].email);
		free(r->reps[i].name);
	}
	free(r->reps);
	r->reps = NULL;
	r->nreps = 0;
	free(r->months);
	r->months = NULL;
	r->nmonths = 0;
}

int report_businesses(struct store *st, const struct config *cfg, int64_t since, int64_t until,
                      struct report_business **v_r, size_t *n_r)
{
	char **keys = NULL, *own = xstrdup(store_business(st));
	struct report_business *v;
	size_t n = 0, done = 0;
	int rc = 0;

	*v_r = NULL;
	*n_r = 0;
	if (store_businesses(st, &keys, &n) != 0) {
		free(own);
		return -1;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (; done < n && rc == 0; done++) {
		v[done].key = keys[done];
		keys[done] = NULL;
		rc = store_set_business(st, v[done].key) != 0 ||
		                     report_compute(st, cfg, since, until, &v[done].r) != 0
		             ? -1
		             : 0;
	}
	for (size_t i = done; i < n; i++)
		free(keys[i]);
	free(keys);
	if (store_set_business(st, own) != 0)
		rc = -1;
	free(own);
	if (rc != 0) {
		report_businesses_free(v, done);
		return -1;
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

void report_businesses_free(struct report_business *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		report_clear(&v[i].r);
	}
	free(v);
}

double report_conversion(int64_t won, int64_t lost)
{
	return won + lost ? (double)won / (double)(won + lost) : 0;
}
