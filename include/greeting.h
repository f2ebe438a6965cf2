/*
 * greeting.h - how the mail the agent writes names a person.
 *
 * Names come from mail headers, forms and text, as their writers' mail
 * clients and directories put them: "Smith, John" (Outlook and Exchange
 * directories), "Dr. Sarah Lee", "DUPONT Jean", "Sarah Lee (Acme)", or an
 * address where a name should be.  A greeting built on the first word of
 * such a name says "Hi Smith," or "Hi Dr.,": a wrong name in a mail to a
 * real person.  These functions give the name as a sentence says it and
 * the name a greeting uses, or NULL when there is none to use (the
 * templates then say "Hello,").  Headers keep the name as it came.
 */
#ifndef REFAGENT_GREETING_H
#define REFAGENT_GREETING_H

/*
 * The name as a sentence says it ("Sarah Lee told us about you"), newly
 * allocated, or NULL when name is blank or is no name (an address):
 * white space collapsed, a trailing "(Acme)" or "[EXTERNAL]" and a leading
 * "[EXTERNAL]" left out, "Smith, John" turned to "John Smith" (not
 * "John Smith, Jr." or "Acme, Inc.").
 */
char *greeting_full_name(const char *name);

/*
 * The name a greeting uses ("Hi Sarah,"), newly allocated, or NULL: the
 * given name of greeting_full_name(name), past a title ("Dr. Sarah Lee":
 * Sarah), or the title with the family name when that is all there is
 * ("Mr. Smith"); the given name after a family name in capitals ("DUPONT
 * Jean": Jean); a name all in capitals in ordinary case ("JOHN SMITH":
 * John); NULL for an initial alone ("J. Smith"), and for a name that is
 * no person's ("Keller Williams Realty", "Sales Team", "Info", "The Smith
 * Family") or two people's ("John and Mary Smith").
 */
char *greeting_first_name(const char *name);

/*
 * How a sentence of the agent's mail names a person it knows by name
 * and address ("mark John Smith as won", "credited to Sarah Lee"):
 * greeting_full_name(name), else the address, else fallback (NULL when
 * that is NULL too); newly allocated.
 */
char *greeting_named(const char *name, const char *email, const char *fallback);

#endif
