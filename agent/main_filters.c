/*
 * main_filters.c - `refagent filters test FILE`: what the rules and intake
 * make of one message, printed for a person; nothing is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "filter.h"
#include "intake.h"
#include "log.h"
#include "main_p.h"
#include "message.h"
#include "store.h"
#include "util.h"

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
	if (d->nevidence) {
		printf("confidence: %d (a referral from %d, held from %d, ignored below)\n",
		       d->confidence, INTAKE_REFER_AT, INTAKE_HOLD_AT);
		for (size_t i = 0; i < d->nevidence; i++)
			printf("  %+d %s\n", d->evidence[i].weight, d->evidence[i].why);
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
		if (l->need && !(d->need && strcmp(l->need, d->need) == 0))
			printf("  %-10s %s\n", "need", l->need);
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

int main_filters_test(struct config *cfg, struct filter_set *filters, struct store *st,
                      const char *path)
{
	struct intake in;
	struct intake_decision d;
	struct message *m = NULL;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int rc;

	if (file_read(path, (size_t)cfg->max_message_size, &data, &len) != 0) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	message_parser_warnings();
	if (message_parse(data, len, &m, &err) != 0) {
		log_error("%s: %s", path, err);
		free(err);
		free(data);
		return -1;
	}
	intake_unwrap_list(cfg, m);
	m->context = filter_context(filters, m->body);
	in = (struct intake){.cfg = cfg, .filters = filters, .st = st};
	rc = intake_decide(&in, m, 1, &d);
	if (rc != 0) {
		log_error("%s: %s", path, store_error(st));
		intake_decision_clear(&d);
		message_free(m);
		free(data);
		return -1;
	}
	printf("file:      %s\n", path);
	printf("message:   %s\n", d.key);
	printf("from:      %s%s%s%s\n", m->from.name ? m->from.name : "", m->from.name ? " <" : "",
	       m->from.email ? m->from.email : "(none)", m->from.name ? ">" : "");
	printf("subject:   %s\n", m->subject ? m->subject : "(none)");
	if (d.fr.class != CLASS_NONE)
		printf("class:     %s (rule %s, %s:%d)\n", class_name(d.fr.class), d.fr.class_rule,
		       d.fr.class_file, d.fr.class_line);
	else
		printf("class:     none (no classifying rule matched)\n");
	printf("rules that fired: %zu\n", d.fr.nhits);
	for (size_t i = 0; i < d.fr.nhits; i++) {
		const struct filter_hit *h = &d.fr.hits[i];

		printf("  %s:%d %s%s%s%s: \"", h->file, h->line, h->rule,
		       h->class ? " [class " : "", h->class ? class_name(h->class) : "",
		       h->class ? "]" : "");
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
	printf("%s\n", st ? "nothing was written (database read-only)"
	                  : "nothing was written (no database yet: decided without history)");
	intake_decision_clear(&d);
	message_free(m);
	free(data);
	return 0;
}
