/*
 * kinds.h - the agent's vocabulary, declared once: the statuses of a
 * referral, the classes a rule may give a message, and the mails the agent
 * sends.
 *
 * Each is an enum with one descriptor table in agent/kinds.c (the model is
 * the settings[] table of config.c).  The rest of the agent asks these
 * tables: no status, class or mail name is written as a string anywhere
 * else in agent/, and adding one is a row here plus, for a mail, its
 * template file (see "Extending" in the README).
 *
 * Names are what is stored in the database, typed on the command line and
 * written in rule files and templates; they never change meaning.
 */
#ifndef REFAGENT_KINDS_H
#define REFAGENT_KINDS_H

/* ---- statuses ---- */

enum status {
	STATUS_NEW,
	STATUS_CONTACTED,
	STATUS_QUALIFIED,
	STATUS_PROPOSAL,
	STATUS_WON,
	STATUS_LOST,
	STATUS_HELD,
	STATUS_REJECTED,
	STATUS_EXPIRED,
	STATUS_COUNT
};

/* A bit per status, for the `from` masks below. */
#define STATUS_BIT(s) (1u << (s))
#define STATUS_ANY    ((1u << STATUS_COUNT) - 1)

struct status_desc {
	const char *name;      /* "won": stored, typed, shown */
	const char *words;     /* the same for people: "won", "in touch" */
	unsigned closed : 1;   /* won, lost, rejected, expired: no more
	                          follow-up; closed_at is stamped */
	unsigned credit : 1;   /* while in it the referral holds its lead for
	                          its referrer: a second intro is a touch.
	                          Not held: a held referral waits for the
	                          admin and takes no credit until released */
	unsigned contact : 1;  /* reaching it means the rep has been in touch
	                          (first contact stamped, reminders stop) */
	unsigned stop_all : 1; /* every pending mail of the referral stops */
	unsigned from;         /* STATUS_BIT()s it may be set from */
	const char *what;      /* one line for the README and --help */
};

/* The table, in enum order. */
extern const struct status_desc status_table[STATUS_COUNT];

/* The status called name (exact, lower case).  1 found (sets *s_r), 0 not. */
int status_parse(const char *name, enum status *s_r);
/* status_table[s].name; "?" for a value out of range. */
const char *status_name(enum status s);
/* status_table[s].closed, for a stored name (0 for an unknown one). */
int status_name_closed(const char *name);
/* "new, contacted, ..., expired" (static). */
const char *status_list(void);

/* ---- rule classes ---- */

enum rule_class {
	CLASS_NONE, /* no classifying rule matched */
	CLASS_AUTOMATED,
	CLASS_BOUNCE,
	CLASS_FORM,
	CLASS_INTRO,
	CLASS_OPTOUT,
	CLASS_STATUS_REQUEST,
	CLASS_IGNORE,
	CLASS_REVIEW,
	CLASS_COURTESY, /* a thank-you that needs no answer: not passed on */
	CLASS_COUNT
};

struct class_desc {
	const char *name; /* as in `class NAME` / `when class NAME` */
	const char *what;
};

extern const struct class_desc class_table[CLASS_COUNT];

/* The class called name ("none" is CLASS_NONE).  1 found, 0 not. */
int class_parse(const char *name, enum rule_class *c_r);
/* class_table[c].name ("none" for CLASS_NONE). */
const char *class_name(enum rule_class c);

/* ---- mails ---- */

enum mail_kind {
	MAIL_THANK_REFERRER,
	MAIL_WELCOME_LEAD,
	MAIL_ASSIGN_REP,
	MAIL_REMIND_REP,
	MAIL_NUDGE_LEAD,
	MAIL_UPDATE_REFERRER,
	MAIL_REWARD_REFERRER,
	MAIL_CHECKIN_REFERRER,
	MAIL_ASK_CLIENT,
	MAIL_CONFIRM_STATUS,
	MAIL_NOTIFY_REP,
	MAIL_REVIEW_ADMIN,
	MAIL_REFUSED_REP,
	/* reports and digests (mails about many referrals, or about a
	 * reward's payment) */
	MAIL_DIGEST_REP,
	MAIL_WEEKLY_ADMIN,
	MAIL_PAID_REFERRER,
	MAIL_COUNT
};

/* Who a mail is written to. */
enum mail_role {
	ROLE_REFERRER,
	ROLE_LEAD,
	ROLE_REP, /* a rep listed in [reps] */
	ROLE_ADMIN,
};

/* Mail flags. */
#define MAIL_HOURS    0x01u /* waits for business hours */
#define MAIL_THREADED 0x02u /* joins the intro's thread (In-Reply-To, "Re:") */
#define MAIL_CAPPED   0x04u /* counts toward [schedule] max_per_day */
#define MAIL_OUTSIDE                                                                               \
	0x08u              /* to someone outside the business: carries                             \
	                      List-Unsubscribe and the opt-out hint */
#define MAIL_CC_REP  0x10u /* the referral's rep on Cc and in Reply-To */
#define MAIL_CHAINED 0x20u /* sending one schedules the next (seq + 1) */
#define MAIL_SUMMARY                                                                               \
	0x40u /* about many referrals (a digest, a weekly summary): made                           \
	         by schedule_periodic, with no referral of its own */

/* What cancels a pending mail, besides an opt-out or bounce of its
 * recipient (which cancels every mail to them) and a referral becoming
 * rejected or expired (which cancels every mail of it). */
#define CANCEL_CONTACT    0x01u /* the rep's first contact or any status past new */
#define CANCEL_CLOSED     0x02u /* won or lost */
#define CANCEL_LEAD_REPLY 0x04u /* the lead replied */

struct mail_desc {
	const char *name; /* also the template: [agent] templates/NAME.tmpl,
	                     and the key of [schedule] delay.NAME */
	enum mail_role to;
	unsigned flags;   /* MAIL_* */
	unsigned cancel;  /* CANCEL_* */
	const char *what; /* one line: when it is sent */
};

extern const struct mail_desc mail_table[MAIL_COUNT];

/* The mail called name.  1 found (sets *k_r), 0 not. */
int mail_parse(const char *name, enum mail_kind *k_r);
/* mail_table[k].name. */
const char *mail_name(enum mail_kind k);
/* Non-zero when name is the mail k (for a job row's template column). */
int mail_is(const char *name, enum mail_kind k);
/* The flags of the mail called name (0 for an unknown name). */
unsigned mail_flags_of(const char *name);

#endif
