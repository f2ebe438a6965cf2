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

/* Short forms that do not begin their full name (those that do, "Chris",
 * "Marg", "Alex", need no entry), in the languages of the intake rules.
 * A short form may stand for several names ("Bert": Albert, Robert,
 * Herbert); each pair is one entry. */
static const char *const pairs[][2] = {
        /* English */
        {"bob", "robert"},
        {"bobby", "robert"},
        {"bert", "robert"},
        {"bert", "albert"},
        {"bert", "herbert"},
        {"bill", "william"},
        {"billy", "william"},
        {"liam", "william"},
        {"liz", "elizabeth"},
        {"lizzie", "elizabeth"},
        {"beth", "elizabeth"},
        {"betty", "elizabeth"},
        {"betsy", "elizabeth"},
        {"libby", "elizabeth"},
        {"eliza", "elizabeth"},
        {"peggy", "margaret"},
        {"maggie", "margaret"},
        {"meg", "margaret"},
        {"greta", "margaret"},
        {"dick", "richard"},
        {"rick", "richard"},
        {"ricky", "richard"},
        {"rich", "richard"},
        {"jim", "james"},
        {"jimmy", "james"},
        {"jack", "john"},
        {"johnny", "john"},
        {"ted", "edward"},
        {"ted", "theodore"},
        {"ed", "edward"},
        {"ned", "edward"},
        {"eddie", "edward"},
        {"tony", "anthony"},
        {"harry", "henry"},
        {"hank", "henry"},
        {"chuck", "charles"},
        {"charlie", "charles"},
        {"chas", "charles"},
        {"mike", "michael"},
        {"mikey", "michael"},
        {"mick", "michael"},
        {"nick", "nicholas"},
        {"nick", "nicolas"},
        {"kate", "katherine"},
        {"kate", "catherine"},
        {"kathy", "katherine"},
        {"cathy", "catherine"},
        {"katie", "katherine"},
        {"andy", "andrew"},
        {"drew", "andrew"},
        {"steve", "stephen"},
        {"steve", "steven"},
        {"sue", "susan"},
        {"susie", "susan"},
        {"jenny", "jennifer"},
        {"becky", "rebecca"},
        {"becca", "rebecca"},
        {"sandy", "sandra"},
        {"sandy", "alexandra"},
        {"sasha", "alexander"},
        {"sasha", "alexandra"},
        {"larry", "lawrence"},
        {"larry", "laurence"},
        {"jerry", "gerald"},
        {"gerry", "gerald"},
        {"terry", "terence"},
        {"terry", "theresa"},
        {"tess", "theresa"},
        {"molly", "mary"},
        {"polly", "mary"},
        {"sally", "sarah"},
        {"sadie", "sarah"},
        {"patty", "patricia"},
        {"trish", "patricia"},
        {"tricia", "patricia"},
        {"gabe", "gabriel"},
        {"danny", "daniel"},
        {"tommy", "thomas"},
        {"tom", "thomas"},
        {"dave", "david"},
        {"davy", "david"},
        {"nate", "nathan"},
        {"nate", "nathaniel"},
        {"vicky", "victoria"},
        {"tori", "victoria"},
        {"abby", "abigail"},
        {"gail", "abigail"},
        {"debbie", "deborah"},
        {"deb", "deborah"},
        {"cindy", "cynthia"},
        {"penny", "penelope"},
        {"jeff", "geoffrey"},
        {"hal", "harold"},
        {"jenny", "jane"},
        {"jonny", "jonathan"},
        {"johnny", "jonathan"},
        {"lou", "louis"},
        {"ellie", "eleanor"},
        {"nell", "eleanor"},
        {"nora", "eleanor"},
        {"annie", "ann"},
        {"fran", "frances"},
        {"frank", "francis"},
        {"sam", "samuel"},
        {"sam", "samantha"},
        {"zack", "zachary"},
        {"zach", "zachary"},
        {"chris", "kristopher"},
        {"kris", "christopher"},
        {"kris", "christina"},
        {"tina", "christina"},
        {"wendy", "gwendolyn"},
        {"ronnie", "ronald"},
        /* German, Dutch */
        {"hans", "johannes"},
        {"hannes", "johannes"},
        {"jan", "johannes"},
        {"sepp", "josef"},
        {"fritz", "friedrich"},
        {"lisa", "elisabeth"},
        {"liesl", "elisabeth"},
        {"kees", "cornelis"},
        {"joop", "johannes"},
        {"klaus", "nikolaus"},
        {"wim", "willem"},
        {"bram", "abraham"},
        /* French */
        {"manu", "emmanuel"},
        {"jojo", "joseph"},
        {"steph", "stéphane"},
        {"steph", "stéphanie"},
        /* Spanish, Portuguese */
        {"paco", "francisco"},
        {"pancho", "francisco"},
        {"chico", "francisco"},
        {"pepe", "josé"},
        {"pepe", "jose"},
        {"zé", "josé"},
        {"nacho", "ignacio"},
        {"lupe", "guadalupe"},
        {"lola", "dolores"},
        {"charo", "rosario"},
        {"concha", "concepción"},
        {"quique", "enrique"},
        {"kike", "enrique"},
        {"toño", "antonio"},
        {"tono", "antonio"},
        {"chus", "jesús"},
        {"nando", "fernando"},
        /* Italian */
        {"beppe", "giuseppe"},
        {"peppe", "giuseppe"},
        {"pino", "giuseppe"},
        {"gigi", "luigi"},
        {"sandro", "alessandro"},
        {"max", "massimo"},
        {"bice", "beatrice"},
        {"betta", "elisabetta"},
        {"nino", "giovanni"},
        {"gianni", "giovanni"},
        {"vanni", "giovanni"},
        {"tonino", "antonio"},
};

static int same(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && strncasecmp(a, b, an) == 0;
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
		if ((same(a, an, pairs[i][0]) && same(b, bn, pairs[i][1])) ||
		    (same(a, an, pairs[i][1]) && same(b, bn, pairs[i][0])))
			return 1;
	return 0;
}

const char *names_other(const char *w, size_t n, size_t *i)
{
	while (*i < ARRAY_SIZE(pairs)) {
		const char *const *p = pairs[(*i)++];

		if (same(w, n, p[0]))
			return p[1];
		if (same(w, n, p[1]))
			return p[0];
	}
	return NULL;
}
