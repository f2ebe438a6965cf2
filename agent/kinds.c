/*
 * kinds.c - the statuses, rule classes and mails of the agent, one row
 * each (see kinds.h).
 *
 * This is the one file of agent/ where their names are written as
 * strings.  The store mirrors status_table into its `statuses` lookup
 * table at open, so a new status is a row here and nothing else in SQL.
 */
#include "kinds.h"

#include <stdio.h>
#include <string.h>

/* A status may be set from any other; the same status again is refused
 * by lifecycle (a second win with a value is the one exception). */
const struct status_desc status_table[STATUS_COUNT] = {
        [STATUS_NEW] = {"new", "waiting for our first contact", 0, 1, 0, 0, STATUS_ANY,
                        "introduced, waiting for the rep's first contact"},
        [STATUS_CONTACTED] = {"contacted", "in touch with us", 0, 1, 1, 0, STATUS_ANY,
                              "the rep has been in touch with the lead"},
        [STATUS_QUALIFIED] = {"qualified", "talking with us about what they need", 0, 1, 1, 0,
                              STATUS_ANY, "the lead is a fit and interested"},
        [STATUS_PROPOSAL] = {"proposal", "considering our proposal", 0, 1, 1, 0, STATUS_ANY,
                             "the lead has an offer"},
        [STATUS_WON] = {"won", "now a client", 1, 0, 1, 0, STATUS_ANY,
                        "the lead became a client (a reward may be owed)"},
        [STATUS_LOST] = {"lost", "decided not to go ahead", 1, 0, 0, 0, STATUS_ANY,
                         "the lead decided against it"},
        [STATUS_HELD] = {"held", "being reviewed", 0, 0, 0, 0, STATUS_ANY,
                         "waiting for an admin's review; nothing is sent"},
        [STATUS_REJECTED] = {"rejected", "not a fit for us", 1, 0, 0, 1, STATUS_ANY,
                             "not a referral, or not a fit; all its mail stops"},
        [STATUS_EXPIRED] = {"expired", "closed after a long silence", 1, 0, 0, 1, STATUS_ANY,
                            "no activity for expire_days; all its mail stops"},
};

int status_parse(const char *name, enum status *s_r)
{
	for (int i = 0; name && i < STATUS_COUNT; i++)
		if (strcmp(name, status_table[i].name) == 0) {
			*s_r = (enum status)i;
			return 1;
		}
	return 0;
}

const char *status_name(enum status s)
{
	return (unsigned)s < STATUS_COUNT ? status_table[s].name : "?";
}

int status_name_closed(const char *name)
{
	enum status s;

	return status_parse(name, &s) && status_table[s].closed;
}

const char *status_list(void)
{
	static char list[256];

	if (list[0] == '\0') {
		size_t o = 0;

		for (int i = 0; i < STATUS_COUNT && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
			                      status_table[i].name);
	}
	return list;
}

const struct class_desc class_table[CLASS_COUNT] = {
        [CLASS_NONE] = {"none", "no classifying rule matched"},
        [CLASS_AUTOMATED] = {"automated", "auto-replies, lists, notifications: never answered"},
        [CLASS_BOUNCE] = {"bounce", "a delivery failure report"},
        [CLASS_FORM] = {"form", "a web-form notification naming a lead"},
        [CLASS_INTRO] = {"intro", "an introduction"},
        [CLASS_OPTOUT] = {"optout", "the sender asks for no more mail"},
        [CLASS_STATUS_REQUEST] = {"status-request", "a referrer asks how their referrals are"},
        [CLASS_IGNORE] = {"ignore", "recorded and otherwise left alone"},
        [CLASS_REVIEW] = {"review",
                          "names a person to introduce but no address: for the admin's review"},
        [CLASS_COURTESY] =
                {"courtesy",
                 "a thank-you or pleasantry that needs no answer: recorded, not passed on"},
};

int class_parse(const char *name, enum rule_class *c_r)
{
	for (int i = 0; name && i < CLASS_COUNT; i++)
		if (strcmp(name, class_table[i].name) == 0) {
			*c_r = (enum rule_class)i;
			return 1;
		}
	return 0;
}

const char *class_name(enum rule_class c)
{
	return (unsigned)c < CLASS_COUNT ? class_table[c].name : "?";
}

const struct mail_desc mail_table[MAIL_COUNT] = {
        [MAIL_THANK_REFERRER] = {"thank-referrer", ROLE_REFERRER, MAIL_CAPPED | MAIL_OUTSIDE, 0,
                                 "at intake"},
        /* not once the rep has written to the lead: "Ana, copied here,
         * will be in touch shortly" would come after Ana's own mail */
        [MAIL_WELCOME_LEAD] = {"welcome-lead", ROLE_LEAD,
                               MAIL_HOURS | MAIL_THREADED | MAIL_CAPPED | MAIL_OUTSIDE |
                                       MAIL_CC_REP,
                               CANCEL_CONTACT,
                               "at intake, in business hours, in the intro's thread; not after "
                               "the rep's first contact"},
        [MAIL_ASSIGN_REP] = {"assign-rep", ROLE_REP, MAIL_THREADED, 0, "at intake"},
        [MAIL_REMIND_REP] = {"remind-rep", ROLE_REP, MAIL_HOURS | MAIL_CHAINED, CANCEL_CONTACT,
                             "rep_deadline business days without contact, again, then the "
                             "admin"},
        [MAIL_NUDGE_LEAD] = {"nudge-lead", ROLE_LEAD,
                             MAIL_HOURS | MAIL_THREADED | MAIL_CAPPED | MAIL_OUTSIDE | MAIL_CHAINED,
                             CANCEL_CLOSED | CANCEL_LEAD_REPLY,
                             "lead_nudge_after business days after the first contact"},
        [MAIL_UPDATE_REFERRER] = {"update-referrer", ROLE_REFERRER, MAIL_CAPPED | MAIL_OUTSIDE, 0,
                                  "contacted, won (lost), credit, status summary"},
        [MAIL_REWARD_REFERRER] = {"reward-referrer", ROLE_REFERRER, MAIL_CAPPED | MAIL_OUTSIDE, 0,
                                  "on won, with a reward"},
        [MAIL_CHECKIN_REFERRER] = {"checkin-referrer", ROLE_REFERRER,
                                   MAIL_HOURS | MAIL_CAPPED | MAIL_OUTSIDE, 0,
                                   "every checkin_days to active referrers"},
        [MAIL_ASK_CLIENT] = {"ask-client", ROLE_LEAD, MAIL_HOURS | MAIL_CAPPED | MAIL_OUTSIDE, 0,
                             "ask_client_days after won"},
        [MAIL_CONFIRM_STATUS] = {"confirm-status", ROLE_REP, 0, 0,
                                 "a status line to confirm by reply"},
        [MAIL_NOTIFY_REP] = {"notify-rep", ROLE_REP, 0, 0, "the lead bounced or opted out"},
        [MAIL_REVIEW_ADMIN] = {"review-admin", ROLE_ADMIN, 0, 0,
                               "held referrals and people named without an address, for "
                               "review; the result of the admin's answer"},
        [MAIL_REFUSED_REP] = {"refused-rep", ROLE_REP, 0, 0,
                              "a rep's status line or reply by mail that was not applied"},
        /* about several referrals (no referral of its own) */
        [MAIL_DIGEST_REP] = {"digest-rep", ROLE_REP, MAIL_HOURS | MAIL_SUMMARY, 0,
                             "daily at the opening, instead of assign-rep, to reps with "
                             "[reps] digest"},
        [MAIL_WEEKLY_ADMIN] = {"weekly-admin", ROLE_ADMIN, MAIL_HOURS | MAIL_SUMMARY, 0,
                               "weekly, at the first opening of the week"},
        [MAIL_PAID_REFERRER] = {"paid-referrer", ROLE_REFERRER, MAIL_CAPPED | MAIL_OUTSIDE, 0,
                                "when rewards pay marks the referrer's reward paid"},
};

int mail_parse(const char *name, enum mail_kind *k_r)
{
	for (int i = 0; name && i < MAIL_COUNT; i++)
		if (strcmp(name, mail_table[i].name) == 0) {
			*k_r = (enum mail_kind)i;
			return 1;
		}
	return 0;
}

const char *mail_name(enum mail_kind k)
{
	return (unsigned)k < MAIL_COUNT ? mail_table[k].name : "?";
}

int mail_is(const char *name, enum mail_kind k)
{
	return name && (unsigned)k < MAIL_COUNT && strcmp(name, mail_table[k].name) == 0;
}

unsigned mail_flags_of(const char *name)
{
	enum mail_kind k;

	return mail_parse(name, &k) ? mail_table[k].flags : 0;
}
