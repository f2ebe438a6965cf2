/*
 * config.h - refagent.conf, an INI file read with inih.
 *
 * The settings are one table in config.c (section, key, type, default,
 * check), in the manner of Redis' config.c, so that `refagent check`, the
 * README and the loader cannot drift apart.  Relative paths in the file
 * (database, password_file, filters, templates) are taken relative to the
 * directory of the config file, so a config works from any working
 * directory.  Unset, filters and templates are the folders of those names
 * beside the config when they exist, else the ones installed under
 * REFAGENT_DATADIR (PREFIX/share/refagent, set by the Makefile).
 *
 * Passwords are never in the config: password_file names a file whose first
 * line is the password; config_read_password() reads it when it is needed.
 * The same holds for the OAuth2 secrets (client secret, refresh token):
 * files of their own, mode 0600, read by config_read_secret().
 *
 * A server signs in with a password (auth = password, the default) or with
 * an OAuth2 access token (auth = xoauth2 | oauthbearer, for Gmail and
 * Microsoft 365, which refuse passwords).  The token comes from
 * oauth2_token_command, or from the built-in refresh flow (oauth2_token_url,
 * oauth2_client_id, oauth2_client_secret_file, oauth2_refresh_token_file);
 * the oauth module (oauth.h) gets it, the IMAP and SMTP modules ask for it
 * through a server_token_fn.
 */
#ifndef REFAGENT_CONFIG_H
#define REFAGENT_CONFIG_H

#include <stddef.h>

#include "kinds.h"

enum security { SEC_TLS = 0, SEC_STARTTLS, SEC_NONE };

/* How a server is signed in to: a password (LOGIN / AUTH PLAIN), or an
 * OAuth2 access token in the SASL mechanism XOAUTH2 (Google's, also spoken
 * by Microsoft) or OAUTHBEARER (RFC 7628). */
enum auth_mech { AUTH_PASSWORD = 0, AUTH_XOAUTH2, AUTH_OAUTHBEARER };

struct server_config {
	char *server;
	int port; /* 0: the default for the security */
	enum security security;
	int allow_insecure; /* `none` to a non-loopback server is allowed */
	char *user;
	char *password_file; /* absolute path, or NULL */
	char *ca_file;       /* CA bundle (PEM) trusted instead of the system store, or NULL */
	int timeout;         /* seconds for connect and each command */

	/* OAuth2 (auth = xoauth2 | oauthbearer); config_load checked that
	 * exactly one of the two token sources is complete */
	enum auth_mech auth;
	char *oauth2_token_command;      /* /bin/sh -c; first line of stdout = token */
	char *oauth2_token_url;          /* the refresh flow: token endpoint (https) */
	char *oauth2_client_id;          /* its client id */
	char *oauth2_client_secret_file; /* absolute path, or NULL (public client) */
	char *oauth2_refresh_token_file; /* absolute path; rewritten on rotation */
};

/*
 * Where the IMAP and SMTP modules get an access token for s (oauth_token()
 * in oauth.h; tests pass their own).  refused is NULL, or the token the
 * server just refused: then a different, fresh one is wanted.  Returns 0
 * and sets *token_r (caller frees and should wipe), or -1 with *error_r
 * (caller frees; one line, no secret in it).
 */
typedef int server_token_fn(const struct server_config *s, const char *refused, char **token_r,
                            char **error_r);

struct rep {
	char *email; /* lower case */
	char *name;
	int digest; /* a daily digest-rep instead of an assign-rep per referral */
};

struct config {
	char *path; /* the file read */
	char *dir;  /* its directory; relative paths were resolved against it */

	/* [agent] */
	char *address;  /* the referral address, lower case */
	char **aliases; /* other addresses of the agent, lower case */
	size_t naliases;
	char *domains;                /* comma-separated business domains, lower case */
	char *database;               /* a SQLite file, or a PostgreSQL URL or connection string */
	char *database_password_file; /* PostgreSQL: the password's file, or NULL */
	/* whose rows this agent sees in the database: [agent] business, else
	 * config_business_of(address) */
	char *business;
	int business_set; /* [agent] business was set in the file */
	int lease;        /* seconds: how long a mailbox's lease lasts unrenewed */
	char *name;       /* the business's display name */
	char *filters_dir;
	char *templates_dir;
	int max_leads;         /* more leads than this: held for review */
	long max_message_size; /* bytes; larger messages are recorded, not parsed */

	/* [imap] */
	struct server_config imap;
	char *imap_mailbox;
	int poll_interval; /* seconds between polls without IDLE */

	/* [smtp] */
	struct server_config smtp;

	/* [agent], for the mail the agent writes */
	char *admin;          /* gets escalations; NULL: none */
	char *phone;          /* the business's phone, shown in mails */
	char *website;        /* and its website */
	char *colour;         /* the business's colour in HTML mail ("#1a7f5a"), NULL: none */
	char *logo_url;       /* its logo, shown atop HTML mail, NULL: none */
	int welcome_from_rep; /* welcome-lead sent in the rep's name (welcome_from = rep) */
	int review_daily;     /* review = daily: at most one review mail a business day
	                         (default now: one per batch of new items) */

	/* [schedule]: when follow-up mail goes out (see schedule.h) */
	char *timezone; /* TZ name, e.g. Europe/London; "UTC" default */
	int open_min;   /* business hours, minutes after local midnight */
	int close_min;
	int days_mask;           /* business days, bit 0 = Sunday .. bit 6 = Saturday */
	int rep_deadline;        /* business days to the rep's first contact */
	int rep_reminders;       /* reminders to the rep before the admin is told */
	int nudge_after;         /* business days after the rep's first mail */
	int nudges;              /* at most this many nudges to a lead */
	int checkin_days;        /* between check-ins with an active referrer */
	int ask_client_days;     /* after won, before asking for an introduction */
	int max_per_day;         /* mails to one outside address per 24 hours */
	long delays[MAIL_COUNT]; /* seconds, per mail (enum mail_kind) */
	int expire_days;         /* no activity this long: expired (0: never) */
	int update_on_lost;      /* tell the referrer when a referral is lost */
	int weekly_summary;      /* the weekly-admin summary to [agent] admin */

	/* [security] */
	char *authserv_id; /* trusted Authentication-Results id, NULL: confirm by mail */

	/* [rewards] */
	char *currency;       /* shown before amounts, e.g. "$" or "EUR " */
	char *payout;         /* how and when rewards are paid, said in the reward mail */
	char *reward[3];      /* per kind (client, partner, staff): "250" or "10%" */
	double reward_cap[3]; /* 0: no cap */
	char *partners;       /* domains or addresses whose referrers are partners */
	int credit_last;      /* credit policy: 0 first (default), 1 last */

	/* [goals]: monthly targets the report draws against (0: none) */
	int goal_referrals; /* referrals_per_month */
	int goal_won;       /* won_per_month */

	/* [reps] email = Full Name, in file order (round robin order) */
	struct rep *reps;
	size_t nreps;
	/* [reps] digest = yes | no | the reps' addresses: who gets a daily
	 * digest (struct rep .digest); the one [reps] key that is no address */
	char *rep_digest;
};

/*
 * Loads and checks path.  Returns 0 and sets *cfg_r, or -1 after printing
 * every fault as "file:line: problem" on stderr (all of them, not just the
 * first, so `refagent check` shows the whole list).
 */
int config_load(const char *path, struct config **cfg_r);
/* Loads text[0..len) as config_load loads path holding it: path names
 * the config in faults, and its folder is where relative paths start
 * (the fuzz target's way in: the same loader, without the file). */
int config_load_text(const char *path, const char *text, size_t len, struct config **cfg_r);
void config_free(struct config *cfg);

/* The business key an address makes when [agent] business is not set:
 * its domain with dots as dashes (agent@biz.example.com ->
 * biz-example-com), at most 40 characters; "default" when nothing is
 * left.  Caller frees. */
char *config_business_of(const char *address);

/* The default config path: $REFAGENT_CONFIG, else ./refagent.conf.
 * Returns a static string. */
const char *config_default_path(void);

/*
 * Reads the password of s from its password_file (first line, without the
 * line end).  Returns 0 and sets *pw_r (caller frees, and should wipe), or
 * -1 with *error_r naming the file (caller frees).  The file must not be
 * readable by group or others.
 */
int config_read_password(const struct server_config *s, char **pw_r, char **error_r);

/* For `refagent check`: reads every password_file the config names, as
 * sending and fetching will (not readable by group or others, not empty),
 * and prints one line per one that fails.  A file that does not exist is
 * only a warning (systemd's LoadCredential= provides it at run time).
 * Returns how many failed. */
int config_check_secrets(const struct config *cfg);

/* Reads the first line of the secret file path (a password, client secret
 * or refresh token; what names it in messages: "password", ...).  Returns
 * 0 and sets *secret_r (caller frees, and should wipe), or -1 with
 * *error_r naming the file, never its content (caller frees).  The file
 * must not be readable by group or others, and must not be empty. */
int config_read_secret(const char *path, const char *what, char **secret_r, char **error_r);

/* "password", "xoauth2" or "oauthbearer". */
const char *config_auth_name(enum auth_mech a);

/* Non-zero when email (lower case) is one of the agent's own addresses:
 * the referral address, an alias, or a plus-address of either
 * (referrals+r42@biz.test). */
int config_is_agent(const struct config *cfg, const char *email);
/* Non-zero when email belongs to one of the business domains. */
int config_is_business(const struct config *cfg, const char *email);
/* The configured rep with this address, or NULL. */
const struct rep *config_find_rep(const struct config *cfg, const char *email);

#endif
