/*
 * report_html.c - the report as one HTML page a business owner can open,
 * print or mail on (see report_write_html in report.h).
 *
 * The page stands alone: CSS in a <style>, charts as inline SVG drawn
 * here by hand (bars, a funnel, a line), no script, no font, image or
 * style from anywhere else, so it opens the same offline, in a mail
 * attachment or years later.  Every name and address comes from mail and
 * is HTML-escaped; the colour comes from the config, which accepts only
 * #rgb or #rrggbb.
 *
 * The charts are for people; their numbers are for machines too: each
 * chart has a stable id, and each mark carries what it shows in data-*
 * attributes with the same figures as `report --json` (counts as
 * integers, hours, money and shares as decimals), which is what the
 * browser test compares.
 */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "lifecycle.h"
#include "util.h"

/* The accent when [agent] colour is not set. */
#define DEFAULT_ACCENT "#1a7f5a"

/* Chart geometry, in SVG user units (the page scales them). */
#define CHART_W   720
#define ROW_H     34
#define BAR_H     22
#define LABEL_W   170
#define VALUE_W   130
#define MONTHLY_H 300

struct page {
	FILE *f;
	const struct config *cfg;
	const struct report *r;
	const char *accent;
	int days;
};

/* ---- text ---- */

/* s as HTML text or attribute value: & < > " ' escaped. */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		const char *e = html_entity(*s);

		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

/* A person as people read them: the name, else the address, else "-". */
static const char *who(const char *name, const char *email)
{
	return name && *name ? name : email && *email ? email : "-";
}

/* "45 min", "3.5 h", "2.1 days" */
static const char *duration(double secs, char *buf, size_t len)
{
	if (secs < 3600)
		snprintf(buf, len, "%.0f min", secs / 60);
	else if (secs < 48 * 3600)
		snprintf(buf, len, "%.1f h", secs / 3600);
	else
		snprintf(buf, len, "%.1f days", secs / 86400);
	return buf;
}

static const char *money(const struct page *p, double x, char *buf, size_t len)
{
	return lifecycle_money(p->cfg, x, buf, len);
}

/* "$12k", "$1.2M": an axis label. */
static const char *money_short(const struct page *p, double x, char *buf, size_t len)
{
	const char *c = p->cfg->currency ? p->cfg->currency : "";

	if (x >= 1e6)
		snprintf(buf, len, "%s%.3gM", c, x / 1e6);
	else if (x >= 1e3)
		snprintf(buf, len, "%s%.3gk", c, x / 1e3);
	else
		snprintf(buf, len, "%s%.0f", c, x);
	return buf;
}

/* ---- scales ---- */

/* The axis' top: x rounded up to 1, 2 or 5 times a power of ten (at
 * least 1). */
static double nice_max(double x)
{
	double p;

	if (!(x > 1))
		return 1;
	p = pow(10, floor(log10(x)));
	if (x <= p)
		return p;
	if (x <= 2 * p)
		return 2 * p;
	if (x <= 5 * p)
		return 5 * p;
	return 10 * p;
}

/* A bar's length for v on a scale of max over len units: at least 2, so
 * that a zero still shows where it would be. */
static double bar_len(double v, double max, double len)
{
	double w = max > 0 ? v / max * len : 0;

	return w < 2 ? 2 : w;
}

/* ---- the page's frame ---- */

static void head(struct page *p)
{
	FILE *f = p->f;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* nothing is fetched, even by mistake */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>",
	      f);
	esc(f, p->cfg->name);
	fputs(" - referral report</title>\n<style>\n", f);
	fprintf(f, ":root { --accent: %s; }\n", p->accent);
	fputs("* { box-sizing: border-box; }\n"
	      "body { margin: 0; background: #f4f5f7; color: #1f2933;"
	      " font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue',"
	      " Arial, sans-serif; }\n"
	      "header { background: var(--accent); color: #fff; padding: 28px 32px 22px; }\n"
	      "header h1 { margin: 0; font-size: 26px; font-weight: 650; }\n"
	      "header p { margin: 4px 0 0; opacity: .9; }\n"
	      "main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 40px; }\n"
	      ".kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));"
	      " gap: 12px; margin-bottom: 20px; }\n"
	      ".kpi { background: #fff; border-radius: 10px; padding: 14px 16px;"
	      " box-shadow: 0 1px 2px rgba(0,0,0,.08); }\n"
	      ".kpi .v { font-size: 24px; font-weight: 650; color: #111827; }\n"
	      ".kpi .k { font-size: 13px; color: #52606d; }\n"
	      ".kpi.warn .v { color: #b45309; }\n"
	      ".card { background: #fff; border-radius: 10px; padding: 18px 20px 14px;"
	      " margin-bottom: 20px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }\n"
	      ".card h2 { margin: 0 0 2px; font-size: 18px; }\n"
	      ".card .note { margin: 0 0 10px; color: #52606d; font-size: 13px; }\n"
	      "svg.chart { width: 100%; height: auto; display: block; }\n"
	      "svg text { font: 12px system-ui, -apple-system, 'Segoe UI', Roboto, Arial,"
	      " sans-serif; fill: #323f4b; }\n"
	      "svg .axis { stroke: #d9dee3; stroke-width: 1; }\n"
	      "svg .muted { fill: #7b8794; }\n"
	      ".legend { display: flex; gap: 18px; flex-wrap: wrap; font-size: 13px;"
	      " color: #52606d; margin-top: 6px; }\n"
	      ".legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px;"
	      " margin-right: 6px; vertical-align: -1px; }\n"
	      "table { width: 100%; border-collapse: collapse; font-size: 14px; }\n"
	      "th, td { text-align: right; padding: 7px 8px; border-bottom: 1px solid #e4e7eb; }\n"
	      "th:first-child, td:first-child { text-align: left; }\n"
	      "th { font-size: 12px; color: #52606d; font-weight: 600; text-transform: uppercase;"
	      " letter-spacing: .03em; }\n"
	      "td .sub { display: block; color: #7b8794; font-size: 12px; }\n"
	      "td svg { vertical-align: middle; }\n"
	      ".callout { border-left: 4px solid var(--accent); background: #f0f4f8;"
	      " padding: 10px 14px; border-radius: 4px; }\n"
	      "code { background: #e4e7eb; padding: 1px 5px; border-radius: 4px; }\n"
	      "footer { color: #7b8794; font-size: 12px; text-align: center; padding: 0 0 24px; }\n"
	      "@media print { body { background: #fff; } .card, .kpi { box-shadow: none;"
	      " border: 1px solid #d9dee3; break-inside: avoid; } }\n"
	      "</style>\n</head>\n<body>\n",
	      f);
}

static void header(struct page *p)
{
	char a[32], b[32];

	fputs("<header>\n<h1>", p->f);
	esc(p->f, p->cfg->name);
	fputs(" &middot; referrals</h1>\n", p->f);
	fprintf(p->f, "<p>Referrals made from %s to %s (%d days)</p>\n</header>\n<main>\n",
	        time_day(p->r->since, a), time_day(p->r->until, b), p->days);
}

/* One key figure: its JSON key, its number for machines, its words. */
static void kpi(struct page *p, const char *key, const char *number, const char *shown,
                const char *label, int warn)
{
	fprintf(p->f,
	        "<div class=\"kpi%s\" data-key=\"%s\" data-value=\"%s\"><div class=\"v\">%s</div>"
	        "<div class=\"k\">%s</div></div>\n",
	        warn ? " warn" : "", key, number, shown, label);
}

static void kpis(struct page *p)
{
	const struct report *r = p->r;
	int64_t won = r->by_status[STATUS_WON], lost = r->by_status[STATUS_LOST];
	char n[64], s[64];

	fputs("<section class=\"kpis\" id=\"kpis\">\n", p->f);
	snprintf(n, sizeof(n), "%" PRId64, r->total);
	kpi(p, "referrals", n, n, "referrals made", 0);
	snprintf(n, sizeof(n), "%" PRId64, won);
	kpi(p, status_name(STATUS_WON), n, n, "of them won", 0);
	snprintf(n, sizeof(n), "%.2f", r->won_value);
	kpi(p, "won_value", n, money(p, r->won_value, s, sizeof(s)), "won value", 0);
	snprintf(n, sizeof(n), "%.4f", report_conversion(won, lost));
	snprintf(s, sizeof(s), "%.0f%%", report_conversion(won, lost) * 100);
	kpi(p, "conversion", n, s, "conversion (won of won + lost)", 0);
	if (r->contacted) {
		snprintf(n, sizeof(n), "%.4f", r->first_contact_median / 3600);
		kpi(p, "first_contact_median_hours", n,
		    duration(r->first_contact_median, s, sizeof(s)), "median first contact", 0);
		snprintf(n, sizeof(n), "%.4f", r->first_contact_p90 / 3600);
		kpi(p, "first_contact_p90_hours", n, duration(r->first_contact_p90, s, sizeof(s)),
		    "90% contacted within", 0);
	}
	snprintf(n, sizeof(n), "%" PRId64, r->overdue_now);
	kpi(p, "overdue_now", n, n, "first contacts overdue now", r->overdue_now > 0);
	snprintf(n, sizeof(n), "%" PRId64, r->held_now);
	kpi(p, "held_now", n, n, "held for review now", 0);
	snprintf(n, sizeof(n), "%.2f", r->rewards_owed);
	kpi(p, "rewards_owed", n, money(p, r->rewards_owed, s, sizeof(s)), "rewards owed", 0);
	snprintf(n, sizeof(n), "%.2f", r->rewards_paid);
	kpi(p, "rewards_paid", n, money(p, r->rewards_paid, s, sizeof(s)), "rewards paid", 0);
	fputs("</section>\n", p->f);
}

/* <section class="card"> with its heading and note; end with card_end. */
static void card(struct page *p, const char *id, const char *title, const char *note)
{
	fprintf(p->f, "<section class=\"card\" id=\"%s-card\">\n<h2>%s</h2>\n", id, title);
	if (note)
		fprintf(p->f, "<p class=\"note\">%s</p>\n", note);
}

static void card_end(struct page *p)
{
	fputs("</section>\n", p->f);
}

/* The end of a card with nothing to show but a note, why. */
static void card_empty(struct page *p, const char *why)
{
	fprintf(p->f, "<p class=\"note\">%s</p>\n", why);
	card_end(p);
}

/* A table in a card, its first row the header cells th ("<th>Rep</th>");
 * end it with table_end, which ends the card too. */
static void table_start(struct page *p, const char *id, const char *th)
{
	fprintf(p->f, "<table id=\"%s\">\n<tr>%s</tr>\n", id, th);
}

static void table_end(struct page *p)
{
	fputs("</table>\n", p->f);
	card_end(p);
}

/* <svg id=...> of height h; end with "</svg>\n". */
static void svg_open(struct page *p, const char *id, int h, const char *label)
{
	fprintf(p->f,
	        "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">\n",
	        id, CHART_W, h, label);
}

/* ---- the funnel ---- */

/* The statuses in the funnel's order: the way to a win, drawn in the
 * accent, then the ways out of it, each in a colour of its own. */
static const struct {
	enum status status;
	const char *colour; /* NULL: the accent */
} funnel_rows[] = {
        {STATUS_NEW, NULL},       {STATUS_CONTACTED, NULL},     {STATUS_QUALIFIED, NULL},
        {STATUS_PROPOSAL, NULL},  {STATUS_WON, NULL},           {STATUS_LOST, "#c2410c"},
        {STATUS_HELD, "#b7791f"}, {STATUS_REJECTED, "#7b8794"}, {STATUS_EXPIRED, "#9aa5b1"},
};
/* How many of funnel_rows lead to a win. */
#define FUNNEL_PIPELINE 5

static void funnel(struct page *p)
{
	const struct report *r = p->r;
	int64_t max = 0;
	double span = CHART_W - LABEL_W - VALUE_W;
	int gap = 18, h = (int)ARRAY_SIZE(funnel_rows) * ROW_H + gap + 8;

	for (size_t i = 0; i < ARRAY_SIZE(funnel_rows); i++)
		if (r->by_status[funnel_rows[i].status] > max)
			max = r->by_status[funnel_rows[i].status];
	card(p, "funnel", "Where the referrals stand",
	     "Referrals made in the period, by their status now: the way to a win on top, "
	     "the ways out of it below.");
	svg_open(p, "funnel", h, "Referrals by status");
	for (size_t i = 0; i < ARRAY_SIZE(funnel_rows); i++) {
		enum status s = funnel_rows[i].status;
		int64_t v = r->by_status[s];
		double w = bar_len((double)v, (double)max, span);
		double x = LABEL_W + (span - w) / 2;
		int y = (int)i * ROW_H + 4 + (i >= FUNNEL_PIPELINE ? gap : 0);
		/* the pipeline in the accent, fading toward the win */
		double opacity = i < FUNNEL_PIPELINE ? 1.0 - 0.12 * (double)i : 1.0;

		if (i == FUNNEL_PIPELINE)
			fprintf(p->f,
			        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
			        LABEL_W, y - gap / 2 - 2, CHART_W - VALUE_W, y - gap / 2 - 2);
		fprintf(p->f,
		        "<g class=\"stage\" data-status=\"%s\" data-value=\"%" PRId64 "\">\n"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n"
		        "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		        "rx=\"4\" "
		        "fill=\"%s\" fill-opacity=\"%.2f\"><title>%s: %s</title></rect>\n"
		        "<text x=\"%d\" y=\"%d\">%" PRId64,
		        status_name(s), v, LABEL_W - 12, y + BAR_H / 2 + 4, status_name(s), x, y, w,
		        BAR_H, funnel_rows[i].colour ? funnel_rows[i].colour : p->accent, opacity,
		        status_name(s), status_table[s].what, CHART_W - VALUE_W + 12,
		        y + BAR_H / 2 + 4, v);
		if (r->total)
			fprintf(p->f, " <tspan class=\"muted\">(%.0f%%)</tspan>",
			        (double)v * 100 / (double)r->total);
		fputs("</text>\n</g>\n", p->f);
	}
	fputs("</svg>\n", p->f);
	card_end(p);
}

/* ---- per month ---- */

/* Every k-th month is labelled, so that labels never overlap. */
static size_t label_step(size_t n)
{
	return n <= 14 ? 1 : (n + 13) / 14;
}

/* "Jan", with the year under January and under the first month. */
static void month_label(struct page *p, const struct report_month *m, int first, double x, int y)
{
	time_t tt = (time_t)m->start;
	struct tm lt;
	char mon[16], year[16];

	localtime_r(&tt, &lt);
	strftime(mon, sizeof(mon), "%b", &lt);
	strftime(year, sizeof(year), "%Y", &lt);
	fprintf(p->f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s", x, y, mon);
	if (first || lt.tm_mon == 0)
		fprintf(p->f, "<tspan x=\"%.1f\" dy=\"14\" class=\"muted\">%s</tspan>", x, year);
	fputs("</text>\n", p->f);
}

/* Horizontal grid lines with their values at the left (counts) and,
 * when right_max > 0, at the right (money). */
static void grid(struct page *p, int x0, int x1, int y0, int h, double left_max, double right_max)
{
	char buf[32];

	for (int i = 0; i <= 4; i++) {
		double y = y0 + h - h * i / 4.0;

		fprintf(p->f,
		        "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", x0,
		        y, x1, y);
		fprintf(p->f,
		        "<text class=\"muted\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
		        x0 - 6, y + 4, left_max * i / 4);
		if (right_max > 0)
			fprintf(p->f, "<text class=\"muted\" x=\"%d\" y=\"%.1f\">%s</text>\n",
			        x1 + 6, y + 4, money_short(p, right_max * i / 4, buf, sizeof(buf)));
	}
}

/* A dashed goal line at value goal on a scale of max. */
static void goal_line(struct page *p, int x0, int x1, int y0, int h, double goal, double max)
{
	double y = y0 + h - goal / max * h;

	/* the label at the left, on a white halo: bars grow at the right */
	fprintf(p->f,
	        "<line class=\"goal-line\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
	        "stroke=\"#1f2933\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" "
	        "data-goal=\"%g\"/>\n<text x=\"%d\" y=\"%.1f\" stroke=\"#fff\" "
	        "stroke-width=\"3\" paint-order=\"stroke\">goal %g</text>\n",
	        x0, y, x1, y, goal, x0 + 4, y - 5, goal);
}

static void monthly(struct page *p)
{
	const struct report *r = p->r;
	const int x0 = 48, x1 = CHART_W - 64, y0 = 16, h = MONTHLY_H - 16 - 46;
	double count_max = r->goal_referrals, value_max = 0, band;
	size_t step = label_step(r->nmonths);
	char buf[64];

	for (size_t i = 0; i < r->nmonths; i++) {
		if ((double)r->months[i].referrals > count_max)
			count_max = (double)r->months[i].referrals;
		if (r->months[i].won_value > value_max)
			value_max = r->months[i].won_value;
	}
	count_max = nice_max(count_max);
	value_max = nice_max(value_max);
	band = (double)(x1 - x0) / (double)(r->nmonths ? r->nmonths : 1);
	card(p, "monthly", "Referrals and won value per month",
	     "Bars: referrals made each month. Line: the value of the referrals won each month "
	     "(counted in the month of the win). The first and the current month may be partial.");
	svg_open(p, "monthly", MONTHLY_H, "Referrals and won value per month");
	grid(p, x0, x1, y0, h, count_max, value_max);
	if (r->goal_referrals > 0)
		goal_line(p, x0, x1, y0, h, r->goal_referrals, count_max);
	/* the line of won value first, so the bars' dots sit on top */
	fputs("<polyline class=\"won-line\" fill=\"none\" stroke=\"#b45309\" stroke-width=\"2.5\" "
	      "stroke-linejoin=\"round\" points=\"",
	      p->f);
	for (size_t i = 0; i < r->nmonths; i++)
		fprintf(p->f, "%s%.1f,%.1f", i ? " " : "", x0 + band * ((double)i + 0.5),
		        y0 + h - r->months[i].won_value / value_max * h);
	fputs("\"/>\n", p->f);
	for (size_t i = 0; i < r->nmonths; i++) {
		const struct report_month *m = &r->months[i];
		double bh = bar_len((double)m->referrals, count_max, h);
		double cx = x0 + band * ((double)i + 0.5), bw = band * 0.6;

		fprintf(p->f,
		        "<g class=\"month\" data-month=\"%s\" data-referrals=\"%" PRId64
		        "\" data-won=\"%" PRId64 "\" data-won-value=\"%.2f\">\n"
		        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		        "rx=\"3\" fill=\"%s\"><title>%s: %" PRId64 " referrals</title></rect>\n"
		        "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#b45309\">"
		        "<title>%s: %" PRId64 " won, %s</title></circle>\n",
		        m->label, m->referrals, m->won, m->won_value, cx - bw / 2, y0 + h - bh, bw,
		        bh, p->accent, m->label, m->referrals, cx,
		        y0 + h - m->won_value / value_max * h, m->label, m->won,
		        money(p, m->won_value, buf, sizeof(buf)));
		if (i % step == 0)
			month_label(p, m, i == 0, cx, y0 + h + 18);
		fputs("</g>\n", p->f);
	}
	fputs("</svg>\n", p->f);
	fprintf(p->f,
	        "<div class=\"legend\"><span><i style=\"background:%s\"></i>referrals made"
	        "</span><span><i style=\"background:#b45309\"></i>won value</span>",
	        p->accent);
	if (r->goal_referrals > 0)
		fputs("<span><i style=\"background:none;border-top:2px dashed #1f2933;"
		      "border-radius:0;height:0\"></i>monthly goal</span>",
		      p->f);
	fputs("</div>\n", p->f);
	card_end(p);
}

/* ---- goals ---- */

/* One goal's chart: a bar per month, green when the month met it. */
static void goal_chart(struct page *p, const char *kind, const char *title, int goal)
{
	const struct report *r = p->r;
	const int x0 = 40, x1 = CHART_W - 16, y0 = 12, h = 170;
	double max = goal, band = (double)(x1 - x0) / (double)(r->nmonths ? r->nmonths : 1);
	size_t step = label_step(r->nmonths), met = 0;
	char id[32];

	for (size_t i = 0; i < r->nmonths; i++) {
		int64_t v =
		        strcmp(kind, "referrals") != 0 ? r->months[i].won : r->months[i].referrals;

		if ((double)v > max)
			max = (double)v;
		met += v >= goal;
	}
	max = nice_max(max);
	fprintf(p->f,
	        "<div><h3 style=\"margin:8px 0 0;font-size:15px\">%s: %d a month</h3>"
	        "<p class=\"note\">met in %zu of %zu months</p>\n",
	        title, goal, met, r->nmonths);
	snprintf(id, sizeof(id), "goals-%s", kind);
	svg_open(p, id, y0 + h + 40, title);
	grid(p, x0, x1, y0, h, max, 0);
	for (size_t i = 0; i < r->nmonths; i++) {
		const struct report_month *m = &r->months[i];
		int64_t v = strcmp(kind, "referrals") != 0 ? m->won : m->referrals;
		double bh = bar_len((double)v, max, h), cx = x0 + band * ((double)i + 0.5),
		       bw = band * 0.6;

		fprintf(p->f,
		        "<g class=\"goal-month\" data-kind=\"%s\" data-month=\"%s\" "
		        "data-actual=\"%lld\" "
		        "data-goal=\"%d\">\n",
		        kind, m->label, (long long)v, goal);
		fprintf(p->f,
		        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		        "rx=\"3\" fill=\"%s\"><title>%s: %lld of %d</title></rect>\n",
		        cx - bw / 2, y0 + h - bh, bw, bh, v >= goal ? "#2f855a" : "#d69e2e",
		        m->label, (long long)v, goal);
		if (i % step == 0)
			month_label(p, m, i == 0, cx, y0 + h + 18);
		fputs("</g>\n", p->f);
	}
	goal_line(p, x0, x1, y0, h, goal, max);
	fputs("</svg>\n</div>\n", p->f);
}

static void goals(struct page *p)
{
	const struct report *r = p->r;

	card(p, "goals", "Goals against actuals", NULL);
	if (r->goal_referrals <= 0 && r->goal_won <= 0) {
		fputs("<p class=\"callout\" id=\"goals-none\">No monthly goals are set. A goal "
		      "turns "
		      "this page from a record into a plan: add<br><code>[goals]</code><br>"
		      "<code>referrals_per_month = 10</code><br><code>won_per_month = 3</code><br>"
		      "to refagent.conf (numbers of your own), and each month is shown against "
		      "them.</p>\n",
		      p->f);
		card_end(p);
		return;
	}
	fputs("<div id=\"goals\">\n", p->f);
	if (r->goal_referrals > 0)
		goal_chart(p, "referrals", "Referrals", r->goal_referrals);
	if (r->goal_won > 0)
		goal_chart(p, status_name(STATUS_WON), "Wins", r->goal_won);
	fputs("</div>\n<div class=\"legend\"><span><i style=\"background:#2f855a\"></i>goal met"
	      "</span><span><i style=\"background:#d69e2e\"></i>below the goal</span></div>\n",
	      p->f);
	card_end(p);
}

/* ---- per rep ---- */

/* The rep's label at the left of a row. */
static void rep_label(struct page *p, const struct report_rep *rep, int y)
{
	fprintf(p->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 12, y);
	esc(p->f, who(rep->name, rep->email));
	fputs("</text>\n", p->f);
}

static void first_contact(struct page *p)
{
	const struct report *r = p->r;
	double max = 0, span = CHART_W - LABEL_W - VALUE_W - 40;
	int rows = 0;

	for (size_t i = 0; i < r->nreps; i++)
		if (r->reps[i].contacted) {
			rows++;
			if (r->reps[i].first_contact_p90 / 3600 > max)
				max = r->reps[i].first_contact_p90 / 3600;
		}
	card(p, "first-contact", "Time to first contact, per rep",
	     "From the introduction to the rep's first contact with the lead: the median (dark) "
	     "and the time within which 90% were contacted (light), in hours.");
	if (rows == 0) {
		card_empty(p, "No first contact in the period yet.");
		return;
	}
	max = nice_max(max);
	svg_open(p, "first-contact", rows * ROW_H + 30, "Time to first contact per rep");
	rows = 0;
	for (size_t i = 0; i < r->nreps; i++) {
		const struct report_rep *rep = &r->reps[i];
		double med = rep->first_contact_median / 3600, p90 = rep->first_contact_p90 / 3600;
		int y = rows * ROW_H + 4;
		char a[32], b[32];

		if (!rep->contacted)
			continue;
		rows++;
		fputs("<g class=\"rep\" data-rep=\"", p->f);
		esc(p->f, rep->email);
		fprintf(p->f, "\" data-median-hours=\"%.4f\" data-p90-hours=\"%.4f\">\n", med, p90);
		rep_label(p, rep, y + BAR_H / 2 + 4);
		fprintf(p->f,
		        "<rect class=\"bar p90\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		        "rx=\"4\" "
		        "fill=\"%s\" fill-opacity=\"0.3\"><title>90%% within %s</title></rect>\n"
		        "<rect class=\"bar median\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		        "rx=\"4\" fill=\"%s\"><title>median %s</title></rect>\n"
		        "<text x=\"%.1f\" y=\"%d\">%s <tspan class=\"muted\">/ "
		        "%s</tspan></text>\n</g>\n",
		        LABEL_W, y, bar_len(p90, max, span), BAR_H, p->accent,
		        duration(rep->first_contact_p90, b, sizeof(b)), LABEL_W, y + 4,
		        bar_len(med, max, span), BAR_H - 8, p->accent,
		        duration(rep->first_contact_median, a, sizeof(a)),
		        LABEL_W + bar_len(p90, max, span) + 8, y + BAR_H / 2 + 4, a, b);
	}
	fprintf(p->f,
	        "<text class=\"muted\" x=\"%d\" y=\"%d\">0</text>"
	        "<text class=\"muted\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%g h</text>\n",
	        LABEL_W, rows * ROW_H + 20, LABEL_W + span, rows * ROW_H + 20, max);
	fputs("</svg>\n", p->f);
	card_end(p);
}

static void reminders(struct page *p)
{
	const struct report *r = p->r;
	double max = 0, span = CHART_W - LABEL_W - VALUE_W;
	static const char *const kinds[] = {"reminders", "escalations"};
	static const char *const colours[] = {"#d69e2e", "#c53030"};

	for (size_t i = 0; i < r->nreps; i++) {
		if ((double)r->reps[i].reminders > max)
			max = (double)r->reps[i].reminders;
		if ((double)r->reps[i].escalations > max)
			max = (double)r->reps[i].escalations;
	}
	card(p, "reminders", "Reminders and escalations, per rep",
	     "Reminders sent to each rep about a first contact that was late, and how often "
	     "the admin was told instead.");
	if (r->nreps == 0) {
		card_empty(p, "No reps are listed in [reps].");
		return;
	}
	max = nice_max(max);
	svg_open(p, "reminders", (int)r->nreps * (ROW_H + 14) + 8, "Reminders and escalations");
	for (size_t i = 0; i < r->nreps; i++) {
		const struct report_rep *rep = &r->reps[i];
		int64_t v[2] = {rep->reminders, rep->escalations};
		int y = (int)i * (ROW_H + 14) + 4;

		rep_label(p, rep, y + 20);
		for (int k = 0; k < 2; k++) {
			int by = y + k * 18;

			fputs("<g class=\"count\" data-rep=\"", p->f);
			esc(p->f, rep->email);
			fprintf(p->f,
			        "\" data-kind=\"%s\" data-value=\"%" PRId64 "\">\n"
			        "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
			        "height=\"15\" "
			        "rx=\"3\" fill=\"%s\"><title>%s: %" PRId64 "</title></rect>\n"
			        "<text x=\"%.1f\" y=\"%d\">%" PRId64 " %s</text>\n</g>\n",
			        kinds[k], v[k], LABEL_W, by, bar_len((double)v[k], max, span),
			        colours[k], kinds[k], v[k],
			        LABEL_W + bar_len((double)v[k], max, span) + 8, by + 12, v[k],
			        v[k] == 1 ? (k ? "escalation" : "reminder") : kinds[k]);
		}
	}
	fputs("</svg>\n", p->f);
	card_end(p);
}

/* The per-rep table: every figure of the rep in JSON, in a row. */
static void rep_table(struct page *p)
{
	const struct report *r = p->r;
	char a[32], b[32];

	if (r->nreps == 0)
		return;
	card(p, "reps", "Reps",
	     "Referrals made in the period and assigned to each rep; waiting "
	     "and overdue are as of now.");
	table_start(p, "reps",
	            "<th>Rep</th><th>Referrals</th><th>Won</th><th>Conversion</th>"
	            "<th>Median first contact</th><th>90% within</th><th>Reminders</th>"
	            "<th>Escalations</th><th>Waiting</th><th>Overdue</th>");
	for (size_t i = 0; i < r->nreps; i++) {
		const struct report_rep *rep = &r->reps[i];
		double conv = report_conversion(rep->won, rep->lost);

		fputs("<tr data-rep=\"", p->f);
		esc(p->f, rep->email);
		fprintf(p->f,
		        "\" data-referrals=\"%" PRId64 "\" data-won=\"%" PRId64
		        "\" data-conversion=\"%.4f\" data-waiting=\"%" PRId64
		        "\" data-overdue=\"%" PRId64 "\"><td>",
		        rep->referrals, rep->won, conv, rep->waiting, rep->overdue);
		esc(p->f, who(rep->name, rep->email));
		fputs("<span class=\"sub\">", p->f);
		esc(p->f, rep->email);
		fprintf(p->f,
		        "</span></td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%.0f%%</td>"
		        "<td>%s</td><td>%s</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64
		        "</td><td>%" PRId64 "</td></tr>\n",
		        rep->referrals, rep->won, conv * 100,
		        rep->contacted ? duration(rep->first_contact_median, a, sizeof(a)) : "-",
		        rep->contacted ? duration(rep->first_contact_p90, b, sizeof(b)) : "-",
		        rep->reminders, rep->escalations, rep->waiting, rep->overdue);
	}
	table_end(p);
}

/* ---- top referrers ---- */

static void referrers(struct page *p)
{
	const struct report *r = p->r;
	int64_t max = 1;
	char a[48], b[48], c[48];

	for (size_t i = 0; i < r->ntop; i++)
		if (r->top[i].referrals > max)
			max = r->top[i].referrals;
	card(p, "referrers", "Top referrers",
	     "Who introduced the most people in the period. Conversion is won of won + lost; "
	     "rewards are the referrer's whole ledger. The business's own people count only "
	     "for staff referrals that stand.");
	if (r->ntop == 0) {
		card_empty(p, "No referrals in the period.");
		return;
	}
	table_start(p, "referrers",
	            "<th>Referrer</th><th>Referrals</th><th>Won</th><th>Conversion</th>"
	            "<th>Won value</th><th>Rewards owed</th><th>Rewards paid</th>");
	for (size_t i = 0; i < r->ntop; i++) {
		const struct report_referrer *t = &r->top[i];
		double conv = report_conversion(t->won, t->lost);

		fprintf(p->f,
		        "<tr class=\"referrer\" data-rank=\"%zu\" data-referrals=\"%" PRId64
		        "\" data-won=\"%" PRId64
		        "\" data-conversion=\"%.4f\" data-won-value=\"%.2f\" "
		        "data-rewards-owed=\"%.2f\" data-rewards-paid=\"%.2f\"><td>",
		        i, t->referrals, t->won, conv, t->won_value, t->rewards_owed,
		        t->rewards_paid);
		esc(p->f, who(t->name, t->email));
		if (t->name && t->email) {
			fputs("<span class=\"sub\">", p->f);
			esc(p->f, t->email);
			fputs("</span>", p->f);
		}
		fprintf(p->f,
		        "</td><td><svg width=\"110\" height=\"14\" viewBox=\"0 0 110 14\" "
		        "xmlns=\"http://www.w3.org/2000/svg\"><rect class=\"bar\" x=\"0\" y=\"1\" "
		        "width=\"%.1f\" height=\"12\" rx=\"3\" fill=\"%s\"/></svg> %" PRId64
		        "</td><td>%" PRId64 "</td><td>%.0f%%</td><td>%s</td><td>%s</td><td>%s</td>"
		        "</tr>\n",
		        bar_len((double)t->referrals, (double)max, 80), p->accent, t->referrals,
		        t->won, conv * 100, money(p, t->won_value, a, sizeof(a)),
		        money(p, t->rewards_owed, b, sizeof(b)),
		        money(p, t->rewards_paid, c, sizeof(c)));
	}
	table_end(p);
}

int report_write_html(FILE *out, const struct report *r, const struct config *cfg, int days)
{
	struct page p = {.f = out,
	                 .cfg = cfg,
	                 .r = r,
	                 .accent = cfg->colour ? cfg->colour : DEFAULT_ACCENT,
	                 .days = days};
	char when[32];

	head(&p);
	header(&p);
	kpis(&p);
	funnel(&p);
	monthly(&p);
	goals(&p);
	first_contact(&p);
	reminders(&p);
	rep_table(&p);
	referrers(&p);
	fprintf(out,
	        "</main>\n<footer>Made by refagent on %s. Figures: "
	        "<code>refagent report --json</code>.</footer>\n</body>\n</html>\n",
	        time_day(r->until, when));
	if (ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
