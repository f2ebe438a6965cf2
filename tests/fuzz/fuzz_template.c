/*
 * fuzz_template.c - libFuzzer target for the template loader: the input is
 * the text of thank-referrer.tmpl, and a template that loads is rendered
 * with every placeholder set (a value with a CR LF in it too).  Build with
 * `make fuzz`.
 *
 * The fuzzer loads the input with template_load_text, the loader's parser
 * without the files: through the folder, each input cost a listing and
 * sixteen files read and parsed, fifteen of them always the same.  The
 * replay (-DFUZZ_REPLAY) also writes the folder, thank-referrer.tmpl and
 * a minimal file for every other mail, loads it with template_load, and
 * aborts when the two ways disagree.
 */
#include "fuzz_common.h"
#include "kinds.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tvar vars[128];
static size_t nvars;

/* The mail k of set rendered (aborts when rendering fails: it cannot on
 * a set that loaded). */
static void render(const struct template_set *set, enum mail_kind k, struct rendered *r)
{
	if (template_render(set, k, vars, nvars, r, NULL) != 0)
		abort();
}

#ifdef FUZZ_REPLAY
static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The folder way, which must come to what the text's came to (text_set
 * NULL: it did not load); aborts when it does not. */
static void check_folder(const uint8_t *data, size_t size, const struct template_set *text_set)
{
	static const char minimal[] = "Subject: s\n\nx\n";
	static int ready;
	const char *dir = fuzz_dir();
	struct template_set *set = NULL;

	if (!ready) {
		for (int k = 0; k < MAIL_COUNT; k++) {
			char name[80];

			snprintf(name, sizeof(name), "%s.tmpl", mail_name((enum mail_kind)k));
			fuzz_write(dir, name, (const uint8_t *)minimal, sizeof(minimal) - 1);
		}
		ready = 1;
	}
	fuzz_write(dir, "thank-referrer.tmpl", data, size);
	if ((template_load(dir, &set) == 0) != (text_set != NULL)) {
		fprintf(fuzz_stderr, "template_load and template_load_text disagree\n");
		abort();
	}
	if (set == NULL)
		return;
	for (int k = 0; k < MAIL_COUNT; k++) {
		struct rendered r, t;

		render(set, (enum mail_kind)k, &r);
		if (k == MAIL_THANK_REFERRER) {
			render(text_set, MAIL_THANK_REFERRER, &t);
			if (!same(r.subject, t.subject) || !same(r.text, t.text) ||
			    !same(r.html, t.html)) {
				fprintf(fuzz_stderr, "the folder and the text render apart\n");
				abort();
			}
			rendered_clear(&t);
		}
		rendered_clear(&r);
	}
	template_free(set);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_set *set = NULL;
	struct rendered r;

	if (nvars == 0) {
		fuzz_setup();
		for (size_t i = 0; template_var_names[i] && nvars < 128; i++)
			vars[nvars++] = (struct tvar){template_var_names[i],
			                              i % 3 ? "Ann <a&b>" : "x\r\ny"};
	}
	if (template_load_text(MAIL_THANK_REFERRER, "thank-referrer.tmpl", (const char *)data, size,
	                       &set) == 0) {
		render(set, MAIL_THANK_REFERRER, &r);
		rendered_clear(&r);
	}
#ifdef FUZZ_REPLAY
	check_folder(data, size, set);
#endif
	template_free(set);
	return 0;
}
