/*
 * main.c - the refagent command line.
 *
 * Each command loads what it needs (config, rules, store), does one job and
 * exits 0 (done), 1 (the work failed: a message, a server, the database)
 * or 2 (usage or configuration).  Errors are one line on stderr naming the
 * file, file:line, or message at fault.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "fetch.h"
#include "ingest.h"
#include "filter.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "schedule.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "view.h"

#define EXIT_WORK  1
#define EXIT_USAGE 2

static const char usage_text[] =
        "usage: refagent [-c FILE] [-v] [-q] COMMAND [ARGS]\n"
        "\n"
        "commands:\n"
        "  check                         check the config and the filter rules\n"
        "  ingest [--quiet] [--no-mail] PATH...\n"
        "                                process messages from files: .eml, mbox, a\n"
        "                                Maildir or a folder of files; - reads stdin;\n"
        "                                --no-mail records without scheduling mail\n"
        "  poll --once                   fetch and process new mail once\n"
        "  run                           fetch mail (IDLE or poll) and send due mail\n"
        "                                until SIGTERM; SIGHUP reloads rules and templates\n"
        "  send                          send the mail that is due now, then exit\n"
        "  outbox [--state S] [--json]   mail the agent will send and has sent\n"
        "  templates render NAME --referral ID [--escalated]\n"
        "                                the complete message NAME would send now\n"
        "  list [--status S] [--json]    referrals\n"
        "  show ID [--json]              one referral with its history\n"
        "  status ID STATUS [--value N] [--note TEXT]\n"
        "                                change a referral's status (as a rep's #status)\n"
        "  credit ID EMAIL               credit the referral to another referrer\n"
        "  rewards [--json]              the reward ledger\n"
        "  rewards pay ID                mark a reward paid\n"
        "  report [--days N] [--json]    conversion, time to first contact, top\n"
        "                                referrers, rewards owed (default 365 days)\n"
        "  filters test FILE             what the rules and intake make of a message;\n"
        "                                writes nothing\n"
        "\n"
        "options:\n"
        "  -c FILE   config file (default: $REFAGENT_CONFIG, else ./refagent.conf)\n"
        "  -v        more detail on stderr;  -q  errors only\n";

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
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

struct app {
	const char *config_path;
	struct config *cfg;
	struct filter_set *filters;
	struct template_set *templates;
	struct store *st;
};

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

static int open_store(struct app *a, int readonly)
{
	char *err = NULL;

	if (store_open(a->cfg->database, readonly, &a->st, &err) != 0) {
		log_error("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* The config and the store: 0, or the exit code to return. */
static int open_app(struct app *a, int readonly)
{
	if (load_config(a) != 0)
		return EXIT_USAGE;
	if (open_store(a, readonly) != 0)
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

/* Options of the listing commands: --json, and "--OPT VALUE" when opt is
 * given.  Returns 0, or the usage exit code. */
static int list_options(const char *cmd, const char *opt, int argc, char **argv, const char **value,
                        int *json)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else if (opt && strcmp(argv[i], opt) == 0 && i + 1 < argc)
			*value = argv[++i];
		else
			return usage("%s: unknown argument '%s'", cmd, argv[i]);
	}
	return 0;
}

/* ---- check ---- */

static int cmd_check(struct app *a, int argc, char **argv)
{
	int bad = 0;

	if (argc > 1)
		return usage("check takes no arguments");
	if (load_config(a) != 0)
		return EXIT_USAGE;
	if (filter_load(a->cfg->filters_dir, &a->filters) != 0)
		bad = 1;
	if (template_load(a->cfg->templates_dir, &a->templates) != 0)
		bad = 1;
	if (bad)
		return EXIT_USAGE;
	printf("%s: ok (%zu reps, %zu rules in %s, %d templates in %s)\n", a->cfg->path,
	       a->cfg->nreps, filter_count(a->filters), a->cfg->filters_dir, TEMPLATE_COUNT,
	       a->cfg->templates_dir);
	return 0;
}

/* ---- ingest ---- */

static int cmd_ingest(struct app *a, int argc, char **argv)
{
	struct ingest_stats stats;
	struct intake in;
	struct timespec t0, t1;
	int i = 1, quiet = 0, no_mail = 0;
	double secs;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--no-mail") == 0)
			no_mail = 1;
		else
			return usage("ingest: unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		return usage("ingest needs at least one file, folder or -");
	if (load_config(a) != 0 || load_filters(a) != 0)
		return EXIT_USAGE;
	if (open_store(a, 0) != 0)
		return EXIT_WORK;
	in = (struct intake){.cfg = a->cfg, .filters = a->filters, .st = a->st, .no_mail = no_mail};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ingest_paths(&in, argv + i, (size_t)(argc - i), quiet, 0, &stats);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fflush(stdout);
	fprintf(stderr,
	        "refagent: ingested %zu messages in %.2f s: %zu referral, %zu touch, %zu reply, "
	        "%zu held, %zu ignored, %zu duplicate, %zu error\n",
	        stats.count, secs, stats.by_outcome[INTAKE_REFERRAL],
	        stats.by_outcome[INTAKE_TOUCH], stats.by_outcome[INTAKE_REPLY],
	        stats.by_outcome[INTAKE_HELD], stats.by_outcome[INTAKE_IGNORED],
	        stats.by_outcome[INTAKE_DUPLICATE], stats.by_outcome[INTAKE_ERROR]);
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

static int cmd_poll(struct app *a, int argc, char **argv)
{
	struct fetch_stats stats = {0};
	struct intake in;
	int rc;

	if (argc != 2 || strcmp(argv[1], "--once") != 0)
		return usage("poll takes --once (use run to keep polling)");
	if (load_config(a) != 0 || load_filters(a) != 0)
		return EXIT_USAGE;
	if (open_store(a, 0) != 0)
		return EXIT_WORK;
	in = (struct intake){.cfg = a->cfg, .filters = a->filters, .st = a->st};
	rc = fetch_once(&in, &stats);
	fprintf(stderr,
	        "refagent: polled %zu messages: %zu referral, %zu touch, %zu reply, %zu held, "
	        "%zu ignored, %zu duplicate, %zu error\n",
	        stats.seen, stats.by_outcome[INTAKE_REFERRAL], stats.by_outcome[INTAKE_TOUCH],
	        stats.by_outcome[INTAKE_REPLY], stats.by_outcome[INTAKE_HELD],
	        stats.by_outcome[INTAKE_IGNORED], stats.by_outcome[INTAKE_DUPLICATE],
	        stats.by_outcome[INTAKE_ERROR]);
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

static int cmd_run(struct app *a, int argc, char **argv)
{
	struct sigaction sa = {0};
	struct daemon d;
	int rc;

	if (argc != 1)
		return usage("run takes no arguments");
	if (load_config(a) != 0 || load_filters(a) != 0 || load_templates(a) != 0)
		return EXIT_USAGE;
	if (open_store(a, 0) != 0)
		return EXIT_WORK;
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

static int cmd_send(struct app *a, int argc, char **argv)
{
	struct outbox_stats stats = {0};
	struct outbox *ob = NULL;
	int rc;

	if (argc != 1)
		return usage("send takes no arguments");
	if (load_config(a) != 0 || load_templates(a) != 0)
		return EXIT_USAGE;
	if (a->cfg->smtp.server == NULL) {
		log_error("%s: [smtp] server is not set", a->cfg->path);
		return EXIT_USAGE;
	}
	if (open_store(a, 0) != 0)
		return EXIT_WORK;
	signal(SIGPIPE, SIG_IGN);
	/* referrals nobody touched for expire_days first: their mail must
	 * not go out */
	{
		int expired = 0;

		if (store_begin(a->st) != 0 ||
		    lifecycle_expire(a->st, a->cfg, clock_now(), &expired) != 0 ||
		    store_commit(a->st) != 0) {
			log_error("%s", store_error(a->st));
			store_rollback(a->st);
			return EXIT_WORK;
		}
		if (expired)
			log_info("%d referral%s expired (no activity for %d days)", expired,
			         expired == 1 ? "" : "s", a->cfg->expire_days);
	}
	outbox_open(a->cfg, a->st, a->templates, &ob);
	rc = outbox_send_due(ob, NULL, &stats);
	outbox_close(ob);
	fprintf(stderr,
	        "refagent: sent %d, retrying later %d, failed %d, cancelled %d, postponed %d\n",
	        stats.sent, stats.retry, stats.failed, stats.cancelled, stats.postponed);
	return rc == 0 && stats.retry == 0 && stats.failed == 0 ? 0 : EXIT_WORK;
}

static int cmd_outbox(struct app *a, int argc, char **argv)
{
	struct job_view *v = NULL;
	size_t n = 0;
	const char *state = NULL;
	int json = 0, rc;

	if (list_options("outbox", "--state", argc, argv, &state, &json) != 0)
		return EXIT_USAGE;
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_jobs_list(a->st, state, &v, &n) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_outbox(stdout, v, n, json);
	store_job_views_free(v, n);
	return 0;
}

static int cmd_templates(struct app *a, int argc, char **argv)
{
	struct outbox *ob = NULL;
	const char *name = NULL;
	long id = 0;
	int escalated = 0, rc;
	char *data = NULL, *err = NULL;
	size_t len = 0;

	if (argc < 3 || strcmp(argv[1], "render") != 0)
		return usage("usage: templates render NAME --referral ID [--escalated]");
	name = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--referral") == 0 && i + 1 < argc) {
			const char *v = argv[++i];

			if (parse_long(v[0] == '#' ? v + 1 : v, 1, LONG_MAX, &id) != 0)
				return usage("templates render: '%s' is not a referral number", v);
		} else if (strcmp(argv[i], "--escalated") == 0) {
			escalated = 1;
		} else {
			return usage("templates render: unknown argument '%s'", argv[i]);
		}
	}
	if (id == 0)
		return usage("templates render needs --referral ID");
	if (!template_known(name))
		return usage("templates render: no mail is called '%s'", name);
	if (load_config(a) != 0 || load_templates(a) != 0)
		return EXIT_USAGE;
	if (open_store(a, 1) != 0)
		return EXIT_WORK;
	outbox_open(a->cfg, a->st, a->templates, &ob);
	rc = outbox_preview(ob, name, id, escalated, &data, &len, &err);
	outbox_close(ob);
	if (rc != 0) {
		log_error("%s", err);
		free(err);
		return EXIT_WORK;
	}
	/* as it would go out, with the line ends of this terminal */
	for (size_t i = 0; i < len; i++)
		if (data[i] != '\r')
			putchar(data[i]);
	free(data);
	return 0;
}

/* ---- list, show ---- */

static int cmd_list(struct app *a, int argc, char **argv)
{
	const char *status = NULL;
	int json = 0, rc;
	struct referral_view *v = NULL;
	size_t n = 0;

	if (list_options("list", "--status", argc, argv, &status, &json) != 0)
		return EXIT_USAGE;
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_referral_list(a->st, status, &v, &n) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_list(stdout, v, n, json);
	store_referral_views_free(v, n);
	return 0;
}

static int cmd_show(struct app *a, int argc, char **argv)
{
	struct referral_view v = {0};
	struct event_view *ev = NULL;
	size_t nev = 0;
	long id = 0;
	int json = 0, rc;
	const char *ids = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (ids == NULL)
			ids = argv[i];
		else
			return usage("show: unexpected '%s'", argv[i]);
	}
	if (ids == NULL || parse_long(ids[0] == '#' ? ids + 1 : ids, 1, LONG_MAX, &id) != 0)
		return usage("show needs a referral number");
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	rc = store_referral_get(a->st, id, &v, &ev, &nev);
	if (rc < 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	if (rc == 0) {
		log_error("no referral %ld in %s", id, a->cfg->database);
		return EXIT_WORK;
	}
	view_show(stdout, &v, ev, nev, json);
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);
	return 0;
}

/* ---- status, credit, rewards ---- */

static int parse_id(const char *s, long *id)
{
	return s && parse_long(s[0] == '#' ? s + 1 : s, 1, LONG_MAX, id) == 0 ? 0 : -1;
}

/* Runs fn in one transaction: 0 done, 1 refused (why printed), -1 store. */
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

static int cmd_status(struct app *a, int argc, char **argv)
{
	long id = 0;
	const char *status = NULL, *note = NULL;
	int has_value = 0, rc;
	double value = 0;
	char *why = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--value") == 0 && i + 1 < argc) {
			char *end = NULL;

			value = strtod(argv[++i], &end);
			if (end == argv[i] || *end != '\0' || value < 0)
				return usage("status: '%s' is not an amount", argv[i]);
			has_value = 1;
		} else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc) {
			note = argv[++i];
		} else if (id == 0) {
			if (parse_id(argv[i], &id) != 0)
				return usage("status: '%s' is not a referral number", argv[i]);
		} else if (status == NULL) {
			status = argv[i];
		} else {
			return usage("status: unexpected '%s'", argv[i]);
		}
	}
	if (id == 0 || status == NULL)
		return usage("usage: status ID STATUS [--value N] [--note TEXT]");
	if (!lifecycle_valid_status(status))
		return usage("status: '%s' is not a status (new, contacted, qualified, proposal, "
		             "won, lost, held, rejected, expired)",
		             status);
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_begin(a->st) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	rc = lifecycle_set_status(a->st, a->cfg, id, status, has_value, value, note, "cli", 0,
	                          clock_now(), &why);
	rc = in_transaction(a, rc, why);
	if (rc == 0)
		printf("referral %ld: %s\n", id, status);
	return rc;
}

static int cmd_credit(struct app *a, int argc, char **argv)
{
	long id = 0;
	char *why = NULL, *email;
	int rc;

	if (argc != 3 || parse_id(argv[1], &id) != 0 || strchr(argv[2], '@') == NULL)
		return usage("usage: credit ID EMAIL");
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_begin(a->st) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	email = str_lower(xstrdup(argv[2]));
	rc = lifecycle_credit(a->st, a->cfg, id, email, "cli", clock_now(), &why);
	rc = in_transaction(a, rc, why);
	if (rc == 0)
		printf("referral %ld: credited to %s\n", id, email);
	free(email);
	return rc;
}

static int cmd_rewards(struct app *a, int argc, char **argv)
{
	struct reward_view *v = NULL;
	size_t n = 0;
	int json = 0, rc;

	if (argc == 3 && strcmp(argv[1], "pay") == 0) {
		long id = 0;

		if (parse_id(argv[2], &id) != 0)
			return usage("usage: rewards pay ID");
		if (load_config(a) != 0)
			return EXIT_USAGE;
		if (open_store(a, 0) != 0)
			return EXIT_WORK;
		if (store_begin(a->st) != 0 ||
		    (rc = store_reward_pay(a->st, id, clock_now())) < 0 ||
		    store_commit(a->st) != 0) {
			log_error("%s", store_error(a->st));
			store_rollback(a->st);
			return EXIT_WORK;
		}
		if (rc == 0) {
			log_error("no owed reward %ld (see refagent rewards)", id);
			return EXIT_WORK;
		}
		printf("reward %ld: paid\n", id);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return usage("usage: rewards [--json] | rewards pay ID");
	}
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_rewards_list(a->st, &v, &n) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_rewards(stdout, v, n, a->cfg, json);
	store_reward_views_free(v, n);
	return 0;
}

static int cmd_report(struct app *a, int argc, char **argv)
{
	struct report r;
	long days = 365;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			if (parse_long(argv[++i], 1, 36500, &days) != 0)
				return usage("report: '%s' is not a number of days", argv[i]);
		} else {
			return usage("usage: report [--days N] [--json]");
		}
	}
	if ((rc = open_app(a, 0)) != 0)
		return rc;
	if (store_report(a->st, clock_now() - (int64_t)days * 86400, &r) != 0) {
		log_error("%s", store_error(a->st));
		return EXIT_WORK;
	}
	view_report(stdout, &r, a->cfg, (int)days, json);
	store_report_clear(&r);
	return 0;
}

/* ---- filters test ---- */

static void print_addr(const char *label, const char *name, const char *email)
{
	printf("  %-10s %s%s%s%s\n", label, name ? name : "", name && email ? " <" : "",
	       email ? email : (name ? "" : "(unknown)"), name && email ? ">" : "");
}

static void print_decision(const struct intake_decision *d)
{
	printf("decision:  %s (%s)\n", intake_outcome_name(d->outcome), d->why ? d->why : "");
	if (d->outcome == INTAKE_REPLY || d->nthread) {
		printf("  thread    referral");
		for (size_t i = 0; i < d->nthread; i++)
			printf(" #%" PRId64, d->thread[i]);
		printf("\n");
		if (d->command)
			printf("  status line: #%s %s (acted on by a later version)\n", d->command,
			       d->command_arg ? d->command_arg : "");
	}
	if (d->outcome != INTAKE_REFERRAL && d->outcome != INTAKE_TOUCH &&
	    d->outcome != INTAKE_HELD)
		return;
	print_addr("referrer", d->referrer_name, d->referrer_email);
	for (size_t i = 0; i < d->nleads; i++) {
		const struct intake_lead *l = &d->leads[i];

		print_addr("lead", l->name, l->email);
		if (l->phone)
			printf("  %-10s %s\n", "phone", l->phone);
		if (l->company)
			printf("  %-10s %s\n", "company", l->company);
		if (l->existing)
			printf("  %-10s already has open referral #%" PRId64
			       ": a touch, credit unchanged\n",
			       "", l->existing);
		else
			printf("  %-10s a new referral, status %s\n", "", d->status);
	}
	if (d->rep)
		printf("  %-10s %s <%s> (%s)\n", "rep", d->rep->name, d->rep->email, d->rep_how);
	else
		printf("  %-10s none ([reps] is empty)\n", "rep");
	if (d->need)
		printf("  %-10s %s\n", "need", d->need);
	if (d->budget)
		printf("  %-10s %s\n", "budget", d->budget);
	if (d->timeline)
		printf("  %-10s %s\n", "timeline", d->timeline);
}

/* What the sender wrote, as the rules cut it (the `context` target): one
 * indented line per line, "(empty)" when nothing is left. */
static void print_context(const char *context)
{
	if (context == NULL || *context == '\0') {
		printf("context:   (empty)\n");
		return;
	}
	printf("context:\n");
	for (const char *p = context; *p;) {
		size_t n = strcspn(p, "\n");

		printf("  |%s%.*s\n", n ? " " : "", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* Matched text on one line: line ends shown as \n. */
static void print_escaped(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s != '\r')
			putchar(*s);
	}
}

static int cmd_filters(struct app *a, int argc, char **argv)
{
	struct intake in;
	struct intake_decision d;
	struct message *m = NULL;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	if (argc != 3 || strcmp(argv[1], "test") != 0)
		return usage("usage: filters test FILE");
	if (load_config(a) != 0 || load_filters(a) != 0)
		return EXIT_USAGE;
	if (file_read(argv[2], (size_t)a->cfg->max_message_size, &data, &len) != 0) {
		log_error("%s: %s", argv[2], strerror(errno));
		return EXIT_WORK;
	}
	if (message_parse(data, len, &m, &err) != 0) {
		log_error("%s: %s", argv[2], err);
		free(err);
		free(data);
		return EXIT_WORK;
	}
	m->context = filter_context(a->filters, m->body);
	/* History (duplicates, threads, open referrals) comes from the
	 * database when there is one; it is opened read-only. */
	if (stat(a->cfg->database, &st) == 0 && open_store(a, 1) != 0) {
		message_free(m);
		free(data);
		return EXIT_WORK;
	}
	in = (struct intake){.cfg = a->cfg, .filters = a->filters, .st = a->st};
	rc = intake_decide(&in, m, 1, &d);
	if (rc != 0) {
		log_error("%s: %s", argv[2], store_error(a->st));
		intake_decision_clear(&d);
		message_free(m);
		free(data);
		return EXIT_WORK;
	}
	printf("file:      %s\n", argv[2]);
	printf("message:   %s\n", d.key);
	printf("from:      %s%s%s%s\n", m->from.name ? m->from.name : "", m->from.name ? " <" : "",
	       m->from.email ? m->from.email : "(none)", m->from.name ? ">" : "");
	printf("subject:   %s\n", m->subject ? m->subject : "(none)");
	if (d.fr.class)
		printf("class:     %s (rule %s, %s:%d)\n", d.fr.class, d.fr.class_rule,
		       d.fr.class_file, d.fr.class_line);
	else
		printf("class:     none (no classifying rule matched)\n");
	printf("rules that fired: %zu\n", d.fr.nhits);
	for (size_t i = 0; i < d.fr.nhits; i++) {
		const struct filter_hit *h = &d.fr.hits[i];

		printf("  %s:%d %s%s%s%s: \"", h->file, h->line, h->rule,
		       h->class ? " [class " : "", h->class ? h->class : "", h->class ? "]" : "");
		print_escaped(h->matched);
		printf("\" in %s\n", h->target);
		if (h->captures)
			printf("      %s\n", h->captures);
	}
	for (size_t i = 0; i < d.fr.nwarnings; i++)
		printf("warning:   %s\n", d.fr.warnings[i]);
	for (size_t i = 0; i < m->nwarnings; i++)
		printf("warning:   %s\n", m->warnings[i]);
	print_decision(&d);
	print_context(m->context);
	printf("%s\n", a->st ? "nothing was written (database read-only)"
	                     : "nothing was written (no database yet: decided without history)");
	intake_decision_clear(&d);
	message_free(m);
	free(data);
	return 0;
}

/* ---- main ---- */

static const struct command {
	const char *name;
	int (*fn)(struct app *, int, char **);
} commands[] = {
        {"check", cmd_check},     {"ingest", cmd_ingest},
        {"poll", cmd_poll},       {"run", cmd_run},
        {"list", cmd_list},       {"show", cmd_show},
        {"filters", cmd_filters}, {"send", cmd_send},
        {"outbox", cmd_outbox},   {"templates", cmd_templates},
        {"status", cmd_status},   {"credit", cmd_credit},
        {"rewards", cmd_rewards}, {"report", cmd_report},
};

int main(int argc, char **argv)
{
	struct app a = {0};
	int opt, rc;

	a.config_path = config_default_path();
	while ((opt = getopt(argc, argv, "+c:vqh")) != -1) {
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
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage(NULL);
		}
	}
	if (optind >= argc)
		return usage("no command given");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		message_init();
		rc = commands[i].fn(&a, argc - optind, argv + optind);
		app_free(&a);
		message_shutdown();
		return rc;
	}
	return usage("unknown command '%s'", argv[optind]);
}
