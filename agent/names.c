/*
 * names.c - whether two spellings of a name are one person's (see
 * names.h).  ASCII letters fold; other bytes compare as they are, so
 * "José" and "JOSÉ" differ (a miss keeps the roles as the headers say,
 * which is the reading without this).
 */
#include "names.h"

#include <string.h>
#include <strings.h>

#include "util.h"

/* Each word with its length: names_same looks at every pair for every
 * two words that differ (most of the calls), and the two strlen calls per
 * word were most of its time. */
struct pair {
	const char *a, *b;
	size_t an, bn;
};
#define PAIR(a, b)                                                                                 \
	{                                                                                          \
		a, b, sizeof(a) - 1, sizeof(b) - 1                                                 \
	}

/* Short forms that do not begin their full name (those that do, "Chris",
 * "Marg", "Alex", need no entry), in the languages of the intake rules.
 * A short form may stand for several names ("Bert": Albert, Robert,
 * Herbert); each pair is one entry. */
static const struct pair pairs[] = {
        /* English */
        PAIR("bob", "robert"),
        PAIR("bobby", "robert"),
        PAIR("bert", "robert"),
        PAIR("bert", "albert"),
        PAIR("bert", "herbert"),
        PAIR("bill", "william"),
        PAIR("billy", "william"),
        PAIR("liam", "william"),
        PAIR("liz", "elizabeth"),
        PAIR("lizzie", "elizabeth"),
        PAIR("beth", "elizabeth"),
        PAIR("betty", "elizabeth"),
        PAIR("betsy", "elizabeth"),
        PAIR("libby", "elizabeth"),
        PAIR("eliza", "elizabeth"),
        PAIR("peggy", "margaret"),
        PAIR("maggie", "margaret"),
        PAIR("meg", "margaret"),
        PAIR("greta", "margaret"),
        PAIR("dick", "richard"),
        PAIR("rick", "richard"),
        PAIR("ricky", "richard"),
        PAIR("rich", "richard"),
        PAIR("jim", "james"),
        PAIR("jimmy", "james"),
        PAIR("jack", "john"),
        PAIR("johnny", "john"),
        PAIR("ted", "edward"),
        PAIR("ted", "theodore"),
        PAIR("ed", "edward"),
        PAIR("ned", "edward"),
        PAIR("eddie", "edward"),
        PAIR("tony", "anthony"),
        PAIR("harry", "henry"),
        PAIR("hank", "henry"),
        PAIR("chuck", "charles"),
        PAIR("charlie", "charles"),
        PAIR("chas", "charles"),
        PAIR("mike", "michael"),
        PAIR("mikey", "michael"),
        PAIR("mick", "michael"),
        PAIR("nick", "nicholas"),
        PAIR("nick", "nicolas"),
        PAIR("kate", "katherine"),
        PAIR("kate", "catherine"),
        PAIR("kathy", "katherine"),
        PAIR("cathy", "catherine"),
        PAIR("katie", "katherine"),
        PAIR("andy", "andrew"),
        PAIR("drew", "andrew"),
        PAIR("steve", "stephen"),
        PAIR("steve", "steven"),
        PAIR("sue", "susan"),
        PAIR("susie", "susan"),
        PAIR("jenny", "jennifer"),
        PAIR("becky", "rebecca"),
        PAIR("becca", "rebecca"),
        PAIR("sandy", "sandra"),
        PAIR("sandy", "alexandra"),
        PAIR("sasha", "alexander"),
        PAIR("sasha", "alexandra"),
        PAIR("larry", "lawrence"),
        PAIR("larry", "laurence"),
        PAIR("jerry", "gerald"),
        PAIR("gerry", "gerald"),
        PAIR("terry", "terence"),
        PAIR("terry", "theresa"),
        PAIR("tess", "theresa"),
        PAIR("molly", "mary"),
        PAIR("polly", "mary"),
        PAIR("sally", "sarah"),
        PAIR("sadie", "sarah"),
        PAIR("patty", "patricia"),
        PAIR("trish", "patricia"),
        PAIR("tricia", "patricia"),
        PAIR("gabe", "gabriel"),
        PAIR("danny", "daniel"),
        PAIR("tommy", "thomas"),
        PAIR("tom", "thomas"),
        PAIR("dave", "david"),
        PAIR("davy", "david"),
        PAIR("nate", "nathan"),
        PAIR("nate", "nathaniel"),
        PAIR("vicky", "victoria"),
        PAIR("tori", "victoria"),
        PAIR("abby", "abigail"),
        PAIR("gail", "abigail"),
        PAIR("debbie", "deborah"),
        PAIR("deb", "deborah"),
        PAIR("cindy", "cynthia"),
        PAIR("penny", "penelope"),
        PAIR("jeff", "geoffrey"),
        PAIR("hal", "harold"),
        PAIR("jenny", "jane"),
        PAIR("jonny", "jonathan"),
        PAIR("johnny", "jonathan"),
        PAIR("lou", "louis"),
        PAIR("ellie", "eleanor"),
        PAIR("nell", "eleanor"),
        PAIR("nora", "eleanor"),
        PAIR("annie", "ann"),
        PAIR("fran", "frances"),
        PAIR("frank", "francis"),
        PAIR("sam", "samuel"),
        PAIR("sam", "samantha"),
        PAIR("zack", "zachary"),
        PAIR("zach", "zachary"),
        PAIR("chris", "kristopher"),
        PAIR("kris", "christopher"),
        PAIR("kris", "christina"),
        PAIR("tina", "christina"),
        PAIR("wendy", "gwendolyn"),
        PAIR("ronnie", "ronald"),
        /* German, Dutch */
        PAIR("hans", "johannes"),
        PAIR("hannes", "johannes"),
        PAIR("jan", "johannes"),
        PAIR("sepp", "josef"),
        PAIR("fritz", "friedrich"),
        PAIR("lisa", "elisabeth"),
        PAIR("liesl", "elisabeth"),
        PAIR("kees", "cornelis"),
        PAIR("joop", "johannes"),
        PAIR("klaus", "nikolaus"),
        PAIR("wim", "willem"),
        PAIR("bram", "abraham"),
        /* French */
        PAIR("manu", "emmanuel"),
        PAIR("jojo", "joseph"),
        PAIR("steph", "stéphane"),
        PAIR("steph", "stéphanie"),
        /* Spanish, Portuguese */
        PAIR("paco", "francisco"),
        PAIR("pancho", "francisco"),
        PAIR("chico", "francisco"),
        PAIR("pepe", "josé"),
        PAIR("pepe", "jose"),
        PAIR("zé", "josé"),
        PAIR("nacho", "ignacio"),
        PAIR("lupe", "guadalupe"),
        PAIR("lola", "dolores"),
        PAIR("charo", "rosario"),
        PAIR("concha", "concepción"),
        PAIR("quique", "enrique"),
        PAIR("kike", "enrique"),
        PAIR("toño", "antonio"),
        PAIR("tono", "antonio"),
        PAIR("chus", "jesús"),
        PAIR("nando", "fernando"),
        /* Italian */
        PAIR("beppe", "giuseppe"),
        PAIR("peppe", "giuseppe"),
        PAIR("pino", "giuseppe"),
        PAIR("gigi", "luigi"),
        PAIR("sandro", "alessandro"),
        PAIR("max", "massimo"),
        PAIR("bice", "beatrice"),
        PAIR("betta", "elisabetta"),
        PAIR("nino", "giovanni"),
        PAIR("gianni", "giovanni"),
        PAIR("vanni", "giovanni"),
        PAIR("tonino", "antonio"),
};

static int same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && strncasecmp(a, b, an) == 0;
}

static int begins(const char *shorter, size_t sn, const char *longer, size_t ln)
{
	return sn >= 3 && sn < ln && strncasecmp(shorter, longer, sn) == 0;
}

int names_same(const char *a, size_t an, const char *b, size_t bn)
{
	if (an == 0 || bn == 0)
		return 0;
	if (an == bn && strncasecmp(a, b, an) == 0)
		return 1;
	if (an < bn ? begins(a, an, b, bn) : begins(b, bn, a, an))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
		if ((same(a, an, pairs[i].a, pairs[i].an) &&
		     same(b, bn, pairs[i].b, pairs[i].bn)) ||
		    (same(a, an, pairs[i].b, pairs[i].bn) && same(b, bn, pairs[i].a, pairs[i].an)))
			return 1;
	return 0;
}

const char *names_other(const char *w, size_t n, size_t *i)
{
	while (*i < ARRAY_SIZE(pairs)) {
		const struct pair *p = &pairs[(*i)++];

		if (same(w, n, p->a, p->an))
			return p->b;
		if (same(w, n, p->b, p->bn))
			return p->a;
	}
	return NULL;
}
