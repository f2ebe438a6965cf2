/*
 * view.c - referrals for people (aligned text) and for scripts (JSON via
 * jansson, so quoting and escaping are the library's job, not ours).
 */
#include "view.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "intake.h"
#include "kinds.h"
#include "lifecycle.h"
#include "log.h"
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
	json_object_set_new(o, "confidence",
	                    v->has_confidence ? json_integer(v->confidence) : json_null());
	set_str(o, "evidence", v->evidence);
	json_object_set_new(o, "value", v->has_value ? json_real(v->value) : json_null());
	set_time(o, "created_at", v->created_at);
	set_time(o, "updated_at", v->updated_at);
	set_time(o, "first_contact_at", v->first_contact_at);
	return o;
}

static json_t *event_json(const struct event_view *ev)
{
	json_t *e = json_object();

	set_time(e, "at", ev->at);
	set_str(e, "actor", ev->actor);
	set_str(e, "kind", ev->kind);
	set_str(e, "old_status", ev->old_status);
	set_str(e, "new_status", ev->new_status);
	set_str(e, "detail", ev->detail);
	set_str(e, "message", ev->message_key);
	return e;
}

static json_t *job_json(const struct job_view *j)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(j->id));
	json_object_set_new(o, "referral",
	                    j->referral_id ? json_integer(j->referral_id) : json_null());
	set_str(o, "template", j->template);
	set_str(o, "to", j->recipient);
	set_str(o, "to_name", j->recipient_name);
	set_str(o, "cc", j->cc);
	set_str(o, "state", j->state);
	set_time(o, "due_at", j->due_at);
	set_time(o, "next_attempt_at", strcmp(j->state, "pending") == 0 ? j->next_attempt_at : 0);
	set_time(o, "done_at", j->done_at);
	json_object_set_new(o, "attempts", json_integer(j->attempts));
	set_str(o, strcmp(j->state, "sent") == 0 ? "reply" : "error", j->last_error);
	set_str(o, "message_id", j->message_key);
	json_object_set_new(o, "seq", json_integer(j->seq));
	set_str(o, "note", j->note);
	return o;
}

static json_t *reward_json(const struct reward_view *w, const char *currency)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(w->id));
	json_object_set_new(o, "referral", json_integer(w->referral_id));
	json_object_set_new(o, "amount", json_real(w->amount));
	set_str(o, "currency", currency);
	set_str(o, "state", w->state);
	set_str(o, "rule", w->rule);
	json_object_set_new(o, "referrer", person_json(&w->referrer, 0));
	json_object_set_new(o, "lead", person_json(&w->lead, 0));
	set_time(o, "created_at", w->created_at);
	set_time(o, "paid_at", w->paid_at);
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

/* ---- rows printed as they come (list, outbox) ---- */

/* One element of a streamed JSON array, indented as json_dumpf would
 * indent it inside the whole array. */
static void rows_json(struct view_rows *r, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2));

	json_decref(j);
	if (text == NULL)
		fatal("out of memory (JSON)");
	fputs(r->n++ ? ",\n  " : "[\n  ", r->out);
	for (const char *p = text; *p; p++) {
		fputc(*p, r->out);
		if (*p == '\n')
			fputs("  ", r->out);
	}
	free(text);
}

static void rows_end(struct view_rows *r)
{
	if (r->json)
		fputs(r->n ? "\n]\n" : "[]\n", r->out);
}

void view_rows_start(struct view_rows *r, FILE *out, int json)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->json = json;
}

void view_list_row(struct view_rows *r, const struct referral_view *v)
{
	char iso[32];

	if (r->json) {
		rows_json(r, referral_json(v));
		return;
	}
	if (r->n++ == 0)
		fprintf(r->out, "%-5s %-10s %-20s %-30s %-30s %s\n", "ID", "STATUS", "CREATED",
		        "REFERRER", "LEAD", "REP");
	if (v == NULL)
		return;
	fprintf(r->out, "%-5" PRId64 " %-10s %-20s %-30s %-30s %s\n", v->id, v->status,
	        time_iso(v->created_at, iso),
	        or_dash(v->referrer.email ? v->referrer.email : v->referrer.name),
	        or_dash(v->lead.email ? v->lead.email : v->lead.name), or_dash(v->rep_email));
}

void view_list_end(struct view_rows *r)
{
	if (!r->json && r->n == 0)
		view_list_row(r, NULL);
	rows_end(r);
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

/* "+3 reason; -2 reason" as one reason a line (a reason ends where "; "
 * and a signed weight follow). */
static void print_evidence(FILE *out, const char *indent, const char *ev)
{
	while (ev && *ev) {
		const char *end = ev;

		while ((end = strstr(end, "; ")) != NULL &&
		       !((end[2] == '+' || end[2] == '-') && end[3] >= '0' && end[3] <= '9'))
			end += 2;
		if (end == NULL)
			end = ev + strlen(ev);
		fprintf(out, "%s%.*s\n", indent, (int)(end - ev), ev);
		ev = *end ? end + 2 : end;
	}
}

void view_show(FILE *out, const struct referral_view *v, const struct event_view *ev, size_t nev,
               int json)
{
	char iso[32];

	if (json) {
		json_t *o = referral_json(v), *arr = json_array();

		for (size_t i = 0; i < nev; i++)
			json_array_append_new(arr, event_json(&ev[i]));
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
		fprintf(out, "%-10s %s\n", status_name(STATUS_HELD), v->held_reason);
	if (v->has_confidence) {
		fprintf(out, "%-10s %d (a referral from %d, held from %d)\n", "confidence",
		        v->confidence, INTAKE_REFER_AT, INTAKE_HOLD_AT);
		print_evidence(out, "  ", v->evidence);
	}
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

void view_outbox_row(struct view_rows *r, const struct job_view *v)
{
	char due[32];
	int pending;

	if (r->json) {
		rows_json(r, job_json(v));
		return;
	}
	if (r->n++ == 0)
		fprintf(r->out, "%-5s %-9s %-16s %-28s %-20s %-3s %s\n", "JOB", "STATE", "MAIL",
		        "TO", "WHEN", "TRY", "REFERRAL / REASON");
	if (v == NULL)
		return;
	pending = strcmp(v->state, "pending") == 0;
	time_iso(pending ? v->next_attempt_at : v->done_at, due);
	fprintf(r->out, "%-5" PRId64 " %-9s %-16s %-28s %-20s %-3d ", v->id, v->state, v->template,
	        v->recipient, due, v->attempts);
	if (v->referral_id)
		fprintf(r->out, "#%" PRId64, v->referral_id);
	if (v->note && *v->note) {
		/* a note is lines of facts (jobnote.h): one line here */
		size_t len = strlen(v->note);

		fputs(" (", r->out);
		while (len > 0 && v->note[len - 1] == '\n')
			len--;
		for (size_t k = 0; k < len; k++) {
			if (v->note[k] == '\n')
				fputs("; ", r->out);
			else
				fputc((unsigned char)v->note[k] < 0x20 ? ' ' : v->note[k], r->out);
		}
		fputc(')', r->out);
	}
	if (v->last_error && !(pending && v->attempts == 0))
		fprintf(r->out, " %s", v->last_error);
	fputc('\n', r->out);
}

void view_outbox_end(struct view_rows *r)
{
	if (!r->json && r->n == 0)
		view_outbox_row(r, NULL);
	rows_end(r);
}

void view_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg,
                  int json)
{
	const char *currency = cfg->currency;
	char at[32];

	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, reward_json(&v[i], currency));
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

/* What a top referrer and a rep have alike: who, and how the referrals
 * of the period went. */
static json_t *tally_json(const char *name, const char *email, int64_t referrals, int64_t won,
                          int64_t lost, double won_value)
{
	json_t *o = json_object();

	set_str(o, "name", name);
	set_str(o, "email", email);
	json_object_set_new(o, "referrals", json_integer(referrals));
	json_object_set_new(o, status_name(STATUS_WON), json_integer(won));
	json_object_set_new(o, status_name(STATUS_LOST), json_integer(lost));
	json_object_set_new(o, "won_value", json_real(won_value));
	json_object_set_new(o, "conversion", json_real(report_conversion(won, lost)));
	return o;
}

static json_t *referrer_json(const struct report_referrer *t)
{
	json_t *o = tally_json(t->name, t->email, t->referrals, t->won, t->lost, t->won_value);

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
	json_object_set_new(o, status_name(STATUS_WON), json_integer(m->won));
	json_object_set_new(o, "won_value", json_real(m->won_value));
	return o;
}

static json_t *rep_json(const struct report_rep *p)
{
	json_t *o = tally_json(p->name, p->email, p->referrals, p->won, p->lost, p->won_value);

	json_object_set_new(o, status_name(STATUS_CONTACTED), json_integer(p->contacted));
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
	json_object_set_new(o, status_name(STATUS_CONTACTED), json_integer(r->contacted));
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

/* ---- report --all-businesses ---- */

/* The figures of the businesses summed: the "all" line. */
static void business_total(const struct report_business *v, size_t n, struct report *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		const struct report *r = &v[i].r;

		t->total += r->total;
		for (size_t k = 0; k < ARRAY_SIZE(t->by_status); k++)
			t->by_status[k] += r->by_status[k];
		t->won_value += r->won_value;
		t->waiting_now += r->waiting_now;
		t->held_now += r->held_now;
		t->rewards_owed += r->rewards_owed;
		t->rewards_owed_n += r->rewards_owed_n;
		t->rewards_paid += r->rewards_paid;
		t->rewards_paid_n += r->rewards_paid_n;
	}
}

static json_t *business_json(const char *key, const struct report *r)
{
	json_t *o = json_object(), *st = json_object();

	set_str(o, "business", key);
	json_object_set_new(o, "referrals", json_integer(r->total));
	for (size_t i = 0; i < ARRAY_SIZE(r->by_status); i++)
		json_object_set_new(st, status_name((enum status)i), json_integer(r->by_status[i]));
	json_object_set_new(o, "by_status", st);
	json_object_set_new(
	        o, "conversion",
	        json_real(report_conversion(r->by_status[STATUS_WON], r->by_status[STATUS_LOST])));
	json_object_set_new(o, "won_value", json_real(r->won_value));
	json_object_set_new(o, "waiting_now", json_integer(r->waiting_now));
	json_object_set_new(o, "held_now", json_integer(r->held_now));
	json_object_set_new(o, "rewards_owed", json_real(r->rewards_owed));
	json_object_set_new(o, "rewards_owed_count", json_integer(r->rewards_owed_n));
	json_object_set_new(o, "rewards_paid", json_real(r->rewards_paid));
	json_object_set_new(o, "rewards_paid_count", json_integer(r->rewards_paid_n));
	return o;
}

static void business_text(FILE *out, const char *key, const struct report *r,
                          const struct config *cfg)
{
	int64_t won = r->by_status[STATUS_WON], lost = r->by_status[STATUS_LOST];
	char a[32], b[32], c[32];

	fprintf(out,
	        "  %-24s %9" PRId64 " %5" PRId64 " %5" PRId64 " %9.0f%% %14s %7" PRId64 " %5" PRId64
	        " %12s %12s\n",
	        key, r->total, won, lost, report_conversion(won, lost) * 100,
	        lifecycle_money(cfg, r->won_value, a, sizeof(a)), r->waiting_now, r->held_now,
	        lifecycle_money(cfg, r->rewards_owed, b, sizeof(b)),
	        lifecycle_money(cfg, r->rewards_paid, c, sizeof(c)));
}

void view_businesses(FILE *out, const struct report_business *v, size_t n, const struct config *cfg,
                     int days, int json)
{
	struct report t;

	business_total(v, n, &t);
	if (json) {
		json_t *o = json_object(), *arr = json_array();

		json_object_set_new(o, "days", json_integer(days));
		set_str(o, "currency", cfg->currency);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, business_json(v[i].key, &v[i].r));
		json_object_set_new(o, "businesses", arr);
		json_object_set_new(o, "total", business_json(NULL, &t));
		dump(out, o);
		return;
	}
	fprintf(out, "%zu business%s; referrals made in the last %d days:\n", n, n == 1 ? "" : "es",
	        days);
	fprintf(out, "  %-24s %9s %5s %5s %10s %14s %7s %5s %12s %12s\n", "business", "referrals",
	        status_name(STATUS_WON), status_name(STATUS_LOST), "conversion", "won value",
	        "waiting", status_name(STATUS_HELD), "rewards owed", "paid");
	for (size_t i = 0; i < n; i++)
		business_text(out, v[i].key, &v[i].r, cfg);
	business_text(out, "(all)", &t, cfg);
}

int view_json_string(const char *text, size_t len, const char *key, char **value_r)
{
	json_error_t e;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e), *v;
	int rc = 0;

	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	v = json_object_get(root, key);
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
		*value_r = xstrdup(json_string_value(v));
		rc = 1;
	} else if (json_is_integer(v)) {
		*value_r = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		rc = 1;
	}
	json_decref(root);
	return rc;
}

/* ---- export-person: all that is held about one address ---- */

static json_t *person_record_json(const struct person_record *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(p->id));
	set_str(o, "name", p->name);
	set_str(o, "email", p->email);
	set_str(o, "phone", p->phone);
	set_str(o, "company", p->company);
	set_time(o, "created_at", p->created_at);
	set_time(o, "opted_out_at", p->opted_out_at);
	set_str(o, "opt_out_source", p->opt_out_source);
	set_time(o, "bouncing_at", p->bouncing_at);
	set_str(o, "bounce_reason", p->bounce_reason);
	set_time(o, "last_checkin_at", p->checkin_at);
	set_time(o, "forgotten_at", p->forgotten_at);
	return o;
}

static json_t *person_referrals_json(const struct person_export *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->nreferrals; i++) {
		const struct referral_view *v = &x->referrals[i];
		json_t *o = referral_json(v);

		set_str(o, "role", x->found && v->lead_id == x->person.id ? "lead" : "referrer");
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *person_events_json(const struct person_export *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->nevents; i++) {
		json_t *o = event_json(&x->events[i]);

		json_object_set_new(o, "referral", json_integer(x->events[i].referral_id));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *person_messages_json(const struct person_export *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->nmessages; i++) {
		const struct message_view *m = &x->messages[i];
		json_t *o = json_object();

		set_str(o, "message_id", m->key);
		set_str(o, "direction", m->direction);
		set_str(o, "kind", m->kind);
		set_str(o, "why", m->why);
		set_str(o, "from", m->from_email);
		set_str(o, "subject", m->subject);
		set_time(o, "date", m->date);
		set_time(o, "processed_at", m->at);
		set_str(o, "mailbox", m->mailbox);
		json_object_set_new(o, "uid", m->mailbox ? json_integer(m->uid) : json_null());
		set_str(o, "file", m->source);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *person_mail_json(const struct person_export *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->njobs; i++)
		json_array_append_new(arr, job_json(&x->jobs[i]));
	return arr;
}

static json_t *person_rewards_json(const struct person_export *x, const struct config *cfg)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->nrewards; i++)
		json_array_append_new(arr, reward_json(&x->rewards[i], cfg->currency));
	return arr;
}

void view_person(FILE *out, const char *email, const struct person_export *x,
                 const struct config *cfg)
{
	json_t *o = json_object();

	set_str(o, "email", email);
	json_object_set_new(o, "person", x->found ? person_record_json(&x->person) : json_null());
	json_object_set_new(o, "referrals", person_referrals_json(x));
	json_object_set_new(o, "events", person_events_json(x));
	json_object_set_new(o, "messages", person_messages_json(x));
	json_object_set_new(o, "mail", person_mail_json(x));
	json_object_set_new(o, "rewards", person_rewards_json(x, cfg));
	set_time(o, "opt_out_kept_as_hash", x->optout_kept);
	dump(out, o);
}
