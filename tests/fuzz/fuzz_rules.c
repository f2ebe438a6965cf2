/*
 * fuzz_rules.c - libFuzzer target for the rules loader: the input is one
 * rules file.  A set that loads is also run once over a small message, so
 * the compiled patterns meet a subject, and cuts the message's context.
 * Build with `make fuzz` (see the Makefile).
 *
 * The fuzzer loads the input with filter_load_text, the loader's parser
 * without the folder (a file written, a listing and a file read per input
 * cost more than a small rule file's parse).  The replay (-DFUZZ_REPLAY)
 * also writes the file into a folder, loads that with filter_load, and
 * aborts when the two ways disagree.
 */
#include "filter.h"
#include "fuzz_common.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The run of set over m: the result, and the context cut. */
static char *run(const struct filter_set *set, const struct message *m, struct filter_result *res)
{
	filter_run(set, m, 1, res);
	return filter_context(set, m->body);
}

#ifdef FUZZ_REPLAY
static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The folder way, which must come to what the text's came to (text_set
 * NULL: it did not load); aborts when it does not. */
static void check_folder(const uint8_t *data, size_t size, const struct filter_set *text_set,
                         const struct message *m, const struct filter_result *text_res,
                         const char *text_context)
{
	const char *dir = fuzz_dir();
	struct filter_set *set = NULL;
	struct filter_result res = {0};
	char *context;
	int agree;

	fuzz_write(dir, "a.rules", data, size);
	if ((filter_load(dir, &set) == 0) != (text_set != NULL)) {
		fprintf(fuzz_stderr, "filter_load and filter_load_text disagree\n");
		abort();
	}
	if (set == NULL)
		return;
	context = run(set, m, &res);
	agree = res.class == text_res->class && res.nhits == text_res->nhits &&
	        res.nscores == text_res->nscores && same(res.why, text_res->why) &&
	        strcmp(context, text_context) == 0;
	for (int f = 0; f < FF_COUNT; f++)
		agree = agree && same(res.fields[f], text_res->fields[f]);
	if (!agree) {
		fprintf(fuzz_stderr, "the folder's rules and the text's run apart\n");
		abort();
	}
	free(context);
	filter_result_clear(&res);
	filter_free(set);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mail[] = "From: Sarah Lee <sarah@partner.test>\n"
	                           "To: Bob <bob@client.test>\n"
	                           "Cc: agent@biz.test\n"
	                           "Subject: Bob, meet Tom\n\n"
	                           "Hi Bob, meet Tom. You can reach Bob at +1 415 555 0142.\n";
	static struct message *m;
	struct filter_set *set = NULL;

	if (m == NULL) {
		char *err = NULL;

		fuzz_setup();
		message_init();
		if (message_parse(mail, sizeof(mail) - 1, &m, &err) != 0)
			abort();
	}
	if (filter_load_text("a.rules", (const char *)data, size, &set) == 0) {
		struct filter_result res = {0};
		char *context = run(set, m, &res);

#ifdef FUZZ_REPLAY
		check_folder(data, size, set, m, &res, context);
#endif
		free(context);
		filter_result_clear(&res);
		filter_free(set);
	}
#ifdef FUZZ_REPLAY
	else {
		check_folder(data, size, NULL, m, NULL, NULL);
	}
#endif
	return 0;
}
