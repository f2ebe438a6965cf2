/*
 * export.c - CSV for spreadsheets (see export.h).  Only the columns and
 * their order are decided here; quoting and the formula guard are
 * sheet.c's.
 */
#include "export.h"

#include <inttypes.h>
#include <time.h>

#include "config.h"
#include "kinds.h"
#include "report.h"
#include "sheet.h"
#include "util.h"

/* A time cell: local "2026-03-02 14:30:00", empty for 0. */
static void time_cell(struct sheet_out *o, int64_t t)
{
	char s[32] = "";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t && localtime_r(&tt, &tm))
		strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	sheet_text(o, s);
}

static void int_cell(struct sheet_out *o, int64_t n)
{
	sheet_number(o, 1, (double)n);
}

static void header(struct sheet_out *o, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sheet_text(o, names[i]);
	sheet_end_row(o);
}

void export_referrals_header(FILE *out)
{
	static const char *const names[] = {"ID",
	                                    "Date",
	                                    "Status",
	                                    "Referrer",
	                                    "Referrer email",
	                                    "Referrer phone",
	                                    "Lead",
	                                    "Email",
	                                    "Phone",
	                                    "Company",
	                                    "Rep",
	                                    "Rep email",
	                                    "Value",
	                                    "Need",
	                                    "Budget",
	                                    "Timeline",
	                                    "Subject",
	                                    "Notes",
	                                    "First contact",
	                                    "Updated"};
	struct sheet_out o = {.f = out};

	header(&o, names, ARRAY_SIZE(names));
}

void export_referral_row(FILE *out, const struct referral_view *r)
{
	struct sheet_out o = {.f = out};

	int_cell(&o, r->id);
	time_cell(&o, r->created_at);
	sheet_text(&o, r->status);
	sheet_text(&o, r->referrer.name);
	sheet_text(&o, r->referrer.email);
	sheet_text(&o, r->referrer.phone);
	sheet_text(&o, r->lead.name);
	sheet_text(&o, r->lead.email);
	sheet_text(&o, r->lead.phone);
	sheet_text(&o, r->lead.company);
	sheet_text(&o, r->rep_name);
	sheet_text(&o, r->rep_email);
	sheet_number(&o, r->has_value, r->value);
	sheet_text(&o, r->need);
	sheet_text(&o, r->budget);
	sheet_text(&o, r->timeline);
	sheet_text(&o, r->subject);
	sheet_text(&o, r->context);
	time_cell(&o, r->first_contact_at);
	time_cell(&o, r->updated_at);
	sheet_end_row(&o);
}

void export_referrals(FILE *out, const struct referral_view *v, size_t n)
{
	export_referrals_header(out);
	for (size_t i = 0; i < n; i++)
		export_referral_row(out, &v[i]);
}

void export_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg)
{
	static const char *const names[] = {"ID",         "Referral", "Amount",         "Currency",
	                                    "State",      "Referrer", "Referrer email", "Lead",
	                                    "Lead email", "Rule",     "Owed since",     "Paid"};
	struct sheet_out o = {.f = out};

	header(&o, names, ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++) {
		int_cell(&o, v[i].id);
		int_cell(&o, v[i].referral_id);
		sheet_number(&o, 1, v[i].amount);
		sheet_text(&o, cfg->currency);
		sheet_text(&o, v[i].state);
		sheet_text(&o, v[i].referrer.name);
		sheet_text(&o, v[i].referrer.email);
		sheet_text(&o, v[i].lead.name);
		sheet_text(&o, v[i].lead.email);
		sheet_text(&o, v[i].rule);
		time_cell(&o, v[i].created_at);
		time_cell(&o, v[i].paid_at);
		sheet_end_row(&o);
	}
}

/* One figure: Figure, Item, Value. */
static void figure(struct sheet_out *o, const char *what, const char *item, int has, double x)
{
	sheet_text(o, what);
	sheet_text(o, item);
	sheet_number(o, has, x);
	sheet_end_row(o);
}

void export_report(FILE *out, const struct report *r, const struct config *cfg, int days)
{
	static const char *const names[] = {"Figure", "Item", "Value"};
	int64_t won = r->by_status[STATUS_WON], lost = r->by_status[STATUS_LOST];
	struct sheet_out o = {.f = out};
	char item[320];

	header(&o, names, ARRAY_SIZE(names));
	figure(&o, "period", "days", 1, days);
	sheet_text(&o, "period");
	sheet_text(&o, "since");
	time_cell(&o, r->since);
	sheet_end_row(&o);
	figure(&o, "referrals", "made", 1, (double)r->total);
	for (size_t i = 0; i < ARRAY_SIZE(r->by_status); i++)
		figure(&o, "by status", status_name((enum status)i), 1, (double)r->by_status[i]);
	figure(&o, "won value", "amount", 1, r->won_value);
	figure(&o, "conversion", "won of won + lost", won + lost > 0,
	       won + lost ? (double)won / (double)(won + lost) : 0);
	figure(&o, "first contact", "referrals contacted", 1, (double)r->contacted);
	figure(&o, "first contact", "median hours", r->contacted > 0,
	       r->first_contact_median / 3600);
	figure(&o, "first contact", "mean hours", r->contacted > 0, r->first_contact_mean / 3600);
	for (size_t i = 0; i < r->ntop; i++) {
		const struct report_referrer *t = &r->top[i];

		if (t->name && t->email)
			snprintf(item, sizeof(item), "%s <%s>", t->name, t->email);
		else
			snprintf(item, sizeof(item), "%s",
			         t->email  ? t->email
			         : t->name ? t->name
			                   : "");
		figure(&o, "top referrer: referrals", item, 1, (double)t->referrals);
		figure(&o, "top referrer: won", item, 1, (double)t->won);
		figure(&o, "top referrer: won value", item, 1, t->won_value);
	}
	figure(&o, "rewards owed", "count", 1, (double)r->rewards_owed_n);
	figure(&o, "rewards owed", "amount", 1, r->rewards_owed);
	figure(&o, "rewards paid", "count", 1, (double)r->rewards_paid_n);
	figure(&o, "rewards paid", "amount", 1, r->rewards_paid);
	figure(&o, "currency", cfg->currency, 0, 0);
}
