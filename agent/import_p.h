/*
 * import_p.h - what the files of the import module share; not for other
 * modules (their contract is include/import.h).
 *
 *   import.c       the run: the header, the rows, the store, the output
 *   import_cell.c  reading one cell: headers, statuses, dates, amounts,
 *                  addresses
 */
#ifndef REFAGENT_IMPORT_P_H
#define REFAGENT_IMPORT_P_H

#include "import.h"

/* The field's name as --map takes it ("referrer-email"). */
const char *import_field_name(enum import_field f);

/*
 * A cell naming a person: "bob@x.test", "mailto:bob@x.test", "Bob Smith
 * <bob@x.test>", "bob@x.test (Bob Smith)" or just "Bob Smith".  Sets
 * *name_r and *email_r (caller frees; NULL when absent; the address lower
 * case).  Returns 0, or -1 when the cell holds an '@' that is no address.
 */
int import_person(const char *cell, char **name_r, char **email_r);

#endif
