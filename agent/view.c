/*
 * view.c - referrals for people (aligned text) and for scripts (JSON via
 * jansson, so quoting and escaping are the library's job, not ours).
 */
#include "view.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "config.h"
#include "kinds.h"
#include "lifecycle.h"
#include "report.h"
#include "util.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* jansson rejects invalid UTF-8; mail text is cleaned by message.c, but a
 * value must never make a whole listing fail. */
static void set_str(json_t *obj, const char *key, const char *s)
{
	json_t *v = str_or_null(s);

	if (v == NULL)
		v = json_string("\xef\xbf\xbd");
	json_object_set_new(obj, key, v);
}

static void set_time(json_t *obj, const char *key, int64_t t)
{
	char iso[32];

	json_object_set_new(obj, key, t ? json_string(time_iso(t, iso)) : json_null());
}

static json_t *person_json(const struct person_view *p, int full)
{
	json_t *o = json_object();

	set_str(o, "name", p->name);
	set_str(o, "email", p->email);
	if (full) {
		set_str(o, "phone", p->phone);
		set_str(o, "company", p->company);
	}
	return o;
}

static json_t *referral_json(const struct referral_view *v)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(v->id));
	set_str(o, "status", v->status);
	json_object_set_new(o, "referrer",
	                    v->referrer.name || v->referrer.email ? person_json(&v->referrer, 0)
	                                                          : json_null());
	json_object_set_new(o, "lead", person_json(&v->lead, 1));
	if (v->rep_email) {
		json_t *rep = json_object();

		set_str(rep, "name", v->rep_name);
		set_str(rep, "email", v->rep_email);
		json_object_set_new(o, "rep", rep);
	} else {
		json_object_set_new(o, "rep", json_null());
	}
	set_str(o, "context", v->context);
	set_str(o, "subject", v->subject);
	set_str(o, "need", v->need);
	set_str(o, "budget", v->budget);
	set_str(o, "timeline", v->timeline);
	set_str(o, "held_reason", v->held_reason);
	json_object_set_new(o, "value", v->has_value ? json_real(v->value) : json_null());
	set_time(o, "created_at", v->created_at);
	set_time(o, "updated_at", v->updated_at);
	set_time(o, "first_contact_at", v->first_contact_at);
	return o;
}

static void dump(FILE *out, json_t *j)
{
	json_dumpf(j, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(j);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void view_list(FILE *out, const struct referral_view *v, size_t n, int json)
{
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, referral_json(&v[i]));
		dump(out, arr);
		return;
	}
	fprintf(out, "%-5s %-10s %-20s %-30s %-30s %s\n", "ID", "STATUS", "CREATED", "REFERRER",
	        "LEAD", "REP");
	for (size_t i = 0; i < n; i++) {
		char iso[32];

		fprintf(out, "%-5" PRId64 " %-10s %-20s %-30s %-30s %s\n", v[i].id, v[i].status,
		        time_iso(v[i].created_at, iso),
		        or_dash(v[i].referrer.email ? v[i].referrer.email : v[i].referrer.name),
		        or_dash(v[i].lead.email ? v[i].lead.email : v[i].lead.name),
		        or_dash(v[i].rep_email));
	}
}

static void person_line(FILE *out, const char *label, const struct person_view *p)
{
	fprintf(out, "%-10s %s", label, or_dash(p->name));
	if (p->email)
		fprintf(out, " <%s>", p->email);
	if (p->phone)
		fprintf(out, ", phone %s", p->phone);
	if (p->company)
		fprintf(out, ", %s", p->company);
	fputc('\n', out);
}

void view_show(FILE *out, const struct referral_view *v, const struct event_view *ev, size_t nev,
               int json)
{
	char iso[32];

	if (json) {
		json_t *o = referral_json(v), *arr = json_array();

		for (size_t i = 0; i < nev; i++) {
			json_t *e = json_object();

			set_time(e, "at", ev[i].at);
			set_str(e, "actor", ev[i].actor);
			set_str(e, "kind", ev[i].kind);
			set_str(e, "old_status", ev[i].old_status);
			set_str(e, "new_status", ev[i].new_status);
			set_str(e, "detail", ev[i].detail);
			set_str(e, "message", ev[i].message_key);
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "events", arr);
		dump(out, o);
		return;
	}
	fprintf(out, "referral %" PRId64 ": %s\n", v->id, v->status);
	person_line(out, "referrer", &v->referrer);
	person_line(out, "lead", &v->lead);
	fprintf(out, "%-10s %s", "rep", or_dash(v->rep_name));
	if (v->rep_email)
		fprintf(out, " <%s>", v->rep_email);
	fputc('\n', out);
	fprintf(out, "%-10s %s\n", "created", time_iso(v->created_at, iso));
	if (v->subject)
		fprintf(out, "%-10s %s\n", "subject", v->subject);
	if (v->need)
		fprintf(out, "%-10s %s\n", "need", v->need);
	if (v->budget)
		fprintf(out, "%-10s %s\n", "budget", v->budget);
	if (v->timeline)
		fprintf(out, "%-10s %s\n", "timeline", v->timeline);
	if (v->held_reason)
		fprintf(out, "%-10s %s\n", "held", v->held_reason);
	if (v->context && *v->context) {
		fprintf(out, "context:\n");
		for (const char *p = v->context; *p;) {
			size_t n = strcspn(p, "\n");

			fprintf(out, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	fprintf(out, "events:\n");
	for (size_t i = 0; i < nev; i++) {
		fprintf(out, "  %s %-9s %s", time_iso(ev[i].at, iso), ev[i].kind,
		        or_dash(ev[i].actor));
		if (ev[i].new_status)
			fprintf(out, " [%s%s%s]", ev[i].old_status ? ev[i].old_status : "",
			        ev[i].old_status ? " -> " : "", ev[i].new_status);
		if (ev[i].detail)
			fprintf(out, ": %s", ev[i].detail);
		fputc('\n', out);
	}
}

void view_outbox(FILE *out, const struct job_view *v, size_t n, int json)
{
	char due[32];

	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(v[i].id));
			json_object_set_new(o, "referral",
			                    v[i].referral_id ? json_integer(v[i].referral_id)
			                                     : json_null());
			set_str(o, "template", v[i].template);
			set_str(o, "to", v[i].recipient);
			set_str(o, "to_name", v[i].recipient_name);
			set_str(o, "cc", v[i].cc);
			set_str(o, "state", v[i].state);
			set_time(o, "due_at", v[i].due_at);
			set_time(o, "next_attempt_at",
			         strcmp(v[i].state, "pending") == 0 ? v[i].next_attempt_at : 0);
			set_time(o, "done_at", v[i].done_at);
			json_object_set_new(o, "attempts", json_integer(v[i].attempts));
			set_str(o, strcmp(v[i].state, "sent") == 0 ? "reply" : "error",
			        v[i].last_error);
			set_str(o, "message_id", v[i].message_key);
			json_object_set_new(o, "seq", json_integer(v[i].seq));
			set_str(o, "note", v[i].note);
			json_array_append_new(arr, o);
		}
		dump(out, arr);
		return;
	}
	fprintf(out, "%-5s %-9s %-16s %-28s %-20s %-3s %s\n", "JOB", "STATE", "MAIL", "TO", "WHEN",
	        "TRY", "REFERRAL / REASON");
	for (size_t i = 0; i < n; i++) {
		int pending = strcmp(v[i].state, "pending") == 0;

		time_iso(pending ? v[i].next_attempt_at : v[i].done_at, due);
		fprintf(out, "%-5" PRId64 " %-9s %-16s %-28s %-20s %-3d ", v[i].id, v[i].state,
		        v[i].template, v[i].recipient, due, v[i].attempts);
		if (v[i].referral_id)
			fprintf(out, "#%" PRId64, v[i].referral_id);
		if (v[i].note)
			fprintf(out, " (%s)", v[i].note);
		if (v[i].last_error && !(pending && v[i].attempts == 0))
			fprintf(out, " %s", v[i].last_error);
		fputc('\n', out);
	}
}

void view_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg,
                  int json)
{
	const char *currency = cfg->currency;
	char at[32];

	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(v[i].id));
			json_object_set_new(o, "referral", json_integer(v[i].referral_id));
			json_object_set_new(o, "amount", json_real(v[i].amount));
			set_str(o, "currency", currency);
			set_str(o, "state", v[i].state);
			set_str(o, "rule", v[i].rule);
			json_object_set_new(o, "referrer", person_json(&v[i].referrer, 0));
			json_object_set_new(o, "lead", person_json(&v[i].lead, 0));
			set_time(o, "created_at", v[i].created_at);
			set_time(o, "paid_at", v[i].paid_at);
			json_array_append_new(arr, o);
		}
		dump(out, arr);
		return;
	}
	fprintf(out, "%-4s %-5s %-12s %-6s %-30s %-26s %s\n", "ID", "REF", "AMOUNT", "STATE",
	        "REFERRER", "LEAD", "SINCE");
	for (size_t i = 0; i < n; i++) {
		char amount[48];

		lifecycle_money(cfg, v[i].amount, amount, sizeof(amount));
		fprintf(out, "%-4" PRId64 " #%-4" PRId64 " %-12s %-6s %-30s %-26s %s\n", v[i].id,
		        v[i].referral_id, amount, v[i].state,
		        or_dash(v[i].referrer.email ? v[i].referrer.email : v[i].referrer.name),
		        or_dash(v[i].lead.email ? v[i].lead.email : v[i].lead.name),
		        time_iso(v[i].paid_at ? v[i].paid_at : v[i].created_at, at));
	}
}

/* "3.5 hours", "2.0 days" */
static const char *duration(double secs, char *buf, size_t len)
{
	if (secs < 3600 * 48)
		snprintf(buf, len, "%.1f hours", secs / 3600);
	else
		snprintf(buf, len, "%.1f days", secs / 86400);
	return buf;
}

/* Hours, or null when there is nothing to measure. */
static json_t *hours_or_null(int64_t n, double seconds)
{
	return n ? json_real(seconds / 3600) : json_null();
}

static json_t *goal_or_null(int goal)
{
	return goal > 0 ? json_integer(goal) : json_null();
}

static json_t *referrer_json(const struct report_referrer *t)
{
	json_t *o = json_object();

	set_str(o, "name", t->name);
	set_str(o, "email", t->email);
	json_object_set_new(o, "referrals", json_integer(t->referrals));
	json_object_set_new(o, "won", json_integer(t->won));
	json_object_set_new(o, "lost", json_integer(t->lost));
	json_object_set_new(o, "won_value", json_real(t->won_value));
	json_object_set_new(o, "conversion", json_real(report_conversion(t->won, t->lost)));
	json_object_set_new(o, "rewards_owed", json_real(t->rewards_owed));
	json_object_set_new(o, "rewards_owed_count", json_integer(t->rewards_owed_n));
	json_object_set_new(o, "rewards_paid", json_real(t->rewards_paid));
	json_object_set_new(o, "rewards_paid_count", json_integer(t->rewards_paid_n));
	return o;
}

static json_t *month_json(const struct report_month *m)
{
	json_t *o = json_object();

	set_str(o, "month", m->label);
	set_time(o, "start", m->start);
	json_object_set_new(o, "referrals", json_integer(m->referrals));
	json_object_set_new(o, "won", json_integer(m->won));
	json_object_set_new(o, "won_value", json_real(m->won_value));
	return o;
}

static json_t *rep_json(const struct report_rep *p)
{
	json_t *o = json_object();

	set_str(o, "name", p->name);
	set_str(o, "email", p->email);
	json_object_set_new(o, "referrals", json_integer(p->referrals));
	json_object_set_new(o, "won", json_integer(p->won));
	json_object_set_new(o, "lost", json_integer(p->lost));
	json_object_set_new(o, "won_value", json_real(p->won_value));
	json_object_set_new(o, "conversion", json_real(report_conversion(p->won, p->lost)));
	json_object_set_new(o, "contacted", json_integer(p->contacted));
	json_object_set_new(o, "first_contact_median_hours",
	                    hours_or_null(p->contacted, p->first_contact_median));
	json_object_set_new(o, "first_contact_p90_hours",
	                    hours_or_null(p->contacted, p->first_contact_p90));
	json_object_set_new(o, "reminders", json_integer(p->reminders));
	json_object_set_new(o, "escalations", json_integer(p->escalations));
	json_object_set_new(o, "waiting", json_integer(p->waiting));
	json_object_set_new(o, "overdue", json_integer(p->overdue));
	return o;
}

static void report_json(FILE *out, const struct report *r, const struct config *cfg, int days)
{
	json_t *o = json_object(), *st = json_object(), *top = json_array(), *months = json_array(),
	       *reps = json_array(), *goals = json_object();
	int64_t won = r->by_status[STATUS_WON], lost = r->by_status[STATUS_LOST];

	set_time(o, "since", r->since);
	set_time(o, "until", r->until);
	json_object_set_new(o, "days", json_integer(days));
	json_object_set_new(o, "referrals", json_integer(r->total));
	for (size_t i = 0; i < ARRAY_SIZE(r->by_status); i++)
		json_object_set_new(st, status_name((enum status)i), json_integer(r->by_status[i]));
	json_object_set_new(o, "by_status", st);
	json_object_set_new(o, "conversion", json_real(report_conversion(won, lost)));
	json_object_set_new(o, "won_value", json_real(r->won_value));
	json_object_set_new(o, "won_in_window", json_integer(r->won_in_window));
	json_object_set_new(o, "won_in_window_value", json_real(r->won_in_window_value));
	json_object_set_new(o, "contacted", json_integer(r->contacted));
	json_object_set_new(o, "first_contact_median_hours",
	                    hours_or_null(r->contacted, r->first_contact_median));
	json_object_set_new(o, "first_contact_mean_hours",
	                    hours_or_null(r->contacted, r->first_contact_mean));
	json_object_set_new(o, "first_contact_p90_hours",
	                    hours_or_null(r->contacted, r->first_contact_p90));
	json_object_set_new(o, "reminders", json_integer(r->reminders));
	json_object_set_new(o, "escalations", json_integer(r->escalations));
	json_object_set_new(o, "held_now", json_integer(r->held_now));
	json_object_set_new(o, "waiting_now", json_integer(r->waiting_now));
	json_object_set_new(o, "overdue_now", json_integer(r->overdue_now));
	for (size_t i = 0; i < r->ntop; i++)
		json_array_append_new(top, referrer_json(&r->top[i]));
	json_object_set_new(o, "top_referrers", top);
	json_object_set_new(o, "rewards_owed", json_real(r->rewards_owed));
	json_object_set_new(o, "rewards_owed_count", json_integer(r->rewards_owed_n));
	json_object_set_new(o, "rewards_paid", json_real(r->rewards_paid));
	json_object_set_new(o, "rewards_paid_count", json_integer(r->rewards_paid_n));
	set_str(o, "currency", cfg->currency);
	json_object_set_new(goals, "referrals_per_month", goal_or_null(r->goal_referrals));
	json_object_set_new(goals, "won_per_month", goal_or_null(r->goal_won));
	json_object_set_new(o, "goals", goals);
	for (size_t i = 0; i < r->nmonths; i++)
		json_array_append_new(months, month_json(&r->months[i]));
	json_object_set_new(o, "months", months);
	for (size_t i = 0; i < r->nreps; i++)
		json_array_append_new(reps, rep_json(&r->reps[i]));
	json_object_set_new(o, "reps", reps);
	dump(out, o);
}

/* The per-rep lines of the text report. */
static void report_reps_text(FILE *out, const struct report *r)
{
	char a[32], b[32];

	if (r->nreps == 0)
		return;
	fprintf(out, "per rep (first contact median / 90%%; reminders, escalations; waiting, "
	             "overdue now):\n");
	for (size_t i = 0; i < r->nreps; i++) {
		const struct report_rep *p = &r->reps[i];

		fprintf(out, "  %-30s %3" PRId64 " referral%s, %" PRId64 " won", or_dash(p->email),
		        p->referrals, p->referrals == 1 ? "" : "s", p->won);
		if (p->contacted)
			fprintf(out, "; %s / %s", duration(p->first_contact_median, a, sizeof(a)),
			        duration(p->first_contact_p90, b, sizeof(b)));
		fprintf(out, "; %" PRId64 ", %" PRId64 "; %" PRId64 ", %" PRId64 "\n", p->reminders,
		        p->escalations, p->waiting, p->overdue);
	}
}

void view_report(FILE *out, const struct report *r, const struct config *cfg, int days, int json)
{
	int64_t won = r->by_status[STATUS_WON], lost = r->by_status[STATUS_LOST];
	double conversion = report_conversion(won, lost);
	char a[32], b[32], c[32];

	if (json) {
		report_json(out, r, cfg, days);
		return;
	}
	fprintf(out, "referrals made in the last %d days: %" PRId64 "\n", days, r->total);
	for (size_t i = 0; i < ARRAY_SIZE(r->by_status); i++)
		if (r->by_status[i])
			fprintf(out, "  %-10s %" PRId64 "\n", status_name((enum status)i),
			        r->by_status[i]);
	fprintf(out,
	        "conversion (won of won + lost): %.0f%% (%" PRId64 " of %" PRId64 "), won "
	        "value %s\n",
	        conversion * 100, won, won + lost,
	        lifecycle_money(cfg, r->won_value, a, sizeof(a)));
	if (r->contacted)
		fprintf(out,
		        "time to first contact: median %s, mean %s, 90%% within %s (%" PRId64
		        " referrals)\n",
		        duration(r->first_contact_median, a, sizeof(a)),
		        duration(r->first_contact_mean, b, sizeof(b)),
		        duration(r->first_contact_p90, c, sizeof(c)), r->contacted);
	else
		fprintf(out, "time to first contact: no first contact yet\n");
	fprintf(out,
	        "waiting now: %" PRId64 " for a first contact (%" PRId64 " overdue), %" PRId64
	        " held for review\n",
	        r->waiting_now, r->overdue_now, r->held_now);
	report_reps_text(out, r);
	fprintf(out, "top referrers:\n");
	for (size_t i = 0; i < r->ntop; i++)
		fprintf(out, "  %-30s %3" PRId64 " referral%s, %" PRId64 " won\n",
		        or_dash(r->top[i].email ? r->top[i].email : r->top[i].name),
		        r->top[i].referrals, r->top[i].referrals == 1 ? "" : "s", r->top[i].won);
	fprintf(out, "rewards owed: %s (%" PRId64 "), paid: %s (%" PRId64 ")\n",
	        lifecycle_money(cfg, r->rewards_owed, a, sizeof(a)), r->rewards_owed_n,
	        lifecycle_money(cfg, r->rewards_paid, b, sizeof(b)), r->rewards_paid_n);
}
