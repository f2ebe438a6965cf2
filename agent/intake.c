/*
 * intake.c - the intake rules (README "Intake rules"), in the order they
 * apply:
 *
 *   1. duplicate: a key (Message-ID, else a stable header hash) seen before
 *   2. automated: RFC 3834 Auto-Submitted and RFC 3464/6522 reports are
 *      checked here, in C, because never answering a machine is what keeps
 *      the agent out of mail loops and must not hinge on an editable rule
 *      file; the rule files add the heuristics (vendor headers, subjects,
 *      lists, MAILER-DAEMON) and may class a mail automated, bounce or
 *      ignore
 *   3. reply: In-Reply-To / References naming a stored message, a plus
 *      address (referrals+r42@...), a subject tag [R42] when the sender
 *      already takes part in referral 42, or a forward of the agent's own
 *      mail to the lead of an open referral
 *   4. web form: the form's labels say who referred whom (form.c)
 *   5. intro: referrer = From; leads = To and Cc minus the agent, the
 *      referrer, the reps and the business domains; when the headers name no
 *      lead, a forwarded message or the text does (intake_leads.c)
 *   6. the confidence: the evidence for an introduction, added up
 *      (intake_score.c), makes it a referral, holds it for review when thin,
 *      or ignores it; someone named with no address goes to review
 *   7. more leads than max_leads: held for review
 *   8. a lead with an open referral: a touch on it, credit unchanged
 *   9. the rep: a rep among the recipients, else round robin over [reps]
 *
 * A hold costs the admin attention: it is for thin evidence, not for every
 * mail that lacks a stock phrase.
 *
 * This file decides and records new referrals; what a reply or a delivery
 * report does to the referrals it names is reply.c's.
 */
#include "intake_p.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "form.h"
#include "greeting.h"
#include "jobnote.h"
#include "log.h"
#include "lifecycle.h"
#include "names.h"
#include "reply.h"
#include "review.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* Longest context kept on a referral (characters of plain text). */
#define CONTEXT_MAX 4000
/* Longest key kept (RFC 5322 lines are at most 998 characters). */
#define KEY_MAX 998

/* The outcomes by name; a held message is named by its status. */
static const char *const outcome_names[] = {"referral", "touch",   "reply",     NULL,
                                            "review",   "ignored", "duplicate", "error"};

const char *intake_outcome_name(enum intake_outcome o)
{
	if (o == INTAKE_HELD)
		return status_name(STATUS_HELD);
	return (size_t)o < ARRAY_SIZE(outcome_names) ? outcome_names[o] : "?";
}

static void set_why(struct intake_decision *d, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void set_why(struct intake_decision *d, const char *fmt, ...)
{
	va_list ap;

	free(d->why);
	va_start(ap, fmt);
	d->why = xvasprintf_max(1024, fmt, ap);
	va_end(ap);
}

static void set_outcome(struct intake_decision *d, enum intake_outcome o, const char *kind)
{
	d->outcome = o;
	free(d->kind);
	d->kind = xstrdup(kind);
}

static char *message_key(const struct message *m)
{
	if (m->message_id && *m->message_id)
		return xstrndup(m->message_id, KEY_MAX);
	return xasprintf("hash:%016" PRIx64, m->header_hash);
}

/* ---- automated mail ---- */

/* RFC 3834 section 5: any Auto-Submitted value but "no" marks a message
 * that must not be answered automatically.  RFC 3464 / RFC 6522: a
 * multipart/report is a machine's report. */
static int builtin_automated(const struct message *m, int is_form, enum rule_class class,
                             struct intake_decision *d)
{
	const char *as = message_header(m, "Auto-Submitted");

	if (m->report == REPORT_DSN) {
		set_outcome(d, INTAKE_IGNORED, "bounce");
		set_why(d, "delivery status report (RFC 3464)%s%s",
		        m->orig_message_id ? " about " : "",
		        m->orig_message_id ? m->orig_message_id : "");
		return 1;
	}
	if (m->report == REPORT_OTHER) {
		set_outcome(d, INTAKE_IGNORED, "automated");
		set_why(d, "multipart/report%s%s (RFC 6522)", m->report_type ? " " : "",
		        m->report_type ? m->report_type : "");
		return 1;
	}
	/* A web-form service may mark its notifications auto-generated; a
	 * referral form is still a lead (it is never answered as a reply, only
	 * followed up like any referral).  A social network's notification
	 * naming a person goes to review, which sends nothing.  An auto-reply
	 * is never either. */
	if (as && !str_istarts(as, "no") &&
	    !((is_form || class == CLASS_REVIEW) && !str_istarts(as, "auto-replied"))) {
		set_outcome(d, INTAKE_IGNORED, "automated");
		set_why(d, "Auto-Submitted: %s (RFC 3834)", as);
		return 1;
	}
	return 0;
}

/* ---- replies ---- */

static int find_thread(struct intake *in, const struct message *m, struct intake_decision *d)
{
	const char **keys;
	size_t n = 0;
	int rc;

	if (in->st == NULL)
		return 0;
	keys = xcalloc(m->nreferences + 1, sizeof(*keys));
	if (m->in_reply_to)
		keys[n++] = m->in_reply_to;
	for (size_t i = m->nreferences; i > 0; i--) /* newest first */
		if (!m->in_reply_to || strcmp(m->references[i - 1], m->in_reply_to) != 0)
			keys[n++] = m->references[i - 1];
	rc = n ? store_thread_find(in->st, keys, n, &d->thread, &d->nthread) : 0;
	free(keys);
	if (rc < 0)
		return -1;
	return d->nthread > 0;
}

/* referrals+r42@biz.test in To, Cc or Delivered-To: referral 42. */
static int64_t plus_address_referral(const struct config *cfg, const struct message *m)
{
	const struct addr_list *lists[] = {&m->to, &m->cc, &m->delivered_to};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email;
			const char *plus;
			long id;
			char tag[32];
			size_t len;

			if (!e || !config_is_agent(cfg, e) || !(plus = strchr(e, '+')))
				continue;
			len = strcspn(plus + 1, "@");
			if (len < 2 || len >= sizeof(tag) || (plus[1] != 'r' && plus[1] != 'R'))
				continue;
			memcpy(tag, plus + 2, len - 1);
			tag[len - 1] = '\0';
			if (parse_long(tag, 1, LONG_MAX, &id) == 0)
				return id;
		}
	return 0;
}

/* "[R42]" or "[ref 42]" in the subject. */
static int64_t subject_tag_referral(const char *subject)
{
	const char *p = subject;

	while (p && (p = strchr(p, '[')) != NULL) {
		const char *q = p + 1;
		char num[24];
		size_t n = 0;
		long id;

		if (str_istarts(q, "ref "))
			q += 4;
		else if (*q == 'R' || *q == 'r')
			q++;
		else {
			p++;
			continue;
		}
		while (*q >= '0' && *q <= '9' && n < sizeof(num) - 1)
			num[n++] = *q++;
		num[n] = '\0';
		if (*q == ']' && parse_long(num, 1, LONG_MAX, &id) == 0)
			return id;
		p++;
	}
	return 0;
}

/* Does email take part in referral id (referrer, lead or rep)? */
static int takes_part(struct intake *in, int64_t id, const char *email)
{
	struct referral_view v = {0};
	int rc, yes = 0;

	if (email == NULL || in->st == NULL)
		return 0;
	rc = store_referral_get(in->st, id, &v, NULL, NULL);
	if (rc == 1)
		yes = str_ieq(v.referrer.email, email) || str_ieq(v.lead.email, email) ||
		      str_ieq(v.rep_email, email);
	store_referral_view_clear(&v);
	return yes;
}

static void set_thread_one(struct intake_decision *d, int64_t id)
{
	free(d->thread);
	d->thread = xmalloc(sizeof(*d->thread));
	d->thread[0] = id;
	d->nthread = 1;
}

/* The ids a reply names: In-Reply-To, then References newest first. */
static size_t reply_keys(const struct message *m, const char **keys, size_t max)
{
	size_t n = 0;

	if (m->in_reply_to && n < max)
		keys[n++] = m->in_reply_to;
	for (size_t i = m->nreferences; i > 0 && n < max; i--)
		if (!m->in_reply_to || strcmp(m->references[i - 1], m->in_reply_to) != 0)
			keys[n++] = m->references[i - 1];
	return n;
}

/* The rep's answer to a confirmation mail the agent sent them. */
static int decide_confirmation(struct intake *in, const struct message *m,
                               struct intake_decision *d)
{
	const char *keys[8];
	size_t n = reply_keys(m, keys, ARRAY_SIZE(keys));

	for (size_t i = 0; i < n; i++) {
		int rc = store_confirmation_find(in->st, keys[i], &d->conf);

		if (rc < 0)
			return -1;
		if (rc == 1 && strcmp(d->conf.state, "pending") == 0 &&
		    str_ieq(d->conf.rep, m->from.email)) {
			set_thread_one(d, d->conf.referral_id);
			set_outcome(d, INTAKE_REPLY, "confirmation");
			set_why(d,
			        "%s answers the confirmation of \"#%s%s%s\" on referral %" PRId64,
			        d->conf.rep, d->conf.command, d->conf.arg ? " " : "",
			        d->conf.arg ? d->conf.arg : "", d->conf.referral_id);
			return 1;
		}
		store_confirmation_clear(&d->conf);
	}
	return 0;
}

/* Mail to the List-Unsubscribe address of a person: agent+u-TOKEN@... */
static int decide_unsubscribe(struct intake *in, const struct message *m, struct intake_decision *d)
{
	const struct addr_list *lists[] = {&m->to, &m->cc, &m->delivered_to};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email, *plus;
			char token[40];
			size_t len;
			int rc;

			if (!e || !config_is_agent(in->cfg, e) || !(plus = strchr(e, '+')) ||
			    strncmp(plus, "+u-", 3) != 0)
				continue;
			len = strcspn(plus + 3, "@");
			if (len == 0 || len >= sizeof(token))
				continue;
			memcpy(token, plus + 3, len);
			token[len] = '\0';
			rc = store_person_by_token(in->st, token, &d->optout_email);
			if (rc < 0)
				return -1;
			if (rc == 1) {
				set_outcome(d, INTAKE_REPLY, "optout");
				d->optout_source = xstrdup("mail to the List-Unsubscribe address");
				set_why(d, "%s unsubscribes (List-Unsubscribe address)",
				        d->optout_email);
				return 1;
			}
		}
	return 0;
}

/* Does email have any referral credited to them? */
static int is_referrer(struct intake *in, const char *email)
{
	struct referral_view *v = NULL;
	size_t n = 0;

	if (email == NULL || store_referrals_of_referrer(in->st, email, &v, &n) < 0)
		return 0;
	store_referral_views_free(v, n);
	return n > 0;
}

/* A forward of the agent's own mail to the forwarder (a lead passing the
 * welcome on to a spouse, with the agent copied): the referral it came
 * from, by the forwarded message's Message-ID when it carries one (an
 * attached forward), else the open referral of which the forwarder is the
 * lead.  The agent's mail names the business, the lead and the intro's
 * subject ("Bob, meet Brightpath"), so read as an introduction it would
 * make the forwarder a referrer and the spouse a lead to welcome.
 * 1: d->thread is set; 0: not such a forward; -1 on error. */
static int forwarded_agent_mail(struct intake *in, const struct message *m,
                                struct intake_decision *d)
{
	if (in->st == NULL) /* filters test without a database: no history */
		return 0;
	for (size_t i = 0; i < m->nfwd; i++) {
		const struct forward *f = &m->fwd[i];
		int64_t id = 0;
		int to_sender = 0, rc;

		if (!f->from.email || !config_is_agent(in->cfg, f->from.email))
			continue;
		if (f->message_id) {
			const char *key = f->message_id;

			if (store_thread_find(in->st, &key, 1, &d->thread, &d->nthread) < 0)
				return -1;
			if (d->nthread > 0)
				return 1;
		}
		for (size_t j = 0; j < f->to.n; j++)
			to_sender |= str_ieq(f->to.v[j].email, m->from.email);
		if (!to_sender || !m->from.email)
			continue;
		rc = store_referral_open_for_lead(in->st, m->from.email, &id);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			set_thread_one(d, id);
			return 1;
		}
	}
	return 0;
}

static int decide_reply(struct intake *in, const struct message *m, struct intake_decision *d)
{
	int64_t id;
	int rc = find_thread(in, m, d);

	if (rc < 0)
		return -1;
	if (rc > 0) {
		set_why(d, "reply in the thread of referral %" PRId64, d->thread[0]);
		return 1;
	}
	id = plus_address_referral(in->cfg, m);
	if (id && reply_referral_exists(in, id)) {
		set_thread_one(d, id);
		set_why(d, "sent to the plus address of referral %" PRId64, id);
		return 1;
	}
	/* A subject tag is easy to type by accident or on purpose: it only
	 * counts for someone already in that referral. */
	id = subject_tag_referral(m->subject);
	if (id && takes_part(in, id, m->from.email)) {
		set_thread_one(d, id);
		set_why(d, "subject tag of referral %" PRId64 " from a participant", id);
		return 1;
	}
	rc = forwarded_agent_mail(in, m, d);
	if (rc > 0)
		set_why(d, "forwards the agent's mail of referral %" PRId64, d->thread[0]);
	return rc;
}

/* ---- leads ---- */

void intake_unwrap_list(const struct config *cfg, struct message *m)
{
	const char *id = message_header(m, "List-Id"), *lt, *gt;
	char *list = NULL;
	int own = 0, rewritten;

	/* "Brightpath Referrals <referrals.brightpath.example>" (RFC 2919) */
	if (id != NULL) {
		lt = strrchr(id, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		list = lt && gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : xstrdup(id);
		str_trim(list);
		own = domain_in_list(list, cfg->domains);
		free(list);
	}
	/* the list's own address in From, the person's in X-Original-From */
	rewritten = m->from.email && (config_is_agent(cfg, m->from.email) ||
	                              (own && config_is_business(cfg, m->from.email) &&
	                               config_find_rep(cfg, m->from.email) == NULL));
	if (!own && !(rewritten && message_header(m, "X-Original-From")))
		return;
	message_unlist(m, rewritten);
}

int intake_excluded(const struct config *cfg, const char *email, const char *referrer)
{
	return email == NULL || config_is_agent(cfg, email) || config_is_business(cfg, email) ||
	       config_find_rep(cfg, email) != NULL || (referrer && str_ieq(email, referrer));
}

static int has_lead(const struct intake_decision *d, const char *email)
{
	for (size_t i = 0; i < d->nleads; i++)
		if (str_ieq(d->leads[i].email, email))
			return 1;
	return 0;
}

struct intake_lead *intake_add_lead(struct intake_decision *d, size_t *cap, const char *name,
                                    const char *email)
{
	struct intake_lead *l;

	if (email && has_lead(d, email))
		return NULL;
	d->leads = xgrow(d->leads, cap, d->nleads + 1, sizeof(*d->leads));
	l = &d->leads[d->nleads++];
	memset(l, 0, sizeof(*l));
	l->name = str_blank(name) ? NULL : xstrdup(name);
	l->email = email ? str_lower(xstrdup(email)) : NULL;
	return l;
}

static int names_person(const char *named, const char *name, const char *email);

static void leads_from_headers(const struct config *cfg, const struct message *m,
                               struct intake_decision *d, size_t *cap)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const struct addr *a = &lists[l]->v[i];

			if (!intake_excluded(cfg, a->email, d->referrer_email) &&
			    !intake_machine_address(a->email))
				intake_add_lead(d, cap, a->name, a->email);
		}
}

/* "To: Grace Adams <adamsfamily@...>" from "Paul Adams <adamsfamily@...>":
 * a family's shared address under someone else's name.  Her mail would be
 * his, so she is no lead with that address: the name, or NULL. */
static const char *shared_address_name(const struct message *m, const char *writer)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t l = 0; writer && l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const struct addr *a = &lists[l]->v[i];

			if (a->email && a->name && str_ieq(a->email, writer) &&
			    !names_person(a->name, m->from.name, NULL))
				return a->name;
		}
	return NULL;
}

/* Whether the text gives, after a cue ("His email is ...", "reach her
 * at ..."), the address of someone who is in no forwarded header: a third
 * person the forwarded mail speaks of. */
static int forward_names_other(const struct config *cfg, const struct message *m,
                               const struct intake_decision *d)
{
	const char *cued = intake_field(d, FF_LEAD_EMAIL);

	if (cued == NULL || intake_excluded(cfg, cued, d->referrer_email) ||
	    intake_machine_address(cued))
		return 0;
	for (size_t f = 0; f < m->nfwd; f++) {
		const struct forward *fw = &m->fwd[f];

		if (fw->from.email && str_ieq(fw->from.email, cued))
			return 0;
		for (size_t i = 0; i < fw->to.n; i++)
			if (fw->to.v[i].email && str_ieq(fw->to.v[i].email, cued))
				return 0;
	}
	return 1;
}

/* A forward: the lead is who wrote the forwarded mail, or, when the
 * referrer forwards their own earlier mail, who it went to; but not when
 * the text names someone else with their address ("One of my clients,
 * Harold Beaumont ... His email is hb@..."): the forwarded writer, a
 * groomer or a colleague, only passed them on, and the text's lead is
 * read as any lead named in the text. */
static void leads_from_forward(const struct config *cfg, const struct message *m,
                               struct intake_decision *d, size_t *cap)
{
	if (forward_names_other(cfg, m, d))
		return;
	for (size_t f = 0; f < m->nfwd && d->nleads == 0; f++) {
		const struct forward *fw = &m->fwd[f];

		if (!intake_excluded(cfg, fw->from.email, d->referrer_email)) {
			/* a newsletter forwarded as a tip names nobody */
			if (!intake_machine_address(fw->from.email))
				intake_add_lead(d, cap, fw->from.name, fw->from.email);
			continue;
		}
		for (size_t i = 0; i < fw->to.n; i++)
			if (!intake_excluded(cfg, fw->to.v[i].email, d->referrer_email) &&
			    !intake_machine_address(fw->to.v[i].email))
				intake_add_lead(d, cap, fw->to.v[i].name, fw->to.v[i].email);
	}
}

const char *intake_field(const struct intake_decision *d, enum filter_field_id id)
{
	const char *v = d->fr.fields[id];

	return str_blank(v) ? NULL : v;
}

static char *dup_field(const struct intake_decision *d, enum filter_field_id id)
{
	return xstrdup(intake_field(d, id));
}

/* ---- rep ---- */

static int choose_rep(struct intake *in, const struct message *m, struct intake_decision *d,
                      const struct intake_prep *prep)
{
	const struct config *cfg = in->cfg;
	const struct addr_list *lists[] = {&m->to, &m->cc};
	int64_t next = 0;

	const struct rep *r;

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			if ((r = config_find_rep(cfg, lists[l]->v[i].email)) != NULL) {
				d->rep = r;
				d->rep_how = "named in the intro";
				return 0;
			}
		}
	/* a forwarded intro copied to a rep ("Kevin, meet Ana"), or a rep
	 * forwarding one to the agent: that rep */
	for (size_t f = 0; f < m->nfwd; f++)
		for (size_t i = 0; i < m->fwd[f].to.n; i++)
			if ((r = config_find_rep(cfg, m->fwd[f].to.v[i].email)) != NULL) {
				d->rep = r;
				d->rep_how = "named in the forwarded intro";
				return 0;
			}
	if (m->nfwd > 0 && (r = config_find_rep(cfg, m->from.email)) != NULL) {
		d->rep = r;
		d->rep_how = "forwarded by the rep";
		return 0;
	}
	/* "Hi Tom, meet Jane": the writer chose the rep, as with a rep in Cc */
	if ((r = intake_greeted_rep(cfg, m, d, &prep->reps)) != NULL) {
		d->rep = r;
		d->rep_how = "greeted in the intro";
		return 0;
	}
	/* "Ask for Marisol": the writer chose the rep in the text */
	if ((r = intake_asked_rep(cfg, m, d, &prep->reps)) != NULL) {
		d->rep = r;
		d->rep_how = "asked for in the intro";
		return 0;
	}
	/* "Sophie will take great care of you": the one rep the text names */
	if ((r = intake_mentioned_rep(cfg, m, d, &prep->reps)) != NULL) {
		d->rep = r;
		d->rep_how = "named in the intro's text";
		return 0;
	}
	if (cfg->nreps == 0)
		return 0;
	if (in->st && store_counter_peek(in->st, "round_robin", &next) < 0)
		return -1;
	d->rep = &cfg->reps[(size_t)(next % (int64_t)cfg->nreps)];
	d->rep_how = "round robin";
	return 0;
}

/* ---- the decision ---- */

static int lookup_existing(struct intake *in, struct intake_decision *d)
{
	for (size_t i = 0; i < d->nleads; i++) {
		struct intake_lead *l = &d->leads[i];
		int rc;

		if (l->email == NULL || in->st == NULL)
			continue;
		rc = store_referral_open_for_lead(in->st, l->email, &l->existing);
		if (rc < 0)
			return -1;
		if (rc == 0)
			l->existing = 0;
	}
	return 0;
}

/* Do phone numbers a and b have the same digits? */
static int same_digits(const char *a, const char *b)
{
	for (;;) {
		while (*a && !isdigit((unsigned char)*a))
			a++;
		while (*b && !isdigit((unsigned char)*b))
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++, b++;
	}
}

/* Whether a and b are one line: the same digits, or the shorter (7 or
 * more) the end of the longer ("+1 303 555 0100" and "303-555-0100"). */
static int same_line(const char *a, const char *b)
{
	char da[40], db[40];
	size_t na = 0, nb = 0, n;

	for (; *a && na < sizeof(da); a++)
		if (isdigit((unsigned char)*a))
			da[na++] = *a;
	for (; *b && nb < sizeof(db); b++)
		if (isdigit((unsigned char)*b))
			db[nb++] = *b;
	n = na < nb ? na : nb;
	return n >= 7 && memcmp(da + na - n, db + nb - n, n) == 0;
}

/* Someone else's number (phone, NULL: none) is no lead's: dropped from
 * each lead of d but the one at address own (NULL: none). */
static void drop_phone(struct intake_decision *d, const char *phone, const char *own)
{
	for (size_t i = 0; phone && i < d->nleads; i++) {
		struct intake_lead *l = &d->leads[i];

		if (l->phone && !(own && str_ieq(l->email, own)) && same_digits(l->phone, phone)) {
			free(l->phone);
			l->phone = NULL;
		}
	}
}

/* Need, budget, timeline, the context and each lead's own details.  A
 * form's values are in place already (decide_form); the rules fill what
 * is left. */
static void fill_details(struct intake *in, const struct message *m, struct intake_decision *d)
{
	if (!d->need)
		d->need = dup_field(d, FF_NEED);
	if (!d->budget)
		d->budget = dup_field(d, FF_BUDGET);
	if (!d->timeline)
		d->timeline = dup_field(d, FF_TIMELINE);
	d->subject = xstrdup(m->subject);
	d->context = xstrndup(m->context ? m->context : "", CONTEXT_MAX);
	if (!d->referrer_phone)
		d->referrer_phone = dup_field(d, FF_REFERRER_PHONE);
	/* a form's fields say whose phone is whose; the text's rules do not */
	if (strcmp(d->kind, "form") != 0)
		intake_lead_details(in, m, d);
	/* the writer's own number is no other lead's ("telefonisch bin ich
	 * unter P erreichbar" after a cue word); in a forward, the number
	 * may be the forwarded writer's, the lead's */
	if (strcmp(d->kind, "intro") == 0)
		drop_phone(d, d->referrer_phone, m->from.email);
}

/* Can the agent write to someone named in a form (an address, or at least
 * a phone for the rep)? */
static int reachable(const struct intake_decision *d)
{
	for (size_t i = 0; i < d->nleads; i++)
		if (d->leads[i].email || d->leads[i].phone)
			return 1;
	return 0;
}

static void set_review(struct intake_decision *d, const char *lead, const char *referrer,
                       const char *how)
{
	set_outcome(d, INTAKE_REVIEW, "review");
	if (lead)
		set_why(d, "named but unreachable: %s%s%s (%s)", lead,
		        referrer ? ", introduced by " : "", referrer ? referrer : "", how);
	else
		set_why(d, "named but unreachable: %s recommends the business (%s)", referrer, how);
}

/* The name Reply-To gives the submitter's address ("Reply-To: Nadia Haddad
 * <nadia@x.test>", as Contact Form 7 and Squarespace write it), when the
 * form's fields give none; NULL for another address. */
static const char *reply_name(const struct message *m, const char *reply_to, const char *email)
{
	if (reply_to == NULL || email == NULL || !str_ieq(reply_to, email))
		return NULL;
	return m->reply_to.v[0].name;
}

/* The form's people: its referrer (else a rule's, else the sender when the
 * form says "me"), and its leads.  Reply-To carries the address of whoever
 * filled the form in. */
static void form_people(struct intake *in, const struct message *m, const struct form *f,
                        struct intake_decision *d, size_t *cap)
{
	const struct config *cfg = in->cfg;
	const char *reply_to = m->reply_to.n ? m->reply_to.v[0].email : NULL;

	if (reply_to && intake_excluded(cfg, reply_to, NULL))
		reply_to = NULL;
	d->referrer_name = xstrdup(f->referrer.name);
	d->referrer_email = xstrdup(f->referrer.email);
	d->referrer_phone = xstrdup(f->referrer.phone);
	if (!d->referrer_name && !d->referrer_email) {
		d->referrer_name = dup_field(d, FF_REFERRER_NAME);
		d->referrer_email = dup_field(d, FF_REFERRER_EMAIL);
	}
	if (!d->referrer_name && !d->referrer_email && f->referrer_is_you && m->from.email &&
	    !intake_excluded(cfg, m->from.email, NULL)) {
		d->referrer_name = xstrdup(m->from.name);
		d->referrer_email = xstrdup(m->from.email);
	}
	if (f->kind == FORM_REFER && !d->referrer_email && reply_to)
		d->referrer_email = xstrdup(reply_to); /* the submitter refers */
	if (d->referrer_email)
		str_lower(d->referrer_email);
	for (size_t i = 0; i < f->nleads; i++) {
		const struct form_person *p = &f->leads[i];
		const char *email = p->email;
		struct intake_lead *l;

		if (email && intake_excluded(cfg, email, d->referrer_email))
			continue;
		if (!email && f->kind == FORM_CONTACT && reply_to &&
		    !(d->referrer_email && str_ieq(reply_to, d->referrer_email)))
			email = reply_to; /* the submitter is the lead */
		l = intake_add_lead(d, cap, p->name ? p->name : reply_name(m, reply_to, email),
		                    email);
		if (l == NULL)
			continue;
		l->phone = xstrdup(p->phone);
		l->company = xstrdup(p->company);
		l->need = xstrdup(p->need);
	}
	if (f->kind == FORM_NONE) {
		/* a form a rule recognised that names no referral: its
		 * submitter, as before */
		const char *email = f->submitter.email ? f->submitter.email : reply_to;

		if ((email && !intake_excluded(cfg, email, NULL)) || f->submitter.name) {
			struct intake_lead *l =
			        intake_add_lead(d, cap,
			                        f->submitter.name ? f->submitter.name
			                                          : reply_name(m, reply_to, email),
			                        email);

			if (l)
				l->phone = xstrdup(f->submitter.phone);
		}
	}
	d->need = xstrdup(f->need);
	d->budget = xstrdup(f->budget);
	d->timeline = xstrdup(f->timeline);
}

static int decide_form(struct intake *in, const struct message *m, const struct form *f,
                       struct intake_decision *d, size_t *cap)
{
	const char *who;
	char what[300];

	form_people(in, m, f, d, cap);
	set_outcome(d, INTAKE_REFERRAL, "form");
	if (d->nleads == 0) {
		set_outcome(d, INTAKE_IGNORED, "form");
		set_why(d, "web form names no lead");
		return 0;
	}
	if (f->kind == FORM_NONE && f->heard && !d->referrer_name && !d->referrer_email) {
		set_outcome(d, INTAKE_IGNORED, "form");
		set_why(d, "web form, not a referral: how did you hear, \"%s\"", f->heard);
		return 0;
	}
	if (!reachable(d)) {
		set_review(d, d->leads[0].name, d->referrer_name, "a web form with no address");
		return 0;
	}
	intake_score_form(d, f);
	who = d->referrer_name ? d->referrer_name : d->referrer_email;
	snprintf(what, sizeof(what), "web form%s%s%s%s", who ? ": " : "", who ? who : "",
	         who ? " referred " : "",
	         !who                ? ""
	         : d->leads[0].name  ? d->leads[0].name
	         : d->leads[0].email ? d->leads[0].email
	         : d->leads[0].phone ? d->leads[0].phone
	                             : "someone");
	intake_settle(d, what);
	if (d->outcome == INTAKE_HELD) {
		free(d->kind);
		d->kind = xstrdup("form");
	}
	return 0;
}

/* Mail no person wrote by hand: list and bulk headers, Auto-Submitted, or a
 * notification, billing or newsletter sender.  A review rule's match counts
 * only in such mail: a person writing "Sarah Lee recommended you" is a lead
 * naming a referrer; and such mail introduces nobody (intake_score.c). */
int intake_machine_sent(const struct message *m)
{
	/* Not Feedback-ID: Proton Mail writes one into every mail its
	 * people send, and bulk senders who set it set List-Unsubscribe
	 * too. */
	static const char *const headers[] = {"List-Unsubscribe", "List-Id", "Auto-Submitted",
	                                      "X-Auto-Response-Suppress"};
	/* the local part is one of these, maybe plural, maybe followed by
	 * '-', '.', '+'... ("notifications@", "news-us@"; not "newsome@") */
	static const char *const senders[] = {
	        "noreply",      "no-reply",   "no_reply",         "donotreply", "do-not-reply",
	        "notification", "notify",     "messages-noreply", "update",     "alert",
	        "news",         "newsletter", "receipt",          "billing",    "invoice",
	        "mailer",       "marketing"};
	const char *p = message_header(m, "Precedence");
	const char *from = m->from.email;

	if (p && (str_istarts(p, "bulk") || str_istarts(p, "list") || str_istarts(p, "junk")))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
		const char *v = message_header(m, headers[i]);

		if (v && !(i == 2 && str_istarts(v, "no")))
			return 1;
	}
	for (size_t i = 0; from && i < ARRAY_SIZE(senders); i++) {
		size_t n = strlen(senders[i]);

		if (str_istarts(from, senders[i])) {
			unsigned char c = (unsigned char)from[n];

			if (c == 's' || c == 'S')
				c = (unsigned char)from[n + 1];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9')))
				return 1;
		}
	}
	return 0;
}

/* A social network's notification naming someone (class review). */
static int decide_review(struct intake_decision *d)
{
	const char *lead = intake_field(d, FF_LEAD_NAME), *ref = intake_field(d, FF_REFERRER_NAME);

	if (!lead && !ref) {
		set_outcome(d, INTAKE_IGNORED, "ignored");
		set_why(d, "%s, naming nobody (rule %s)", d->fr.why ? d->fr.why : "review",
		        d->fr.class_rule);
		return 0;
	}
	set_review(d, lead, ref, d->fr.why ? d->fr.why : d->fr.class_rule);
	return 0;
}

/* Is w (n bytes) inside the local part of address s?  ASCII letters
 * fold. */
static int in_local_part(const char *s, const char *w, size_t n)
{
	size_t k = strcspn(s, "@");

	for (size_t i = 0; i + n <= k; i++)
		if (strncasecmp(s + i, w, n) == 0)
			return 1;
	return 0;
}

/* Is word w (n bytes) one of the words of name s, as names_same reads
 * them ("Bob" in "Robert Okafor", "Marg" in "Marguerite Kowalski"), or
 * (local) inside the local part of address s, itself or a longer form
 * from the table ("robert.okafor" for "Bob")? */
static int has_name_word(const char *s, const char *w, size_t n, int local)
{
	size_t k;

	if (local) {
		const char *o;
		size_t i = 0;

		if (in_local_part(s, w, n))
			return 1;
		while ((o = names_other(w, n, &i)) != NULL)
			if (strlen(o) > n && in_local_part(s, o, strlen(o)))
				return 1;
		return 0;
	}
	for (; *s; s += k, s += strspn(s, " \t")) {
		k = strcspn(s, " \t");
		if (names_same(s, k, w, n))
			return 1;
	}
	return 0;
}

/* Is the person the text names as the referrer ("Marguerite Okonkwo
 * recommended you") the one called name, at address email?  Every word of the name is a word of the
 * display name ("Marguerite" or "Marg" for "Marguerite
 * Okonkwo", "Bob" for "Robert Okafor"); with no display name, every word
 * is in the address's local part ("m.okonkwo" for "Okonkwo").  One word in common is not enough:
 * "Bob Jones recommended you", written to Bob Smith, names someone else. */
static int names_person(const char *named, const char *name, const char *email)
{
	const char *w = named, *in = name ? name : email;

	if (named == NULL || in == NULL || *named == '\0')
		return 0;
	while (*w) {
		size_t n = strcspn(w, " \t");

		if (n > 0 && !has_name_word(in, w, n, name == NULL))
			return 0;
		w += n;
		w += strspn(w, " \t");
	}
	return 1;
}

/* The quoted or forwarded message written by the person the text names
 * as the referrer (named), an outside person's; NULL when there is
 * none. */
static const struct forward *quoted_referrer(const struct config *cfg, const struct message *m,
                                             const char *named)
{
	for (size_t f = 0; f < m->nfwd; f++) {
		const struct forward *fw = &m->fwd[f];

		if (fw->from.email && !intake_excluded(cfg, fw->from.email, m->from.email) &&
		    !intake_machine_address(fw->from.email) &&
		    names_person(named, fw->from.name, fw->from.email))
			return fw;
	}
	return NULL;
}

/* The one address in s ("... Priyanka Rao <priyanka.rao@gmail.com>
 * wrote:"), lower case, newly allocated; NULL for none or several. */
static char *only_address(const char *s)
{
	const char *at = strchr(s, '@'), *a;
	size_t n = 0;

	if (at == NULL || strchr(at + 1, '@') != NULL || (a = addr_find(s, strlen(s), &n)) == NULL)
		return NULL;
	return str_lower(xstrndup(a, n));
}

/* Is w (n bytes) a word of a name: capitalised, no digit, comma or colon,
 * not "AM" or "PM"? */
static int name_word_at(const char *w, size_t n)
{
	if (n == 0 || !(isupper((unsigned char)*w) || (unsigned char)*w >= 0xC0))
		return 0;
	if (n == 2 && (strncmp(w, "AM", 2) == 0 || strncmp(w, "PM", 2) == 0))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)w[i]) || w[i] == ',' || w[i] == ':')
			return 0;
	return 1;
}

/* The capitalised words right before the address of an attribution
 * ("..., at 9:12 AM Priyanka Rao <priyanka.rao@gmail.com> wrote:"), at
 * most four, or NULL. */
static char *attribution_name(const char *header)
{
	const char *lt = strchr(header, '<'), *b, *e;
	int words = 0;

	if (lt == NULL)
		return NULL;
	for (e = lt; e > header && e[-1] == ' '; e--)
		;
	b = e;
	while (b > header && words < 4) {
		const char *w = b;

		while (w > header && w[-1] == ' ')
			w--;
		if (w == header)
			break;
		b = w;
		while (b > header && b[-1] != ' ')
			b--;
		if (!name_word_at(b, (size_t)(w - b))) {
			b = w;
			break;
		}
		words++;
	}
	while (*b == ' ')
		b++;
	return b < e ? xstrndup(b, (size_t)(e - b)) : NULL;
}

/* The lead answering an intro that presented them as someone for the
 * business ("Dan, meet Lisa Park, the CPA I told you about"; Lisa writes
 * "Thanks Sarah - moving you to bcc"): held, as the intro itself is. */
static void hold_provider_answer(struct intake_decision *d, const char *said)
{
	if (said && d->hold_only == NULL)
		d->hold_only = xasprintf("the intro it answers presents the writer as someone for "
		                         "the business (\"%s\"), not as a client",
		                         said);
}

/* "Priyanka Rao recommended you!  (Moving her to bcc.)" over the intro
 * a mail client quotes under its attribution ("On Mon, Nov 30, 2026 at
 * 9:12 AM Priyanka Rao <priyanka.rao@gmail.com> wrote:"): the referrer
 * the text names wrote it, and is thanked at its address.  Only when
 * the attribution names that person, by name or by the address's local
 * part, and gives one outside address. */
static void quoted_attribution(const struct intake *in, const struct message *m,
                               struct intake_decision *d)
{
	const char *named = d->referrer_name;
	char *header, *email;

	if (named == NULL || (header = filter_quote_header(in->filters, m->body)) == NULL)
		return;
	email = only_address(header);
	if (email && !intake_excluded(in->cfg, email, m->from.email) &&
	    !intake_machine_address(email) &&
	    (names_person(named, header, NULL) || names_person(named, NULL, email))) {
		char *full = attribution_name(header);

		/* "Yvonne" in the text, "Yvonne Okoro" in the attribution */
		if (full && names_person(named, full, NULL)) {
			free(d->referrer_name);
			d->referrer_name = full;
			full = NULL;
		}
		free(full);
		d->referrer_email = email;
		email = NULL;
		d->quotes_referrer = 1;
		hold_provider_answer(d, intake_provider_in(m->body, d));
	}
	free(email);
	free(header);
}

/* Whether forwarded mail fw went to the writer (address writer), and to
 * the business (the agent, a rep or a business address). */
static void fw_addressed(const struct config *cfg, const struct forward *fw, const char *writer,
                         int *writer_r, int *business_r)
{
	*writer_r = *business_r = 0;
	for (size_t i = 0; i < fw->to.n; i++) {
		const char *e = fw->to.v[i].email;

		*writer_r |= e && str_ieq(e, writer);
		*business_r |= e && intake_excluded(cfg, e, NULL);
	}
}

/* The quoted mail written by an outside person to the writer with the
 * business copied (the agent, a rep or a business address in its To and
 * Cc, in a quoted header block): the intro the writer, its lead,
 * answers.  NULL when there is none. */
static const struct forward *quoted_intro(const struct config *cfg, const struct message *m)
{
	for (size_t f = 0; f < m->nfwd; f++) {
		const struct forward *fw = &m->fwd[f];
		int writer, business;

		if (fw->from.email == NULL || intake_excluded(cfg, fw->from.email, m->from.email) ||
		    intake_machine_address(fw->from.email))
			continue;
		fw_addressed(cfg, fw, m->from.email, &writer, &business);
		if (writer && business)
			return fw;
	}
	return NULL;
}

/* Does the forwarded mail introduce, by the words of an intro's subject
 * or opening ("Greg, meet Brightpath", "Introducing you to ...", "Acme <>
 * Greg")?  A question ("who did your kitchen?") does not. */
static int introduces(const struct forward *fw)
{
	static const char *const words[] = {" meet ",
	                                    "meet,",
	                                    "meet:",
	                                    "introduc",
	                                    "<>",
	                                    "connecting you",
	                                    "putting you in touch"};
	const char *texts[] = {fw->subject, fw->body};

	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		size_t len = texts[t] ? strlen(texts[t]) : 0;

		if (len > 400)
			len = 400;
		for (size_t w = 0; w < ARRAY_SIZE(words); w++) {
			size_t k = strlen(words[w]);

			for (size_t i = 0; i + k <= len; i++)
				if (strncasecmp(texts[t] + i, words[w], k) == 0)
					return 1;
		}
	}
	return 0;
}

/* A forwarded intro: an outside person's mail to other outside people
 * with the business copied (the agent, a rep, a business address), which
 * a rep or someone else passes on ("FW: intro from Sarah - please log
 * this").  Its writer is the referrer and its outside recipients the
 * leads; read as a plain forward, the referrer would be the lead and the
 * one who forwarded it thanked.  1 when it is one (leads added). */
static int forwarded_intro(const struct config *cfg, const struct message *m,
                           struct intake_decision *d, size_t *cap)
{
	for (size_t f = 0; f < m->nfwd; f++) {
		const struct forward *fw = &m->fwd[f];
		int writer, business;

		if (fw->from.email == NULL || intake_excluded(cfg, fw->from.email, NULL) ||
		    intake_machine_address(fw->from.email))
			continue;
		fw_addressed(cfg, fw, m->from.email, &writer, &business);
		/* or the lead forwarding the intro they got ("Greg, meet
		 * Brightpath"), the business not copied on it */
		if (!business && !(writer && introduces(fw)))
			continue;
		for (size_t i = 0; i < fw->to.n; i++) {
			const struct addr *a = &fw->to.v[i];

			if (!intake_excluded(cfg, a->email, fw->from.email) &&
			    !intake_machine_address(a->email))
				intake_add_lead(d, cap, a->name, a->email);
		}
		if (d->nleads == 0)
			continue;
		free(d->referrer_name);
		free(d->referrer_email);
		d->referrer_name = xstrdup(fw->from.name);
		d->referrer_email = xstrdup(fw->from.email);
		return 1;
	}
	return 0;
}

/* Does the text call the person named "my husband Sam", "my friend
 * Sam", "our neighbour Sam": the writer's own, not the one the mail is
 * written to? */
static int writers_own(const char *text, const char *named)
{
	static const char *const rel[] = {
	        "my husband ",   "my wife ",     "my partner ", "my son ",      "my daughter ",
	        "my brother ",   "my sister ",   "my mom ",     "my mum ",      "my dad ",
	        "my mother ",    "my father ",   "my friend ",  "my neighbor ", "my neighbour ",
	        "my colleague ", "my coworker ", "my boss ",    "our friend ",  "our neighbor ",
	        "our neighbour "};
	size_t n = named ? strcspn(named, " ") : 0;

	if (text == NULL || n == 0)
		return 0;
	for (const char *p = text; (p = strstr(p, named)) != NULL; p += n) {
		for (size_t r = 0; r < ARRAY_SIZE(rel); r++) {
			size_t k = strlen(rel[r]);

			if ((size_t)(p - text) >= k && strncasecmp(p - k, rel[r], k) == 0)
				return 1;
		}
	}
	return 0;
}

/* The writer is the lead, and the referrer is name and email (taken):
 * "Sarah Lee recommended you".  Any lead read so far must be gone. */
static void writer_is_lead(const struct message *m, struct intake_decision *d, size_t *cap,
                           char *name, char *email)
{
	intake_add_lead(d, cap, m->from.name, m->from.email);
	free(d->referrer_name);
	free(d->referrer_email);
	d->referrer_name = name;
	d->referrer_email = email;
	/* "my number is P" is the writer's, who is the lead here */
	if (intake_field(d, FF_REFERRER_PHONE)) {
		d->leads[0].phone = d->fr.fields[FF_REFERRER_PHONE];
		d->fr.fields[FF_REFERRER_PHONE] = NULL;
	}
}

/* The rep a full name (two words or more) is of, by names_person ("Ana
 * Lopez gave me your email"); NULL for none, and for one word ("Tom told
 * me to call": any Tom). */
static const char *rep_named(const struct config *cfg, const char *name)
{
	if (name == NULL || strchr(name, ' ') == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->nreps; i++)
		if (names_person(name, cfg->reps[i].name, NULL))
			return cfg->reps[i].name;
	return NULL;
}

/* Is the name the text gives the writer's own ("Sarah Lee needs..." in
 * Sarah Lee's mail) or a rep's? */
static int names_writer_or_rep(const struct config *cfg, const struct message *m, const char *name)
{
	return names_person(name, m->from.name, NULL) || rep_named(cfg, name) != NULL;
}

/* A person's mail: who is introduced, and how sure the agent is. */
static int decide_intro(struct intake *in, const struct message *m, struct intake_decision *d,
                        size_t *cap)
{
	enum lead_source src = LEADS_NONE;
	const char *named;
	int64_t own = 0;

	if (m->from.email == NULL || config_is_agent(in->cfg, m->from.email)) {
		set_outcome(d, INTAKE_IGNORED, "ignored");
		set_why(d, "no usable From address");
		return 0;
	}
	d->referrer_name = xstrdup(m->from.name);
	d->referrer_email = xstrdup(m->from.email);

	leads_from_headers(in->cfg, m, d, cap);
	if (d->nleads)
		src = LEADS_HEADERS;
	if (d->nleads > 0)
		intake_drop_companions(m, d);
	if (d->nleads == 1 && intake_field(d, FF_REFERRER_NAME) &&
	    names_person(intake_field(d, FF_REFERRER_NAME), d->leads[0].name, d->leads[0].email) &&
	    !writers_own(m->context, intake_field(d, FF_REFERRER_NAME)) &&
	    !intake_excluded(in->cfg, m->from.email, NULL)) {
		/* "Marguerite Okonkwo recommended you", written to Marguerite
		 * with the business in copy (the lead answering an intro the
		 * agent never saw): the one addressed is the referrer the text
		 * names, and the writer is the lead.  Read the usual way round,
		 * Marguerite would be welcomed as a lead and the writer thanked
		 * for referring her.  Only with one recipient: with more, which
		 * the writer means is a guess. */
		struct intake_lead *r = &d->leads[0];
		char *name = r->name ? r->name : dup_field(d, FF_REFERRER_NAME), *email = r->email;

		r->name = r->email = NULL;
		FREE_ALL(r->phone, r->company, r->need);
		d->nleads = 0;
		writer_is_lead(m, d, cap, name, email);
		d->answers_referrer = 1;
		src = LEADS_WRITER;
	}
	if (src == LEADS_HEADERS && !d->answers_referrer && d->fr.field_why[FF_REFERRER_NAME] &&
	    !strstr(d->fr.field_why[FF_REFERRER_NAME], "who introduced them") &&
	    intake_field(d, FF_REFERRER_NAME) &&
	    !names_person(intake_field(d, FF_REFERRER_NAME), m->from.name, m->from.email)) {
		/* "Bob recommended you", and Bob is not the writer: the text
		 * says the writer was referred (a lead's words), the headers
		 * make the writer the referrer.  The rule's evidence speaks
		 * for the other reading, so it counts against this one; with
		 * an intro's own words beside it (the referrer recalling who
		 * recommended the business to them) it is still a referral,
		 * with no more a person looks. */
		intake_evidence(d, -4,
		                "the text says %s referred the writer; %s is neither the writer "
		                "nor the one addressed",
		                intake_field(d, FF_REFERRER_NAME),
		                intake_field(d, FF_REFERRER_NAME));
	}
	if (d->nleads == 0 && m->nfwd > 0 && !intake_excluded(in->cfg, m->from.email, NULL)) {
		/* "Priyanka Rao recommended you! Moving Priyanka to Bcc", over
		 * the quoted intro Priyanka wrote: the lead answering it, the
		 * referrer out of the recipients.  Known by the name the text
		 * gives, or by the quoted mail's own header block: written to
		 * the writer with the business copied ("Thank you Liz -
		 * moving you to bcc").  Read as a forward, the one quoted
		 * would be welcomed as the lead. */
		const struct forward *fw = NULL;

		if ((named = intake_field(d, FF_REFERRER_NAME)) != NULL)
			fw = quoted_referrer(in->cfg, m, named);
		if (fw == NULL)
			fw = quoted_intro(in->cfg, m);

		if (fw != NULL) {
			writer_is_lead(m, d, cap, xstrdup(fw->from.name ? fw->from.name : named),
			               xstrdup(fw->from.email));
			d->quotes_referrer = 1;
			src = LEADS_WRITER;
			hold_provider_answer(d, intake_provider_in(fw->body, d));
		}
	}
	if (d->nleads == 0 && m->nfwd > 0 && forwarded_intro(in->cfg, m, d, cap))
		src = LEADS_FORWARD;
	if (d->nleads == 0 && m->nfwd > 0) {
		leads_from_forward(in->cfg, m, d, cap);
		if (d->nleads)
			src = LEADS_FORWARD;
	}
	if (d->nleads == 0)
		src = intake_leads_from_text(in->cfg, m, d, cap);
	if (d->nleads == 0 && intake_field(d, FF_REFERRER_NAME) &&
	    !intake_excluded(in->cfg, m->from.email, NULL)) {
		/* "Sarah Lee recommended you": the writer is the lead */
		const char *rep = rep_named(in->cfg, intake_field(d, FF_REFERRER_NAME));

		writer_is_lead(m, d, cap, dup_field(d, FF_REFERRER_NAME),
		               dup_field(d, FF_REFERRER_EMAIL));
		/* "Tom Rivera gave me your email": the business's own rep sent
		 * them, no referrer to thank or reward; a person looks */
		if (rep && d->hold_only == NULL)
			d->hold_only = xasprintf("the referrer the writer names, %s, is a rep of "
			                         "the business",
			                         rep);
		src = LEADS_WRITER;
		if (d->referrer_email == NULL && m->nfwd == 0)
			quoted_attribution(in, m, d);
	}
	if (d->nleads == 0 && (named = intake_field(d, FF_LEAD_NAME)) != NULL &&
	    intake_field(d, FF_LEAD_PHONE) && !names_writer_or_rep(in->cfg, m, named)) {
		/* "call my brother-in-law Pete Alvarez at P": no address, but a
		 * number the rep can call (as a form's friend with a phone) */
		struct intake_lead *l = intake_add_lead(d, cap, named, NULL);

		l->phone = dup_field(d, FF_LEAD_PHONE);
		src = LEADS_PHONE;
	}
	/* the lead of an open referral writing, and nothing that introduces
	 * anyone (a question about their project, their spouse copied):
	 * their own referral's conversation */
	if (!intake_score_intro(in, m, d, src) && in->st && src != LEADS_NONE) {
		int rc = store_referral_open_for_lead(in->st, m->from.email, &own);

		if (rc < 0)
			return -1;
		if (rc == 1)
			intake_evidence(d, -3, "written by the lead of referral %" PRId64, own);
		else
			own = 0;
	}

	if (d->nleads == 0) {
		named = intake_field(d, FF_LEAD_NAME);
		if (named && d->confidence >= INTAKE_HOLD_AT) {
			set_review(d, named, NULL,
			           d->fr.field_why[FF_LEAD_NAME] ? d->fr.field_why[FF_LEAD_NAME]
			                                         : "no address");
			return 0;
		}
		if ((named = shared_address_name(m, m->from.email)) != NULL &&
		    d->confidence >= INTAKE_HOLD_AT) {
			set_review(d, named, NULL, "addressed at the writer's own address");
			return 0;
		}
		/* the lead of an open referral writing to the business (their
		 * spouse copied): their own referral's conversation */
		if (in->st && !intake_excluded(in->cfg, m->from.email, NULL)) {
			int rc = store_referral_open_for_lead(in->st, m->from.email, &own);

			if (rc < 0)
				return -1;
			if (rc == 1) {
				set_thread_one(d, own);
				set_outcome(d, INTAKE_REPLY, "reply");
				set_why(d,
				        "from the lead of referral %" PRId64 ", outside its thread",
				        own);
				return 0;
			}
		}
		set_outcome(d, INTAKE_IGNORED, "ignored");
		set_why(d, "not an introduction: no lead in the recipients, a forwarded "
		           "message or the text");
		return 0;
	}
	if (src == LEADS_WRITER && (d->answers_referrer || d->quotes_referrer) && in->st) {
		/* a client, months after their referral was won or lost,
		 * thanking who introduced them ("thank you again for
		 * connecting me with Summit Ridge ... the new roof went on last
		 * week"): no new introduction, and a welcome would greet a
		 * client as a stranger; a note on their referral (an open one
		 * takes it as a touch, below) */
		struct referral_view *v = NULL;
		size_t n = 0;
		int64_t closed = 0;

		if (store_referrals_of_lead(in->st, m->from.email, &v, &n) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (status_name_closed(v[i].status) && v[i].id > closed)
				closed = v[i].id;
		for (size_t i = 0; i < n; i++)
			if (!status_name_closed(v[i].status))
				closed = 0; /* an open one: a touch, as any */
		store_referral_views_free(v, n);
		if (closed) {
			set_thread_one(d, closed);
			set_outcome(d, INTAKE_REPLY, "reply");
			set_why(d,
			        "from the lead of referral %" PRId64 " (closed), answering who "
			        "introduced them: no new introduction",
			        closed);
			return 0;
		}
	}
	set_outcome(d, INTAKE_REFERRAL, src == LEADS_FORWARD ? "forward" : "intro");
	if ((int)d->nleads > in->cfg->max_leads) {
		/* an introduction to a crowd is held; a crowd with no sign of an
		 * introduction (a list, a thread the agent never saw) is not */
		if (d->confidence + 1 < INTAKE_HOLD_AT) {
			intake_settle(d, "introduction");
			return 0;
		}
		set_outcome(d, INTAKE_HELD, status_name(STATUS_HELD));
		set_why(d, "%zu leads is more than max_leads %d: looks like a mass mailing",
		        d->nleads, in->cfg->max_leads);
		return 0;
	}
	intake_settle(d, src == LEADS_FORWARD ? "forwarded message names the lead"
	                 : src == LEADS_WRITER && d->quotes_referrer
	                         ? "the lead answers the referrer's intro, which it quotes"
	                 : src == LEADS_WRITER  ? "the writer names who referred them"
	                 : src != LEADS_HEADERS ? "introduction, lead named in the text"
	                                        : "introduction");
	if ((src == LEADS_TEXT || src == LEADS_TEXT_CUE || src == LEADS_BLOCK ||
	     src == LEADS_PHONE) &&
	    (d->outcome == INTAKE_REFERRAL || d->outcome == INTAKE_HELD) &&
	    intake_machine_address(m->from.email)) {
		/* People in a machine's notification that no rule reads as a
		 * form (a form service of its own layout): the machine is no
		 * referrer, and who referred whom is a guess.  Held; the
		 * admin decides.  Whoever filled it in (Reply-To: "I'd like
		 * to refer my neighbour Jane" in a contact form's Message) is
		 * the likely referrer, shown so, and thanked if released. */
		char *who = xstrdup(m->from.email);
		const char *submitter = intake_submitter(m);

		free(d->referrer_name);
		free(d->referrer_email);
		d->referrer_name = d->referrer_email = NULL;
		if (submitter) {
			d->referrer_email = xstrdup(submitter);
			d->referrer_name = xstrdup(m->reply_to.v[0].name);
		}
		set_outcome(d, INTAKE_HELD, status_name(STATUS_HELD));
		if (submitter)
			set_why(d,
			        "a notification from %s that no rule reads as a form: filled in by "
			        "%s (its Reply-To), taken for the referrer",
			        who, submitter);
		else
			set_why(d,
			        "a notification from %s that no rule reads as a form: who referred "
			        "whom is unknown",
			        who);
		free(who);
	}
	if (src == LEADS_FORWARD && d->referrer_email &&
	    (d->outcome == INTAKE_REFERRAL || d->outcome == INTAKE_HELD) &&
	    (config_is_business(in->cfg, d->referrer_email) ||
	     config_find_rep(in->cfg, d->referrer_email))) {
		/* Staff passing on a lead's own mail ("Patty (via Front)"
		 * forwarding what Ian wrote to hello@): the lead came to the
		 * business; whoever sent them is who the lead's mail names
		 * ("Lisa Whitaker gave me your number"), without an address,
		 * never the staff member, who would be thanked for an
		 * introduction.  Named by nobody: held, the admin decides. */
		const char *named_by = intake_field(d, FF_REFERRER_NAME);

		free(d->referrer_name);
		free(d->referrer_email);
		d->referrer_name = xstrdup(named_by);
		d->referrer_email = NULL;
		if (named_by == NULL && d->outcome == INTAKE_REFERRAL) {
			set_outcome(d, INTAKE_HELD, status_name(STATUS_HELD));
			set_why(d,
			        "the business's own %s passed on a lead's mail that names no "
			        "referrer",
			        m->from.email);
		}
	}
	if (own && d->outcome != INTAKE_REFERRAL) {
		/* not an introduction: their own referral's conversation */
		set_thread_one(d, own);
		set_outcome(d, INTAKE_REPLY, "reply");
		set_why(d, "from the lead of referral %" PRId64 ", outside its thread", own);
	}
	return 0;
}

/* The key and the duplicate check come first: a message seen before costs
 * no rule run.  Returns 1 for a duplicate, 0 otherwise, -1 on error. */
static int decide_start(struct intake *in, const struct message *m, struct intake_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->key = message_key(m);
	if (in->st) {
		int64_t id;
		int rc = store_message_find(in->st, d->key, &id);

		if (rc < 0)
			return -1;
		if (rc == 1) {
			set_outcome(d, INTAKE_DUPLICATE, "duplicate");
			set_why(d, "already processed (message <%s>)", d->key);
			return 1;
		}
	}
	return 0;
}

static int decide_rest(struct intake *in, const struct message *m, struct intake_decision *d,
                       struct intake_prep *prep);

int intake_decide(struct intake *in, const struct message *m, int trace, struct intake_decision *d)
{
	struct intake_prep *prep;
	int rc = decide_start(in, m, d);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	filter_run(in->filters, m, trace, &d->fr);
	prep = intake_prepare(in, m, &d->fr);
	rc = decide_rest(in, m, d, prep);
	intake_prep_free(prep);
	return rc;
}

int intake_decide_with(struct intake *in, const struct message *m, struct filter_result *fr,
                       struct intake_prep *prep, struct intake_decision *d)
{
	struct intake_prep *own = NULL;
	int rc = decide_start(in, m, d);

	if (rc != 0) {
		filter_result_clear(fr);
		return rc < 0 ? -1 : 0;
	}
	d->fr = *fr;
	memset(fr, 0, sizeof(*fr));
	if (prep == NULL)
		prep = own = intake_prepare(in, m, &d->fr);
	rc = decide_rest(in, m, d, prep);
	intake_prep_free(own);
	return rc;
}

/* Classes under which a message may still be a web form: none, form,
 * and the automated ones (form services send from no-reply addresses, with
 * Precedence: bulk).  Not bounces, and not replies to the agent. */
static int form_candidate(enum rule_class class)
{
	return class == CLASS_NONE || class == CLASS_FORM || class == CLASS_AUTOMATED ||
	       class == CLASS_IGNORE || class == CLASS_INTRO || class == CLASS_COURTESY;
}

struct intake_prep *intake_prepare(const struct intake *in, const struct message *m,
                                   const struct filter_result *fr)
{
	struct intake_prep *p = xcalloc(1, sizeof(*p));

	/* in a person's forward, only the forwarded mail can be a form's
	 * notification (passed on by a colleague): the forward's header
	 * block (From:, Date:, To:) and the lines the writer put above it
	 * are no form's fields */
	if (m->report == REPORT_NONE && form_candidate(fr->class)) {
		form_read(m->nfwd > 0 ? m->fwd[0].body : m->body, &p->form);
		p->has_form = 1;
	}
	intake_rep_cues(in->cfg, m, &p->reps);
	return p;
}

void intake_prep_free(struct intake_prep *p)
{
	if (p == NULL)
		return;
	form_clear(&p->form);
	intake_rep_cues_clear(&p->reps);
	free(p);
}

/* A form read by its labels counts when it names a referral and someone
 * to reach: a lead with an address or a phone. */
static int form_usable(const struct form *f)
{
	if (f->kind == FORM_NONE || f->nfields < 3)
		return 0;
	for (size_t i = 0; i < f->nleads; i++)
		if (f->leads[i].email || f->leads[i].phone)
			return 1;
	return 0;
}

/* Is the word of a "#word" line a status line's command, or one a slip
 * away from one ("wn", "nte": the same first letter, one edit, not an
 * everyday word: "#wow, what a kitchen", "#nope")?
 * The slip is refused, with what it likely meant (reply.c). */
static int command_like(const char *w)
{
	const char *const commands[] = {status_name(STATUS_WON), status_name(STATUS_LOST), "status",
	                                "note"};
	/* words a line may open with that are a letter from a command */
	static const char *const words[] = {"wow",  "now",  "not",  "nope", "lot",  "lots",
	                                    "last", "list", "most", "cost", "post", "host",
	                                    "vote", "none", "nose", "tone"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (str_ieq(w, words[i]))
			return 0;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (str_ieq(w, commands[i]) ||
		    (tolower((unsigned char)w[0]) == commands[i][0] &&
		     str_distance(w, strlen(w), commands[i], 16, 1) != (size_t)-1))
			return 1;
	return 0;
}

/* The status line of fr's fields into d->command and d->command_arg. */
static void take_command(struct intake_decision *d, const struct filter_result *fr)
{
	if (str_blank(fr->fields[FF_COMMAND]))
		return;
	d->command = xstrdup(fr->fields[FF_COMMAND]);
	d->command_arg =
	        str_blank(fr->fields[FF_COMMAND_ARG]) ? NULL : xstrdup(fr->fields[FF_COMMAND_ARG]);
	if (str_ieq(d->command, "notes")) {
		/* "#notes from the call: ..." */
		free(d->command);
		d->command = xstrdup("note");
	}
	if (!command_like(d->command)) {
		/* a hashtag ("#ShopLocal"), no status line */
		FREE_ALL(d->command, d->command_arg);
		d->command = d->command_arg = NULL;
	}
}

/* A rep who types the status line below their signature ("Sent from my
 * iPhone", "Thanks,\nTom") loses it with the signature: the context
 * ends there.  The body without its quoted history only is looked at
 * too, and a line found there is marked: reply.c has the rep confirm it
 * by mail before it counts (below a signature may also be old text
 * whose quote was not recognised), so it is neither lost nor applied
 * unchecked. */
static void command_below_signature(struct intake *in, const struct message *m,
                                    struct intake_decision *d)
{
	struct filter_result fr = {0};
	char *text;

	if (in->filters == NULL || str_blank(m->body) || m->from_relayed ||
	    config_find_rep(in->cfg, m->from.email) == NULL)
		return;
	text = filter_history(in->filters, m->body);
	if (strcmp(text, m->context ? m->context : "") != 0) {
		filter_run_context(in->filters, text, &fr);
		take_command(d, &fr);
		d->command_below = d->command != NULL;
		filter_result_clear(&fr);
	}
	free(text);
}

/* Someone a reply in the thread of d->thread addresses who is none of its
 * referrals' people (lead, referrer, rep), nor the business, nor the
 * writer: 1 yes, 0 no. */
static int newcomer_addressed(struct intake *in, const struct message *m,
                              const struct intake_decision *d)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *e = lists[l]->v[i].email;
			int known = intake_excluded(in->cfg, e, m->from.email) ||
			            intake_machine_address(e);

			for (size_t t = 0; t < d->nthread && !known; t++)
				known = takes_part(in, d->thread[t], e);
			if (!known)
				return 1;
		}
	return 0;
}

/* A reply in a referral's thread that introduces someone new ("While I
 * have you: Ines, meet Brightpath!", Ines copied) is read as an
 * introduction; it is kept only when it makes a referral of someone who
 * has none, else d is the reply again.  Only from outside the business
 * and not from the thread's lead (a lead copying their partner in).
 * 1: d is the introduction (d->thread freed); 0: d is the reply; -1 on
 * error. */
static int reply_introduces(struct intake *in, const struct message *m, struct intake_decision *d,
                            size_t *cap)
{
	int64_t *thread = d->thread;
	size_t nthread = d->nthread, fresh = 0;
	char *why = d->why;

	if (m->from.email == NULL || intake_excluded(in->cfg, m->from.email, NULL) ||
	    !newcomer_addressed(in, m, d))
		return 0;
	for (size_t t = 0; t < nthread; t++) {
		struct referral_view v = {0};
		int lead = store_referral_get(in->st, thread[t], &v, NULL, NULL) == 1 &&
		           str_ieq(v.lead.email, m->from.email);

		store_referral_view_clear(&v);
		if (lead)
			return 0;
	}
	d->thread = NULL;
	d->nthread = 0;
	d->why = NULL;
	if (decide_intro(in, m, d, cap) < 0)
		return -1;
	for (size_t i = 0; d->outcome == INTAKE_REFERRAL && i < d->nleads; i++) {
		int64_t own = 0;
		int rc = d->leads[i].email
		                 ? store_referral_open_for_lead(in->st, d->leads[i].email, &own)
		                 : 0;

		if (rc < 0)
			return -1;
		fresh += rc == 0;
	}
	if (d->outcome == INTAKE_REFERRAL && fresh > 0) {
		free(thread);
		free(why);
		return 1;
	}
	/* the reply after all */
	for (size_t i = 0; i < d->nleads; i++) {
		const struct intake_lead *l = &d->leads[i];

		FREE_ALL(l->name, l->email, l->phone, l->company, l->need);
	}
	for (size_t i = 0; i < d->nevidence; i++)
		free(d->evidence[i].why);
	FREE_ALL(d->leads, d->evidence, d->referrer_name, d->referrer_email, d->referrer_phone,
	         d->why, d->kind);
	d->leads = NULL;
	d->evidence = NULL;
	d->referrer_name = d->referrer_email = d->referrer_phone = d->why = d->kind = NULL;
	d->nleads = d->nevidence = 0;
	*cap = 0;
	d->confidence = 0;
	d->answers_referrer = d->quotes_referrer = 0;
	d->thread = thread;
	d->nthread = nthread;
	d->why = why;
	return 0;
}

static int decide_rest(struct intake *in, const struct message *m, struct intake_decision *d,
                       struct intake_prep *prep)
{
	size_t cap = 0;
	enum rule_class class;
	struct form form = {0};
	int rc, is_form = 0, introduced = 0;

	class = d->fr.class;
	/* (nor evidence of a lead's phone) */
	if (in->cfg->phone && intake_field(d, FF_LEAD_PHONE) &&
	    same_line(intake_field(d, FF_LEAD_PHONE), in->cfg->phone)) {
		free(d->fr.fields[FF_LEAD_PHONE]);
		d->fr.fields[FF_LEAD_PHONE] = NULL;
	}
	take_command(d, &d->fr);
	if (d->command == NULL)
		command_below_signature(in, m, d);

	/* Forms first: form services mark their mail automated, and a form
	 * is known by its fields, whoever sent it. */
	if (prep->has_form) {
		/* read by intake_prepare: m->report is REPORT_NONE and
		 * form_candidate(class) */
		form = prep->form;
		memset(&prep->form, 0, sizeof(prep->form));
		prep->has_form = 0;
		is_form = form_usable(&form) || class == CLASS_FORM;
	}
	if (builtin_automated(m, is_form, class, d)) {
		form_clear(&form);
		if (find_thread(in, m, d) < 0)
			return -1;
		return 0;
	}
	if (!is_form &&
	    (class == CLASS_AUTOMATED || class == CLASS_BOUNCE || class == CLASS_IGNORE)) {
		form_clear(&form);
		set_outcome(d, INTAKE_IGNORED,
		            class == CLASS_IGNORE ? "ignored" : class_name(class));
		set_why(d, "%s (rule %s)", d->fr.why ? d->fr.why : class_name(class),
		        d->fr.class_rule);
		if (find_thread(in, m, d) < 0)
			return -1;
		return 0;
	}

	d->subject = xstrdup(m->subject);
	d->context = xstrndup(m->context ? m->context : "", CONTEXT_MAX);
	if (in->st) {
		rc = decide_confirmation(in, m, d);
		if (rc == 0)
			rc = decide_unsubscribe(in, m, d);
		if (rc == 0)
			rc = review_decide(in, m, d);
		if (rc != 0) {
			form_clear(&form);
			return rc < 0 ? -1 : 0;
		}
	}
	rc = decide_reply(in, m, d);
	if (rc > 0 && in->st && class != CLASS_OPTOUT && class != CLASS_STATUS_REQUEST &&
	    !is_form) {
		introduced = reply_introduces(in, m, d, &cap);
		if (introduced < 0)
			rc = -1;
		else if (introduced)
			rc = 0;
	}
	if (rc < 0) {
		form_clear(&form);
		return -1;
	}
	if (rc > 0 || class == CLASS_OPTOUT || class == CLASS_STATUS_REQUEST) {
		form_clear(&form);
		set_outcome(d, INTAKE_REPLY, "reply");
		if (class == CLASS_OPTOUT && m->from.email) {
			set_outcome(d, INTAKE_REPLY, "optout");
			d->optout_email = xstrdup(m->from.email);
			d->optout_source =
			        xasprintf("replied \"%s\" (rule %s)",
			                  d->fr.why ? d->fr.why : "stop", d->fr.class_rule);
			set_why(d, "%s asks for no more mail (rule %s)", m->from.email,
			        d->fr.class_rule);
		} else if (class == CLASS_STATUS_REQUEST) {
			if (in->st && !is_referrer(in, m->from.email)) {
				/* A lead's "Status?" in their thread is their reply:
				 * only a referrer gets a summary. */
				if (rc > 0)
					return 0;
				set_outcome(d, INTAKE_IGNORED, "ignored");
				set_why(d, "asks for a status, but %s has made no referral",
				        m->from.email ? m->from.email : "the sender");
				return 0;
			}
			set_outcome(d, INTAKE_REPLY, "status-request");
			set_why(d, "%s asks for the status of their referrals (rule %s)",
			        m->from.email, d->fr.class_rule);
		}
		return 0;
	}
	free(d->subject);
	free(d->context);
	d->subject = d->context = NULL;

	if (introduced)
		rc = 0;
	else if (is_form)
		rc = decide_form(in, m, &form, d, &cap);
	else if (class == CLASS_REVIEW && intake_machine_sent(m))
		rc = decide_review(d);
	else
		rc = decide_intro(in, m, d, &cap);
	if (rc < 0 || (d->outcome != INTAKE_REFERRAL && d->outcome != INTAKE_HELD)) {
		form_clear(&form);
		return rc < 0 ? -1 : 0;
	}

	d->status = status_name(d->outcome == INTAKE_HELD ? STATUS_HELD : STATUS_NEW);
	fill_details(in, m, d);
	/* the business's own number ("Their number is 303-555-0100", to the
	 * lead about the business) is never the lead's */
	for (size_t i = 0; in->cfg->phone && i < d->nleads; i++)
		if (d->leads[i].phone && same_line(d->leads[i].phone, in->cfg->phone)) {
			free(d->leads[i].phone);
			d->leads[i].phone = NULL;
		}
	if (!is_form && intake_submitter(m)) {
		/* the submitter's own number in a machine's notification no
		 * rule reads as a form ("Phone\n(415) 555-0177" above the
		 * Message that names the friend) is not the lead's */
		drop_phone(d, form.submitter.phone, NULL);
		/* "Name\nMark Partner" over the Message: the submitter's name */
		if (d->referrer_name == NULL && d->referrer_email && form.submitter.name &&
		    str_ieq(d->referrer_email, form.submitter.email))
			d->referrer_name = xstrdup(form.submitter.name);
	}
	form_clear(&form);
	if (lookup_existing(in, d) < 0)
		return -1;
	if (d->outcome == INTAKE_REFERRAL) {
		size_t fresh = 0;

		for (size_t i = 0; i < d->nleads; i++)
			fresh += d->leads[i].existing == 0;
		if (fresh == 0 && strcmp(d->kind, "forward") == 0 &&
		    (config_find_rep(in->cfg, m->from.email) ||
		     config_is_business(in->cfg, m->from.email))) {
			/* a rep passing on the thread of an intro the agent has
			 * ("Fwd: Olivia, meet Brightpath" to a colleague): that
			 * referral's conversation, no second introduction */
			int64_t id = d->leads[0].existing;

			set_thread_one(d, id);
			set_outcome(d, INTAKE_REPLY, "reply");
			set_why(d, "%s forwards the intro of referral %" PRId64, m->from.email, id);
			return 0;
		}
		if (fresh == 0) {
			set_outcome(d, INTAKE_TOUCH, "touch");
			set_why(d,
			        "%s already has an open referral (%" PRId64
			        "): recorded as a touch, credit unchanged",
			        d->leads[0].email ? d->leads[0].email : d->leads[0].name,
			        d->leads[0].existing);
		}
	}
	return choose_rep(in, m, d, prep);
}

void intake_decision_clear(struct intake_decision *d)
{
	FREE_ALL(d->kind, d->why, d->key, d->referrer_name, d->referrer_email, d->referrer_phone);
	for (size_t i = 0; i < d->nleads; i++) {
		const struct intake_lead *l = &d->leads[i];

		FREE_ALL(l->name, l->email, l->phone, l->company, l->need);
	}
	for (size_t i = 0; i < d->nevidence; i++)
		free(d->evidence[i].why);
	FREE_ALL(d->evidence, d->leads, d->thread, d->need, d->budget, d->timeline, d->context,
	         d->subject, d->command, d->command_arg, d->optout_email, d->optout_source,
	         d->hold_only);
	store_confirmation_clear(&d->conf);
	filter_result_clear(&d->fr);
	memset(d, 0, sizeof(*d));
}

/* ---- writing ---- */

static int add_message_row(struct intake *in, const struct message *m,
                           const struct intake_decision *d, const struct intake_source *src,
                           int64_t now, int64_t *id_r)
{
	struct msg_rec r = {
	        .key = d->key,
	        .direction = "in",
	        .kind = d->kind,
	        .why = d->why,
	        .mailbox = src ? src->mailbox : NULL,
	        .uidvalidity = src ? src->uidvalidity : 0,
	        .uid = src ? src->uid : 0,
	        .source = src ? src->path : NULL,
	        .from_email = m ? m->from.email : NULL,
	        .subject = m ? m->subject : NULL,
	        .date = m ? m->date : 0,
	        .at = now,
	};

	return store_message_add(in->st, &r, id_r);
}

/* The follow-up mail of a new referral, in the same transaction (see
 * schedule.c).  The welcome and the rep's mail join the intro's thread:
 * References = the intro's References and its Message-ID (RFC 5322
 * section 3.6.4). */
/* One thank-you for one intro, however many leads it names. */
struct thanks {
	const char *note; /* "thank.others=..." on the first referral's */
	int none;         /* a later referral of the same intro: none */
};

static int follow_up(struct intake *in, const struct message *m, const struct intake_decision *d,
                     const struct intake_lead *l, const struct rep *rep, int64_t ref_id,
                     const struct thanks *t, int64_t now)
{
	struct buf refs = {0};
	/* Only an intro is a conversation the lead is in: a web form's
	 * notification and a referrer's forward never reached the lead, so
	 * their mails start a thread of their own; nor did an intro to the
	 * business alone that gives the lead's address in its text ("Re:
	 * [EXTERNAL] Referral" would answer a mail the lead never got).  The
	 * lead who wrote it (answering an intro) is in it. */
	int has_id = m && m->message_id && *m->message_id && strcmp(d->kind, "intro") == 0 &&
	             (message_addressed(m, l->email) ||
	              (l->email && m->from.email && str_ieq(l->email, m->from.email)));
	struct new_referral nr = {
	        .id = ref_id,
	        .referrer_name = d->referrer_name,
	        .referrer_email = d->referrer_email,
	        .lead_name = l->name,
	        .lead_email = l->email,
	        .rep = rep,
	        .thread_key = has_id ? d->key : NULL,
	        .thanks_note = t->note,
	        .no_thanks = t->none,
	};
	int rc;

	if (has_id) {
		for (size_t i = 0; i < m->nreferences; i++) {
			buf_adds(&refs, m->references[i]);
			buf_addc(&refs, ' ');
		}
		buf_adds(&refs, d->key);
		nr.thread_refs = refs.s;
	}
	rc = schedule_new_referral(in->st, in->cfg, &nr, now);
	buf_free(&refs);
	return rc;
}

/* A lead with an open referral: a touch on it, the credit unchanged. */
static int touch_referral(struct intake *in, const struct intake_decision *d,
                          const struct intake_lead *l, int64_t msg_id, int64_t now,
                          struct intake_result *res)
{
	char detail[600];
	struct event_rec e = {
	        .referral_id = l->existing,
	        .at = now,
	        .actor = d->referrer_email ? d->referrer_email : "agent",
	        .kind = "touch",
	        .detail = detail,
	        .message_id = msg_id,
	};

	snprintf(detail, sizeof(detail), "introduced again by %s%s%s%s",
	         d->referrer_name ? d->referrer_name : "", d->referrer_name ? " <" : "",
	         d->referrer_email ? d->referrer_email : "unknown", d->referrer_name ? ">" : "");
	if (store_message_link(in->st, msg_id, l->existing) < 0 ||
	    store_event_add(in->st, &e) < 0 || store_referral_touch(in->st, l->existing, now) < 0)
		return -1;
	/* a second referrer: both are told who is credited */
	if (!in->no_mail && d->outcome != INTAKE_HELD &&
	    lifecycle_second_referrer(in->st, in->cfg, l->existing, d->referrer_email,
	                              d->referrer_name, msg_id, now) < 0)
		return -1;
	/* the same referrer again while nobody has written to the lead:
	 * they are waiting, and so may the lead be */
	if (!in->no_mail && d->outcome != INTAKE_HELD && d->referrer_email) {
		struct referral_view v = {0};
		int rc = store_referral_get(in->st, l->existing, &v, NULL, NULL);

		if (rc == 1 && str_ieq(v.referrer.email, d->referrer_email) &&
		    !status_name_closed(v.status) && v.first_contact_at == 0 &&
		    strcmp(v.status, status_name(STATUS_HELD)) != 0)
			rc = lifecycle_introduced_again(in->st, in->cfg, v.id, d->referrer_email,
			                                d->context, now);
		store_referral_view_clear(&v);
		if (rc < 0)
			return -1;
	}
	if (!res->referral)
		res->referral = l->existing;
	return 0;
}

/* The subject m gives its referral: none when m answers the agent's own
 * mail about another referral ("Re: Thank you for introducing Eric Young"
 * over "my sister Maria needs a deck"): the new lead's welcome must not
 * carry another client's name, so it takes a subject of its own. */
static int referral_subject(struct intake *in, const struct message *m,
                            const struct intake_decision *d, const char **subject_r)
{
	int64_t other = 0;
	int rc = 0;

	*subject_r = d->subject;
	if (in->st && m->in_reply_to)
		rc = store_sent_message_find(in->st, m->in_reply_to, &other);
	if (rc > 0 && other != 0)
		*subject_r = NULL;
	return rc < 0 ? -1 : 0;
}

/* A new referral for lead l (its lead row is lead_id), with its event and,
 * unless held, its follow-up mail. */
static int new_referral(struct intake *in, const struct message *m, const struct intake_decision *d,
                        const struct intake_lead *l, const struct rep *rep, int64_t referrer_id,
                        int64_t lead_id, const char *evidence, const struct thanks *t,
                        int64_t msg_id, int64_t now, struct intake_result *res)
{
	char detail[600];
	int64_t ref_id;
	struct referral_rec r = {
	        .status = d->status,
	        .referrer_id = referrer_id,
	        .lead_id = lead_id,
	        .rep_email = rep ? rep->email : NULL,
	        .rep_name = rep ? rep->name : NULL,
	        .need = l->need ? l->need : d->need,
	        .budget = d->budget,
	        .timeline = d->timeline,
	        .context = d->context,
	        .subject = NULL,
	        .held_reason = d->outcome == INTAKE_HELD ? d->why : NULL,
	        .thread_key = d->key,
	        .has_confidence = d->nevidence > 0,
	        .confidence = d->confidence,
	        .evidence = evidence,
	        .at = now,
	};
	struct event_rec e = {
	        .at = now,
	        .actor = d->referrer_email ? d->referrer_email : "agent",
	        .kind = d->outcome == INTAKE_HELD ? status_name(STATUS_HELD) : "created",
	        .new_status = d->status,
	        .detail = detail,
	        .message_id = msg_id,
	};

	if (referral_subject(in, m, d, &r.subject) < 0)
		return -1;
	/* one event says what came in and who has it */
	if (rep)
		snprintf(detail, sizeof(detail), "%s; assigned to %s <%s> (%s)", d->why, rep->name,
		         rep->email, d->rep_how);
	else
		snprintf(detail, sizeof(detail), "%s; no rep to assign", d->why);
	if (store_referral_add(in->st, &r, &ref_id) < 0)
		return -1;
	e.referral_id = ref_id;
	if (store_message_link(in->st, msg_id, ref_id) < 0 || store_event_add(in->st, &e) < 0)
		return -1;
	if (d->outcome != INTAKE_HELD && !in->no_mail &&
	    follow_up(in, m, d, l, rep, ref_id, t, now) < 0)
		return -1;
	if (!res->referral)
		res->referral = ref_id;
	res->nreferrals++;
	return 0;
}

/* The note of the one thank-you of an intro that names several new leads:
 * the others by name ("thank.others=Wei Chen and Ann Lee"), NULL for one
 * lead. */
static char *others_note(const struct intake_decision *d)
{
	struct buf b = {0}, note = {0};
	size_t n = 0, k = 0, first = SIZE_MAX;

	for (size_t i = 0; i < d->nleads; i++)
		if (!d->leads[i].existing) {
			if (first == SIZE_MAX)
				first = i;
			n++;
		}
	if (n < 2)
		return NULL;
	for (size_t i = first + 1; i < d->nleads; i++) {
		const struct intake_lead *l = &d->leads[i];
		char *name;

		if (l->existing)
			continue;
		name = greeting_named(l->name, l->email, "someone");
		buf_printf(&b, "%s%s", k == 0 ? "" : k + 2 == n ? " and " : ", ", name);
		free(name);
		k++;
	}
	jobnote_add(&note, "thank.others", b.s);
	buf_free(&b);
	return buf_steal(&note);
}

static int apply_leads(struct intake *in, const struct message *m, struct intake_decision *d,
                       int64_t msg_id, int64_t now, struct intake_result *res)
{
	int64_t referrer_id = 0;
	const struct rep *rep = d->rep;
	char *evidence = NULL, *others;
	size_t fresh = 0;
	int rc = 0;

	if ((d->referrer_email || d->referrer_name) &&
	    store_person_ensure(in->st, d->referrer_email, d->referrer_name, now, &referrer_id) < 0)
		return -1;
	if (referrer_id && d->referrer_phone &&
	    store_person_fill(in->st, referrer_id, d->referrer_phone, NULL) < 0)
		return -1;

	/* Round robin advances once per intro that makes a new referral. */
	if (rep && strcmp(d->rep_how, "round robin") == 0) {
		size_t nfresh = 0;
		int64_t next = 0;

		for (size_t i = 0; i < d->nleads; i++)
			nfresh += d->leads[i].existing == 0;
		if (nfresh && d->outcome != INTAKE_HELD) {
			if (store_counter_next(in->st, "round_robin", &next) < 0)
				return -1;
			rep = &in->cfg->reps[(size_t)(next % (int64_t)in->cfg->nreps)];
			d->rep = rep;
		}
	}

	evidence = intake_evidence_text(d);
	others = others_note(d);
	for (size_t i = 0; i < d->nleads && rc == 0; i++) {
		struct intake_lead *l = &d->leads[i];
		int64_t lead_id;

		if (store_person_ensure(in->st, l->email, l->name, now, &lead_id) < 0 ||
		    store_person_fill(in->st, lead_id, l->phone, l->company) < 0) {
			rc = -1;
		} else if (l->existing) {
			rc = touch_referral(in, d, l, msg_id, now, res);
		} else {
			struct thanks t = {fresh == 0 ? others : NULL, fresh > 0};

			rc = new_referral(in, m, d, l, rep, referrer_id, lead_id, evidence, &t,
			                  msg_id, now, res);
			fresh++;
		}
	}
	free(others);
	free(evidence);
	return rc;
}

/* 1990-01-01: a Date before it is a broken clock, not an old mail. */
#define OLDEST_DATE 631152000

/* When what m says happened: its Date header when that is sane (not in
 * the future, not before 1990), else now. */
static int64_t mail_time(const struct message *m, int64_t now)
{
	return m && m->date >= OLDEST_DATE && m->date <= now ? m->date : now;
}

int intake_apply(struct intake *in, const struct message *m, struct intake_decision *d,
                 const struct intake_source *src, struct intake_result *res)
{
	int64_t now = clock_now(), msg_id = 0;

	res->outcome = d->outcome;
	res->why = xstrdup(d->why);
	if (d->outcome == INTAKE_DUPLICATE)
		return 0;
	if (add_message_row(in, m, d, src, now, &msg_id) < 0)
		return -1;
	/* `ingest --no-mail` of an old mailbox: referrals and events are
	 * dated by the mail, so the history keeps its own times */
	if (in->no_mail)
		now = mail_time(m, now);
	switch (d->outcome) {
	case INTAKE_REPLY:
		return reply_apply(in, m, d, msg_id, now, res);
	case INTAKE_REFERRAL:
	case INTAKE_TOUCH:
	case INTAKE_HELD:
		return apply_leads(in, m, d, msg_id, now, res);
	case INTAKE_IGNORED:
		/* an automated mail in a known thread stays visible there */
		for (size_t i = 0; i < d->nthread; i++)
			if (store_message_link(in->st, msg_id, d->thread[i]) < 0)
				return -1;
		if (m && strcmp(d->kind, "bounce") == 0)
			return reply_bounce(in, m, msg_id, now);
		return 0;
	default:
		return 0;
	}
}

int intake_record_unparsed(struct intake *in, const char *key, const char *why,
                           const struct intake_source *src, struct intake_result *res)
{
	struct intake_decision d = {0};
	int64_t id;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = store_message_find(in->st, key, &id);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		res->outcome = INTAKE_DUPLICATE;
		res->why = xasprintf("already processed (%s)", key);
		return 0;
	}
	d.outcome = INTAKE_ERROR;
	d.kind = xstrdup("error");
	d.why = xstrdup(why);
	d.key = xstrdup(key);
	rc = intake_apply(in, NULL, &d, src, res);
	intake_decision_clear(&d);
	return rc;
}

/* A rule that hit the PCRE2 match limit (or failed) did not fire: say so
 * where the admin will see it, naming the rule and the message. */
static void log_rule_warnings(const struct filter_result *fr, const struct intake_source *src)
{
	for (size_t i = 0; i < fr->nwarnings; i++) {
		if (src && src->mailbox)
			log_warn("%s UID %" PRIu32 ": %s", src->mailbox, src->uid, fr->warnings[i]);
		else
			log_warn("%s: %s", src && src->path ? src->path : "message",
			         fr->warnings[i]);
	}
}

int intake_parsed(struct intake *in, const struct message *m, struct filter_result *fr,
                  struct intake_prep *prep, const struct intake_source *src,
                  struct intake_result *res)
{
	struct intake_decision d;
	int rc;

	memset(res, 0, sizeof(*res));
	log_rule_warnings(fr, src);
	rc = intake_decide_with(in, m, fr, prep, &d);
	if (rc == 0)
		rc = intake_apply(in, m, &d, src, res);
	intake_decision_clear(&d);
	return rc;
}

int intake_unparsable(struct intake *in, const char *raw, size_t len, const char *error,
                      const struct intake_source *src, struct intake_result *res)
{
	char key[40];
	int rc;

	snprintf(key, sizeof(key), "raw:%016" PRIx64, hash_fnv1a(raw, len, 0));
	rc = intake_record_unparsed(in, key, error ? error : "not a mail message", src, res);
	if (rc == 0 && res->outcome != INTAKE_DUPLICATE)
		res->outcome = INTAKE_ERROR;
	return rc;
}

int intake_raw(struct intake *in, const char *raw, size_t len, const struct intake_source *src,
               struct intake_result *res)
{
	struct message *m = NULL;
	struct intake_decision d;
	char *err = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if (message_parse(raw, len, &m, &err) != 0) {
		rc = intake_unparsable(in, raw, len, err, src, res);
		free(err);
		return rc;
	}
	intake_unwrap_list(in->cfg, m);
	m->context = filter_context(in->filters, m->body);
	rc = intake_decide(in, m, 0, &d);
	if (rc == 0) {
		log_rule_warnings(&d.fr, src);
		rc = intake_apply(in, m, &d, src, res);
	}
	intake_decision_clear(&d);
	message_free(m);
	return rc;
}
