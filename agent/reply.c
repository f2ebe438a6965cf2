/*
 * reply.c - what a message in a known referral's thread does, by the role
 * of its sender.
 *
 * intake.c decides that a message is a reply and to which referrals (its
 * thread, a plus address, a subject tag, the answer to a confirmation mail,
 * an opt-out) and writes the message row; this file applies it:
 *
 * - a rep's reply that reaches the lead is the first contact, and a lead's
 *   reply is noted, so the reminders and nudges stop; with [security]
 *   authserv_id set, only when the receiving server vouches for the
 *   sender (RFC 8601): otherwise it is recorded as a claim that stops
 *   nothing, and the rep is asked to confirm it;
 * - a rep's status line (#won, #lost, #status WORD, #note) counts only from
 *   a rep in [reps], and only when the receiving server vouches for the rep
 *   ([security] authserv_id) or the rep confirms it by answering a mail
 *   sent to their own address (README "Who may change a status"); a
 *   line that would be refused whoever sent it (not an amount, not a
 *   status, the status the referral has) is refused before any
 *   confirmation is asked; a refused line changes nothing, is recorded
 *   with the reason, and the rep (never anyone else) gets a refused-rep
 *   mail saying why and what to do;
 * - the answer to a confirmation is itself checked like a status line;
 * - an answer to the admin's review mail goes to review.c;
 * - a "stop" or a mail to the List-Unsubscribe address opts the sender out,
 *   and "status" mails a referrer the summary of their referrals;
 * - a delivery report about the agent's own mail bounces each failed
 *   recipient (README "Opt-outs and bounces").
 */
#include "reply.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "greeting.h"
#include "import.h"
#include "jobnote.h"
#include "kinds.h"
#include "lifecycle.h"
#include "log.h"
#include "review.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* The confirmation command of a rep's first contact that the receiving
 * server did not vouch for: "yes" marks the referral contacted. */
#define CONFIRM_CONTACT "contact"

/* Where a status line found only below the sender's signature was (the
 * confirm.where of its confirmation mail). */
#define BELOW_SIGNATURE "below your signature"

int reply_referral_exists(struct intake *in, int64_t id)
{
	struct referral_view v = {0};
	int rc;

	if (in->st == NULL)
		return 0;
	rc = store_referral_get(in->st, id, &v, NULL, NULL);
	store_referral_view_clear(&v);
	return rc == 1;
}

static int is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Whether word w (of n bytes) can be part of the amount of a #won line:
 * it starts with a digit or a currency sign ("12.000", "$12,000", "€"),
 * or it is a currency code in capitals ("USD"). */
static int amount_word(const char *w, size_t n)
{
	if ((*w >= '0' && *w <= '9') || import_currency_sign(w))
		return 1;
	return n == 3 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A' && w[1] <= 'Z' && w[2] >= 'A' &&
	       w[2] <= 'Z';
}

/*
 * The amount that starts a #won line (see reply.h), read as the spreadsheet
 * import reads a cell (import_value): "12000", "$12,000", "12,000.50 EUR", "12.000 €",
 * "12 500,00 €", "12'000", "1,5k", "USD 12000"; a mark followed by three
 * digits groups thousands, so a German "12.000" is twelve thousand, not
 * twelve.  The amount is the longest run of its first words that reads as
 * one (a trailing "." or ",-" dropped), and *rest the text after it.
 * Returns 1 with *value, 0 when the line starts with no amount ("no
 * budget", "Q3 deal"), -1 when it starts with one that cannot be read
 * ("12.34.5"): a value guessed from it would go into a reward.
 */
int reply_amount(const char *s, double *value, const char **rest)
{
	const char *words[8], *ends[8];
	size_t n = 0;
	const char *p = s + strspn(s, " \t");

	while (*p && n < ARRAY_SIZE(words)) {
		size_t len = strcspn(p, " \t"), bare = len;

		while (bare > 0 && strchr(".,;:!)-", p[bare - 1]))
			bare--; /* "EUR." */
		if (bare == 0 || !amount_word(p, bare))
			break;
		words[n] = p;
		ends[n++] = p + len;
		p += len;
		p += strspn(p, " \t");
	}
	for (size_t k = n; k > 0; k--) {
		char buf[128];
		size_t len = 0;

		for (size_t i = 0; i < k; i++) {
			const char *end = ends[i];

			/* "12.000,-" (no cents), and after the last word the
			 * sentence's own "." or "!" */
			if (end - words[i] > 2 && end[-1] == '-' &&
			    (end[-2] == ',' || end[-2] == '.'))
				end -= 2;
			while (i == k - 1 && end > words[i] && strchr(".,;:!)-", end[-1]))
				end--;
			if (len + (size_t)(end - words[i]) + 2 > sizeof(buf)) {
				len = 0; /* too long for any amount */
				break;
			}
			if (i > 0)
				buf[len++] = ' ';
			memcpy(buf + len, words[i], (size_t)(end - words[i]));
			len += (size_t)(end - words[i]);
		}
		buf[len] = '\0';
		if (len > 0 && import_value(buf, value) == 0) {
			p = ends[k - 1];
			while (*p == ' ' || *p == '\t' || *p == '-' || *p == ',' || *p == ':')
				p++;
			*rest = p;
			return 1;
		}
	}
	return n > 0 ? -1 : 0;
}

static int add_event(struct intake *in, int64_t id, int64_t now, const char *actor,
                     const char *kind, const char *detail, int64_t msg_id)
{
	struct event_rec e = {.referral_id = id,
	                      .at = now,
	                      .actor = actor ? actor : "unknown",
	                      .kind = kind,
	                      .detail = detail,
	                      .message_id = msg_id};

	return store_event_add(in->st, &e);
}

/* Reads status line command/arg into *c (its status, value and note), or
 * for a #note into *note_r.  Returns 0, or 1 (*why_r) when the line
 * itself is wrong: no sender and no answer could make it right. */
static int read_command(const char *command, const char *arg, struct status_change *c,
                        const char **note_r, char **why_r)
{
	const char *rest = arg;
	char status[32];

	*note_r = NULL;
	if (!str_ieq(command, "note") && !str_ieq(command, "status") &&
	    !str_ieq(command, status_name(STATUS_WON)) &&
	    !str_ieq(command, status_name(STATUS_LOST))) {
		/* "#wn 5000": the rep meant a status line; never guessed */
		*why_r = xasprintf("#%s is no status line: #won, #lost, #status or #note", command);
		return 1;
	}
	if (str_ieq(command, "note")) {
		if (str_blank(arg)) {
			*why_r = xstrdup("#note without text");
			return 1;
		}
		*note_r = arg;
		return 0;
	}
	/* #won and #lost are status lines named by their status */
	if (str_ieq(command, status_name(STATUS_WON))) {
		c->status = STATUS_WON;
		c->has_value = arg ? reply_amount(arg, &c->value, &rest) : 0;
		if (c->has_value < 0) {
			*why_r =
			        xasprintf("'%.*s' is not an amount", (int)strcspn(arg, " \t"), arg);
			return 1;
		}
		c->note = str_blank(rest) ? NULL : rest;
		return 0;
	}
	if (str_ieq(command, status_name(STATUS_LOST))) {
		c->status = STATUS_LOST;
		c->note = str_blank(arg) ? NULL : arg;
		return 0;
	}
	/* #status WORD [note] */
	if (arg == NULL || str_blank(arg)) {
		*why_r = xstrdup("#status without a status");
		return 1;
	}
	snprintf(status, sizeof(status), "%.*s", (int)strcspn(arg, " \t,"), arg);
	str_lower(status);
	rest = arg + strcspn(arg, " \t,");
	while (*rest == ' ' || *rest == '\t' || *rest == ',')
		rest++;
	if (lifecycle_status_arg(status, &c->status, why_r) != 0)
		return 1;
	c->note = str_blank(rest) ? NULL : rest;
	return 0;
}

/* Applies a status line to referral id.  Returns 0 applied, 1 refused
 * (*why_r), -1 store error. */
static int run_command(struct intake *in, int64_t id, const char *actor, const char *command,
                       const char *arg, int64_t msg_id, int64_t now, char **why_r)
{
	struct status_change c = {.id = id, .actor = actor, .msg_id = msg_id, .now = now};
	const char *note;
	int rc = read_command(command, arg, &c, &note, why_r);

	if (rc != 0)
		return rc;
	if (note)
		return add_event(in, id, now, actor, "note", note, msg_id) < 0 ? -1 : 0;
	return lifecycle_set_status(in->st, in->cfg, &c, why_r);
}

/* Whether run_command would refuse the line on referral id as it stands
 * now, changing nothing: 0 no, 1 yes (*why_r, in the same words), -1
 * store error. */
static int check_command(struct intake *in, int64_t id, const char *command, const char *arg,
                         char **why_r)
{
	struct status_change c = {.id = id};
	const char *note;
	int rc = read_command(command, arg, &c, &note, why_r);

	if (rc != 0 || note)
		return rc;
	return lifecycle_check_status(in->st, &c, why_r);
}

/* Whether a status line asks for nothing but the status referral id has
 * already (no amount, no reason): 1 yes, 0 no, -1 store error.  Such a
 * line has nothing left to do, whoever sent it, and a mail telling the
 * rep it was "not applied" would only puzzle them: most often their
 * first mail to the lead carries "#status contacted", and that mail itself
 * made the referral contacted.  A line with an amount or a reason still
 * goes the usual way: what it adds must not be dropped unsaid. */
static int already_so(struct intake *in, int64_t id, const char *command, const char *arg)
{
	struct status_change c = {.id = id};
	struct referral_view v = {0};
	enum status current;
	const char *note;
	char *why = NULL;
	int rc;

	if (read_command(command, arg, &c, &note, &why) != 0 || note || c.has_value || c.note) {
		free(why);
		return 0;
	}
	rc = store_referral_get(in->st, id, &v, NULL, NULL);
	if (rc > 0)
		rc = status_parse(v.status, &current) && current == c.status;
	store_referral_view_clear(&v);
	return rc;
}

/* What a status line would do, for the confirmation mail. */
static char *describe_command(const struct referral_view *v, const char *command, const char *arg,
                              const struct config *cfg)
{
	char *who = greeting_named(v->lead.name, v->lead.email, "the lead"), *s;
	double value;
	const char *rest;
	char money[48];

	if (str_ieq(command, status_name(STATUS_WON)) && arg &&
	    reply_amount(arg, &value, &rest) == 1)
		s = xasprintf("mark %s as %s, %s", who, status_name(STATUS_WON),
		              lifecycle_money(cfg, value, money, sizeof(money)));
	else if (str_ieq(command, status_name(STATUS_WON)))
		s = xasprintf("mark %s as %s", who, status_name(STATUS_WON));
	else if (str_ieq(command, status_name(STATUS_LOST)))
		s = xasprintf("mark %s as %s%s%s%s", who, status_name(STATUS_LOST), arg ? " (" : "",
		              arg ? arg : "", arg ? ")" : "");
	else if (str_ieq(command, "note"))
		s = xasprintf("add the note \"%s\" to %s", arg ? arg : "", who);
	else if (str_ieq(command, CONFIRM_CONTACT))
		s = xasprintf("mark %s as contacted", who);
	else
		s = xasprintf("mark %s as %.*s", who, arg ? (int)strcspn(arg, " \t,") : 0,
		              arg ? arg : "");
	free(who);
	return s;
}

/* What a refused-rep mail tells a rep (its note facts; the wording is
 * the template's). */
struct refusal {
	const char *line;   /* the status line ("#won 12000"), NULL: a reply */
	const char *why;    /* why it was not applied */
	int unverified;     /* why is the receiving server's verdict */
	const char *action; /* what a "yes" to this mail applies, NULL: none */
	const char *thread; /* "#12, #14": the thread holds these referrals */
	int contact;        /* about a reply to the lead (first contact) */
};

/* A refused-rep mail to rep about referral id (0: several).  With
 * r->action, the rep's "yes" to it applies command/arg like a
 * confirmation.  Only ever to a rep of [reps]: the agent never writes to
 * whoever put a rep's address in From. */
static int tell_rep(struct intake *in, const struct rep *rep, int64_t id, const struct refusal *r,
                    const char *command, const char *arg, int64_t now)
{
	struct buf note = {0};
	char *key;
	struct job_spec_pub js = {.referral_id = id,
	                          .kind = MAIL_REFUSED_REP,
	                          .to = rep->email,
	                          .to_name = rep->name,
	                          .due = now};
	int rc = 0;

	if (in->no_mail)
		return 0;
	key = schedule_message_id(in->cfg, id, mail_name(MAIL_REFUSED_REP));
	jobnote_add(&note, "refused.line", r->line);
	jobnote_add(&note, "refused.why", r->why);
	jobnote_add(&note, "refused.unverified", r->unverified ? "yes" : NULL);
	jobnote_add(&note, "refused.action", r->action);
	jobnote_add(&note, "refused.thread", r->thread);
	jobnote_add(&note, "refused.contact", r->contact ? "yes" : NULL);
	js.note = note.s;
	js.message_key = key;
	if (r->action && command && id)
		rc = store_confirmation_add(in->st, id, rep->email, command, arg, key, now);
	if (rc == 0)
		rc = schedule_job(in->st, in->cfg, &js, now);
	buf_free(&note);
	free(key);
	return rc;
}

/* No server verdict configured: the rep is asked, at the address we have
 * for them, to confirm status line `line` (command, arg) on referral id,
 * which would `action`.  The confirmation's Message-ID is the key their
 * reply names. */
static int ask_rep(struct intake *in, const struct message *m, const struct rep *rep, int64_t id,
                   const char *line, const char *command, const char *arg, const char *action,
                   const char *where, int64_t msg_id, int64_t now)
{
	char *key = schedule_message_id(in->cfg, id, mail_name(MAIL_CONFIRM_STATUS));
	char detail[1200];
	struct buf note = {0};
	struct job_spec_pub js = {.referral_id = id,
	                          .kind = MAIL_CONFIRM_STATUS,
	                          .to = rep->email,
	                          .to_name = rep->name,
	                          .due = now,
	                          .message_key = key};
	int rc = store_confirmation_waiting(in->st, id, rep->email, command, arg);

	if (rc != 0) {
		/* the same line again before the first question went out
		 * (the rep sent it twice): that question answers both */
		if (rc > 0) {
			snprintf(
			        detail, sizeof(detail),
			        "status line \"%s\" from %s: already waiting for %s's confirmation",
			        line, m->from.email, rep->email);
			rc = add_event(in, id, now, rep->email, "confirm", detail, msg_id);
		}
		free(key);
		return rc;
	}
	jobnote_add(&note, "confirm.action", action);
	jobnote_add(&note, "confirm.where", where);
	js.note = note.s;
	rc = store_confirmation_add(in->st, id, rep->email, command, arg, key, now);
	if (rc == 0)
		rc = schedule_job(in->st, in->cfg, &js, now);
	snprintf(detail, sizeof(detail),
	         "status line \"%s\" from %s%s: asked %s to confirm by mail (%s)", line,
	         m->from.email, where ? " (found below the signature only)" : "", rep->email,
	         action);
	if (rc == 0)
		rc = add_event(in, id, now, rep->email, "confirm", detail, msg_id);
	buf_free(&note);
	free(key);
	return rc;
}

/* A rep's status line that is not applied for what it says or for the
 * referral's status (not for who sent it): recorded with the reason, and
 * the rep told why with nothing to answer "yes" to.  unverified: the
 * receiving server's verdict when it did not vouch for the sender either,
 * kept on the history. */
static int refuse_line(struct intake *in, const struct rep *rep, int64_t id, const char *line,
                       const char *why, const char *unverified, int64_t msg_id, int64_t now)
{
	struct refusal r = {.line = line, .why = why};
	char detail[1200];
	int rc;

	snprintf(detail, sizeof(detail), "status line \"%s\" refused: %s%s%s", line, why,
	         unverified ? "; the receiving server did not vouch for it either: " : "",
	         unverified ? unverified : "");
	rc = add_event(in, id, now, rep->email, "refused", detail, msg_id);
	if (rc == 0)
		rc = tell_rep(in, rep, id, &r, NULL, NULL, now);
	return rc;
}

/* A rep's status line: applied at once when the receiving server vouches
 * for the rep ([security] authserv_id), else confirmed by a mail to the
 * rep's own address first.  Refusals change nothing and are recorded; a
 * rep hears of them (refused-rep). */
static int status_line(struct intake *in, const struct message *m, struct intake_decision *d,
                       const struct rep *rep, int64_t id, int64_t msg_id, int64_t now,
                       enum auth_trust trust, const char *trust_why)
{
	const struct config *cfg = in->cfg;
	char line[600], detail[1200];
	char *why = NULL, *action;
	struct referral_view v = {0};
	int rc;

	snprintf(line, sizeof(line), "#%s%s%s", d->command, d->command_arg ? " " : "",
	         d->command_arg ? d->command_arg : "");
	if (rep == NULL) {
		snprintf(detail, sizeof(detail),
		         "status line \"%s\" from %s refused: not a rep in "
		         "[reps]; nothing changed",
		         line, m->from.email ? m->from.email : "an unknown sender");
		log_warn("referral %" PRId64 ": %s", id, detail);
		return add_event(in, id, now, m->from.email, "refused", detail, msg_id);
	}
	rc = already_so(in, id, d->command, d->command_arg);
	if (rc != 0) {
		if (rc < 0)
			return -1;
		if (trust == AUTH_VERIFIED)
			snprintf(detail, sizeof(detail),
			         "status line \"%s\" from %s: the referral has that status "
			         "already; nothing to change",
			         line, rep->email);
		else
			snprintf(detail, sizeof(detail),
			         "status line \"%s\" from %s: the referral has that status "
			         "already; nothing to change (not vouched for: %s)",
			         line, rep->email, trust_why ? trust_why : "no verdict");
		log_info("referral %" PRId64 ": %s", id, detail);
		return add_event(in, id, now, rep->email, "unchanged", detail, msg_id);
	}
	if (trust == AUTH_VERIFIED && !d->command_below) {
		log_info("referral %" PRId64 ": %s from %s authenticated (%s)", id, line,
		         rep->email, trust_why ? trust_why : "");
		rc = run_command(in, id, rep->email, d->command, d->command_arg, msg_id, now, &why);
		if (rc == 1) {
			rc = refuse_line(in, rep, id, line, why, NULL, msg_id, now);
			free(why);
		}
		return rc;
	}
	/* Not vouched for: what would refuse the line whoever sent it (not
	 * an amount, not a status, a status the referral already has) is
	 * refused now, as for a vouched-for rep.  A "yes" could not apply
	 * it, so asking first would only be a mail for nothing and then
	 * the refusal; and the refusal goes where the question would have
	 * gone, to the rep's address in [reps].  Nothing here applies the
	 * line: a valid one still waits for the rep's "yes", and is checked
	 * again then, as the referral may have moved on meanwhile. */
	rc = check_command(in, id, d->command, d->command_arg, &why);
	if (rc == 1) {
		log_info("referral %" PRId64 ": %s from %s refused before any confirmation: %s", id,
		         line, rep->email, why);
		rc = refuse_line(in, rep, id, line, why,
		                 trust == AUTH_UNVERIFIED ? trust_why : NULL, msg_id, now);
		free(why);
		return rc;
	}
	if (rc < 0)
		return -1;
	if (store_referral_get(in->st, id, &v, NULL, NULL) < 0)
		return -1;
	action = describe_command(&v, d->command, d->command_arg, cfg);
	store_referral_view_clear(&v);
	if (trust == AUTH_UNVERIFIED) {
		/* refused; the rep's own "yes" (verified in its turn) applies
		 * it, so a rep whose mail took an odd route loses nothing */
		struct refusal r = {
		        .line = line, .why = trust_why, .unverified = 1, .action = action};

		snprintf(detail, sizeof(detail),
		         "status line \"%s\" from %s refused: %s; nothing changed; %s asked to "
		         "confirm by mail",
		         line, rep->email, trust_why ? trust_why : "not authenticated", rep->email);
		log_warn("referral %" PRId64 ": %s", id, detail);
		rc = add_event(in, id, now, rep->email, "refused", detail, msg_id);
		if (rc == 0)
			rc = tell_rep(in, rep, id, &r, d->command, d->command_arg, now);
		free(action);
		return rc;
	}
	/* no verdict, or the line came below the signature: the rep's own
	 * "yes" applies it */
	rc = ask_rep(in, m, rep, id, line, d->command, d->command_arg, action,
	             d->command_below ? BELOW_SIGNATURE : NULL, msg_id, now);
	free(action);
	return rc;
}

/* "#won 12000", or what a confirmation of a first contact stands for. */
static void confirmation_line(const struct confirmation_view *c, char *buf, size_t len)
{
	if (str_ieq(c->command, CONFIRM_CONTACT))
		snprintf(buf, len, "the first contact with the lead");
	else
		snprintf(buf, len, "#%s%s%s", c->command, c->arg ? " " : "", c->arg ? c->arg : "");
}

/* An answer to a confirmation that the receiving server did not vouch
 * for: refused, and the confirmation keeps waiting. */
static int answer_unverified(struct intake *in, const struct confirmation_view *c, const char *why,
                             int64_t msg_id, int64_t now)
{
	const struct rep *rep = config_find_rep(in->cfg, c->rep);
	char line[600], detail[900];
	int rc;

	confirmation_line(c, line, sizeof(line));
	snprintf(detail, sizeof(detail),
	         "answer to the confirmation of %s refused: %s; it waits for an answer the "
	         "receiving server vouches for",
	         line, why ? why : "not authenticated");
	log_warn("referral %" PRId64 ": %s", c->referral_id, detail);
	rc = add_event(in, c->referral_id, now, c->rep, "refused", detail, msg_id);
	if (rc == 0 && review_is_command(c->command))
		return review_unverified(in, c, why, now);
	if (rc == 0 && rep) {
		struct refusal r = {.line = str_ieq(c->command, CONFIRM_CONTACT) ? NULL : line,
		                    .why = why,
		                    .unverified = 1,
		                    .contact = str_ieq(c->command, CONFIRM_CONTACT)};

		rc = tell_rep(in, rep, c->referral_id, &r, NULL, NULL, now);
	}
	return rc;
}

/* "yes" to a confirmation: what it was waiting for is done. */
static int answer_yes(struct intake *in, const struct confirmation_view *c, int64_t msg_id,
                      int64_t now)
{
	const struct rep *rep = config_find_rep(in->cfg, c->rep);
	char line[600], detail[900], *why = NULL;
	int changed = 0, rc;

	if (review_is_command(c->command))
		return review_confirmed(in, c, msg_id, now);
	if (str_ieq(c->command, CONFIRM_CONTACT))
		return lifecycle_first_contact(in->st, in->cfg, c->referral_id, c->rep, msg_id, now,
		                               &changed);
	/* the referral may have got there meanwhile: then the yes has
	 * nothing left to do, and the rep is not told "not applied" */
	rc = already_so(in, c->referral_id, c->command, c->arg);
	if (rc != 0) {
		if (rc < 0)
			return -1;
		confirmation_line(c, line, sizeof(line));
		snprintf(detail, sizeof(detail),
		         "confirmed \"%s\": the referral has that status already; nothing to "
		         "change",
		         line);
		return add_event(in, c->referral_id, now, c->rep, "unchanged", detail, msg_id);
	}
	rc = run_command(in, c->referral_id, c->rep, c->command, c->arg, msg_id, now, &why);
	if (rc != 1)
		return rc;
	confirmation_line(c, line, sizeof(line));
	snprintf(detail, sizeof(detail), "confirmed \"%s\", but refused: %s", line, why);
	rc = add_event(in, c->referral_id, now, c->rep, "refused", detail, msg_id);
	if (rc == 0 && rep) {
		struct refusal r = {.line = line, .why = why};

		rc = tell_rep(in, rep, c->referral_id, &r, NULL, NULL, now);
	}
	free(why);
	return rc;
}

/* The rep (or the admin) answered a confirmation: "yes" applies what it
 * waits for.  With authserv_id set, the answer must be vouched for too. */
static int confirmation_answer(struct intake *in, const struct message *m,
                               struct intake_decision *d, int64_t msg_id, int64_t now)
{
	const struct confirmation_view *c = &d->conf;
	const char *p = m->context ? m->context : "";
	char word[16], line[600], detail[800], *why = NULL;
	size_t n;
	int rc, yes, no;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '"')
		p++;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), p);
	str_lower(word);
	confirmation_line(c, line, sizeof(line));
	yes = strcmp(word, "yes") == 0 || strcmp(word, "y") == 0 || strcmp(word, "ok") == 0 ||
	      strcmp(word, "okay") == 0 || strcmp(word, "confirm") == 0 ||
	      strcmp(word, "confirmed") == 0;
	no = strcmp(word, "no") == 0 || strcmp(word, "n") == 0 || strcmp(word, "cancel") == 0;
	/* only a yes or a no is checked (and refused, with a mail): anything
	 * else changes nothing and is answered by nobody, so an auto-reply
	 * cannot start a mail loop */
	if ((yes || no) && auth_trust(m, in->cfg->authserv_id, c->rep, &why) == AUTH_UNVERIFIED) {
		rc = answer_unverified(in, c, why, msg_id, now);
		free(why);
		return rc;
	}
	free(why);
	if (yes) {
		rc = answer_yes(in, c, msg_id, now);
		if (rc < 0 || store_confirmation_done(in->st, c->id, "applied", now) < 0)
			return -1;
		return 0;
	}
	if (no) {
		snprintf(detail, sizeof(detail), "%s declined %s; nothing changed", c->rep, line);
		if (store_confirmation_done(in->st, c->id, "declined", now) < 0)
			return -1;
		return add_event(in, c->referral_id, now, c->rep, "refused", detail, msg_id);
	}
	snprintf(detail, sizeof(detail),
	         "answer to the confirmation not understood (it waits for yes or no): \"%.60s\"",
	         p);
	return add_event(in, c->referral_id, now, c->rep, "reply", detail, msg_id);
}

/* A rep's reply to the lead that the receiving server does not vouch
 * for: a claim, recorded, that stops nothing.  The rep is asked to
 * confirm it (once per mail: *told) unless a status line in the same mail
 * asks already. */
static int claim_contact(struct intake *in, const struct intake_decision *d, const struct rep *rep,
                         const struct referral_view *v, const char *why, int64_t msg_id,
                         int64_t now, int *told)
{
	char detail[800], action[300];
	int waiting = is(v->status, status_name(STATUS_NEW));

	if (!waiting && (v->first_contact_at || is(v->status, status_name(STATUS_HELD))))
		return 0; /* nothing it could change */
	snprintf(detail, sizeof(detail),
	         "%s claimed first contact (unauthenticated: %s); nothing cancelled", rep->email,
	         why ? why : "not authenticated");
	log_warn("referral %" PRId64 ": %s", v->id, detail);
	if (add_event(in, v->id, now, rep->email, "claim", detail, msg_id) < 0)
		return -1;
	if (!waiting || d->command || *told)
		return 0;
	*told = 1;
	{
		char *lead = greeting_named(v->lead.name, v->lead.email, "the lead");

		snprintf(action, sizeof(action), "mark %s as contacted", lead);
		free(lead);
	}
	{
		struct refusal r = {.why = why, .unverified = 1, .action = action, .contact = 1};

		return tell_rep(in, rep, v->id, &r, CONFIRM_CONTACT, NULL, now);
	}
}

/* The lead's reply that the receiving server does not vouch for: noted,
 * the nudges go on. */
static int claim_lead_reply(struct intake *in, const struct referral_view *v, const char *email,
                            const char *why, int64_t msg_id, int64_t now)
{
	char detail[800];

	snprintf(detail, sizeof(detail),
	         "reply from the lead's address %s (unauthenticated: %s); the nudges go on", email,
	         why ? why : "not authenticated");
	return add_event(in, v->id, now, email, "claim", detail, msg_id);
}

/* A status line in a thread of several referrals: refused on each, and a
 * rep who wrote it is told where to put it instead. */
static int ambiguous_line(struct intake *in, const struct message *m, struct intake_decision *d,
                          const struct rep *rep, int64_t msg_id, int64_t now)
{
	char detail[300], line[600];
	struct buf ids = {0};
	int rc = 0;

	snprintf(detail, sizeof(detail),
	         "status line \"#%s\" refused: this thread holds %zu "
	         "referrals; answer the referral's own mail instead",
	         d->command, d->nthread);
	for (size_t i = 0; i < d->nthread && rc == 0; i++) {
		buf_printf(&ids, "%s#%" PRId64, i ? ", " : "", d->thread[i]);
		rc = add_event(in, d->thread[i], now, m->from.email, "refused", detail, msg_id);
	}
	if (rc == 0 && rep) {
		struct refusal r = {.line = line, .why = detail, .thread = ids.s};

		snprintf(line, sizeof(line), "#%s%s%s", d->command, d->command_arg ? " " : "",
		         d->command_arg ? d->command_arg : "");
		rc = tell_rep(in, rep, 0, &r, NULL, NULL, now);
	}
	buf_free(&ids);
	return rc;
}

static int staff(const struct config *cfg, const char *email);

/* Whether the sender of m, writing in referral v's thread, is its referrer
 * or someone else the agent wrote to about it (a second referrer thanked
 * there), writing without the rep on the mail, words that need a person:
 * nobody but the agent would see them otherwise.  *introducer_r = 1 for
 * the referrer.  Not the lead (their words go by lifecycle_lead_wrote),
 * not the business's own, not a thank-you that needs no answer (class
 * courtesy), not a status line (refused by status_line), not about a
 * closed referral.  1 yes, 0 no, -1 error. */
static int words_for_rep(struct intake *in, const struct message *m,
                         const struct intake_decision *d, const struct referral_view *v,
                         int *introducer_r)
{
	const char *from = m->from.email;

	*introducer_r = 0;
	if (in->no_mail || from == NULL || v->rep_email == NULL || status_name_closed(v->status) ||
	    d->command || d->fr.class == CLASS_COURTESY || str_ieq(from, v->lead.email) ||
	    staff(in->cfg, from) || message_addressed(m, v->rep_email) || str_blank(m->context))
		return 0;
	if (str_ieq(from, v->referrer.email)) {
		*introducer_r = 1;
		return 1;
	}
	return store_sent_to(in->st, v->id, from, NULL);
}

/* A reply in a referral's thread, by the sender's role.  What the sender's
 * address alone would change (first contact, the lead's reply, a status
 * line) needs the receiving server's word when authserv_id is set. */
static int by_role(struct intake *in, const struct message *m, struct intake_decision *d,
                   int64_t msg_id, int64_t now)
{
	const struct rep *rep = config_find_rep(in->cfg, m->from.email);
	char *why = NULL;
	enum auth_trust trust = auth_trust(m, in->cfg->authserv_id, m->from.email, &why);
	int told = 0, rc = 0;
	/* the reps already given these words: one notice each, however many
	 * of their referrals one thank-you named */
	char **words_told = xcalloc(d->nthread + 1, sizeof(*words_told));
	size_t nwords_told = 0;

	for (size_t i = 0; i < d->nthread && rc >= 0; i++) {
		struct referral_view v = {0};
		int changed = 0;

		rc = store_referral_get(in->st, d->thread[i], &v, NULL, NULL);
		/* the first reply of a rep that reaches the lead is the first
		 * contact: the reminders stop */
		if (rc == 1 && rep && message_addressed(m, v.lead.email))
			rc = trust == AUTH_UNVERIFIED
			             ? claim_contact(in, d, rep, &v, why, msg_id, now, &told)
			             : lifecycle_first_contact(in->st, in->cfg, v.id, rep->email,
			                                       msg_id, now, &changed);
		if (rc >= 0 && str_ieq(m->from.email, v.lead.email)) {
			rc = trust == AUTH_UNVERIFIED
			             ? claim_lead_reply(in, &v, m->from.email, why, msg_id, now)
			             : lifecycle_lead_replied(in->st, v.id, now);
			/* the lead answered without the rep on it: the rep
			 * would never see it */
			if (rc >= 0 && trust != AUTH_UNVERIFIED && !in->no_mail && v.rep_email &&
			    !status_name_closed(v.status) && !message_addressed(m, v.rep_email))
				rc = lifecycle_lead_wrote(in->st, in->cfg, v.id, m->context, now);
		}
		if (rc >= 0) {
			int introducer = 0, tell = words_for_rep(in, m, d, &v, &introducer);

			for (size_t k = 0; tell > 0 && k < nwords_told; k++)
				if (str_ieq(words_told[k], v.rep_email))
					tell = 0;
			if (tell < 0)
				rc = -1;
			else if (tell > 0) {
				rc = lifecycle_referrer_wrote(
				        in->st, in->cfg, v.id, &m->from, introducer,
				        trust == AUTH_UNVERIFIED ? why : NULL, m->context, now);
				words_told[nwords_told++] = xstrdup(v.rep_email);
			}
		}
		store_referral_view_clear(&v);
	}
	for (size_t k = 0; k < nwords_told; k++)
		free(words_told[k]);
	free(words_told);
	if (rc >= 0 && d->command && d->nthread > 1)
		rc = ambiguous_line(in, m, d, rep, msg_id, now);
	else if (rc >= 0 && d->command && d->nthread == 1)
		rc = status_line(in, m, d, rep, d->thread[0], msg_id, now, trust, why);
	free(why);
	return rc < 0 ? -1 : 0;
}

int reply_apply(struct intake *in, const struct message *m, struct intake_decision *d,
                int64_t msg_id, int64_t now, struct intake_result *res)
{
	char detail[600];
	int changed = 0;

	if (d->command)
		snprintf(detail, sizeof(detail), "reply from %s with status line \"#%s%s%s\"",
		         m->from.email ? m->from.email : "unknown sender", d->command,
		         d->command_arg ? " " : "", d->command_arg ? d->command_arg : "");
	else
		snprintf(detail, sizeof(detail), "%s from %s",
		         strcmp(d->kind, "reply") == 0 ? "reply" : d->kind,
		         m->from.email ? m->from.email : "unknown sender");
	for (size_t i = 0; i < d->nthread; i++) {
		if (store_message_link(in->st, msg_id, d->thread[i]) < 0 ||
		    add_event(in, d->thread[i], now, m->from.email, "reply", detail, msg_id) < 0 ||
		    store_referral_touch(in->st, d->thread[i], now) < 0)
			return -1;
	}
	res->referral = d->nthread ? d->thread[0] : 0;
	if (strcmp(d->kind, "confirmation") == 0)
		return confirmation_answer(in, m, d, msg_id, now);
	if (strcmp(d->kind, REVIEW_ANSWER_KIND) == 0)
		return review_apply(in, m, d, msg_id, now);
	if (strcmp(d->kind, "optout") == 0)
		return lifecycle_opt_out(in->st, in->cfg, d->optout_email, d->optout_source, msg_id,
		                         now, &changed);
	if (strcmp(d->kind, "status-request") == 0)
		return lifecycle_summary(in->st, in->cfg, m->from.email, now, &changed);
	return by_role(in, m, d, msg_id, now);
}

/* One of the business's own: a rep, the admin, an address of its domains. */
static int staff(const struct config *cfg, const char *email)
{
	return config_find_rep(cfg, email) || config_is_business(cfg, email) ||
	       config_is_agent(cfg, email) || (cfg->admin && str_ieq(cfg->admin, email));
}

/* Mail to one of the business's own people that bounced (a rep copied on
 * a welcome, whose mailbox is full or was closed) stops nothing: stopping
 * it would leave every later referral of that rep with nobody who hears
 * of it, and nobody would know.  It is recorded on the referral, and the
 * admin is told, who can empty the mailbox or move the referrals. */
static int staff_bounce(struct intake *in, int64_t ref, const char *email, const char *reason,
                        int64_t msg_id, int64_t now)
{
	const char *admin = in->cfg->admin;
	int tell = ref && admin && !str_ieq(admin, email);
	char detail[700];
	struct buf note = {0};
	int rc;

	snprintf(detail, sizeof(detail),
	         "mail to %s, of the business, bounced (%s); nothing stopped%s", email, reason,
	         tell    ? "; the admin told"
	         : admin ? ""
	                 : "; no admin to tell ([agent] admin)");
	log_warn("referral %" PRId64 ": %s", ref, detail);
	if (ref == 0)
		return 0;
	rc = add_event(in, ref, now, email, "bounce", detail, msg_id);
	if (rc < 0 || !tell || in->no_mail)
		return rc;
	jobnote_add(&note, "notify.staff", "yes");
	jobnote_add(&note, "notify.email", email);
	jobnote_add(&note, "notify.reason", reason);
	rc = schedule_job(in->st, in->cfg,
	                  &(struct job_spec_pub){.referral_id = ref,
	                                         .kind = MAIL_NOTIFY_REP,
	                                         .to = admin,
	                                         .due = now,
	                                         .note = note.s},
	                  now);
	buf_free(&note);
	return rc;
}

/* A report of delay changes nothing (RFC 3464 Action: delayed): only
 * "failed" recipients bounce.  Of a report about mail of a referral, only
 * addresses that mail was sent to: the referral's number in
 * X-Refagent-Referral is no secret, and a report anyone can write must
 * not stop mail to its lead or referrer.  Staff stop nothing
 * (staff_bounce). */
int reply_bounce(struct intake *in, const struct message *m, int64_t msg_id, int64_t now)
{
	int64_t ref = 0;
	int ours = 0;
	const char *key = NULL; /* the mail of ours the report quotes */

	if (m->report != REPORT_DSN)
		return 0;
	if (m->orig_message_id) {
		int rc = store_sent_message_find(in->st, m->orig_message_id, &ref);

		if (rc < 0)
			return -1;
		ours = rc == 1;
		key = ours ? m->orig_message_id : NULL;
	}
	if (!ours && m->orig_referral && (m->return_path == NULL || *m->return_path == '\0')) {
		/* a report that only names the referral (Exchange rewrites the
		 * Message-ID it returns) counts only as reports are sent: from
		 * the null sender (RFC 5321 section 4.5.5), not from a
		 * person's mailbox */
		long id;

		ours = parse_long(m->orig_referral, 1, LONG_MAX, &id) == 0 &&
		       reply_referral_exists(in, id);
		ref = ours ? id : 0;
	}
	if (!ours) {
		/* recorded as a bounce like any report; nothing of ours bounced */
		log_debug("message %s: delivery report about mail that is not the agent's (%s)",
		          m->message_id ? m->message_id : "(no Message-ID)",
		          m->orig_message_id ? m->orig_message_id : "no Message-ID");
		return 0;
	}
	for (size_t i = 0; i < m->ndsn; i++) {
		const struct dsn_rcpt *r = &m->dsn[i];
		char reason[400];

		if (r->email == NULL || r->action == NULL || !str_ieq(r->action, "failed"))
			continue;
		snprintf(reason, sizeof(reason), "%s%s%s", r->status ? r->status : "failed",
		         r->diagnostic ? " " : "", r->diagnostic ? r->diagnostic : "");
		if (staff(in->cfg, r->email)) {
			if (staff_bounce(in, ref, r->email, reason, msg_id, now) < 0)
				return -1;
			continue;
		}
		if (ref) {
			int rc = store_sent_to(in->st, ref, r->email, key);

			if (rc < 0)
				return -1;
			if (rc == 0) {
				const char *id = m->message_id ? m->message_id : "(no Message-ID)";

				if (key)
					log_warn("message %s: a delivery report names %s, to whom "
					         "the mail <%s> it quotes was not sent: not a "
					         "bounce",
					         id, r->email, key);
				else
					log_warn("message %s: a delivery report names %s, to whom "
					         "no "
					         "mail of referral %" PRId64
					         " was sent: not a bounce",
					         id, r->email, ref);
				continue;
			}
		}
		if (lifecycle_bounce(in->st, in->cfg, r->email, reason, msg_id, now) < 0)
			return -1;
	}
	if (ref && store_message_link(in->st, msg_id, ref) < 0)
		return -1;
	return 0;
}
