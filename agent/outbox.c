/*
 * outbox.c - sending the jobs that are due (see outbox.h).
 *
 * A job row holds only ids, addresses and times (the scheduler never sees
 * a mail's text, as in OpenSMTPD); the text is rendered from the
 * templates and the referral as it is when the mail goes out, so a
 * corrected name or a fixed template takes effect at once.
 */
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "greeting.h"
#include "jobnote.h"
#include "lifecycle.h"
#include "log.h"
#include "message.h"
#include "oauth.h"
#include "review.h"
#include "schedule.h"
#include "smtp.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* First retry after a minute, doubling, at most every 6 hours. */
#define BACKOFF_FIRST 60
#define BACKOFF_MAX   (6 * 3600)

struct outbox {
	const struct config *cfg;
	struct store *st;
	const struct template_set *templates;
	struct smtp *smtp;
	char owner[128]; /* who holds our leases: host:pid */
	int preview;     /* building for `templates render`: write nothing */
};

int outbox_open(const struct config *cfg, struct store *st, const struct template_set *templates,
                struct outbox **ob_r)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	char host[64] = "localhost";

	ob->cfg = cfg;
	ob->st = st;
	ob->templates = templates;
	gethostname(host, sizeof(host) - 1);
	snprintf(ob->owner, sizeof(ob->owner), "%s:%ld", host, (long)getpid());
	*ob_r = ob;
	return 0;
}

void outbox_set_templates(struct outbox *ob, const struct template_set *templates)
{
	ob->templates = templates;
}

void outbox_close(struct outbox *ob)
{
	if (ob == NULL)
		return;
	smtp_close(ob->smtp);
	free(ob);
}

/* The mail_table row of a job.  A job whose template is no mail of this
 * build (written by a newer one) has none; it fails when built. */
static const struct mail_desc *desc_of(const struct job_view *j)
{
	enum mail_kind k;

	return mail_parse(j->template, &k) ? &mail_table[k] : NULL;
}

/* Mail to someone outside the business carries the unsubscribe line; mail
 * to the business's own people (reps, the admin) does not, and has no
 * daily cap, so a busy rep gets every referral. */
static int outside(const struct job_view *j)
{
	const struct mail_desc *d = desc_of(j);

	return d && (d->flags & MAIL_OUTSIDE);
}

/* ---- the values a template sees ---- */

struct vars {
	struct tvar v[64];
	size_t n;
	char *owned[64]; /* strings made here */
	size_t nowned;
};

static void var(struct vars *vs, const char *name, const char *value)
{
	if (vs->n < ARRAY_SIZE(vs->v) && value && *value)
		vs->v[vs->n++] = (struct tvar){name, value};
}

static const char *keep(struct vars *vs, char *s)
{
	if (vs->nowned < ARRAY_SIZE(vs->owned)) {
		vs->owned[vs->nowned++] = s;
		return s;
	}
	free(s);
	return NULL;
}

/* A name on one line: a display name from mail may hold CR, LF or tabs
 * (RFC 2047 can encode them); in a greeting they would break the text. */
static const char *one_line(struct vars *vs, const char *name)
{
	char *s;

	if (name == NULL || strpbrk(name, "\r\n\t\v\f") == NULL)
		return name;
	s = xstrdup(name);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return keep(vs, s);
}

static void person_vars(struct vars *vs, const char *prefix, const char *name, const char *email,
                        const char *phone, const char *company)
{
	/* the tvar names must be the static strings of the template list */
	static const char *const names[][6] = {
	        {"referrer", "referrer.name", "referrer.first_name", "referrer.email", NULL, NULL},
	        {"lead", "lead.name", "lead.first_name", "lead.email", "lead.phone",
	         "lead.company"},
	        {"rep", "rep.name", "rep.first_name", "rep.email", "rep.phone", NULL},
	        {"to", "to.name", "to.first_name", "to.email", NULL, NULL},
	};

	name = one_line(vs, name);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(names[i][0], prefix) != 0)
			continue;
		/* "Smith, John" is John Smith, and "Hi John," (greeting.h) */
		var(vs, names[i][1], name ? keep(vs, greeting_full_name(name)) : NULL);
		var(vs, names[i][2], name ? keep(vs, greeting_first_name(name)) : NULL);
		var(vs, names[i][3], email);
		if (names[i][4])
			var(vs, names[i][4], phone);
		if (names[i][5])
			var(vs, names[i][5], company);
	}
}

/* A subject without its reply prefixes ("Re: AW: Intro" -> "Intro"): the
 * templates add their own "Re: ".  Nor the tag the business's own mail
 * gateway put on the intro as it came in ("[EXTERNAL] Intro", "EXT:
 * Intro"): the lead's copy never had it. */
static const char *strip_re(const char *s)
{
	static const char *const tags[] = {"[external]",        "[ext]",     "[external email]",
	                                   "[external sender]", "[extern]",  "[externe]",
	                                   "*external*",        "external:", "ext:"};

	while (s) {
		size_t skip = 0;

		while (*s == ' ')
			s++;
		if (str_istarts(s, "re:") || str_istarts(s, "aw:") || str_istarts(s, "sv:"))
			skip = 3;
		for (size_t i = 0; skip == 0 && i < ARRAY_SIZE(tags); i++)
			if (str_istarts(s, tags[i]))
				skip = strlen(tags[i]);
		if (skip == 0)
			break;
		s += skip;
	}
	return s;
}

/* One line per referral of the referrer, for the status summary. */
static char *summary_text(struct outbox *ob, const char *email)
{
	struct referral_view *v = NULL;
	struct buf b = {0};
	size_t n = 0;

	if (store_referrals_of_referrer(ob->st, email, &v, &n) < 0 || n == 0) {
		store_referral_views_free(v, n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char day[32];
		const char *who = v[i].lead.name ? v[i].lead.name : v[i].lead.email;
		enum status st;
		const char *words =
		        status_parse(v[i].status, &st) ? status_table[st].words : v[i].status;

		buf_printf(&b, "- %s: %s (introduced %s)\n", who ? who : "someone", words,
		           time_day(v[i].created_at, day));
	}
	store_referral_views_free(v, n);
	if (b.len)
		b.s[--b.len] = '\0'; /* the template ends the line */
	return buf_steal(&b);
}

/* "\n  Label:     value" with the value on one line (a name from mail may
 * hold line ends); nothing for a missing value. */
static void digest_field(struct buf *b, const char *label, const char *value)
{
	if (str_blank(value))
		return;
	buf_printf(b, "\n  %-10s ", label);
	for (const char *p = value; *p; p++)
		buf_addc(b, (unsigned char)*p < 0x20 ? ' ' : *p);
}

/* The referrals of a rep's digest (ids "12 14"), as they are now: one
 * block each, like the assignment mail's, for digest.text; *count_r how
 * many of them still exist. */
static char *digest_text(struct outbox *ob, const char *ids, size_t len, int *count_r)
{
	struct buf b = {0};
	char *list = xstrndup(ids, len), *save = NULL;

	*count_r = 0;
	for (char *t = strtok_r(list, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
		struct referral_view v;
		long id;

		if (parse_long(t, 1, LONG_MAX, &id) != 0 ||
		    store_referral_get(ob->st, id, &v, NULL, NULL) != 1)
			continue;
		(*count_r)++;
		buf_printf(&b, "%s#%ld", b.len ? "\n\n" : "", id);
		digest_field(&b, "Lead:", v.lead.name);
		digest_field(&b, "Email:", v.lead.email);
		digest_field(&b, "Phone:", v.lead.phone);
		digest_field(&b, "Company:", v.lead.company);
		digest_field(&b, "Need:", v.need);
		digest_field(&b, "Referrer:", v.referrer.name ? v.referrer.name : v.referrer.email);
		digest_field(&b, "Subject:", strip_re(v.subject));
		store_referral_view_clear(&v);
	}
	free(list);
	return b.len ? buf_steal(&b) : NULL;
}

struct note_ctx {
	struct outbox *ob;
	const struct job_view *j;
	struct vars *vs;
};

/* One fact of a job's note: a placeholder of the template (jobnote.h).
 * "summary" asks for the referrer's summary as it is now. */
static void note_fact(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct note_ctx *c = ctx;
	char *n = xstrndup(name, nlen);

	if (strcmp(n, "summary") == 0) {
		var(c->vs, "summary.text", keep(c->vs, summary_text(c->ob, c->j->recipient)));
	} else if (strcmp(n, "digest") == 0) {
		/* the referrals of a digest, as they are now */
		int count = 0;

		var(c->vs, "digest.text", keep(c->vs, digest_text(c->ob, value, vlen, &count)));
		var(c->vs, "digest.count", keep(c->vs, xasprintf("%d", count)));
	} else if (nlen > 0) {
		for (size_t i = 0; template_var_names[i]; i++)
			if (strcmp(template_var_names[i], n) == 0)
				var(c->vs, template_var_names[i],
				    keep(c->vs, xstrndup(value, vlen)));
	}
	free(n);
}

/* A note written by an earlier version: one bare word or text whose
 * meaning depends on the mail. */
static void note_legacy(struct outbox *ob, const struct job_view *j, struct vars *vs)
{
	const char *note = j->note;
	enum mail_kind k;
	enum status s;

	if (!mail_parse(j->template, &k))
		return;
	switch (k) {
	case MAIL_UPDATE_REFERRER:
		if (status_parse(note, &s)) {
			if (s == STATUS_CONTACTED)
				var(vs, "update.contacted", "yes");
			else if (s == STATUS_WON)
				var(vs, "update.won", "yes");
			else if (s == STATUS_LOST)
				var(vs, "update.lost", "yes");
		} else if (strcmp(note, "summary") == 0) {
			var(vs, "summary.text", keep(vs, summary_text(ob, j->recipient)));
		} else if (str_istarts(note, "credit:")) {
			var(vs, "credit.note", note + 7);
		}
		break;
	case MAIL_THANK_REFERRER:
		if (str_istarts(note, "credit:"))
			var(vs, "credit.name", note + 7);
		break;
	case MAIL_REWARD_REFERRER:
		var(vs, "reward.amount", note);
		break;
	case MAIL_CONFIRM_STATUS:
		var(vs, "confirm.action", note);
		break;
	case MAIL_NOTIFY_REP:
		var(vs, "notify.text", note);
		break;
	default:
		break;
	}
}

/* What a job's note carries into its template (lifecycle.c writes the
 * notes). */
static void note_vars(struct outbox *ob, const struct job_view *j, struct vars *vs)
{
	struct note_ctx c = {ob, j, vs};

	if (j->note == NULL || *j->note == '\0')
		return;
	if (strchr(j->note, '=') && strchr(j->note, '\n'))
		jobnote_each(j->note, note_fact, &c);
	else if (!schedule_escalated(j))
		note_legacy(ob, j, vs);
}

/* Why mail cannot reach the lead at email (they asked for none, it
 * bounces), for a reminder that would otherwise say "reply to all", or
 * NULL. */
static const char *unreachable(struct outbox *ob, const char *email)
{
	struct person_flags f;
	const char *why = NULL;

	if (store_person_flags(ob->st, email, &f) > 0) {
		if (f.opted_out_at)
			why = "asked us for no more automated mail (a personal note from you is "
			      "fine)";
		else if (f.bouncing_at)
			why = "cannot be reached by mail: their address bounces";
	}
	free(f.token);
	return why;
}

static void build_vars(struct outbox *ob, const struct job_view *j, const struct referral_view *r,
                       struct vars *vs)
{
	const struct config *cfg = ob->cfg;
	const struct mail_desc *d = desc_of(j);
	char buf[64];

	memset(vs, 0, sizeof(*vs));
	var(vs, "business.name", cfg->name);
	var(vs, "business.email", cfg->address);
	var(vs, "business.phone", cfg->phone);
	var(vs, "business.website", cfg->website);
	var(vs, "business.colour", cfg->colour);
	var(vs, "business.logo", cfg->logo_url);
	/* whoever the mail goes to is the one greeted */
	person_vars(vs, "to", j->recipient_name, j->recipient, NULL, NULL);
	if (r) {
		char day[32];
		enum status st;

		/* A referrer mail to someone who is not the referral's referrer
		 * (a second referrer of the same lead) is about them: never
		 * open it with the first referrer's name. */
		if (d && d->to == ROLE_REFERRER && !str_ieq(j->recipient, r->referrer.email))
			person_vars(vs, "referrer", j->recipient_name, j->recipient, NULL, NULL);
		else
			person_vars(vs, "referrer", r->referrer.name, r->referrer.email, NULL,
			            NULL);
		person_vars(vs, "lead", r->lead.name, r->lead.email, r->lead.phone,
		            r->lead.company);
		person_vars(vs, "rep", r->rep_name, r->rep_email, NULL, NULL);
		snprintf(buf, sizeof(buf), "%" PRId64, r->id);
		var(vs, "referral.id", keep(vs, xstrdup(buf)));
		/* people read words, not status codes */
		var(vs, "referral.status",
		    status_parse(r->status, &st) ? status_table[st].words : r->status);
		/* "Re: <the intro's subject>" to the lead only in its thread */
		if (j->in_reply_to || !(d && d->to == ROLE_LEAD && (d->flags & MAIL_THREADED)))
			var(vs, "referral.subject", strip_re(r->subject));
		var(vs, "referral.context", r->context);
		var(vs, "referral.need", r->need);
		var(vs, "referral.budget", r->budget);
		var(vs, "referral.timeline", r->timeline);
		var(vs, "referral.created", keep(vs, xstrdup(time_day(r->created_at, day))));
		if (r->has_value) {
			snprintf(buf, sizeof(buf), "%.2f", r->value);
			var(vs, "referral.value", keep(vs, xstrdup(buf)));
		}
	} else if (outside(j)) {
		/* a check-in or a status summary: about the referrer alone */
		person_vars(vs, "referrer", j->recipient_name, j->recipient, NULL, NULL);
	}
	note_vars(ob, j, vs);
	if (mail_is(j->template, MAIL_ASSIGN_REP))
		var(vs, "referral.waiting",
		    keep(vs, xstrdup(schedule_days_phrase(cfg->rep_deadline, buf, sizeof(buf)))));
	if (mail_is(j->template, MAIL_REMIND_REP)) {
		int escalated = schedule_escalated(j);

		snprintf(buf, sizeof(buf), "%d", j->seq);
		var(vs, "reminder.number", keep(vs, xstrdup(buf)));
		var(vs, "reminder.first", j->seq == 1 && !escalated ? "yes" : NULL);
		var(vs, "reminder.second", j->seq == 2 && !escalated ? "yes" : NULL);
		var(vs, "reminder.escalated", escalated ? "yes" : NULL);
		var(vs, "referral.waiting",
		    keep(vs, xstrdup(schedule_days_phrase(j->seq * cfg->rep_deadline, buf,
		                                          sizeof(buf)))));
		if (r && r->lead.email)
			var(vs, "lead.unreachable", unreachable(ob, r->lead.email));
	}
	if (mail_is(j->template, MAIL_REWARD_REFERRER))
		var(vs, "reward.how", cfg->payout);
	if (mail_is(j->template, MAIL_REVIEW_ADMIN)) {
		/* the items as they are now: one released meanwhile says so */
		int count = 0;
		int64_t first = 0;

		var(vs, "review.items",
		    keep(vs, review_items_text(ob->st, j->note, &count, &first)));
		snprintf(buf, sizeof(buf), "%d", count);
		var(vs, "review.count", count ? keep(vs, xstrdup(buf)) : NULL);
		snprintf(buf, sizeof(buf), "%" PRId64, first);
		var(vs, "review.example", first ? keep(vs, xstrdup(buf)) : NULL);
	}
	if (mail_is(j->template, MAIL_WELCOME_LEAD) && cfg->welcome_from_rep && r && r->rep_email)
		var(vs, "welcome.from_rep", "yes");
	if (outside(j))
		var(vs, "unsubscribe.hint",
		    "Rather not hear from us? Reply stop and we will not "
		    "write again.");
}

static void vars_free(struct vars *vs)
{
	for (size_t i = 0; i < vs->nowned; i++)
		free(vs->owned[i]);
}

/* ---- building the message ---- */

/* local+tag@domain of the agent's address. */
static char *plus_address(const struct config *cfg, const char *tag)
{
	const char *at = strrchr(cfg->address, '@');

	return xasprintf("%.*s+%s%s", (int)(at - cfg->address), cfg->address, tag, at);
}

/* The unsubscribe token of a person, made on first use. */
static char *person_token(struct outbox *ob, const char *email)
{
	struct person_flags f;
	uint64_t r = 0;
	char tok[24];

	if (store_person_flags(ob->st, email, &f) != 1)
		return NULL;
	if (f.token)
		return f.token;
	if (ob->preview)
		return xstrdup("TOKEN");
	r = random_u64();
	snprintf(tok, sizeof(tok), "%016" PRIx64, r);
	if (store_person_set_token(ob->st, f.id, tok) < 0)
		return NULL;
	return xstrdup(tok);
}

/* Splits "a@x, b@y" into addrs (pointing into a copy the caller frees). */
static size_t split_cc(char *cc, struct addr *out, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = cc ? strtok_r(cc, ", ", &save) : NULL; t && n < max;
	     t = strtok_r(NULL, ", ", &save))
		out[n++] = (struct addr){NULL, t};
	return n;
}

/* A Message-ID fit for In-Reply-To/References: a real one (not our
 * "hash:" stand-in), id-left@id-right, nothing that could end the <>. */
static int usable_id(const char *id)
{
	return id && *id && strchr(id, '@') && !str_istarts(id, "hash:") &&
	       !str_istarts(id, "raw:") && strpbrk(id, " \t\r\n<>\"") == NULL;
}

static int build(struct outbox *ob, const struct job_view *j, const struct referral_view *r,
                 int64_t now, char **data_r, size_t *len_r, char **error_r)
{
	const struct config *cfg = ob->cfg;
	struct vars vs;
	struct rendered out = {0};
	struct addr to = {j->recipient_name, j->recipient}, cc[8], reply_to[2];
	size_t ncc, nreply = 0, nrefs = 0;
	char *cc_copy = xstrdup(j->cc), *refs_copy = xstrdup(j->refs), *refs[64];
	char *plus = NULL, *unsub = NULL, *token = NULL, refnum[32];
	struct header extra[1];
	const struct mail_desc *d = desc_of(j);
	const char *from_name = cfg->name;
	char *sender = NULL;
	int rc;

	if (d == NULL) {
		*error_r = xasprintf("no mail is called '%s'", j->template);
		rc = -1;
		goto out;
	}
	build_vars(ob, j, r, &vs);
	rc = template_render(ob->templates, (enum mail_kind)(d - mail_table), vs.v, vs.n, &out,
	                     error_r);
	vars_free(&vs);
	if (rc != 0)
		goto out;
	ncc = split_cc(cc_copy, cc, ARRAY_SIZE(cc));
	for (size_t i = 0; i < ncc && r; i++)
		if (str_ieq(cc[i].email, r->rep_email))
			cc[i].name = r->rep_name;
	if (refs_copy) {
		char *save = NULL;

		for (char *t = strtok_r(refs_copy, " ", &save); t && nrefs < ARRAY_SIZE(refs);
		     t = strtok_r(NULL, " ", &save))
			if (usable_id(t))
				refs[nrefs++] = t;
	}
	/* Replies come back to the referral: the welcome to the rep and the
	 * agent, everything else to the agent's address for this referral. */
	if ((d->flags & MAIL_CC_REP) && r && r->rep_email)
		reply_to[nreply++] = (struct addr){r->rep_name, r->rep_email};
	if (j->referral_id) {
		snprintf(refnum, sizeof(refnum), "r%" PRId64, j->referral_id);
		plus = plus_address(cfg, refnum);
		reply_to[nreply++] = (struct addr){cfg->name, plus};
	} else if (mail_is(j->template, MAIL_REVIEW_ADMIN)) {
		/* the admin's answer finds its way by this too (review.h) */
		plus = plus_address(cfg, "review");
		reply_to[nreply++] = (struct addr){cfg->name, plus};
	}
	if ((d->flags & MAIL_OUTSIDE) && (token = person_token(ob, j->recipient)) != NULL) {
		char *tag = xasprintf("u-%s", token), *addr = plus_address(cfg, tag);

		unsub = xasprintf("<mailto:%s?subject=unsubscribe>", addr);
		free(tag);
		free(addr);
	}
	snprintf(refnum, sizeof(refnum), "%" PRId64, j->referral_id);
	extra[0] = (struct header){"X-Refagent-Referral", refnum};
	/* welcome_from = rep: the welcome goes out in the rep's name, from
	 * the agent's address (the only one whose mail we may send) */
	if ((d->flags & MAIL_CC_REP) && cfg->welcome_from_rep && r && r->rep_name)
		from_name = cfg->name ? (sender = xasprintf("%s (%s)", r->rep_name, cfg->name))
		                      : r->rep_name;
	{
		struct outmail m = {
		        .from = {(char *)from_name, cfg->address},
		        .to = &to,
		        .nto = 1,
		        .cc = cc,
		        .ncc = ncc,
		        .reply_to = reply_to,
		        .nreply_to = nreply,
		        .subject = out.subject,
		        .message_id = j->message_key,
		        .in_reply_to = usable_id(j->in_reply_to) ? j->in_reply_to : NULL,
		        .references = (const char *const *)refs,
		        .nreferences = nrefs,
		        .date = now,
		        .list_unsubscribe = unsub,
		        .extra = extra,
		        .nextra = j->referral_id ? 1 : 0,
		        .text = out.text,
		        .html = out.html,
		};

		rc = message_compose(&m, data_r, len_r, error_r);
	}
out:
	rendered_clear(&out);
	free(cc_copy);
	free(refs_copy);
	free(plus);
	free(unsub);
	free(token);
	free(sender);
	return rc;
}

/* ---- sending ---- */

static int64_t backoff(int attempts)
{
	int64_t d = BACKOFF_FIRST;
	uint32_t r = 0;

	for (int i = 1; i < attempts && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	/* +-25 % so that many jobs failing together do not retry together */
	r = (uint32_t)random_u64();
	return d * 3 / 4 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

/* Why nobody should get this mail, or NULL. */
static const char *refusal(struct outbox *ob, const char *email, char *buf, size_t len)
{
	struct person_flags f;
	int rc;

	if (email == NULL)
		return "no address";
	if (config_is_agent(ob->cfg, email))
		return "the agent's own address";
	rc = store_person_flags(ob->st, email, &f);
	free(f.token);
	if (rc < 0)
		return NULL;
	if (f.opted_out_at) {
		snprintf(buf, len, "%s opted out", email);
		return buf;
	}
	if (f.bouncing_at) {
		snprintf(buf, len, "%s bounces", email);
		return buf;
	}
	return NULL;
}

/* Referrer mail that must not reach the business's own people (a rep, the
 * admin, an address of its domains), or NULL: nothing about a held or
 * rejected referral (a rep's client thread that was taken for an intro),
 * nothing about their own client thread (they are its rep), and no
 * check-in (they introduce people as part of their job).  A staff
 * referral that stands is thanked and rewarded like any other. */
static const char *not_for_staff(struct outbox *ob, const struct job_view *j,
                                 const struct referral_view *r)
{
	const struct config *cfg = ob->cfg;
	const struct mail_desc *d = desc_of(j);
	enum status st;

	if (d == NULL || d->to != ROLE_REFERRER || j->recipient == NULL)
		return NULL;
	if (!config_find_rep(cfg, j->recipient) && !str_ieq(j->recipient, cfg->admin) &&
	    !config_is_business(cfg, j->recipient))
		return NULL;
	if (mail_is(j->template, MAIL_CHECKIN_REFERRER))
		return "no check-ins to the business's own people";
	if (r == NULL)
		return NULL;
	if (str_ieq(j->recipient, r->rep_email))
		return "referrer mail to the referral's own rep";
	if (status_parse(r->status, &st) && (st == STATUS_HELD || st == STATUS_REJECTED))
		return "referrer mail about a held or rejected referral to the business's own "
		       "people";
	return NULL;
}

static int event(struct outbox *ob, const struct job_view *j, const char *kind, const char *detail,
                 int64_t now)
{
	struct event_rec e = {.referral_id = j->referral_id,
	                      .at = now,
	                      .actor = "agent",
	                      .kind = kind,
	                      .detail = detail};

	return j->referral_id ? store_event_add(ob->st, &e) : 0;
}

/* Records the end of a job that was not sent (failed or cancelled). */
static int finish(struct outbox *ob, const struct job_view *j, const char *state, const char *why,
                  int attempted, int64_t now)
{
	char detail[700];
	int rc;

	snprintf(detail, sizeof(detail), "%s to %s %s: %s", j->template, j->recipient,
	         strcmp(state, "failed") == 0 ? "failed" : "cancelled", why);
	if (store_begin(ob->st) < 0)
		return -1;
	rc = store_job_finish(ob->st, j->id, state, now, why, attempted);
	if (rc == 0)
		rc = event(ob, j, strcmp(state, "failed") == 0 ? "mail-failed" : "mail-cancelled",
		           detail, now);
	if (rc == 0)
		rc = store_commit(ob->st);
	if (rc != 0)
		store_rollback(ob->st);
	if (strcmp(state, "failed") == 0)
		log_error("job %" PRId64 ": %s", j->id, detail);
	else
		log_info("job %" PRId64 ": %s", j->id, detail);
	return rc;
}

static int retry(struct outbox *ob, const struct job_view *j, int64_t at, const char *why,
                 int attempted)
{
	int rc;

	if (store_begin(ob->st) < 0)
		return -1;
	rc = store_job_retry(ob->st, j->id, at, why, attempted);
	if (rc == 0)
		rc = store_commit(ob->st);
	if (rc != 0)
		store_rollback(ob->st);
	return rc;
}

static int mark_sent(struct outbox *ob, const struct job_view *j, const char *subject,
                     const char *reply, int64_t now)
{
	char detail[700];
	struct msg_rec m = {
	        .key = j->message_key,
	        .direction = "out",
	        .kind = j->template,
	        .why = detail,
	        .from_email = ob->cfg->address,
	        .subject = subject,
	        .date = now,
	        .at = now,
	};
	int64_t msg_id = 0;
	int rc;

	snprintf(detail, sizeof(detail), "%s sent to %s%s%s", j->template, j->recipient,
	         j->cc ? ", cc " : "", j->cc ? j->cc : "");
	if (store_begin(ob->st) < 0)
		return -1;
	rc = store_job_sent(ob->st, j->id, now, reply);
	/* The outgoing message is stored like an incoming one, so a reply to
	 * it (In-Reply-To) finds its referral. */
	if (rc == 0)
		rc = store_message_add(ob->st, &m, &msg_id);
	if (rc == 0 && j->referral_id)
		rc = store_message_link(ob->st, msg_id, j->referral_id);
	if (rc == 0)
		rc = event(ob, j, "mail", detail, now);
	if (rc == 0)
		rc = schedule_after_sent(ob->st, ob->cfg, j, now);
	if (rc == 0)
		rc = store_commit(ob->st);
	if (rc != 0)
		store_rollback(ob->st);
	log_info("job %" PRId64 ": %s", j->id, detail);
	return rc;
}

static int open_smtp(struct outbox *ob, char **error_r)
{
	const struct config *cfg = ob->cfg;
	struct smtp_params p = {
	        .server = &cfg->smtp, .helo = addr_domain(cfg->address), .token = oauth_token};
	char *pw = NULL;
	int rc;

	if (ob->smtp)
		return 0;
	if (cfg->smtp.server == NULL) {
		*error_r = xasprintf("%s: [smtp] server is not set", cfg->path);
		return -1;
	}
	if (cfg->smtp.password_file && config_read_password(&cfg->smtp, &pw, error_r) < 0)
		return -1;
	p.password = pw;
	rc = smtp_open(&p, &ob->smtp, error_r);
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return rc;
}

/* Sends one claimed job.  Returns 0, 1 when the server connection is
 * down (stop the batch), -1 on a store failure. */
static int send_one(struct outbox *ob, const struct job_view *j, struct outbox_stats *stats)
{
	const struct config *cfg = ob->cfg;
	int64_t now = clock_now();
	struct referral_view r = {0};
	struct smtp_result res = {0};
	char why[700], *data = NULL, *err = NULL, *ccs = NULL;
	const char *no, *rcpts[9];
	size_t len = 0, n = 0;
	int have_r = 0, rc = 0;

	if ((no = refusal(ob, j->recipient, why, sizeof(why))) != NULL) {
		stats->cancelled++;
		return finish(ob, j, "cancelled", no, 0, now);
	}
	if (j->referral_id) {
		have_r = store_referral_get(ob->st, j->referral_id, &r, NULL, NULL);
		if (have_r < 0)
			return -1;
	}
	if ((no = not_for_staff(ob, j, have_r == 1 ? &r : NULL)) != NULL) {
		store_referral_view_clear(&r);
		stats->cancelled++;
		return finish(ob, j, "cancelled", no, 0, now);
	}
	/* mail to people waits for business hours, also when it fell due
	 * while the agent was stopped */
	if ((mail_flags_of(j->template) & MAIL_HOURS) && !schedule_is_open(cfg, now)) {
		int64_t at = schedule_next_open(cfg, now);
		char iso[32];

		store_referral_view_clear(&r);
		snprintf(why, sizeof(why), "outside business hours; waits until %s",
		         time_iso(at, iso));
		stats->postponed++;
		log_info("job %" PRId64 ": %s", j->id, why);
		return retry(ob, j, at, why, 0);
	}
	if (mail_flags_of(j->template) & MAIL_CAPPED) {
		int64_t count = 0, first = 0;

		if (store_sent_since(ob->st, j->recipient, now - 86400, &count, &first) < 0)
			return -1;
		if (count >= cfg->max_per_day) {
			snprintf(why, sizeof(why), "daily cap: %" PRId64 " mails to %s in 24 hours",
			         count, j->recipient);
			stats->postponed++;
			store_referral_view_clear(&r);
			log_info("job %" PRId64 ": %s; postponed", j->id, why);
			return retry(ob, j, first + 86400 + 1, why, 0);
		}
	}
	if (build(ob, j, have_r == 1 ? &r : NULL, now, &data, &len, &err) != 0) {
		snprintf(why, sizeof(why), "cannot build the mail: %s", err ? err : "?");
		free(err);
		store_referral_view_clear(&r);
		stats->failed++;
		return finish(ob, j, "failed", why, 1, now);
	}
	store_referral_view_clear(&r);

	/* The envelope: To, then the Cc that may still be written to. */
	rcpts[n++] = j->recipient;
	ccs = xstrdup(j->cc);
	if (ccs) {
		char *save = NULL, buf[200];

		for (char *t = strtok_r(ccs, ", ", &save); t && n < ARRAY_SIZE(rcpts);
		     t = strtok_r(NULL, ", ", &save))
			if (refusal(ob, t, buf, sizeof(buf)) == NULL)
				rcpts[n++] = t;
	}
	if (open_smtp(ob, &err) != 0) {
		snprintf(res.reply, sizeof(res.reply), "%s", err ? err : "no SMTP server");
		free(err);
		res.status = SMTP_TEMPFAIL;
		res.down = 1; /* no way to the server: not this mail's fault */
	} else {
		smtp_send(ob->smtp, cfg->address, rcpts, n, data, len, &res);
	}
	free(ccs);
	free(data);

	switch (res.status) {
	case SMTP_OK:
		stats->sent++;
		return mark_sent(ob, j, j->template, res.reply, now) < 0 ? -1 : 0;
	case SMTP_PERMFAIL:
		stats->failed++;
		return finish(ob, j, "failed", res.reply, 1, now) < 0 ? -1 : 0;
	case SMTP_TEMPFAIL:
		if (res.down) {
			/* The server is not taking mail (no connection, a 421):
			 * nothing is wrong with this mail, so no attempt is spent
			 * (a server down for days must not fail the queue), and
			 * the rest of the batch waits too. */
			int64_t at = now + backoff(1);
			char iso[32];

			stats->retry++;
			log_warn("job %" PRId64 " (%s to %s): %s; the server is not taking mail, "
			         "waiting until %s",
			         j->id, j->template, j->recipient, res.reply, time_iso(at, iso));
			return retry(ob, j, at, res.reply, 0) < 0 ? -1 : 1;
		}
		if (j->attempts + 1 >= OUTBOX_MAX_ATTEMPTS) {
			snprintf(why, sizeof(why), "gave up after %d attempts: %s", j->attempts + 1,
			         res.reply);
			stats->failed++;
			rc = finish(ob, j, "failed", why, 1, now);
		} else {
			int64_t at = now + backoff(j->attempts + 1);
			char iso[32];

			stats->retry++;
			log_warn("job %" PRId64 " (%s to %s): %s; retrying at %s", j->id,
			         j->template, j->recipient, res.reply, time_iso(at, iso));
			rc = retry(ob, j, at, res.reply, 1);
		}
		if (rc < 0)
			return -1;
		/* no reply code: the server is unreachable, the rest can wait */
		return res.code == 0 ? 1 : 0;
	}
	return 0;
}

/* Claims the due jobs one at a time, each just before it goes
 * (store_job_claim_next: agents sharing the database take different
 * ones), until none is due, a stop, or a server that takes no mail. */
int outbox_send_due(struct outbox *ob, volatile sig_atomic_t *stop, struct outbox_stats *stats)
{
	while (!(stop && *stop)) {
		struct job_view j;
		int64_t now = clock_now();
		int rc = store_job_claim_next(ob->st, now, ob->owner, now + OUTBOX_LEASE, &j);

		if (rc < 0) {
			log_error("%s", store_error(ob->st));
			return -1;
		}
		if (rc == 0)
			return 0;
		rc = send_one(ob, &j, stats);
		store_job_view_clear(&j);
		if (rc < 0) {
			log_error("%s", store_error(ob->st));
			return -1;
		}
		if (rc == 1)
			return 0; /* the server is down: the rest waits */
	}
	return 0;
}

/* What `templates render --variant` can show: the mails whose text
 * depends on the event that made them.  An example person stands in for
 * the second referrer.  A row without a name is the note of its mail
 * when no variant is asked for. */
static const struct variant {
	const char *name; /* NULL: the mail's own note */
	enum mail_kind kind;
	const char *note; /* the facts of the event (jobnote.h) */
	const char *fill; /* and one more, taken from the referral */
	int other;        /* to a second referrer, not the referral's own */
} variants[] = {
        {"summary", MAIL_UPDATE_REFERRER, "summary=yes\n", NULL, 0},
        {"credit-kept", MAIL_UPDATE_REFERRER, "credit.other=Alex Example\ncredit.kept=yes\n", NULL,
         0},
        {"credit-moved", MAIL_UPDATE_REFERRER, "credit.other=Alex Example\ncredit.moved=yes\n",
         NULL, 0},
        {"second-referrer", MAIL_THANK_REFERRER, "", "credit.name", 1},
        {"several-leads", MAIL_THANK_REFERRER, "thank.others=Alex Example\n", NULL, 0},
        {"reward", MAIL_REWARD_REFERRER, "", "reward.amount", 0},
        {"optout", MAIL_NOTIFY_REP, "notify.optout=yes\nnotify.source=replied stop\n",
         "notify.email", 0},
        {"bounce", MAIL_NOTIFY_REP, "notify.bounce=yes\nnotify.reason=5.1.1 user unknown\n",
         "notify.email", 0},
        {NULL, MAIL_PAID_REFERRER, "", "reward.amount", 0},
        /* the digest lists the referral given; the weekly summary has
         * this week's figures (note NULL) */
        {NULL, MAIL_DIGEST_REP, "", "digest", 0},
        {NULL, MAIL_WEEKLY_ADMIN, NULL, NULL, 0},
};

const char *outbox_variants(void)
{
	static char list[512];

	if (list[0] == '\0') {
		size_t o = 0;

		o += (size_t)snprintf(list, sizeof(list), "%s, %s, %s (%s), ",
		                      status_name(STATUS_CONTACTED), status_name(STATUS_WON),
		                      status_name(STATUS_LOST), mail_name(MAIL_UPDATE_REFERRER));
		for (size_t i = 0; i < ARRAY_SIZE(variants) && o < sizeof(list); i++)
			if (variants[i].name)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s (%s)",
				                      o ? ", " : "", variants[i].name,
				                      mail_name(variants[i].kind));
	}
	return list;
}

int outbox_preview(struct outbox *ob, enum mail_kind kind, int64_t referral_id, int escalated,
                   const char *variant, char **data_r, size_t *len_r, char **error_r)
{
	struct referral_view r = {0};
	struct job_view j = {0};
	const char *to, *to_name, *cc, *name = mail_name(kind);
	const struct variant *v = NULL;
	struct variant by_status = {NULL, MAIL_UPDATE_REFERRER, "", "update.", 0};
	enum status milestone;
	unsigned flags = mail_table[kind].flags;
	char *note = NULL, money[48];
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(variants); i++)
		if (variant ? variants[i].name && strcmp(variants[i].name, variant) == 0
		            : variants[i].name == NULL && variants[i].kind == kind)
			v = &variants[i];
	/* the milestones of update-referrer are named by their status */
	if (variant && v == NULL && status_parse(variant, &milestone) &&
	    (milestone == STATUS_CONTACTED || milestone == STATUS_WON ||
	     milestone == STATUS_LOST)) {
		v = &by_status;
		by_status.name = variant;
	}
	if (variant && (v == NULL || v->kind != kind)) {
		*error_r =
		        v ? xasprintf("the variant %s is of %s, not %s", variant,
		                      mail_name(v->kind), name)
		          : xasprintf("no variant '%s' (variants: %s)", variant, outbox_variants());
		return -1;
	}
	rc = store_referral_get(ob->st, referral_id, &r, NULL, NULL);
	if (rc <= 0) {
		*error_r = rc < 0 ? xstrdup(store_error(ob->st))
		                  : xasprintf("no referral %" PRId64, referral_id);
		return -1;
	}
	schedule_recipients(ob->cfg, kind, &r, escalated, &to, &to_name, &cc);
	if (v && v->other) {
		to = "alex@example.com";
		to_name = "Alex Example";
	}
	if (to == NULL) {
		store_referral_view_clear(&r);
		*error_r = xasprintf("referral %" PRId64 " has nobody to send %s to", referral_id,
		                     name);
		return -1;
	}
	if (v) {
		struct buf b = {0};
		const char *value = NULL;
		char rule[200];

		char *facts = v->note ? NULL : schedule_weekly_facts(ob->st, ob->cfg, clock_now());

		if (v->note == NULL && facts == NULL) {
			store_referral_view_clear(&r);
			*error_r = xstrdup(store_error(ob->st));
			return -1;
		}
		buf_adds(&b, v->note ? v->note : facts);
		free(facts);
		if (v->kind == MAIL_REWARD_REFERRER || v->kind == MAIL_PAID_REFERRER) {
			double amount = lifecycle_reward(ob->cfg, r.referrer.email, r.has_value,
			                                 r.value, rule, sizeof(rule));

			value = lifecycle_money(ob->cfg, amount > 0 ? amount : 100, money,
			                        sizeof(money));
		} else if (v->kind == MAIL_NOTIFY_REP) {
			value = r.lead.email ? r.lead.email : "lead@example.com";
		} else if (v->kind == MAIL_DIGEST_REP) {
			snprintf(money, sizeof(money), "%" PRId64, referral_id);
			value = money;
		} else if (v->other) {
			value = r.referrer.name    ? r.referrer.name
			        : r.referrer.email ? r.referrer.email
			                           : "someone";
		}
		if (v == &by_status) {
			char *fact = xasprintf("update.%s", status_name(milestone));

			jobnote_add(&b, fact, "yes");
			free(fact);
		} else if (v->fill) {
			jobnote_add(&b, v->fill, value);
		}
		note = buf_steal(&b);
	}
	/* a digest or a summary is about no referral of its own */
	j.referral_id = flags & MAIL_SUMMARY ? 0 : referral_id;
	j.template = (char *)name;
	j.recipient = (char *)to;
	j.recipient_name = (char *)to_name;
	j.cc = (char *)cc;
	j.seq = (flags & MAIL_CHAINED) && mail_table[kind].to == ROLE_REP ? 1 : 0;
	j.note = escalated ? (char *)"reminder.escalated=yes\n" : note;
	if (kind == MAIL_REVIEW_ADMIN && note == NULL) {
		/* a review mail is about several referrals: this one as its
		 * only item, as the job made at the next `send` would list it */
		j.referral_id = 0;
		j.note = note = xasprintf("review.referrals=%" PRId64 "\n", referral_id);
	}
	j.message_key = schedule_message_id(ob->cfg, j.referral_id, name);
	/* the intro's thread, as the jobs made at intake have it: only an
	 * intro's (a form's notification or a referrer's forward never
	 * reached the lead; intake starts a thread of their own) */
	if ((flags & MAIL_THREADED) && !(flags & MAIL_CHAINED) && r.thread_key) {
		struct message_view mv = {0};
		int64_t mid = 0;

		rc = store_message_find(ob->st, r.thread_key, &mid);
		if (rc == 1)
			rc = store_message_get(ob->st, mid, &mv);
		if (rc < 0) {
			store_referral_view_clear(&r);
			free(j.message_key);
			free(note);
			*error_r = xstrdup("cannot read the intro's message");
			return -1;
		}
		if (rc == 0 || (mv.kind && strcmp(mv.kind, "intro") == 0))
			j.in_reply_to = r.thread_key;
		store_message_view_clear(&mv);
	}
	j.refs = j.in_reply_to;
	ob->preview = 1;
	rc = build(ob, &j, (flags & MAIL_SUMMARY) || !j.referral_id ? NULL : &r, clock_now(),
	           data_r, len_r, error_r);
	ob->preview = 0;
	free(j.message_key);
	free(note);
	store_referral_view_clear(&r);
	return rc;
}

int outbox_render(struct outbox *ob, const struct job_view *j, char **data_r, size_t *len_r,
                  char **error_r)
{
	struct referral_view r = {0};
	int have_r = 0, rc;

	if (j->referral_id) {
		have_r = store_referral_get(ob->st, j->referral_id, &r, NULL, NULL);
		if (have_r < 0) {
			*error_r = xstrdup(store_error(ob->st));
			return -1;
		}
	}
	ob->preview = 1;
	rc = build(ob, j, have_r == 1 ? &r : NULL, clock_now(), data_r, len_r, error_r);
	ob->preview = 0;
	store_referral_view_clear(&r);
	return rc;
}
