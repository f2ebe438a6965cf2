/*
 * test_greeting.c - how the agent's mail names a person (greeting.h): the
 * names mail clients, directories and forms give, and the greeting and
 * sentence each must come to.  A wrong name here is a wrong name in a
 * mail to a real person.
 */
#include "testutil.h"

#include "greeting.h"
#include "names.h"

static const struct {
	const char *name;
	const char *full;  /* greeting_full_name, NULL: none */
	const char *first; /* greeting_first_name, NULL: none */
} names[] = {
        {"Sarah Lee", "Sarah Lee", "Sarah"},
        {"  Sarah   Lee ", "Sarah Lee", "Sarah"},
        /* Outlook and Exchange directories */
        {"Smith, John", "John Smith", "John"},
        /* family name first, in Japanese, Chinese and Korean: the whole name */
        {"高橋 美咲", "高橋 美咲", "高橋 美咲"},
        {"김 민준", "김 민준", "김 민준"},
        {"李静", "李静", "李静"},
        {"Smith, John Q.", "John Q. Smith", "John"},
        {"van der Berg, Jan", "Jan van der Berg", "Jan"},
        {"Smith, John (Contractor)", "John Smith", "John"},
        {"\"Lee, Sarah\"", "Sarah Lee", "Sarah"},
        /* a comma that is no "Last, First" */
        {"John Smith, Jr.", "John Smith, Jr.", "John"},
        {"Acme, Inc.", "Acme, Inc.", NULL},
        {"Smith, John, Sales", "Smith, John, Sales", NULL},
        /* titles */
        {"Dr. Sarah Lee", "Dr. Sarah Lee", "Sarah"},
        {"Mr John Smith", "Mr John Smith", "John"},
        {"Mr. Smith", "Mr. Smith", "Mr. Smith"},
        {"Frau Müller", "Frau Müller", "Frau Müller"},
        {"Sra. Ana García", "Sra. Ana García", "Ana"},
        {"Prof. Dr. Hans Meier", "Prof. Dr. Hans Meier", "Hans"},
        {"Dr.", "Dr.", NULL},
        /* capitals */
        {"DUPONT Jean", "DUPONT Jean", "Jean"},
        {"LEE Sarah", "LEE Sarah", "Sarah"},
        {"JOHN SMITH", "JOHN SMITH", "John"},
        {"AJ Smith", "AJ Smith", "AJ"},
        {"JOSÉ GARCÍA", "JOSÉ GARCÍA", "JOSÉ"},
        /* initials */
        {"J. Smith", "J. Smith", NULL},
        {"J.R. Smith", "J.R. Smith", "J.R."},
        /* groups a mail system added */
        {"Sarah Lee (Acme)", "Sarah Lee", "Sarah"},
        {"[EXTERNAL] Sarah Lee", "Sarah Lee", "Sarah"},
        {"Sarah Lee [via Partner]", "Sarah Lee", "Sarah"},
        {"(Sarah)", "(Sarah)", "(Sarah)"},
        /* no name at all */
        {"sarah.lee@partner.test", NULL, NULL},
        {"", NULL, NULL},
        {"   ", NULL, NULL},
        {"[EXTERNAL]", NULL, NULL},
        {NULL, NULL, NULL},
        /* no person's name: a company, a team, a mailbox, two people */
        {"Keller Williams Realty", "Keller Williams Realty", NULL},
        {"Acme Plumbing, LLC", "Acme Plumbing, LLC", NULL},
        {"Sales Team", "Sales Team", NULL},
        {"Info", "Info", NULL},
        {"The Smith Family", "The Smith Family", NULL},
        {"Smith & Sons", "Smith & Sons", NULL},
        {"John and Mary Smith", "John and Mary Smith", NULL},
        {"Theo Hall", "Theo Hall", "Theo"},
        /* a surname among those words costs only the name in the greeting */
        {"Andy Info", "Andy Info", NULL},
        /* other scripts are left alone; in Chinese, Japanese and Korean
         * the family name comes first: the whole name, never the bare
         * family name as if it were a given name */
        {"山田 太郎", "山田 太郎", "山田 太郎"},
        {"Zoë Ångström", "Zoë Ångström", "Zoë"},
};

static void check(const char *name, const char *what, char *got, const char *want)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
		fail_msg("'%s': %s '%s', want '%s'", name ? name : "(null)", what,
		         got ? got : "(null)", want ? want : "(null)");
	free(got);
}

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		check(names[i].name, "full", greeting_full_name(names[i].name), names[i].full);
		check(names[i].name, "first", greeting_first_name(names[i].name), names[i].first);
	}
}

/* A sentence's name for a person: the spoken name, else the address,
 * else the fallback. */
static void test_named(void **state)
{
	(void)state;
	check("Smith, John", "named", greeting_named("Smith, John", "j@x.test", "the lead"),
	      "John Smith");
	check("j@x.test", "named", greeting_named("j@x.test", "j@x.test", "the lead"), "j@x.test");
	check("(none)", "named", greeting_named(NULL, NULL, "the lead"), "the lead");
	check("(none)", "named", greeting_named("[EXTERNAL]", NULL, NULL), NULL);
}

/* Two spellings of one person's name (names.h): what an intro's text
 * calls the person its headers name.  A false "same" turns an intro's
 * roles round; a false "different" holds it for a person. */
static void test_same_name(void **state)
{
	static const struct {
		const char *a, *b;
		int same;
	} pairs[] = {
	        {"Robert", "robert", 1},    {"Bob", "Robert", 1},      {"robert", "BOB", 1},
	        {"Marg", "Marguerite", 1},  {"Marguerite", "Marg", 1}, {"Chris", "Christopher", 1},
	        {"Liz", "Elizabeth", 1},    {"Mike", "Michael", 1},    {"Pepe", "José", 1},
	        {"Beppe", "Giuseppe", 1},   {"Hans", "Johannes", 1},   {"Tom", "Thomas", 1},
	        {"Mark", "Mary", 0},        {"Al", "Alice", 0},        {"Bob", "Bobbi", 1},
	        {"Bob", "Richard", 0},      {"Jones", "Smith", 0},     {"Ann", "", 0},
	        {"Marguerite", "Marge", 0}, {"Dan", "Daniel", 1},      {"Daniel", "Danielle", 1},
	};
	const char *o;
	size_t i = 0, n = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(pairs); k++) {
		int got =
		        names_same(pairs[k].a, strlen(pairs[k].a), pairs[k].b, strlen(pairs[k].b));

		if (got != pairs[k].same)
			fail_msg("names_same(%s, %s) = %d, want %d", pairs[k].a, pairs[k].b, got,
			         pairs[k].same);
	}
	/* the longer forms of "bert", for looking in an address */
	while ((o = names_other("Bert", 4, &i)) != NULL) {
		assert_true(strcmp(o, "robert") == 0 || strcmp(o, "albert") == 0 ||
		            strcmp(o, "herbert") == 0);
		n++;
	}
	assert_int_equal(n, 3);
	i = 0;
	assert_null(names_other("Zyx", 3, &i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_named),
	        cmocka_unit_test(test_same_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
