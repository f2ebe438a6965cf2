/*
 * intake.h - what one incoming message means, and recording it.
 *
 * The intake rules (README "Intake rules") live here: duplicates,
 * automated mail, replies in known threads, referrer and leads, forwards
 * and web forms, the confidence that a mail introduces someone, too many
 * leads, the same lead again, and rep assignment.
 * The decision (intake_decide) only reads the store, so `refagent filters
 * test` can show it without writing; intake_apply writes the records of one
 * decision, handing replies and delivery reports to reply.h.
 *
 * The caller owns the transaction: `ingest` and `poll` wrap each message
 * (and, for poll, the IMAP checkpoint) in store_begin/store_commit, so a
 * message's records and the position after it land together or not at all.
 */
#ifndef REFAGENT_INTAKE_H
#define REFAGENT_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "message.h"
#include "store.h"

struct config;
struct store;
struct rep;

struct intake {
	const struct config *cfg;
	const struct filter_set *filters;
	struct store *st; /* may be NULL for a decision without history */
	int no_mail;      /* record only: schedule no follow-up mail
	                     (`ingest --no-mail`, importing old mail); the
	                     records are dated by each mail's Date */
};

enum intake_outcome {
	INTAKE_REFERRAL = 0, /* one or more new referrals */
	INTAKE_TOUCH,        /* every lead already had an open referral */
	INTAKE_REPLY,        /* a message in a known referral's thread */
	INTAKE_HELD,         /* kept for review: too many leads, thin evidence... */
	INTAKE_REVIEW,       /* names someone offered as a lead who cannot be
	                        reached (no address): recorded for review, no
	                        referral, nothing sent */
	INTAKE_IGNORED,      /* automated, bounce, not an introduction */
	INTAKE_DUPLICATE,    /* processed before: nothing written */
	INTAKE_ERROR,        /* not a message at all: recorded as such */
};

/* "referral", "touch", "reply", "held", "review", "ignored", "duplicate",
 * "error" */
const char *intake_outcome_name(enum intake_outcome o);

/* Where the bytes came from (for the messages row and the log). */
struct intake_source {
	const char *mailbox; /* IMAP mailbox, or NULL */
	uint32_t uidvalidity;
	uint32_t uid;
	const char *path; /* file for `ingest` ("-" for stdin), or NULL */
};

struct intake_lead {
	char *name;
	char *email; /* NULL: known by name/phone only */
	char *phone;
	char *company;
	char *need;       /* this lead's own need, NULL: the decision's */
	int64_t existing; /* open referral of this lead, 0: a new one */
};

/*
 * The confidence that a person's mail (or a web form) introduces its leads
 * is the sum of the weights of its evidence, each with a reason: phrases
 * and counter-signs from the rules (their `score`), and what intake reads
 * in the headers and the text (the agent in Cc, a greeting naming the
 * lead, a reply in a thread the agent never saw...).  From INTAKE_REFER_AT
 * it is a referral, from INTAKE_HOLD_AT it is held for review, below that
 * it is ignored.  README "Intake rules" lists the evidence.
 */
#define INTAKE_REFER_AT 5
#define INTAKE_HOLD_AT  2

struct intake_evidence {
	int weight;
	char *why;
};

struct intake_decision {
	enum intake_outcome outcome;
	char *kind; /* messages.kind: intro, form, forward, reply, touch,
	               held, review, automated, bounce, ignored, error */
	char *why;  /* one line saying why */
	char *key;  /* the message's key in the store */

	char *referrer_name;
	char *referrer_email; /* NULL: a form named the referrer by name only */
	char *referrer_phone;
	struct intake_lead *leads;
	size_t nleads;
	const char *status; /* status of new referrals: "new" or "held" */

	const struct rep *rep; /* who gets the new referrals, NULL: nobody */
	const char *rep_how;   /* "named in the intro", "round robin" */

	int64_t *thread; /* for a reply: the referrals of the thread */
	size_t nthread;

	char *need, *budget, *timeline, *context, *subject;
	char *command, *command_arg; /* a rep's status line */
	int command_below;           /* found below the signature only */

	/* replies to the agent's own requests */
	struct confirmation_view conf; /* kind "confirmation": the one answered */
	char *optout_email;            /* kind "optout": who */
	char *optout_source;           /* and how they said it */

	int confidence; /* the sum of the evidence's weights */
	/* the writer (the lead) answers the referrer the text names, the
	 * business in copy ("Priyanka recommended you", to Priyanka) */
	int answers_referrer;
	/* the writer (the lead) quotes the intro the referrer the text
	 * names wrote them, the referrer out of the recipients */
	int quotes_referrer;
	/* why a referral by the evidence is only held ("the person
	 * introduced is presented as someone for the business"), or NULL */
	char *hold_only;
	struct intake_evidence *evidence;
	size_t nevidence;

	struct filter_result fr; /* what the rules said */
};

/* The evidence of d as one line, "+3 introduction phrase (rule
 * intro-context-en); +2 the agent in Cc, the lead in To; ...", or NULL
 * when there is none.  Caller frees. */
char *intake_evidence_text(const struct intake_decision *d);

struct intake_result {
	enum intake_outcome outcome;
	char *why;         /* caller frees */
	int64_t referral;  /* first referral made or touched, 0: none */
	size_t nreferrals; /* referrals made */
};

/*
 * A mail that came through a mailing list of the business's own (its
 * referral address a Google Group or a Mailman list: List-Id under a
 * business domain, or From the agent's address with X-Original-From) is
 * read as the person's mail the list carried: message_unlist.  Call it on
 * each message before its rules run.
 */
void intake_unwrap_list(const struct config *cfg, struct message *m);

/*
 * Decides what m means.  trace asks the filters to list every rule that
 * fired (for `filters test`).  Only reads the store.  Returns 0, or -1 on a
 * store error (text in store_error()).  Clear d with intake_decision_clear.
 */
int intake_decide(struct intake *in, const struct message *m, int trace, struct intake_decision *d);
void intake_decision_clear(struct intake_decision *d);

/*
 * What intake reads of m that needs neither the store nor the messages
 * before it (a web form's fields, the reps the text names), given the
 * rules' results fr: `ingest` makes it on its parsing threads, so the
 * thread that decides in order does not.  Free with intake_prep_free.
 */
struct intake_prep;
struct intake_prep *intake_prepare(const struct intake *in, const struct message *m,
                                   const struct filter_result *fr);
void intake_prep_free(struct intake_prep *p);

/* intake_decide for a message whose rules were already run (on another
 * thread, by `ingest`): *fr is moved into d (and cleared).  prep is
 * intake_prepare's for m and that fr (NULL: made here); its form is taken,
 * the caller still frees it. */
int intake_decide_with(struct intake *in, const struct message *m, struct filter_result *fr,
                       struct intake_prep *prep, struct intake_decision *d);

/*
 * Writes the records of decision d for m (the message row, people,
 * referrals, events, links).  Returns 0 or -1 on a store error.
 */
int intake_apply(struct intake *in, const struct message *m, struct intake_decision *d,
                 const struct intake_source *src, struct intake_result *res);

/*
 * The whole path for raw bytes: parse, decide, apply.  A message that cannot
 * be parsed is recorded as an error (so it is not fetched again) and is
 * INTAKE_ERROR, not a failure.  Returns 0, or -1 on a store error.  res->why
 * is set in every case; the caller frees it.
 */
int intake_raw(struct intake *in, const char *raw, size_t len, const struct intake_source *src,
               struct intake_result *res);

/* Decide and apply for a parsed message with its rule results (*fr is
 * consumed) and what intake_prepare made of it (prep, NULL: made here; the
 * caller still frees it).  Returns 0 or -1 on a store error. */
int intake_parsed(struct intake *in, const struct message *m, struct filter_result *fr,
                  struct intake_prep *prep, const struct intake_source *src,
                  struct intake_result *res);

/* Records raw bytes that message_parse() rejected with error. */
int intake_unparsable(struct intake *in, const char *raw, size_t len, const char *error,
                      const struct intake_source *src, struct intake_result *res);

/*
 * Records a message that was not parsed (e.g. larger than
 * max_message_size) under key, with why, so it counts as processed.
 */
int intake_record_unparsed(struct intake *in, const char *key, const char *why,
                           const struct intake_source *src, struct intake_result *res);

#endif
