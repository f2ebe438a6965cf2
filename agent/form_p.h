/*
 * form_p.h - what the files of the form module share; not for other
 * modules (their contract is include/form.h).
 *
 *   form.c        labels, pairs, persons, the decision, contact blocks
 *   form_words.c  the words of each category of label, as one table
 */
#ifndef REFAGENT_FORM_P_H
#define REFAGENT_FORM_P_H

#include "form.h"

/* Each list of words in form_words.c is a category; a label's categories are found in one
 * pass over its word starts, against the words that begin with the same
 * byte (a few dozen compares a label, not hundreds of searches).  A word
 * matches at word boundaries ("Your friend's email" holds "friend" and
 * "email"); "w*" matches the start of a word ("friend*": friends). */
enum cat {
	C_REFERRER = 0,
	C_HEARD,
	C_REFERRED,
	C_WEAK,
	C_SUBMITTER,
	C_HEADING,
	C_EMAIL,
	C_PHONE,
	C_BUDGET,
	C_TIMELINE,
	C_COMPANY,
	C_SKIP,
	C_FIRST,
	C_LAST,
	C_NAME,
	C_NEED,
	C_SECOND,
	C_THIRD,
	C_MEDIA,
	C_NOTNAME,
	C_COUNT
};

#define CAT(c) (1u << (c))

/* The categories whose words the lower-cased text l holds, one bit each
 * (CAT(c)). */
unsigned form_cats_of(const char *l);

/* A byte of a word: an ASCII letter, or any byte of a UTF-8 sequence. */
static inline int form_is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

#endif
