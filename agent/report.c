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

/* ---- what the computation keeps ---- */

struct rep_acc {
	struct report_rep rep;
	int64_t first_id; /* while the reps are put in order */
};

struct acc {
	const struct config *cfg;
	struct report *r;
	struct rep_acc *reps;
	size_t nreps, cap;
	int64_t delay_sum; /* of the delays to the first contact */
	/* the first second of each month of the window and of the one
	 * after it, in the business's time zone (nmonths + 1 of them) */
	int64_t *bounds;
	/* the top referrers so far, best first, with their ids */
	struct report_referrer top[REPORT_TOP];
	int64_t top_id[REPORT_TOP];
	size_t ntop;
	struct store *stp;
	int64_t limit; /* how many bounds the referrers' query reads */
	int sure;      /* whether the top is sure before the last bound */
	int failed;
};

/*
 * The last time made that is overdue at r->until for a referral still
 * without a first contact: the deadline grows with the time made
 * (schedule_add_business_days never goes back), so one bisection finds
 * it, and each referral is a comparison.
 */
static int64_t late_before(const struct config *cfg, int64_t until)
{
	/* n business days, and the opening before and after them, lie
	 * within 7n + 15 calendar days of any time (a business day a week) */
	int64_t lo = until - ((int64_t)cfg->rep_deadline * 7 + 15) * 86400, hi = until;

	/* lo is overdue, hi is not (unless it is: then every one is) */
	if (schedule_add_business_days(cfg, hi, cfg->rep_deadline) <= until)
		return hi;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (schedule_add_business_days(cfg, mid, cfg->rep_deadline) <= until)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The rep with this address (any case), or NULL. */
static struct rep_acc *find_rep(struct acc *a, const char *email)
{
	if (email == NULL || *email == '\0')
		return NULL;
	for (size_t i = 0; i < a->nreps; i++)
		if (str_ieq(a->reps[i].rep.email, email))
			return &a->reps[i];
	return NULL;
}

/* The rep with this address, added (with name) when new; NULL for none. */
static struct rep_acc *rep_of(struct acc *a, const char *email, const char *name)
{
	struct rep_acc *rep = find_rep(a, email);

	if (rep || email == NULL || *email == '\0')
		return rep;
	a->reps = xgrow(a->reps, &a->cap, a->nreps + 1, sizeof(*a->reps));
	memset(&a->reps[a->nreps], 0, sizeof(*a->reps));
	a->reps[a->nreps].rep.email = str_lower(xstrdup(email));
	a->reps[a->nreps].rep.name = xstrdup(name);
	return &a->reps[a->nreps++];
}

/* ---- months ---- */

/* The calendar month t is in, counted from (y0, m0) (tm_year, tm_mon). */
static long month_number(int64_t t, int y0, int m0)
{
	time_t tt = (time_t)t;
	struct tm lt;

	localtime_r(&tt, &lt);
	return (long)(lt.tm_year - y0) * 12 + (lt.tm_mon - m0);
}

/* The 1st of month k after (y0, m0) at local midnight, as mktime makes
 * it: the start the report shows. */
static int64_t month_start(int y0, int m0, long k)
{
	struct tm m = {.tm_year = y0 + (int)((m0 + k) / 12),
	               .tm_mon = (int)((m0 + k) % 12),
	               .tm_mday = 1,
	               .tm_isdst = -1};

	return (int64_t)mktime(&m);
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

/*
 * The first second of each month of the window, and of the month after
 * it, by the clock of the time zone: where localtime_r says the month
 * changes, found by bisection near the 1st at midnight.  A time is in
 * month i when it is at or after bounds[i] and before bounds[i + 1]
 * (month i counted as the report counts it, from months[0]), so the
 * months are ranges of time, counted in SQL, not a localtime_r per
 * referral.
 */
static void make_bounds(struct acc *a)
{
	const struct report *r = a->r;
	time_t tt;
	struct tm lt;

	a->bounds = xcalloc(r->nmonths + 1, sizeof(*a->bounds));
	if (r->nmonths == 0)
		return;
	tt = (time_t)r->months[0].start;
	localtime_r(&tt, &lt);
	for (size_t k = 0; k <= r->nmonths; k++) {
		int64_t start = month_start(lt.tm_year, lt.tm_mon, (long)k);
		int64_t lo = start - 3 * 86400, hi = start + 3 * 86400;

		/* month k starts after lo and by hi; a zone that moved its
		 * clock by days there gets a wider look */
		while (month_number(lo, lt.tm_year, lt.tm_mon) >= (long)k)
			lo -= 28 * 86400;
		while (month_number(hi, lt.tm_year, lt.tm_mon) < (long)k)
			hi += 28 * 86400;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;

			if (month_number(mid, lt.tm_year, lt.tm_mon) >= (long)k)
				hi = mid;
			else
				lo = mid;
		}
		a->bounds[k] = hi;
	}
}

/* The month of the window t falls in, or NULL outside it. */
static struct report_month *month_of(const struct acc *a, int64_t t)
{
	const struct report *r = a->r;
	size_t lo = 0, hi = r->nmonths + 1;

	if (r->nmonths == 0 || t < r->since || t > r->until || t < a->bounds[0])
		return NULL;
	/* the last bound at or before t */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (a->bounds[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo < r->nmonths ? &r->months[lo] : NULL;
}

/* ---- the referrals made in the window ---- */

/* What a stretch of time adds to the figures, and to which month. */
struct made {
	struct acc *a;
	struct report_month *month;
	struct store *st;
};

static void add_made(void *ctx, const struct report_tally *t)
{
	struct made *m = ctx;
	struct report *r = m->a->r;
	struct rep_acc *rep = find_rep(m->a, t->rep);
	enum status s;
	int known = status_parse(t->status, &s);

	r->total += t->n;
	if (known)
		r->by_status[s] += t->n;
	if (m->month)
		m->month->referrals += t->n;
	r->contacted += t->contacted;
	m->a->delay_sum += t->delay_sum;
	if (rep == NULL)
		return;
	rep->rep.referrals += t->n;
	rep->rep.contacted += t->contacted;
	if (known && s == STATUS_WON)
		rep->rep.won += t->n;
	if (known && s == STATUS_LOST)
		rep->rep.lost += t->n;
}

/* Runs piece on [lo, hi) cut where the running totals need it: the
 * whole hours in one piece (the hours' totals), the parts of an hour at
 * either end in their own (counted from the referrals made in them; see
 * store_report_made). */
static int by_hours(int64_t lo, int64_t hi, int (*piece)(void *ctx, int64_t from, int64_t to),
                    void *ctx)
{
	int64_t first = store_report_hour(lo), last = store_report_hour(hi);
	int64_t full = first == lo ? lo : first + 3600;

	if (lo >= hi)
		return 0;
	if (full >= hi) /* within one hour */
		return piece(ctx, lo, hi);
	if (piece(ctx, lo, full) != 0 || piece(ctx, full, last) != 0)
		return -1;
	return piece(ctx, last, hi);
}

static int made_piece(void *ctx, int64_t from, int64_t to)
{
	struct made *m = ctx;

	return store_report_made(m->st, from, to, add_made, m);
}

/* The referrals made from lo to hi (excluded) into month (NULL: none). */
static int count_range(struct store *st, struct acc *a, struct report_month *month, int64_t lo,
                       int64_t hi)
{
	struct made m = {a, month, st};

	return by_hours(lo, hi, made_piece, &m);
}

/* The referrals made in the window, month by month (those before the
 * first month's bound or after the last month, when the window has
 * more months than a report shows, in none). */
static int count_made(struct store *st, struct acc *a)
{
	struct report *r = a->r;
	int64_t end = r->until + 1;

	if (r->since > r->until)
		return 0;
	if (r->nmonths == 0)
		return count_range(st, a, NULL, r->since, end);
	if (count_range(st, a, NULL, r->since, a->bounds[0] < end ? a->bounds[0] : end) != 0)
		return -1;
	for (size_t i = 0; i <= r->nmonths; i++) {
		int64_t lo = a->bounds[i] > r->since ? a->bounds[i] : r->since;
		int64_t hi = i == r->nmonths || a->bounds[i + 1] > end ? end : a->bounds[i + 1];

		if (count_range(st, a, i < r->nmonths ? &r->months[i] : NULL, lo, hi) != 0)
			return -1;
	}
	return 0;
}

/* ---- the reps and what waits now ---- */

struct rep_first {
	char *email, *name;
	int64_t id;
};

struct rep_list {
	struct rep_first *v;
	size_t n, cap;
};

static void add_rep_first(void *ctx, const char *rep, int64_t first_id, const char *name)
{
	struct rep_list *l = ctx;

	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct rep_first){xstrdup(rep), xstrdup(name), first_id};
}

static int cmp_first(const void *x, const void *y)
{
	int64_t a = ((const struct rep_first *)x)->id, b = ((const struct rep_first *)y)->id;

	return (a > b) - (a < b);
}

/* The reps of the config in its order, then the others the referrals
 * name, by their first referral that the report reads (the order in
 * which reading them all would meet them), with the name it gives. */
static int add_reps(struct store *st, struct acc *a)
{
	struct rep_list l = {0};
	int rc;

	for (size_t i = 0; i < a->cfg->nreps; i++)
		rep_of(a, a->cfg->reps[i].email, a->cfg->reps[i].name);
	rc = store_report_reps(st, a->r->since, add_rep_first, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_first);
	for (size_t i = 0; i < l.n; i++) {
		if (rc == 0)
			rep_of(a, l.v[i].email, l.v[i].name);
		free(l.v[i].email);
		free(l.v[i].name);
	}
	free(l.v);
	return rc;
}

/* The earliest and latest hours the running totals can hold. */
#define HOURS_FROM (-(INT64_C(1) << 50) / 3600 * 3600)
#define HOURS_TO   ((INT64_C(1) << 50) / 3600 * 3600)

struct unreached {
	struct acc *a;
	struct store *st;
	int late; /* counting the overdue ones */
};

static void add_unreached(void *ctx, const char *rep_email, int64_t n)
{
	struct unreached *u = ctx;
	struct rep_acc *rep = find_rep(u->a, rep_email);

	if (u->late)
		u->a->r->overdue_now += n;
	else
		u->a->r->waiting_now += n;
	if (rep && u->late)
		rep->rep.overdue += n;
	else if (rep)
		rep->rep.waiting += n;
}

static int unreached_piece(void *ctx, int64_t from, int64_t to)
{
	struct unreached *u = ctx;

	return store_report_unreached(u->st, status_name(STATUS_NEW), from, to, add_unreached, u);
}

/* What waits now, whenever made: the new referrals without a first
 * contact, and of them the ones made by the last time that is overdue. */
static int count_waiting(struct store *st, struct acc *a)
{
	struct unreached u = {a, st, 0};

	if (unreached_piece(&u, HOURS_FROM, HOURS_TO) != 0)
		return -1;
	u.late = 1;
	return by_hours(HOURS_FROM, late_before(a->cfg, a->r->until) + 1, unreached_piece, &u);
}

/* A won referral: its value counts in the window it was made in and in
 * the month it was won in, summed in id order as it always was. */
static void add_won(void *ctx, const struct report_row *row)
{
	struct acc *a = ctx;
	struct report *r = a->r;
	struct rep_acc *rep = find_rep(a, row->rep_email);

	if (row->closed_at >= r->since && row->closed_at <= r->until) {
		struct report_month *m = month_of(a, row->closed_at);

		r->won_in_window++;
		r->won_in_window_value += row->value;
		if (m) {
			m->won++;
			m->won_value += row->value;
		}
	}
	if (row->created_at < r->since || row->created_at > r->until)
		return;
	r->won_value += row->value;
	if (rep)
		rep->rep.won_value += row->value;
}

/* ---- time to first contact ---- */

/*
 * The median (the mean of the middle two for an even count) and the
 * nearest-rank 90th percentile (the smallest delay that at least 90% of
 * them are within) of the n delays of rep (NULL: all) in the window,
 * read from their index: the middle ones, and the 90th percentile
 * counted from the top, which is nearer.  0 when n is 0.
 */
static int delay_figures(struct store *st, const struct report *r, const char *rep, int64_t n,
                         double *median, double *p90)
{
	int64_t v[2];
	size_t rank;

	*median = *p90 = 0;
	if (n == 0)
		return 0;
	if (n % 2) {
		if (store_report_delays(st, rep, r->since, r->until, 0, n / 2, 1, v) != 1)
			return -1;
		*median = (double)v[0];
	} else {
		if (store_report_delays(st, rep, r->since, r->until, 0, n / 2 - 1, 2, v) != 2)
			return -1;
		*median = ((double)v[0] + (double)v[1]) / 2;
	}
	rank = (size_t)ceil(0.9 * (double)n);
	if (store_report_delays(st, rep, r->since, r->until, 1, n - (int64_t)(rank ? rank : 1), 1,
	                        v) != 1)
		return -1;
	*p90 = (double)v[0];
	return 0;
}

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

/* As delay_figures, from the delays themselves (sorts d). */
static void sorted_figures(struct delays *d, double *median, double *p90)
{
	size_t rank;

	*median = *p90 = 0;
	if (d->n == 0)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
	*median = d->n % 2 ? (double)d->v[d->n / 2]
	                   : ((double)d->v[d->n / 2 - 1] + (double)d->v[d->n / 2]) / 2;
	rank = (size_t)ceil(0.9 * (double)d->n);
	*p90 = (double)d->v[rank ? rank - 1 : 0];
}

/* The window's delays, read whole: all, and each rep's (the last one of
 * v: those of no rep of the list). */
struct contacts {
	struct acc *a;
	struct delays *v; /* nreps + 1 */
	struct delays all;
};

static void add_contact(void *ctx, const char *rep_email, int64_t delay)
{
	struct contacts *c = ctx;
	struct rep_acc *rep = find_rep(c->a, rep_email);

	delay_add(&c->all, delay);
	delay_add(&c->v[rep ? (size_t)(rep - c->a->reps) : c->a->nreps], delay);
}

static int read_contacts(struct store *st, struct acc *a)
{
	struct contacts c = {.a = a, .v = xcalloc(a->nreps + 1, sizeof(*c.v))};
	int rc = store_report_contacts(st, a->r->since, a->r->until, add_contact, &c);

	if (rc == 0) {
		sorted_figures(&c.all, &a->r->first_contact_median, &a->r->first_contact_p90);
		for (size_t i = 0; i < a->nreps; i++)
			sorted_figures(&c.v[i], &a->reps[i].rep.first_contact_median,
			               &a->reps[i].rep.first_contact_p90);
	}
	for (size_t i = 0; i <= a->nreps; i++)
		free(c.v[i].v);
	free(c.v);
	free(c.all.v);
	return rc;
}

/*
 * The time to first contact: the mean from the running totals; the
 * median and 90th percentile by rank from the index of the delays, or,
 * when the window holds few of all the delays there are (a short window,
 * or one before most of them), by reading the window's and sorting them:
 * the rank would step over the many outside it.
 */
static int contact_figures(struct store *st, struct acc *a)
{
	struct report *r = a->r;
	int64_t all = 0;

	r->first_contact_mean = r->contacted ? (double)a->delay_sum / (double)r->contacted : 0;
	if (r->contacted == 0)
		return 0;
	if (store_report_contacted(st, &all) != 0)
		return -1;
	if (r->contacted * 8 <= all)
		return read_contacts(st, a);
	if (delay_figures(st, r, NULL, r->contacted, &r->first_contact_median,
	                  &r->first_contact_p90) != 0)
		return -1;
	for (size_t i = 0; i < a->nreps; i++) {
		struct report_rep *p = &a->reps[i].rep;

		/* every contact of the window is the rep's: the same figures */
		if (p->contacted == r->contacted) {
			p->first_contact_median = r->first_contact_median;
			p->first_contact_p90 = r->first_contact_p90;
		} else if (delay_figures(st, r, p->email, p->contacted, &p->first_contact_median,
		                         &p->first_contact_p90) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- the top referrers ---- */

/* One of the business's own people: their referrals count only as staff
 * referrals that stand. */
static int own_person(const struct config *cfg, const char *email)
{
	return email && (config_find_rep(cfg, email) || str_ieq(email, cfg->admin) ||
	                 config_is_business(cfg, email) || config_is_agent(cfg, email));
}

/* Most referrals first, then most won, then the earliest known (the
 * lower id). */
static int top_before(int64_t xn, int64_t xwon, int64_t xid, int64_t yn, int64_t ywon, int64_t yid)
{
	if (xn != yn)
		return xn > yn;
	if (xwon != ywon)
		return xwon > ywon;
	return xid < yid;
}

struct tally {
	struct acc *a;
	struct report_referrer p;
	int agent;
};

/* A referral of the referrer being tallied (they come by status). */
static void add_referral_of(void *ctx, const struct referrer_row *row)
{
	struct tally *t = ctx;
	const struct config *cfg = t->a->cfg;
	enum status s;
	int known = status_parse(row->status, &s);

	if (t->p.name == NULL && t->p.email == NULL) {
		t->p.name = xstrdup(row->name);
		t->p.email = xstrdup(row->email);
	}
	if (config_is_agent(cfg, row->email)) {
		t->agent = 1;
		return;
	}
	/* a held or rejected "referral" of the business's own people was
	 * their client thread, taken for an introduction */
	if (own_person(cfg, row->email) && known && (s == STATUS_HELD || s == STATUS_REJECTED))
		return;
	t->p.referrals++;
	if (known && s == STATUS_WON) {
		t->p.won++;
		if (row->has_value)
			t->p.won_value += row->value;
	}
	if (known && s == STATUS_LOST)
		t->p.lost++;
}

/*
 * The next referrer by their bound (n referrals in all, closed of them):
 * what they have in the window is no more, so once REPORT_TOP referrers
 * rank before the bound, no later one can enter the top.  Returns 1 to
 * stop there.
 */
static int add_bound(void *ctx, int64_t id, int64_t n, int64_t closed)
{
	struct acc *a = ctx;
	struct tally t = {.a = a};
	size_t at;

	a->limit--;
	if (a->ntop == REPORT_TOP &&
	    top_before(a->top[REPORT_TOP - 1].referrals, a->top[REPORT_TOP - 1].won,
	               a->top_id[REPORT_TOP - 1], n, closed, id)) {
		a->sure = 1;
		return 1;
	}
	if (store_report_referrer(a->stp, id, a->r->since, add_referral_of, &t) != 0) {
		a->failed = 1;
		return 1;
	}
	if (t.agent || t.p.referrals == 0) {
		free(t.p.name);
		free(t.p.email);
		return 0;
	}
	for (at = a->ntop;
	     at > 0 && top_before(t.p.referrals, t.p.won, id, a->top[at - 1].referrals,
	                          a->top[at - 1].won, a->top_id[at - 1]);
	     at--)
		;
	if (at == REPORT_TOP) {
		free(t.p.name);
		free(t.p.email);
		return 0;
	}
	if (a->ntop == REPORT_TOP) {
		free(a->top[REPORT_TOP - 1].name);
		free(a->top[REPORT_TOP - 1].email);
		a->ntop--;
	}
	memmove(&a->top[at + 1], &a->top[at], (a->ntop - at) * sizeof(a->top[0]));
	memmove(&a->top_id[at + 1], &a->top_id[at], (a->ntop - at) * sizeof(a->top_id[0]));
	a->top[at] = t.p;
	a->top_id[at] = id;
	a->ntop++;
	return 0;
}

static void clear_top(struct acc *a)
{
	for (size_t i = 0; i < a->ntop; i++) {
		free(a->top[i].name);
		free(a->top[i].email);
	}
	a->ntop = 0;
}

/* The top referrers: the bounds read a batch at a time (the store reads
 * a statement's rows whole on PostgreSQL), more when a batch ran out
 * before the top was sure. */
static int choose_top(struct store *st, struct acc *a)
{
	for (int64_t batch = 4 * REPORT_TOP;; batch *= 8) {
		a->limit = batch;
		a->sure = 0;
		clear_top(a);
		if (store_report_top_bounds(st, batch, add_bound, a) != 0 || a->failed)
			return -1;
		if (a->sure || a->limit > 0)
			break;
	}
	a->r->ntop = a->ntop;
	memcpy(a->r->top, a->top, a->ntop * sizeof(a->top[0]));
	a->ntop = 0;
	return 0;
}

static void add_reward(void *ctx, int64_t referrer_id, const char *state, int64_t n, double amount)
{
	struct acc *a = ctx;
	struct report *r = a->r;
	struct report_referrer *p = NULL;
	int owed = state && strcmp(state, "owed") == 0, paid = state && strcmp(state, "paid") == 0;

	for (size_t i = 0; i < r->ntop; i++)
		if (a->top_id[i] == referrer_id)
			p = &r->top[i];
	if (owed) {
		r->rewards_owed_n += n;
		r->rewards_owed += amount;
	} else if (paid) {
		r->rewards_paid_n += n;
		r->rewards_paid += amount;
	}
	if (p == NULL)
		return;
	if (owed) {
		p->rewards_owed_n += n;
		p->rewards_owed += amount;
	} else if (paid) {
		p->rewards_paid_n += n;
		p->rewards_paid += amount;
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

static void acc_free(struct acc *a)
{
	clear_top(a);
	for (size_t i = 0; i < a->nreps; i++) {
		free(a->reps[i].rep.email);
		free(a->reps[i].rep.name);
	}
	free(a->reps);
	free(a->bounds);
}

/*
 * The figures, from the store's running totals and indexes: nothing here
 * reads every referral of the window.  The order of the steps keeps the
 * order of the reps (those the referrals name before those only the
 * reminders name).
 */
int report_compute(struct store *st, const struct config *cfg, int64_t since, int64_t until,
                   struct report *r)
{
	struct acc a = {.cfg = cfg, .r = r, .stp = st};
	int rc;

	memset(r, 0, sizeof(*r));
	r->since = since;
	r->until = until;
	r->goal_referrals = cfg->goal_referrals;
	r->goal_won = cfg->goal_won;
	make_months(r);
	make_bounds(&a);
	rc = add_reps(st, &a);
	if (rc == 0)
		rc = store_report_held(st, &r->held_now);
	if (rc == 0)
		rc = count_waiting(st, &a);
	if (rc == 0)
		rc = count_made(st, &a);
	if (rc == 0)
		rc = store_report_won(st, since, until, add_won, &a);
	if (rc == 0)
		rc = contact_figures(st, &a);
	if (rc == 0)
		rc = choose_top(st, &a);
	if (rc == 0)
		rc = store_report_rewards(st, add_reward, &a);
	if (rc == 0)
		rc = store_report_sent(st, mail_name(MAIL_REMIND_REP), since, until, add_reminders,
		                       &a);
	if (rc != 0) {
		acc_free(&a);
		report_clear(r);
		return -1;
	}
	r->reps = xcalloc(a.nreps + 1, sizeof(*r->reps));
	for (size_t i = 0; i < a.nreps; i++) {
		r->reps[r->nreps++] = a.reps[i].rep;
		memset(&a.reps[i].rep, 0, sizeof(a.reps[i].rep));
	}
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
