/*
 * main.c - the refagent command line.
 *
 * Every command is one row of `commands[]` at the end of this file: its
 * name, the usage line, a summary, its options, how many operands it takes,
 * what it needs loaded and the function that does the work (git's
 * `commands[]`, doveadm's parameter tables).  The global usage text and each
 * command's --help are printed from that table, options are read with
 * getopt_long from the command's option table, and one dispatcher loads
 * what the row's flags name (config, rules, templates, database) before
 * the command runs, so no command opens anything itself.
 *
 * A command exits 0 (done), 1 (the work failed: a message, a server, the
 * database) or 2 (usage or configuration).  Errors are one line on stderr
 * naming the file, file:line, or message at fault.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "export.h"
#include "fetch.h"
#include "import.h"
#include "ingest.h"
#include "filter.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "main_p.h"
#include "message.h"
#include "outbox.h"
#include "report.h"
#include "review.h"
#include "schedule.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "view.h"

#define EXIT_WORK  1
#define EXIT_USAGE 2
/* parse_args: --help was printed; the command exits 0 */
#define HELP_SHOWN (-1)

/* The Makefile passes the release (git describe when it can) */
#ifndef REFAGENT_VERSION
#define REFAGENT_VERSION "unknown"
#endif

/*
 * What a command needs before it runs; the dispatcher loads it in this
 * order and stops at the first fault.  A command names at most one of the
 * database flags.
 */
enum {
	NEED_CONFIG = 1 << 0,    /* the config; faults exit 2 */
	NEED_RULES = 1 << 1,     /* the filter rules; faults exit 2 */
	NEED_TEMPLATES = 1 << 2, /* the templates; faults exit 2 */
	NEED_SMTP = 1 << 3,      /* [smtp] server set, else exit 2 */
	/* The database (a fault exits 1): read-write, created and migrated
	 * on first use. */
	NEED_STORE = 1 << 4,
	/* Read-only.  A database not created yet (a new installation) or of
	 * an older schema is first opened read-write once, which creates or
	 * migrates it, so a report on a new installation still prints an
	 * empty report, as it always has ("created and migrated on first
	 * use"); after that the reports never write. */
	STORE_READONLY = 1 << 5,
	STORE_EXISTING = 1 << 6,  /* read-only; the file must exist */
	STORE_IF_EXISTS = 1 << 7, /* read-only when the file exists, else none */
	/* Options end at the first operand: the operands are file names,
	 * and one after a file is a file too. */
	OPTIONS_FIRST = 1 << 8,
};

/* Every option of every command; a command's table lists its own. */
enum opt_id {
	OPT_JSON,
	OPT_QUIET,
	OPT_NO_MAIL,
	OPT_ONCE,
	OPT_STATE,
	OPT_STATUS,
	OPT_REFERRAL,
	OPT_ESCALATED,
	OPT_VARIANT,
	OPT_VALUE,
	OPT_NOTE,
	OPT_DAYS,
	OPT_CSV,
	OPT_DRY_RUN,
	OPT_MAP,
	OPT_DATES,
	OPT_HTML,
	OPT_ALL_BUSINESSES,
	OPT__COUNT
};

struct cmd_option {
	const char *name; /* given as --name */
	enum opt_id id;
	const char *arg; /* the value's name in the help ("S"), NULL: a flag */
	const char *help;
};

/* Options that may be given more than once, every value kept in order
 * (args.repeated); any other keeps its last value. */
static const enum opt_id repeatable[] = {OPT_MAP};

/* clang-format off */
#define OPTION_JSON {"json", OPT_JSON, NULL, "JSON instead of text"}
#define OPTION_CSV  {"csv", OPT_CSV, NULL, "CSV for a spreadsheet instead of text"}
/* clang-format on */

/* A command line read by its command's tables. */
struct args {
	const char *opt[OPT__COUNT]; /* the value, "" for a flag; NULL: not given */
	char **argv;                 /* the operands (the strings are main's) */
	int argc;
	const char **repeated; /* the values of the command's repeatable option */
	size_t nrepeated;
	/* operands and values checked and converted by the command's parse */
	long id;
	long days;
	double value;
	enum status status;
	enum mail_kind kind;
	enum import_dates dates;
};

struct app {
	const char *config_path;
	struct config *cfg;
	struct filter_set *filters;
	struct template_set *templates;
	struct store *st;
};

struct command {
	const char *name;     /* "list", or "GROUP SUB" ("rewards pay") */
	const char *synopsis; /* operands and options after the name */
	/* what it does; the usage prints each line from column 33 */
	const char *summary;
	const struct cmd_option *options; /* ends with a NULL name; may be NULL */
	int min_args, max_args;           /* operands; max_args -1: no limit */
	unsigned flags;
	/* Checks and converts the operands and option values before anything
	 * is loaded: 0, or the usage exit code.  May be NULL. */
	int (*parse)(struct args *args);
	/* The work, with what flags names loaded: an exit code. */
	int (*run)(struct app *a, const struct args *args);
};

static void print_usage(FILE *f);

static int usage(const char *fmt, ...) PRINTF_LIKE(1, 2);

static int usage(const char *fmt, ...)
{
	if (fmt) {
		char msg[512];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		fprintf(stderr, "refagent: %s\n", msg);
	}
	print_usage(stderr);
	return EXIT_USAGE;
}

/* ---- loading what a command needs ---- */

static int load_config(struct app *a)
{
	if (config_load(a->config_path, &a->cfg) != 0)
		return -1;
	schedule_init(a->cfg);
	return 0;
}

static int load_templates(struct app *a)
{
	if (template_load(a->cfg->templates_dir, &a->templates) == 0)
		return 0;
	log_error("%s: the templates have faults (listed above); not starting",
	          a->cfg->templates_dir);
	return -1;
}

static int load_filters(struct app *a)
{
	if (filter_load(a->cfg->filters_dir, &a->filters) == 0)
		return 0;
	log_error("%s: the rules have faults (listed above); not starting", a->cfg->filters_dir);
	return -1;
}

/* store_open, with the error logged when log_it. */
static int try_store(struct app *a, int readonly, int log_it)
{
	struct store_params p = {.database = a->cfg->database,
	                         .business = a->cfg->business,
	                         .readonly = readonly,
	                         .adopt = !a->cfg->business_set};
	char *err = NULL, *pw = NULL;
	int rc = -1;

	if (a->cfg->database_password_file &&
	    config_read_secret(a->cfg->database_password_file, "password", &pw, &err) != 0) {
		if (log_it)
			log_error("%s: [agent] database_password_file: %s", a->cfg->path, err);
		free(err);
		return -1;
	}
	p.password = pw;
	if (store_open(&p, &a->st, &err) == 0)
		rc = 0;
	else if (log_it)
		log_error("%s", err);
	free(err);
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return rc;
}

/* The database as the STORE flags in flags say: 0 or -1 (logged). */
static int open_store(struct app *a, unsigned flags)
{
	struct stat sb;

	if (flags & NEED_STORE)
		return try_store(a, 0, 1);
	if (flags & STORE_EXISTING)
		return try_store(a, 1, 1);
	/* a server's database "exists" when it has the schema */
	if ((flags & STORE_IF_EXISTS) && store_is_server(a->cfg->database)) {
		try_store(a, 1, 0);
		return 0;
	}
	if (flags & STORE_IF_EXISTS)
		return stat(a->cfg->database, &sb) == 0 ? try_store(a, 1, 1) : 0;
	if (!(flags & STORE_READONLY))
		return 0;
	if (try_store(a, 1, 0) == 0)
		return 0;
	/* Missing or of an older schema (any other fault fails read-write
	 * too, with the error the command has always given): create or
	 * migrate it, then read. */
	if (try_store(a, 0, 1) != 0)
		return -1;
	store_close(a->st);
	a->st = NULL;
	return try_store(a, 1, 1);
}

/* Loads what flags names: 0, or the exit code to return. */
static int app_load(struct app *a, unsigned flags)
{
	if ((flags & NEED_CONFIG) && load_config(a) != 0)
		return EXIT_USAGE;
	if ((flags & NEED_RULES) && load_filters(a) != 0)
		return EXIT_USAGE;
	if ((flags & NEED_TEMPLATES) && load_templates(a) != 0)
		return EXIT_USAGE;
	if ((flags & NEED_SMTP) && a->cfg->smtp.server == NULL) {
		log_error("%s: [smtp] server is not set", a->cfg->path);
		return EXIT_USAGE;
	}
	if (open_store(a, flags) != 0)
		return EXIT_WORK;
	return 0;
}

static void app_free(struct app *a)
{
	store_close(a->st);
	filter_free(a->filters);
	template_free(a->templates);
	config_free(a->cfg);
}

/* ---- operands ---- */

/* A number ("12" or "#12") of a what (referral, reward) into *id: 0, or
 * the usage exit code naming cmd. */
static int parse_id(const char *cmd, const char *what, const char *s, long *id)
{
	if (parse_long(s[0] == '#' ? s + 1 : s, 1, LONG_MAX, id) == 0)
		return 0;
	return usage("%s: '%s' is not a %s number", cmd, s, what);
}

/* ---- check ---- */

/* Loads the rules and the templates itself: a check lists the faults of
 * both before it fails. */
static int cmd_check(struct app *a, const struct args *args)
{
	int bad = 0;

	if (filter_load(a->cfg->filters_dir, &a->filters) != 0)
		bad = 1;
	if (template_load(a->cfg->templates_dir, &a->templates) != 0)
		bad = 1;
	if (config_check_secrets(a->cfg) > 0)
		bad = 1;
	if (bad)
		return EXIT_USAGE;
	printf("%s: ok (%zu reps, %zu rules in %s, %d templates in %s)\n", a->cfg->path,
	       a->cfg->nreps, filter_count(a->filters), a->cfg->filters_dir, MAIL_COUNT,
	       a->cfg->templates_dir);
	return 0;
}

/* ---- ingest ---- */

static int cmd_ingest(struct app *a, const struct args *args)
{
	struct ingest_stats stats;
	struct intake in;
	struct timespec t0, t1;
	double secs;

	in = (struct intake){.cfg = a->cfg,
	                     .filters = a->filters,
	                     .st = a->st,
	                     .no_mail = args->opt[OPT_NO_MAIL] != NULL};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ingest_paths(&in, args->argv, (size_t)args->argc, args->opt[OPT_QUIET] != NULL, 0, &stats);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fflush(stdout);
	/* only what was committed counts; the rest is said on its own */
	fprintf(stderr,
	        "refagent: ingested %zu messages in %.2f s: %zu referral, %zu touch, %zu reply, "
	        "%zu held, %zu review, %zu ignored, %zu duplicate, %zu error\n",
	        stats.count, secs, stats.by_outcome[INTAKE_REFERRAL],
	        stats.by_outcome[INTAKE_TOUCH], stats.by_outcome[INTAKE_REPLY],
	        stats.by_outcome[INTAKE_HELD], stats.by_outcome[INTAKE_REVIEW],
	        stats.by_outcome[INTAKE_IGNORED], stats.by_outcome[INTAKE_DUPLICATE],
	        stats.by_outcome[INTAKE_ERROR]);
	if (stats.not_committed)
		fprintf(stderr,
		        "refagent: %zu messages not committed: processed again by the next run\n",
		        stats.not_committed);
	if (stats.files_failed && stats.files_left)
		fprintf(stderr,
		        "refagent: %zu files could not be written, %zu files not processed\n",
		        stats.files_failed, stats.files_left);
	else if (stats.files_failed)
		fprintf(stderr, "refagent: %zu files could not be written\n", stats.files_failed);
	if (stats.skipped)
		fprintf(stderr, "refagent: %zu folder entries skipped: not regular files\n",
		        stats.skipped);
	return stats.store_failed || stats.failed ? EXIT_WORK : 0;
}

/* ---- poll, run ---- */

static volatile sig_atomic_t stop_flag;
static int wake_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	stop_flag = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

static int parse_poll(struct args *args)
{
	if (args->opt[OPT_ONCE] == NULL)
		return usage("poll takes --once (use run to keep polling)");
	return 0;
}

static int cmd_poll(struct app *a, const struct args *args)
{
	struct fetch_stats stats = {0};
	struct intake in;
	int rc;

	in = (struct intake){.cfg = a->cfg, .filters = a->filters, .st = a->st};
	rc = fetch_once(&in, &stats);
	fprintf(stderr,
	        "refagent: polled %zu messages: %zu referral, %zu touch, %zu reply, %zu held, "
	        "%zu review, %zu ignored, %zu duplicate, %zu error\n",
	        stats.seen, stats.by_outcome[INTAKE_REFERRAL], stats.by_outcome[INTAKE_TOUCH],
	        stats.by_outcome[INTAKE_REPLY], stats.by_outcome[INTAKE_HELD],
	        stats.by_outcome[INTAKE_REVIEW], stats.by_outcome[INTAKE_IGNORED],
	        stats.by_outcome[INTAKE_DUPLICATE], stats.by_outcome[INTAKE_ERROR]);
	return rc == 0 ? 0 : EXIT_WORK;
}

static volatile sig_atomic_t reload_flag;

static void on_hup(int sig)
{
	int saved = errno;

	(void)sig;
	reload_flag = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "h", 1) < 0) {
		/* the flag is set */
	}
	errno = saved;
}

static int cmd_run(struct app *a, const struct args *args)
{
	struct sigaction sa = {0};
	struct daemon d;
	int rc;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal("pipe: %s", strerror(errno));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_set_timestamps(1);
	d = (struct daemon){.cfg = a->cfg,
	                    .st = a->st,
	                    .filters = &a->filters,
	                    .templates = &a->templates,
	                    .stop = &stop_flag,
	                    .reload = &reload_flag,
	                    .wake_fd = wake_pipe[0]};
	rc = daemon_run(&d);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return rc == 0 ? 0 : EXIT_WORK;
}

/* ---- send, outbox, templates ---- */

static int cmd_send(struct app *a, const struct args *args)
{
	struct outbox_stats stats = {0};
	struct outbox *ob = NULL;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* referrals nobody touched for expire_days first: their mail must
	 * not go out; then what waits for the admin's review, the digests and
	 * the weekly summary that are due */
	{
		int expired = 0, made = 0;

		int reviewed = 0;

		if (store_begin(a->st) != 0 ||
		    lifecycle_expire(a->st, a->cfg, clock_now(), &expired) != 0 ||
		    review_schedule(a->st, a->cfg, clock_now(), &reviewed) != 0 ||
		    schedule_periodic(a->st, a->cfg, clock_now(), &made) != 0 ||
		    store_commit(a->st) != 0) {
			log_error("%s", store_error(a->st));
			store_rollback(a->st);
			return EXIT_WORK;
		}
		if (expired)
			log_info("%d referral%s expired (no activity for %d days)", expired,
			         expired == 1 ? "" : "s", a->cfg->expire_days);
		if (reviewed)
			log_info("%d item%s for the admin's review", reviewed,
			         reviewed == 1 ? "" : "s");
		if (made)
			log_info("%d digest and summary mail%s made", made, made == 1 ? "" : "s");
	}
	outbox_open(a->cfg, a->st, a->templates, &ob);
	rc = outbox_send_due(ob, NULL, &stats);
	outbox_close(ob);
	fprintf(stderr,
	        "refagent: sent %d, retrying later %d, failed %d, cancelled %d, postponed %d\n",
	        stats.sent, stats.retry, stats.failed, stats.cancelled, stats.postponed);
	return rc == 0 && stats.retry == 0 && stats.failed == 0 ? 0 : EXIT_WORK;
}

static int outbox_row(const struct job_view *v, void *arg)
{
	view_outbox_row(arg, v);
	return 0;
}

static int cmd_outbox(struct app *a, const struct args *args)
{
	struct view_rows r;

	/* a row at a time: the outbox of a busy year is millions of jobs */
	view_rows_start(&r, stdout, args->opt[OPT_JSON] != NULL);
	if (store_jobs_each(a->st, args->opt[OPT_STATE], outbox_row, &r) != 0) {
		fflush(stdout);
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_outbox_end(&r);
	return 0;
}

/* A message as it would go out, with the line ends of this terminal. */
static void print_message(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] != '\r')
			putchar(data[i]);
}

static int parse_outbox_show(struct args *args)
{
	return parse_id("outbox show", "job", args->argv[0], &args->id);
}

/* The message job ID sends (or sent), built as `send` would build it now:
 * its own recipient, note, Message-ID and thread; nothing is sent. */
static int cmd_outbox_show(struct app *a, const struct args *args)
{
	struct job_view j = {0};
	struct outbox *ob = NULL;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int rc = store_job_get(a->st, args->id, &j);

	if (rc <= 0) {
		if (rc < 0)
			log_error("%s", store_error(a->st));
		else
			log_error("outbox show: no job %ld", args->id);
		return EXIT_WORK;
	}
	outbox_open(a->cfg, a->st, a->templates, &ob);
	rc = outbox_render(ob, &j, &data, &len, &err);
	outbox_close(ob);
	store_job_view_clear(&j);
	if (rc != 0) {
		log_error("job %ld: %s", args->id, err);
		free(err);
		return EXIT_WORK;
	}
	print_message(data, len);
	free(data);
	return 0;
}

static int parse_templates_render(struct args *args)
{
	const char *ref = args->opt[OPT_REFERRAL];
	int rc;

	if (ref && (rc = parse_id("templates render", "referral", ref, &args->id)) != 0)
		return rc;
	if (ref == NULL)
		return usage("templates render needs --referral ID");
	if (!mail_parse(args->argv[0], &args->kind))
		return usage("templates render: no mail is called '%s'", args->argv[0]);
	return 0;
}

static int cmd_templates_render(struct app *a, const struct args *args)
{
	struct outbox *ob = NULL;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int rc;

	outbox_open(a->cfg, a->st, a->templates, &ob);
	rc = outbox_preview(ob, args->kind, args->id, args->opt[OPT_ESCALATED] != NULL,
	                    args->opt[OPT_VARIANT], &data, &len, &err);
	outbox_close(ob);
	if (rc != 0) {
		log_error("%s", err);
		free(err);
		return EXIT_WORK;
	}
	print_message(data, len);
	free(data);
	return 0;
}

/* ---- list, show ---- */

/* --json or --csv, not both: list, rewards, report. */
static int parse_format(const char *cmd, const struct args *args)
{
	if (args->opt[OPT_JSON] && args->opt[OPT_CSV])
		return usage("%s: --json or --csv, not both", cmd);
	return 0;
}

static int parse_list(struct args *args)
{
	return parse_format("list", args);
}

static int parse_rewards(struct args *args)
{
	return parse_format("rewards", args);
}

static int list_row(const struct referral_view *v, void *arg)
{
	view_list_row(arg, v);
	return 0;
}

static int list_csv_row(const struct referral_view *v, void *arg)
{
	export_referral_row(arg, v);
	return 0;
}

static int cmd_list(struct app *a, const struct args *args)
{
	struct view_rows r;
	int rc;

	/* a row at a time: a million referrals in the memory of one */
	if (args->opt[OPT_CSV]) {
		export_referrals_header(stdout);
		rc = store_referral_each(a->st, args->opt[OPT_STATUS], list_csv_row, stdout);
	} else {
		view_rows_start(&r, stdout, args->opt[OPT_JSON] != NULL);
		rc = store_referral_each(a->st, args->opt[OPT_STATUS], list_row, &r);
		if (rc == 0)
			view_list_end(&r);
	}
	if (rc != 0) {
		fflush(stdout);
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	return 0;
}

/* The first operand is a referral number: show, status, credit. */
static int parse_referral(const char *cmd, struct args *args)
{
	return parse_id(cmd, "referral", args->argv[0], &args->id);
}

static int parse_show(struct args *args)
{
	return parse_referral("show", args);
}

static int cmd_show(struct app *a, const struct args *args)
{
	struct referral_view v = {0};
	struct event_view *ev = NULL;
	size_t nev = 0;
	int rc;

	rc = store_referral_get(a->st, args->id, &v, &ev, &nev);
	if (rc < 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	if (rc == 0) {
		log_error("no referral %ld in %s", args->id, a->cfg->database);
		return EXIT_WORK;
	}
	view_show(stdout, &v, ev, nev, args->opt[OPT_JSON] != NULL);
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);
	return 0;
}

/* ---- status, credit, rewards, report ---- */

/* Commits when rc_of_fn is 0 and rolls back otherwise: 0 done, or
 * EXIT_WORK with why (1: refused) or the store's error (-1) logged. */
static int in_transaction(struct app *a, int rc_of_fn, char *why)
{
	if (rc_of_fn == 0 && store_commit(a->st) == 0)
		return 0;
	store_rollback(a->st);
	if (rc_of_fn == 1) {
		log_error("%s", why ? why : "refused");
		free(why);
		return EXIT_WORK;
	}
	log_error("%s", store_error(a->st));
	free(why);
	return EXIT_WORK;
}

static int parse_status(struct args *args)
{
	const char *v = args->opt[OPT_VALUE];
	char *why = NULL;
	int rc;

	if ((rc = parse_referral("status", args)) != 0)
		return rc;
	if (lifecycle_status_arg(args->argv[1], &args->status, &why) != 0) {
		rc = usage("status: %s", why);
		free(why);
		return rc;
	}
	/* read as a #won line's amount is: "12.000" is twelve thousand */
	if (v && import_value(v, &args->value) != 0)
		return usage("status: '%s' is not an amount", v);
	return 0;
}

static int cmd_status(struct app *a, const struct args *args)
{
	struct status_change change = {0};
	int64_t standing = 0;
	char *why = NULL;
	int rc;

	if (store_begin(a->st) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	change.id = args->id;
	change.status = args->status;
	change.has_value = args->opt[OPT_VALUE] != NULL;
	change.value = args->value;
	change.note = args->opt[OPT_NOTE];
	change.actor = "cli";
	change.now = clock_now();
	change.standing_r = &standing;
	rc = lifecycle_set_status(a->st, a->cfg, &change, &why);
	rc = in_transaction(a, rc, why);
	if (rc == 0 && standing)
		printf("referral %ld: %s: its lead already has referral %lld, where it is recorded "
		       "as a second introduction\n",
		       args->id, status_name(STATUS_REJECTED), (long long)standing);
	else if (rc == 0)
		printf("referral %ld: %s\n", args->id, status_name(change.status));
	return rc;
}

static int parse_credit(struct args *args)
{
	int rc;

	if ((rc = parse_referral("credit", args)) != 0)
		return rc;
	if (strchr(args->argv[1], '@') == NULL)
		return usage("credit: '%s' is not an address", args->argv[1]);
	return 0;
}

static int cmd_credit(struct app *a, const struct args *args)
{
	char *why = NULL, *email;
	int rc;

	if (store_begin(a->st) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	email = str_lower(xstrdup(args->argv[1]));
	rc = lifecycle_credit(a->st, a->cfg, args->id, email, "cli", clock_now(), &why);
	rc = in_transaction(a, rc, why);
	if (rc == 0)
		printf("referral %ld: credited to %s\n", args->id, email);
	free(email);
	return rc;
}

static int cmd_rewards(struct app *a, const struct args *args)
{
	struct reward_view *v = NULL;
	size_t n = 0;

	if (store_rewards_list(a->st, &v, &n) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	if (args->opt[OPT_CSV])
		export_rewards(stdout, v, n, a->cfg);
	else
		view_rewards(stdout, v, n, a->cfg, args->opt[OPT_JSON] != NULL);
	store_reward_views_free(v, n);
	return 0;
}

static int parse_rewards_pay(struct args *args)
{
	return parse_id("rewards pay", "reward", args->argv[0], &args->id);
}

static int cmd_rewards_pay(struct app *a, const struct args *args)
{
	char *why = NULL;
	int rc;

	if (store_begin(a->st) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	rc = lifecycle_reward_paid(a->st, a->cfg, args->id, "cli", clock_now(), &why);
	rc = in_transaction(a, rc, why);
	if (rc == 0)
		printf("reward %ld: paid\n", args->id);
	return rc;
}

static int parse_report(struct args *args)
{
	const char *d = args->opt[OPT_DAYS], *html = args->opt[OPT_HTML];

	args->days = 365;
	if (d && parse_long(d, 1, 36500, &args->days) != 0)
		return usage("report: '%s' is not a number of days", d);
	if (html && *html == '\0')
		return usage("report: --html needs a file name");
	if (html && strcmp(html, "-") == 0 && args->opt[OPT_JSON])
		return usage("report: --html - and --json both want stdout");
	if (args->opt[OPT_ALL_BUSINESSES] && (html || args->opt[OPT_CSV]))
		return usage("report: --all-businesses is text or --json");
	return parse_format("report", args);
}

/* The page into path, whole or not at all: written beside it, then
 * renamed over it.  0, or -1 logged. */
static int write_page(const struct report *r, const struct config *cfg, int days, const char *path)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	int rc = -1;

	if (f == NULL) {
		log_error("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (report_write_html(f, r, cfg, days) != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
		log_error("%s: %s", tmp, strerror(errno));
	else
		rc = 0;
	if (fclose(f) != 0 && rc == 0) {
		log_error("%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		log_error("%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int cmd_report(struct app *a, const struct args *args)
{
	const char *html = args->opt[OPT_HTML];
	int64_t now = clock_now();
	struct report r;
	int rc = 0;

	if (args->opt[OPT_ALL_BUSINESSES]) {
		struct report_business *v = NULL;
		size_t n = 0;

		if (report_businesses(a->st, a->cfg, now - (int64_t)args->days * 86400, now, &v,
		                      &n) != 0) {
			log_error("%s", store_error(a->st));
			return EXIT_WORK;
		}
		view_businesses(stdout, v, n, a->cfg, (int)args->days, args->opt[OPT_JSON] != NULL);
		report_businesses_free(v, n);
		return 0;
	}
	if (report_compute(a->st, a->cfg, now - (int64_t)args->days * 86400, now, &r) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	if (args->opt[OPT_CSV]) {
		export_report(stdout, &r, a->cfg, (int)args->days);
	} else if (html && strcmp(html, "-") == 0) {
		if (report_write_html(stdout, &r, a->cfg, (int)args->days) != 0 ||
		    fflush(stdout) != 0)
			rc = EXIT_WORK;
	} else {
		view_report(stdout, &r, a->cfg, (int)args->days, args->opt[OPT_JSON] != NULL);
		if (html && write_page(&r, a->cfg, (int)args->days, html) != 0)
			rc = EXIT_WORK;
	}
	report_clear(&r);
	return rc;
}

/* ---- import ---- */

static int parse_import(struct args *args)
{
	const char *d = args->opt[OPT_DATES];

	args->dates = DATES_AUTO;
	if (d && strcmp(d, "day-first") == 0)
		args->dates = DATES_DAY_FIRST;
	else if (d && strcmp(d, "month-first") == 0)
		args->dates = DATES_MONTH_FIRST;
	else if (d)
		return usage("import: --dates '%s': give day-first or month-first", d);
	for (size_t i = 0; i < args->nrepeated; i++) {
		const char *eq = strrchr(args->repeated[i], '=');
		enum import_field f;

		if (eq == NULL || eq == args->repeated[i] || !import_field_parse(eq + 1, &f))
			return usage("import: --map '%s': give COLUMN=FIELD, FIELD one of %s",
			             args->repeated[i], import_field_list());
	}
	return 0;
}

static int cmd_import(struct app *a, const struct args *args)
{
	struct import_opts o = {.path = args->argv[0],
	                        .dry_run = args->opt[OPT_DRY_RUN] != NULL,
	                        .quiet = args->opt[OPT_QUIET] != NULL,
	                        .dates = args->dates,
	                        .maps = args->repeated,
	                        .nmaps = args->nrepeated};
	struct import_stats s;

	if (import_file(a->cfg, a->st, &o, &s) != 0)
		return EXIT_WORK;
	fflush(stdout);
	fprintf(stderr, "refagent: %s %s: %zu row%s: %zu %s, %zu already there, %zu skipped%s\n",
	        o.dry_run ? "dry run of" : "imported", o.path, s.rows, s.rows == 1 ? "" : "s",
	        s.added, o.dry_run ? "would be added" : "added", s.existing, s.skipped,
	        o.dry_run ? " (nothing was written)" : "");
	return s.skipped ? EXIT_WORK : 0;
}

/* ---- people's data: forget, export-person ---- */

static int parse_email(const char *cmd, struct args *args)
{
	if (strchr(args->argv[0], '@') == NULL)
		return usage("%s: '%s' is not an address", cmd, args->argv[0]);
	return 0;
}

static int parse_forget(struct args *args)
{
	return parse_email("forget", args);
}

static int parse_export_person(struct args *args)
{
	return parse_email("export-person", args);
}

static int cmd_forget(struct app *a, const struct args *args)
{
	const char *email = args->argv[0];
	struct forget_counts c;
	int rc;

	/* secure_delete first: it cannot change inside a transaction */
	if (store_secure_delete(a->st, 1) != 0 || store_begin(a->st) != 0 ||
	    store_person_forget(a->st, email, clock_now(), &c) != 0 || store_commit(a->st) != 0) {
		log_error("%s", store_error(a->st));
		store_rollback(a->st);
		return EXIT_WORK;
	}
	rc = store_compact(a->st);
	if (rc < 0) {
		log_error("%s: the records are erased, but the file may still hold them: %s",
		          a->cfg->database, store_error(a->st));
		return EXIT_WORK;
	}
	if (c.people + c.referrals + c.messages + c.jobs + c.scrubbed == 0)
		printf("nothing was held about %s\n", email);
	else
		printf("forgot %s: %d person, %d referrals, %d messages, %d pending mails "
		       "cancelled, %d other mentions replaced%s\n",
		       email, c.people, c.referrals, c.messages, c.jobs, c.scrubbed,
		       c.optout ? "; their opt-out is kept as a hash" : "");
	if (rc > 0) {
		log_error("%s: another process is reading the database, so its write-ahead log "
		          "still holds the old pages: run forget again when it is done (or with "
		          "`refagent run` stopped)",
		          a->cfg->database);
		return EXIT_WORK;
	}
	return 0;
}

static int cmd_export_person(struct app *a, const struct args *args)
{
	struct person_export x;

	if (store_person_export(a->st, args->argv[0], &x) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_person(stdout, args->argv[0], &x, a->cfg);
	store_person_export_clear(&x);
	return 0;
}

/* ---- filters test ---- */

/* History (duplicates, threads, open referrals) comes from the database
 * when there is one, opened read-only (STORE_IF_EXISTS). */
static int cmd_filters_test(struct app *a, const struct args *args)
{
	return main_filters_test(a->cfg, a->filters, a->st, args->argv[0]) == 0 ? 0 : EXIT_WORK;
}

/* ---- the commands ---- */

static const struct cmd_option ingest_options[] = {
        {"quiet", OPT_QUIET, NULL, "no line per message, only the summary"},
        {"no-mail", OPT_NO_MAIL, NULL, "record the messages without scheduling any mail"},
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option poll_options[] = {
        {"once", OPT_ONCE, NULL, "fetch once and exit (required)"},
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option outbox_options[] = {
        {"state", OPT_STATE, "S", "only the jobs in state S (pending, sent, ...)"},
        OPTION_JSON,
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option render_options[] = {
        {"referral", OPT_REFERRAL, "ID", "the referral the message is about (required)"},
        {"escalated", OPT_ESCALATED, NULL, "as the escalated reminder to the rep"},
        {"variant", OPT_VARIANT, "V",
         "as made by an event: contacted, won, lost, summary, credit-kept, credit-moved "
         "(update-referrer), second-referrer (thank-referrer), reward (reward-referrer), "
         "optout, bounce (notify-rep)"},
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option list_options[] = {
        {"status", OPT_STATUS, "S", "only the referrals in status S"},
        OPTION_JSON,
        OPTION_CSV,
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option rewards_options[] = {
        OPTION_JSON,
        OPTION_CSV,
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option import_options[] = {
        {"dry-run", OPT_DRY_RUN, NULL, "print what each row would become; write nothing"},
        {"map", OPT_MAP, "COLUMN=FIELD",
         "read COLUMN (a header or a letter) as FIELD; again for more"},
        {"dates", OPT_DATES, "ORDER", "day-first or month-first, for dates like 02/03/2026"},
        {"quiet", OPT_QUIET, NULL, "no line per row, only the summary"},
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option json_options[] = {
        OPTION_JSON,
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option status_options[] = {
        {"value", OPT_VALUE, "N", "the deal's value (with won)"},
        {"note", OPT_NOTE, "TEXT", "a note kept with the change"},
        {NULL, 0, NULL, NULL},
};
static const struct cmd_option report_options[] = {
        {"days", OPT_DAYS, "N", "the referrals of the last N days (default 365)"},
        {"all-businesses", OPT_ALL_BUSINESSES, NULL,
         "every business of the database, a line each, and the totals"},
        OPTION_JSON,
        OPTION_CSV,
        {"html", OPT_HTML, "FILE",
         "also write the report as a page with charts to FILE (-: to stdout, instead "
         "of the text)"},
        {NULL, 0, NULL, NULL},
};

/* In the order of the usage text. */
static const struct command commands[] = {
        {.name = "check",
         .synopsis = "",
         .summary = "check the config and the filter rules",
         .flags = NEED_CONFIG,
         .run = cmd_check},
        {.name = "ingest",
         .synopsis = "[--quiet] [--no-mail] PATH...",
         .summary = "process messages from files: .eml, mbox, a\n"
                    "Maildir or a folder of files; - reads stdin;\n"
                    "--no-mail records without scheduling mail",
         .options = ingest_options,
         .min_args = 1,
         .max_args = -1,
         .flags = NEED_CONFIG | NEED_RULES | NEED_STORE | OPTIONS_FIRST,
         .run = cmd_ingest},
        {.name = "poll",
         .synopsis = "--once",
         .summary = "fetch and process new mail once",
         .options = poll_options,
         .flags = NEED_CONFIG | NEED_RULES | NEED_STORE,
         .parse = parse_poll,
         .run = cmd_poll},
        {.name = "run",
         .synopsis = "",
         .summary = "fetch mail (IDLE or poll) and send due mail\n"
                    "until SIGTERM; SIGHUP reloads rules and templates",
         .flags = NEED_CONFIG | NEED_RULES | NEED_TEMPLATES | NEED_STORE,
         .run = cmd_run},
        {.name = "send",
         .synopsis = "",
         .summary = "send the mail that is due now, then exit",
         .flags = NEED_CONFIG | NEED_TEMPLATES | NEED_SMTP | NEED_STORE,
         .run = cmd_send},
        {.name = "outbox",
         .synopsis = "[--state S] [--json]",
         .summary = "mail the agent will send and has sent",
         .options = outbox_options,
         .flags = NEED_CONFIG | STORE_READONLY,
         .run = cmd_outbox},
        {.name = "outbox show",
         .synopsis = "JOB",
         .summary = "the complete message job JOB sends (or sent), as send\n"
                    "would build it now; nothing is sent",
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_TEMPLATES | STORE_EXISTING,
         .parse = parse_outbox_show,
         .run = cmd_outbox_show},
        {.name = "templates render",
         .synopsis = "NAME --referral ID [--escalated] [--variant V]",
         .summary = "the complete message NAME would send now",
         .options = render_options,
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_TEMPLATES | STORE_EXISTING,
         .parse = parse_templates_render,
         .run = cmd_templates_render},
        {.name = "list",
         .synopsis = "[--status S] [--json | --csv]",
         .summary = "referrals",
         .options = list_options,
         .flags = NEED_CONFIG | STORE_READONLY,
         .parse = parse_list,
         .run = cmd_list},
        {.name = "show",
         .synopsis = "ID [--json]",
         .summary = "one referral with its history",
         .options = json_options,
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | STORE_READONLY,
         .parse = parse_show,
         .run = cmd_show},
        {.name = "status",
         .synopsis = "ID STATUS [--value N] [--note TEXT]",
         .summary = "change a referral's status (as a rep's #status)",
         .options = status_options,
         .min_args = 2,
         .max_args = 2,
         .flags = NEED_CONFIG | NEED_STORE,
         .parse = parse_status,
         .run = cmd_status},
        {.name = "credit",
         .synopsis = "ID EMAIL",
         .summary = "credit the referral to another referrer",
         .min_args = 2,
         .max_args = 2,
         .flags = NEED_CONFIG | NEED_STORE,
         .parse = parse_credit,
         .run = cmd_credit},
        {.name = "rewards",
         .synopsis = "[--json | --csv]",
         .summary = "the reward ledger",
         .options = rewards_options,
         .flags = NEED_CONFIG | STORE_READONLY,
         .parse = parse_rewards,
         .run = cmd_rewards},
        {.name = "rewards pay",
         .synopsis = "ID",
         .summary = "mark a reward paid; the referrer is thanked",
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_STORE,
         .parse = parse_rewards_pay,
         .run = cmd_rewards_pay},
        {.name = "report",
         .synopsis = "[--days N] [--json | --csv] [--html FILE] [--all-businesses]",
         .summary = "conversion, time to first contact, per rep,\n"
                    "per month, top referrers, rewards (default\n"
                    "365 days); --html FILE: a page with charts;\n"
                    "--all-businesses: every business of the database",
         .options = report_options,
         .flags = NEED_CONFIG | STORE_READONLY,
         .parse = parse_report,
         .run = cmd_report},
        {.name = "import",
         .synopsis = "FILE [--dry-run] [--map COLUMN=FIELD]... [--dates ORDER] [--quiet]",
         .summary = "referrals from a spreadsheet (CSV) as history:\n"
                    "no mail; a second import adds nothing",
         .options = import_options,
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_STORE,
         .parse = parse_import,
         .run = cmd_import},
        {.name = "forget",
         .synopsis = "EMAIL",
         .summary = "erase a person: name, address, phone, the text\n"
                    "of their mail; the counts stay",
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_STORE,
         .parse = parse_forget,
         .run = cmd_forget},
        {.name = "export-person",
         .synopsis = "EMAIL",
         .summary = "all that is held about a person, as JSON",
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | STORE_READONLY,
         .parse = parse_export_person,
         .run = cmd_export_person},
        {.name = "filters test",
         .synopsis = "FILE",
         .summary = "what the rules and intake make of a message;\n"
                    "writes nothing",
         .min_args = 1,
         .max_args = 1,
         .flags = NEED_CONFIG | NEED_RULES | STORE_IF_EXISTS,
         .run = cmd_filters_test},
};

/* ---- usage and help, from the table ---- */

/* The summary's lines, each after indent spaces; the first after first
 * (already printed) instead when first is non-zero. */
static void print_summary(FILE *f, const char *summary, int indent, int first)
{
	for (const char *p = summary; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "%*s%.*s\n", first ? 0 : indent, "", (int)n, p);
		first = 0;
		p += n + (p[n] == '\n');
	}
}

/* "name synopsis" into out. */
static const char *command_line(const struct command *c, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", c->name, c->synopsis[0] ? " " : "", c->synopsis);
	return out;
}

static void print_usage(FILE *f)
{
	char line[128];

	fputs("usage: refagent [-c FILE] [-v] [-q] COMMAND [ARGS]\n"
	      "       refagent -V | --version\n"
	      "\n"
	      "commands:\n",
	      f);
	/* the summary in column 33, below the command when that is longer */
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		int len = (int)strlen(command_line(&commands[i], line, sizeof(line)));

		if (len < 30)
			fprintf(f, "  %-29s ", line);
		else
			fprintf(f, "  %s\n", line);
		print_summary(f, commands[i].summary, 32, len < 30);
	}
	fputs("\n"
	      "options:\n"
	      "  -c FILE   config file (default: $REFAGENT_CONFIG, else ./refagent.conf)\n"
	      "  -v        more detail on stderr;  -q  errors only\n"
	      "  -V        the version (also --version);  -h  this text (also --help)\n",
	      f);
}

/* A command's --help, on stdout. */
static void print_help(const struct command *c)
{
	char line[128];

	printf("usage: refagent %s\n\n", command_line(c, line, sizeof(line)));
	print_summary(stdout, c->summary, 0, 0);
	printf("\noptions:\n");
	for (const struct cmd_option *o = c->options; o && o->name; o++) {
		snprintf(line, sizeof(line), "--%s%s%s", o->name, o->arg ? " " : "",
		         o->arg ? o->arg : "");
		printf("  %-14s %s\n", line, o->help);
	}
	printf("  %-14s %s\n", "-h, --help", "this help");
	printf("\nglobal options, before the command: -c FILE, -v, -q (see refagent --help)\n");
}

/* ---- the dispatcher ---- */

/* getopt_long's value for an option: past every character getopt uses. */
#define OPT_VAL(id) (256 + (int)(id))

static const char *option_name(const struct command *c, int val)
{
	for (const struct cmd_option *o = c->options; o && o->name; o++)
		if (OPT_VAL(o->id) == val)
			return o->name;
	return "help";
}

/* Non-zero when the option getopt_long returned as val may repeat. */
static int option_repeats(int val)
{
	for (size_t i = 0; i < ARRAY_SIZE(repeatable); i++)
		if (OPT_VAL(repeatable[i]) == val)
			return 1;
	return 0;
}

/* The error getopt_long reported as opt ('?' or ':'), named after glibc's
 * optopt: 0 for an unknown long option (the last one read), the option's
 * value for a known one given without or with a needless value, the
 * letter for a short one.  Returns the usage exit code. */
static int option_error(const struct command *c, int opt, char **argv)
{
	if (optopt >= OPT_VAL(0) || optopt == 'h')
		return usage(opt == ':' ? "%s: --%s needs a value" : "%s: --%s takes no value",
		             c->name, option_name(c, optopt));
	if (optopt)
		return usage("%s: unknown option '-%c'", c->name, optopt);
	return usage("%s: unknown option '%s'", c->name, argv[optind - 1]);
}

/* Reads argv (argv[0] the command's last word) by c's option table into
 * args, whose operand array the caller frees.  Returns 0, HELP_SHOWN, or
 * the usage exit code. */
static int parse_args(const struct command *c, int argc, char **argv, struct args *args)
{
	struct option longopts[OPT__COUNT + 2];
	size_t n = 0;
	int opt;

	for (const struct cmd_option *o = c->options; o && o->name; o++)
		longopts[n++] = (struct option){o->name, o->arg ? required_argument : no_argument,
		                                NULL, OPT_VAL(o->id)};
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	args->argv = xcalloc((size_t)argc, sizeof(*args->argv));
	args->repeated = xcalloc((size_t)argc, sizeof(*args->repeated));
	/* "-": operands come back in order as 1, wherever they stand and
	 * whatever POSIXLY_CORRECT says; "+": the first one ends the
	 * options.  ':' reports a missing value apart.  optind 0 restarts
	 * glibc's scan on this new argv. */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, c->flags & OPTIONS_FIRST ? "+:h" : "-:h", longopts,
	                          NULL)) != -1) {
		if (opt == 1) {
			args->argv[args->argc++] = optarg;
		} else if (opt == 'h') {
			print_help(c);
			return HELP_SHOWN;
		} else if (opt >= OPT_VAL(0)) {
			args->opt[opt - OPT_VAL(0)] = optarg ? optarg : "";
			if (option_repeats(opt))
				args->repeated[args->nrepeated++] = optarg;
		} else {
			return option_error(c, opt, argv);
		}
	}
	while (optind < argc)
		args->argv[args->argc++] = argv[optind++];
	if (args->argc < c->min_args)
		return usage("usage: %s %s", c->name, c->synopsis);
	if (c->max_args == 0 && args->argc > 0)
		return usage("%s takes no arguments", c->name);
	if (c->max_args > 0 && args->argc > c->max_args)
		return usage("%s: unexpected '%s'", c->name, args->argv[c->max_args]);
	return 0;
}

/* The row argv names ("rewards", "rewards pay"), with *words set to the
 * words its name took; NULL when none. */
static const struct command *find_command(int argc, char **argv, int *words)
{
	const struct command *found = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *name = commands[i].name;
		size_t n = strcspn(name, " ");

		if (strncmp(argv[0], name, n) != 0 || argv[0][n] != '\0')
			continue;
		if (name[n] == '\0' && found == NULL) {
			found = &commands[i];
			*words = 1;
		} else if (name[n] == ' ' && argc > 1 && strcmp(argv[1], name + n + 1) == 0) {
			*words = 2;
			return &commands[i];
		}
	}
	return found;
}

/* argv[0] names a group of sub-commands ("filters") but no sub-command of
 * it: their help for --help, else the usage error.  -1 when argv[0] is no
 * group. */
static int group_usage(int argc, char **argv)
{
	int help = argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
	struct buf b = {0};
	char line[128];
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *name = commands[i].name;
		size_t n = strlen(argv[0]);

		if (strncmp(name, argv[0], n) != 0 || name[n] != ' ')
			continue;
		if (help)
			print_help(&commands[i]);
		else
			buf_printf(&b, "%s%s", b.len ? " | " : "",
			           command_line(&commands[i], line, sizeof(line)));
	}
	if (b.len == 0 && !help)
		return -1;
	rc = help ? 0 : usage("usage: %s", b.s);
	buf_free(&b);
	return rc;
}

/* Runs command c on its argv: reads the options and operands, loads what
 * its flags name, does the work.  Returns the exit code. */
static int command_run(struct app *a, const struct command *c, int argc, char **argv)
{
	struct args args = {0};
	int rc;

	rc = parse_args(c, argc, argv, &args);
	if (rc == 0 && c->parse)
		rc = c->parse(&args);
	if (rc == 0) {
		message_init();
		rc = app_load(a, c->flags);
		if (rc == 0)
			rc = c->run(a, &args);
		app_free(a);
		message_shutdown();
	}
	free(args.argv);
	free(args.repeated);
	return rc == HELP_SHOWN ? 0 : rc;
}

static const struct option long_options[] = {
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	const struct command *c;
	struct app a = {0};
	int opt, words = 0, rc;

#ifdef M_TRIM_THRESHOLD
	/* glibc hands memory back to the kernel whenever 128 kB are free at
	 * the top of a heap.  PCRE2's JIT compiler frees its scratch buffer
	 * after each rule, so loading the rules made some 900 brk calls (each
	 * a TLB flush) and took a third of the start-up time of ingest, poll
	 * and run; with 16 MB of slack it makes 16.  (This also fixes the
	 * mmap threshold at its default of 128 kB.) */
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
	a.config_path = config_default_path();
	while ((opt = getopt_long(argc, argv, "+c:vqhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a.config_path = optarg;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'q':
			log_set_level(LOG_ERROR);
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'V':
			printf("refagent %s\n", REFAGENT_VERSION);
			return 0;
		default:
			return usage(NULL);
		}
	}
	if (optind >= argc)
		return usage("no command given");
	argc -= optind;
	argv += optind;
	c = find_command(argc, argv, &words);
	if (c)
		return command_run(&a, c, argc - (words - 1), argv + (words - 1));
	if ((rc = group_usage(argc, argv)) >= 0)
		return rc;
	return usage("unknown command '%s'", argv[0]);
}
