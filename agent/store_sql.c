/*
 * store_sql.c - all the SQL of the store: the schema, as the migrations
 * that build it, and every statement the store runs, one table each (see
 * store_p.h for how they are run).
 *
 * Parameters are named (:email) and result columns carry the names the C
 * reads them by, so a new column is a line here, a field in store.h and
 * the line that reads it.  Apart from the migrations that shipped before
 * the statuses table, no status name is written here: the SQL asks that
 * table which statuses are closed, and a status it needs by name is
 * bound (status_name(STATUS_WON)).
 */
#include "store_p.h"

#include <stddef.h>

#include "util.h"

/*
 * Schema migrations.  migrations[i] takes user_version i to i+1.  Append
 * only: never edit a migration that has shipped, add a new one instead
 * (which is why the first ones still spell out the statuses of their day).
 *
 * Schema 1 is laid out so the next features only add: new tables, and new
 * NULL-able columns through ALTER TABLE ... ADD COLUMN (which SQLite does
 * without rewriting the table).  A migration that must rebuild a table
 * sets .rebuild: it then runs with foreign_keys off (the pragma is a no-op
 * inside a transaction) and must leave PRAGMA foreign_key_check empty, see
 * https://www.sqlite.org/lang_altertable.html section 7.
 *
 * Names: every CHECK is named so a failure says which rule broke.
 */
/* The same indexes on both backends (see 10 -> 11 below). */
#define MIGRATION_11                                                                               \
	"DROP INDEX jobs_state;"                                                                   \
	"CREATE INDEX jobs_state ON jobs(lower(state), business);"                                 \
	"DROP INDEX jobs_referral;"                                                                \
	"CREATE INDEX jobs_referral ON jobs(business, referral_id, template)"                      \
	"  WHERE state = 'pending';"                                                               \
	"CREATE INDEX jobs_recipient ON jobs(business, recipient) WHERE state = 'pending';"        \
	"CREATE INDEX rewards_referrer ON rewards(referrer_id);"

/* 11 -> 12: the report reads running totals and narrow indexes instead of
 * every referral of the window (see report.c).  report_counts keeps, for
 * each hour referrals were made in (at: its first second), by status and
 * rep (lower case, '' for none), how many referrals there are, how many
 * have a first contact and the sum of their delays to it: a window is
 * its whole hours, and the referrals made in the parts of an hour at its
 * ends (referrals_made, by the time made: those of an hour at most, and
 * at the window's end only those made by its end).  referrer_counts
 * keeps each referrer's referrals and how many of them are closed (a won
 * one is), which bounds what the referrer can have in any window, so the
 * top referrers are looked for from the largest bounds down.  A new
 * referral is added to both by store_referral_add (ST_REPORT_COUNT_ADD,
 * in the insert's transaction); an update or a delete of a referral moves
 * it by triggers (each backend words its own, below), so no writer can
 * forget them.  Not a trigger on INSERT: on SQLite, an INSERT with a
 * trigger checks every table whose foreign key names referrals for rows
 * waiting for the new one, and jobs has no index of all its referral ids
 * (a scan of millions of jobs per referral).  The macros are kept as
 * written: clang-format cannot lay out strings between macro calls. */
/* clang-format off */
#define REPORT_HOUR(t) "(" t " - (" t " % 3600 + 3600) % 3600)"
#define REPORT_CONTACT(p) "CASE WHEN " p "first_contact_at <> 0 THEN 1 ELSE 0 END"
#define REPORT_DELAY(p) \
	"CASE WHEN " p "first_contact_at <> 0 THEN " p "first_contact_at - " p "created_at" \
	" ELSE 0 END"
#define REPORT_REP(p) "lower(coalesce(" p "rep_email, ''))"
#define REPORT_CLOSED(p) "coalesce((SELECT closed FROM statuses WHERE name = " p "status), 0)"
#define MIGRATION_12_COMMON \
	"CREATE TABLE report_counts (" \
	"  business     text NOT NULL," \
	"  at           bigint NOT NULL," \
	"  status       text NOT NULL," \
	"  rep          text NOT NULL," \
	"  n            bigint NOT NULL," \
	"  with_contact bigint NOT NULL," \
	"  delay_sum    bigint NOT NULL," \
	"  PRIMARY KEY (business, at, status, rep)" \
	");" \
	"CREATE INDEX report_counts_rep ON report_counts(business, rep);" \
	/* the totals of one status (what waits now) */ \
	"CREATE INDEX report_counts_status ON report_counts(business, status, at);" \
	"INSERT INTO report_counts (business, at, status, rep, n, with_contact, delay_sum)" \
	" SELECT business, " REPORT_HOUR("created_at") ", status, " REPORT_REP("") \
	", count(*), sum(" REPORT_CONTACT("") "), sum(" REPORT_DELAY("") ")" \
	" FROM referrals GROUP BY business, " REPORT_HOUR("created_at") ", status, " \
	REPORT_REP("") ";" \
	"CREATE TABLE referrer_counts (" \
	"  business    text NOT NULL," \
	"  referrer_id bigint NOT NULL," \
	"  n           bigint NOT NULL," \
	"  closed      bigint NOT NULL," \
	"  PRIMARY KEY (business, referrer_id)" \
	");" \
	"CREATE INDEX referrer_counts_top ON referrer_counts(business, n DESC, closed DESC," \
	"  referrer_id);" \
	"INSERT INTO referrer_counts (business, referrer_id, n, closed)" \
	" SELECT r.business, r.referrer_id, count(*)," \
	" sum(CASE WHEN s.closed <> 0 THEN 1 ELSE 0 END) FROM referrals r" \
	" LEFT JOIN statuses s ON s.name = r.status WHERE r.referrer_id IS NOT NULL" \
	" GROUP BY r.business, r.referrer_id;" \
	/* the referrals made in a stretch of time (the parts of an hour at a \
	 * window's ends, the won ones of a window, a short window's delays), \
	 * and the won ones won in a window */ \
	"CREATE INDEX referrals_made ON referrals(business, created_at, status, first_contact_at," \
	"  closed_at, value, rep_email);" \
	"CREATE INDEX referrals_won ON referrals(business, status, closed_at, created_at, value," \
	"  rep_email);"

/* A referral's share of the totals (p: "new." or "old."), added as an
 * upsert (as: the table's alias, t: how the update names its row), and
 * taken away again. */
#define COUNTS_UPSERT(p, as, t) \
	"INSERT INTO report_counts " as " (business, at, status, rep, n, with_contact," \
	" delay_sum) VALUES (" p "business, " REPORT_HOUR(p "created_at") ", " p "status, " \
	REPORT_REP(p) ", 1, " REPORT_CONTACT(p) ", " REPORT_DELAY(p) ")" \
	" ON CONFLICT (business, at, status, rep) DO UPDATE SET n = " t "n + 1," \
	" with_contact = " t "with_contact + excluded.with_contact," \
	" delay_sum = " t "delay_sum + excluded.delay_sum;"
#define COUNTS_TAKE(p) \
	"UPDATE report_counts SET n = n - 1, with_contact = with_contact - " REPORT_CONTACT(p) "," \
	" delay_sum = delay_sum - " REPORT_DELAY(p) " WHERE business = " p "business" \
	" AND at = " REPORT_HOUR(p "created_at") " AND status = " p "status" \
	" AND rep = " REPORT_REP(p) ";" \
	"UPDATE referrer_counts SET n = n - 1, closed = closed - " REPORT_CLOSED(p) \
	" WHERE business = " p "business AND referrer_id = " p "referrer_id;"
#define SQLITE_COUNTS_ADD(p) \
	COUNTS_UPSERT(p, "", "") \
	"INSERT INTO referrer_counts (business, referrer_id, n, closed)" \
	" SELECT " p "business, " p "referrer_id, 1, " REPORT_CLOSED(p) \
	" WHERE " p "referrer_id IS NOT NULL" \
	" ON CONFLICT (business, referrer_id) DO UPDATE SET n = n + 1," \
	" closed = closed + excluded.closed;"
#define MIGRATION_12_SQLITE \
	MIGRATION_12_COMMON \
	"CREATE TRIGGER referrals_counts_delete AFTER DELETE ON referrals BEGIN " \
	COUNTS_TAKE("old.") " END;" \
	"CREATE TRIGGER referrals_counts_update AFTER UPDATE OF business, status, referrer_id," \
	"  rep_email, created_at, first_contact_at ON referrals" \
	"  WHEN old.business IS NOT new.business OR old.status IS NOT new.status" \
	"    OR old.referrer_id IS NOT new.referrer_id OR old.rep_email IS NOT new.rep_email" \
	"    OR old.created_at IS NOT new.created_at" \
	"    OR old.first_contact_at IS NOT new.first_contact_at BEGIN " \
	COUNTS_TAKE("old.") SQLITE_COUNTS_ADD("new.") " END;" \
	/* the delays to the first contact in order (rep_email is NOCASE) */ \
	"CREATE INDEX referrals_delay ON referrals(business, first_contact_at - created_at," \
	"  created_at, first_contact_at) WHERE first_contact_at <> 0;" \
	"CREATE INDEX referrals_rep_delay ON referrals(business, rep_email," \
	"  first_contact_at - created_at, created_at, first_contact_at)" \
	"  WHERE first_contact_at <> 0;" \
	"CREATE INDEX referrals_rep ON referrals(business, rep_email);"
/* PostgreSQL: the same, as one trigger function (an upsert there names
 * the row it updates by the table's alias). */
#define MIGRATION_12_PG \
	MIGRATION_12_COMMON \
	"CREATE FUNCTION referrals_counts() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN " \
	COUNTS_TAKE("OLD.") \
	"  IF TG_OP = 'UPDATE' THEN " COUNTS_UPSERT("NEW.", "AS c", "c.") \
	"    IF NEW.referrer_id IS NOT NULL THEN" \
	"      INSERT INTO referrer_counts AS c (business, referrer_id, n, closed)" \
	"        VALUES (NEW.business, NEW.referrer_id, 1, " REPORT_CLOSED("NEW.") ")" \
	"        ON CONFLICT (business, referrer_id) DO UPDATE SET n = c.n + 1," \
	"        closed = c.closed + excluded.closed;" \
	"    END IF;" \
	"  END IF;" \
	"  RETURN NULL;" \
	" END $f$;" \
	"CREATE TRIGGER referrals_counts AFTER DELETE OR UPDATE OF business, status," \
	"  referrer_id, rep_email, created_at, first_contact_at ON referrals FOR EACH ROW" \
	"  EXECUTE FUNCTION referrals_counts();" \
	"CREATE INDEX referrals_delay ON referrals(business, (first_contact_at - created_at)," \
	"  created_at, first_contact_at) WHERE first_contact_at <> 0;" \
	"CREATE INDEX referrals_rep_delay ON referrals(business, lower(rep_email)," \
	"  (first_contact_at - created_at), created_at, first_contact_at)" \
	"  WHERE first_contact_at <> 0;" \
	"CREATE INDEX referrals_rep ON referrals(business, lower(rep_email), id);"

/* A new referral's share of the running totals; the referrals made in a
 * part of an hour, as the running totals count them. */
#define SQL_REPORT_COUNT_ADD \
	"INSERT INTO report_counts (business, at, status, rep, n, with_contact, delay_sum)" \
	" SELECT business, " REPORT_HOUR("created_at") ", status, " REPORT_REP("") ", 1, " \
	REPORT_CONTACT("") ", " REPORT_DELAY("") " FROM referrals" \
	" WHERE id = :id AND business = :business" \
	" ON CONFLICT (business, at, status, rep) DO UPDATE SET n = report_counts.n + 1," \
	" with_contact = report_counts.with_contact + excluded.with_contact," \
	" delay_sum = report_counts.delay_sum + excluded.delay_sum"
#define SQL_REFERRER_COUNT_ADD \
	"INSERT INTO referrer_counts (business, referrer_id, n, closed)" \
	" SELECT r.business, r.referrer_id, 1, " REPORT_CLOSED("r.") " FROM referrals r" \
	" WHERE r.id = :id AND r.business = :business AND r.referrer_id IS NOT NULL" \
	" ON CONFLICT (business, referrer_id) DO UPDATE SET n = referrer_counts.n + 1," \
	" closed = referrer_counts.closed + excluded.closed"
#define SQL_REPORT_MADE \
	"SELECT status, " REPORT_REP("") " AS rep, count(*) AS n," \
	" CAST(sum(" REPORT_CONTACT("") ") AS bigint) AS with_contact," \
	" CAST(sum(" REPORT_DELAY("") ") AS bigint) AS delay_sum FROM referrals" \
	" WHERE business = :business AND created_at >= :from AND created_at < :to" \
	" GROUP BY status, " REPORT_REP("")
#define SQL_REPORT_STATUS_MADE \
	"SELECT " REPORT_REP("") " AS rep, count(*) AS n FROM referrals" \
	" WHERE business = :business AND created_at >= :from AND created_at < :to" \
	" AND status = :status AND coalesce(first_contact_at, 0) = 0" \
	" GROUP BY " REPORT_REP("")
/* clang-format on */

const struct migration migrations[] = {
        /* 0 -> 1: the first schema. */
        {.sql = "CREATE TABLE people ("
                "  id         INTEGER PRIMARY KEY,"
                /* NULL for someone known by name only (a web form); UNIQUE allows
                 * any number of NULLs.  Stored lower case (ASCII, like str_lower);
                 * GLOB is case-sensitive, so the check does not depend on how this
                 * SQLite build folds case. */
                "  email      TEXT UNIQUE COLLATE NOCASE"
                "             CONSTRAINT people_email_lower CHECK (email IS NULL OR"
                "               (length(email) > 0 AND email NOT GLOB '*[A-Z]*')),"
                "  name       TEXT,"
                "  phone      TEXT,"
                "  company    TEXT,"
                "  created_at INTEGER NOT NULL"
                ");"

                "CREATE TABLE referrals ("
                "  id               INTEGER PRIMARY KEY,"
                "  status           TEXT NOT NULL CONSTRAINT referral_status CHECK (status IN"
                "                     ('new', 'contacted', 'qualified', 'proposal', 'won', 'lost',"
                "                      'held', 'rejected', 'expired')),"
                "  referrer_id      INTEGER REFERENCES people(id),"
                "  lead_id          INTEGER NOT NULL REFERENCES people(id),"
                "  rep_email        TEXT COLLATE NOCASE,"
                "  rep_name         TEXT,"
                "  need             TEXT,"
                "  budget           TEXT,"
                "  timeline         TEXT,"
                "  context          TEXT,"
                "  subject          TEXT,"
                "  held_reason      TEXT,"
                "  thread_key       TEXT,"
                "  value            REAL,"
                "  created_at       INTEGER NOT NULL,"
                "  updated_at       INTEGER NOT NULL,"
                "  first_contact_at INTEGER,"
                "  closed_at        INTEGER,"
                "  last_activity_at INTEGER NOT NULL"
                ");"
                /* store_referral_open_for_lead. */
                "CREATE INDEX referrals_lead_status ON referrals(lead_id, status);"
                /* store_referral_list by status (rowid order within a status). */
                "CREATE INDEX referrals_status ON referrals(status);"
                /* No index on referrer_id yet: nothing here looks referrals up by
                 * referrer, people are never deleted, and it cost intake 3%.  The
                 * migration that adds check-ins and rewards adds it. */

                "CREATE TABLE messages ("
                "  id          INTEGER PRIMARY KEY,"
                "  key         TEXT NOT NULL UNIQUE,"
                "  direction   TEXT NOT NULL CONSTRAINT message_direction"
                "                CHECK (direction IN ('in', 'out')),"
                "  kind        TEXT NOT NULL,"
                "  why         TEXT,"
                "  mailbox     TEXT,"
                "  uidvalidity INTEGER,"
                "  uid         INTEGER,"
                "  source      TEXT,"
                "  from_email  TEXT,"
                "  subject     TEXT,"
                "  date        INTEGER,"
                "  at          INTEGER NOT NULL"
                ");"
                /* store_message_count. */
                "CREATE INDEX messages_kind ON messages(kind);"

                /* The primary key serves message -> referrals (store_thread_find);
                 * the index serves referral -> messages. */
                "CREATE TABLE message_referrals ("
                "  message_id  INTEGER NOT NULL REFERENCES messages(id),"
                "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
                "  PRIMARY KEY (message_id, referral_id)"
                ") WITHOUT ROWID;"
                "CREATE INDEX message_referrals_referral ON message_referrals(referral_id);"

                "CREATE TABLE events ("
                "  id          INTEGER PRIMARY KEY,"
                "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
                "  at          INTEGER NOT NULL,"
                "  actor       TEXT NOT NULL,"
                "  kind        TEXT NOT NULL,"
                "  old_status  TEXT,"
                "  new_status  TEXT,"
                "  detail      TEXT,"
                "  message_id  INTEGER REFERENCES messages(id)"
                ");"
                /* store_referral_get: a referral's events in time order. */
                "CREATE INDEX events_referral ON events(referral_id, at);"

                "CREATE TABLE checkpoints ("
                "  mailbox     TEXT NOT NULL PRIMARY KEY,"
                "  uidvalidity INTEGER NOT NULL CONSTRAINT checkpoint_uidvalidity"
                "                CHECK (uidvalidity BETWEEN 0 AND 4294967295),"
                "  last_uid    INTEGER NOT NULL CONSTRAINT checkpoint_last_uid"
                "                CHECK (last_uid BETWEEN 0 AND 4294967295)"
                ") WITHOUT ROWID;"

                "CREATE TABLE counters ("
                "  name  TEXT NOT NULL PRIMARY KEY,"
                "  value INTEGER NOT NULL"
                ") WITHOUT ROWID;"},

        /* 1 -> 2: outgoing mail (jobs), and what people asked of it. */
        {.sql = "ALTER TABLE people ADD COLUMN opted_out_at INTEGER;"
                "ALTER TABLE people ADD COLUMN opt_out_source TEXT;"
                "ALTER TABLE people ADD COLUMN bouncing_at INTEGER;"
                "ALTER TABLE people ADD COLUMN bounce_reason TEXT;"
                /* random, for the List-Unsubscribe address of this person */
                "ALTER TABLE people ADD COLUMN token TEXT;"
                "CREATE UNIQUE INDEX people_token ON people(token) WHERE token IS NOT NULL;"
                /* when this person last got (or was scheduled) a check-in */
                "ALTER TABLE people ADD COLUMN checkin_at INTEGER;"
                /* check-ins look referrals up by referrer */
                "CREATE INDEX referrals_referrer ON referrals(referrer_id, created_at);"

                "CREATE TABLE jobs ("
                "  id              INTEGER PRIMARY KEY,"
                "  referral_id     INTEGER REFERENCES referrals(id),"
                "  template        TEXT NOT NULL,"
                "  recipient       TEXT NOT NULL CONSTRAINT job_recipient_lower"
                "                    CHECK (length(recipient) > 0 AND recipient NOT GLOB "
                "'*[A-Z]*'),"
                "  recipient_name  TEXT,"
                "  cc              TEXT,"
                "  seq             INTEGER NOT NULL DEFAULT 0,"
                "  note            TEXT,"
                "  due_at          INTEGER NOT NULL,"
                "  next_attempt_at INTEGER NOT NULL,"
                "  state           TEXT NOT NULL DEFAULT 'pending' CONSTRAINT job_state"
                "                    CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),"
                "  attempts        INTEGER NOT NULL DEFAULT 0,"
                "  last_error      TEXT,"
                /* unique by construction (referral, template and 64 random
                 * bits, schedule_message_id); no index needed to enforce it */
                "  message_key     TEXT NOT NULL,"
                "  in_reply_to     TEXT,"
                "  refs            TEXT,"
                "  claimed_by      TEXT,"
                "  claimed_until   INTEGER,"
                "  created_at      INTEGER NOT NULL,"
                "  done_at         INTEGER"
                ");"
                /* Partial indexes: picking due jobs and cancelling them touch only
                 * pending rows, so their cost does not grow with the sent ones. */
                "CREATE INDEX jobs_due ON jobs(next_attempt_at) WHERE state = 'pending';"
                "CREATE INDEX jobs_referral ON jobs(referral_id, template) WHERE state = 'pending';"
                /* the daily cap per recipient */
                "CREATE INDEX jobs_sent ON jobs(recipient, done_at) WHERE state = 'sent';"},

        /* 2 -> 3: replies that move referrals: the reward ledger and status
         * lines waiting for the rep's confirmation. */
        {.sql = "CREATE TABLE rewards ("
                "  id          INTEGER PRIMARY KEY,"
                "  referral_id INTEGER NOT NULL UNIQUE REFERENCES referrals(id),"
                "  referrer_id INTEGER REFERENCES people(id),"
                "  amount      REAL NOT NULL CONSTRAINT reward_amount CHECK (amount >= 0),"
                "  rule        TEXT,"
                "  state       TEXT NOT NULL DEFAULT 'owed' CONSTRAINT reward_state"
                "                CHECK (state IN ('owed', 'paid')),"
                "  created_at  INTEGER NOT NULL,"
                "  paid_at     INTEGER"
                ");"
                "CREATE TABLE confirmations ("
                "  id          INTEGER PRIMARY KEY,"
                "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
                "  rep         TEXT NOT NULL,"
                "  command     TEXT NOT NULL,"
                "  arg         TEXT,"
                "  message_key TEXT NOT NULL UNIQUE,"
                "  state       TEXT NOT NULL DEFAULT 'pending' CONSTRAINT confirmation_state"
                "                CHECK (state IN ('pending', 'applied', 'declined')),"
                "  created_at  INTEGER NOT NULL,"
                "  done_at     INTEGER"
                ");"
                /* expiry looks for open referrals by their last activity */
                "CREATE INDEX referrals_activity ON referrals(last_activity_at)"
                "  WHERE status NOT IN ('won', 'lost', 'rejected', 'expired');"},

        /* 3 -> 4: the statuses become rows of a lookup table, filled from
         * status_table (kinds.c) by every read-write open, so a new status
         * is a row there and no rebuild here.  referrals trades its CHECK
         * list for a reference to that table; SQLite cannot drop a CHECK,
         * so the table is rebuilt (new table, copy, drop, rename, indexes
         * again); no trigger or view refers to it. */
        {.rebuild = 1,
         .sql = "CREATE TABLE statuses ("
                "  name     TEXT NOT NULL PRIMARY KEY,"
                "  position INTEGER NOT NULL," /* the order of kinds.h */
                "  closed   INTEGER NOT NULL,"
                "  credit   INTEGER NOT NULL,"
                "  contact  INTEGER NOT NULL"
                ") WITHOUT ROWID;"

                "CREATE TABLE referrals_new ("
                "  id               INTEGER PRIMARY KEY,"
                "  status           TEXT NOT NULL REFERENCES statuses(name),"
                "  referrer_id      INTEGER REFERENCES people(id),"
                "  lead_id          INTEGER NOT NULL REFERENCES people(id),"
                "  rep_email        TEXT COLLATE NOCASE,"
                "  rep_name         TEXT,"
                "  need             TEXT,"
                "  budget           TEXT,"
                "  timeline         TEXT,"
                "  context          TEXT,"
                "  subject          TEXT,"
                "  held_reason      TEXT,"
                "  thread_key       TEXT,"
                "  value            REAL,"
                "  created_at       INTEGER NOT NULL,"
                "  updated_at       INTEGER NOT NULL,"
                "  first_contact_at INTEGER,"
                "  closed_at        INTEGER,"
                "  last_activity_at INTEGER NOT NULL"
                ");"
                "INSERT INTO referrals_new (id, status, referrer_id, lead_id, rep_email,"
                "  rep_name, need, budget, timeline, context, subject, held_reason,"
                "  thread_key, value, created_at, updated_at, first_contact_at, closed_at,"
                "  last_activity_at)"
                " SELECT id, status, referrer_id, lead_id, rep_email, rep_name, need, budget,"
                "  timeline, context, subject, held_reason, thread_key, value, created_at,"
                "  updated_at, first_contact_at, closed_at, last_activity_at FROM referrals;"
                "DROP TABLE referrals;"
                "ALTER TABLE referrals_new RENAME TO referrals;"
                "CREATE INDEX referrals_lead_status ON referrals(lead_id, status);"
                "CREATE INDEX referrals_status ON referrals(status);"
                "CREATE INDEX referrals_referrer ON referrals(referrer_id, created_at);"
                /* Expiry looks for open referrals by their last activity.
                 * A partial index cannot ask the statuses table which
                 * statuses are open, so this one leads with the status:
                 * expiry reads one range per open status, never the
                 * closed referrals. */
                "CREATE INDEX referrals_activity ON referrals(status, last_activity_at);"},

        /* 4 -> 5: the admin's review.  A row per item a review mail listed
         * (a held referral, or an incoming message that named someone the
         * agent cannot reach), so each is told once; mail_key is that
         * mail's Message-ID, NULL when there was no admin to tell. */
        {.sql = "CREATE TABLE reviews ("
                "  id          INTEGER PRIMARY KEY,"
                "  referral_id INTEGER UNIQUE REFERENCES referrals(id),"
                "  message_id  INTEGER UNIQUE REFERENCES messages(id),"
                "  mail_key    TEXT,"
                "  at          INTEGER NOT NULL,"
                "  CONSTRAINT review_one_item"
                "    CHECK ((referral_id IS NULL) <> (message_id IS NULL))"
                ");"},
        /* 5 -> 6: spreadsheets and people's data.  imports ties a referral
         * to the sheet row it came from, by a hash of the row's date,
         * referrer and lead (store_import_find), so a sheet imported twice
         * adds nothing.  People known by name only are found by name when
         * a sheet names them again (the partial index covers only them).
         * forgotten_at marks an erased person; optouts keeps, as a hash,
         * the opt-out of an address whose person was erased. */
        {.sql = "CREATE TABLE imports ("
                "  referral_id INTEGER PRIMARY KEY REFERENCES referrals(id),"
                "  key         TEXT NOT NULL UNIQUE,"
                "  source      TEXT,"
                "  row         INTEGER,"
                "  at          INTEGER NOT NULL"
                ");"
                "CREATE INDEX people_name ON people(name COLLATE NOCASE) WHERE email IS NULL;"
                "ALTER TABLE people ADD COLUMN forgotten_at INTEGER;"
                "CREATE TABLE optouts ("
                "  hash TEXT NOT NULL PRIMARY KEY,"
                "  at   INTEGER NOT NULL"
                ") WITHOUT ROWID;"},
        /* 6 -> 7: how sure intake was that the mail introduced the lead:
         * the confidence (the sum of the evidence's weights) and the
         * evidence as "+3 reason; -2 reason" (intake.h). */
        {.sql = "ALTER TABLE referrals ADD COLUMN confidence INTEGER;"
                "ALTER TABLE referrals ADD COLUMN evidence TEXT;"},
        /* 7 -> 8: reports and digests.  A referral of a rep who takes a
         * daily digest waits for it (digest_due, the time it started
         * waiting) instead of getting its own assign-rep; the jobs about
         * no single referral (digests, weekly summaries, check-ins) are
         * found by template and recipient, to make each once a day or
         * once a week. */
        {.sql = "ALTER TABLE referrals ADD COLUMN digest_due INTEGER;"
                "CREATE INDEX referrals_digest ON referrals(rep_email, id)"
                "  WHERE digest_due IS NOT NULL;"
                "CREATE INDEX jobs_periodic ON jobs(template, recipient, created_at)"
                "  WHERE referral_id IS NULL;"},
        /* 8 -> 9: many businesses in one database, and a fleet of agents.
         * Every row a business owns gets the business's key; the rows
         * there are belong to the business of the agent that migrates
         * (refagent_business(), registered by store_sqlite.c).  The keys
         * that were unique in the file become unique per business: a
         * rebuild of the tables whose UNIQUE or PRIMARY KEY changes (SQLite
         * cannot alter a constraint), an added column for the others.
         * Their indexes lead with the business.  businesses lists the
         * businesses; leases and lease_history are the fleet's (store.h);
         * times there are milliseconds of the database's clock. */
        {.rebuild = 1,
         .sql = "CREATE TABLE people_new ("
                "  id         INTEGER PRIMARY KEY,"
                "  business   TEXT NOT NULL,"
                "  email      TEXT COLLATE NOCASE"
                "             CONSTRAINT people_email_lower CHECK (email IS NULL OR"
                "               (length(email) > 0 AND email NOT GLOB '*[A-Z]*')),"
                "  name       TEXT,"
                "  phone      TEXT,"
                "  company    TEXT,"
                "  created_at INTEGER NOT NULL,"
                "  opted_out_at INTEGER,"
                "  opt_out_source TEXT,"
                "  bouncing_at INTEGER,"
                "  bounce_reason TEXT,"
                "  token      TEXT,"
                "  checkin_at INTEGER,"
                "  forgotten_at INTEGER,"
                "  CONSTRAINT people_email UNIQUE (business, email)"
                ");"
                "INSERT INTO people_new (id, business, email, name, phone, company, created_at,"
                "  opted_out_at, opt_out_source, bouncing_at, bounce_reason, token, checkin_at,"
                "  forgotten_at)"
                " SELECT id, refagent_business(), email, name, phone, company, created_at,"
                "  opted_out_at, opt_out_source, bouncing_at, bounce_reason, token, checkin_at,"
                "  forgotten_at FROM people;"
                "DROP TABLE people;"
                "ALTER TABLE people_new RENAME TO people;"
                "CREATE UNIQUE INDEX people_token ON people(token) WHERE token IS NOT NULL;"
                "CREATE INDEX people_name ON people(business, lower(name)) WHERE email IS NULL;"

                "CREATE TABLE messages_new ("
                "  id          INTEGER PRIMARY KEY,"
                "  business    TEXT NOT NULL,"
                "  key         TEXT NOT NULL,"
                "  direction   TEXT NOT NULL CONSTRAINT message_direction"
                "                CHECK (direction IN ('in', 'out')),"
                "  kind        TEXT NOT NULL,"
                "  why         TEXT,"
                "  mailbox     TEXT,"
                "  uidvalidity INTEGER,"
                "  uid         INTEGER,"
                "  source      TEXT,"
                "  from_email  TEXT,"
                "  subject     TEXT,"
                "  date        INTEGER,"
                "  at          INTEGER NOT NULL,"
                "  CONSTRAINT messages_key UNIQUE (business, key)"
                ");"
                "INSERT INTO messages_new (id, business, key, direction, kind, why, mailbox,"
                "  uidvalidity, uid, source, from_email, subject, date, at)"
                " SELECT id, refagent_business(), key, direction, kind, why, mailbox, uidvalidity,"
                "  uid, source, from_email, subject, date, at FROM messages;"
                "DROP TABLE messages;"
                "ALTER TABLE messages_new RENAME TO messages;"
                "CREATE INDEX messages_kind ON messages(business, kind);"

                "CREATE TABLE checkpoints_new ("
                "  business    TEXT NOT NULL,"
                "  mailbox     TEXT NOT NULL,"
                "  uidvalidity INTEGER NOT NULL CONSTRAINT checkpoint_uidvalidity"
                "                CHECK (uidvalidity BETWEEN 0 AND 4294967295),"
                "  last_uid    INTEGER NOT NULL CONSTRAINT checkpoint_last_uid"
                "                CHECK (last_uid BETWEEN 0 AND 4294967295),"
                "  PRIMARY KEY (business, mailbox)"
                ") WITHOUT ROWID;"
                "INSERT INTO checkpoints_new (business, mailbox, uidvalidity, last_uid)"
                " SELECT refagent_business(), mailbox, uidvalidity, last_uid FROM checkpoints;"
                "DROP TABLE checkpoints;"
                "ALTER TABLE checkpoints_new RENAME TO checkpoints;"

                "CREATE TABLE counters_new ("
                "  business TEXT NOT NULL,"
                "  name     TEXT NOT NULL,"
                "  value    INTEGER NOT NULL,"
                "  PRIMARY KEY (business, name)"
                ") WITHOUT ROWID;"
                "INSERT INTO counters_new (business, name, value)"
                " SELECT refagent_business(), name, value FROM counters;"
                "DROP TABLE counters;"
                "ALTER TABLE counters_new RENAME TO counters;"

                "CREATE TABLE confirmations_new ("
                "  id          INTEGER PRIMARY KEY,"
                "  business    TEXT NOT NULL,"
                "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
                "  rep         TEXT NOT NULL,"
                "  command     TEXT NOT NULL,"
                "  arg         TEXT,"
                "  message_key TEXT NOT NULL,"
                "  state       TEXT NOT NULL DEFAULT 'pending' CONSTRAINT confirmation_state"
                "                CHECK (state IN ('pending', 'applied', 'declined')),"
                "  created_at  INTEGER NOT NULL,"
                "  done_at     INTEGER,"
                "  CONSTRAINT confirmations_key UNIQUE (business, message_key)"
                ");"
                "INSERT INTO confirmations_new (id, business, referral_id, rep, command, arg,"
                "  message_key, state, created_at, done_at)"
                " SELECT id, refagent_business(), referral_id, rep, command, arg, message_key,"
                "  state, created_at, done_at FROM confirmations;"
                "DROP TABLE confirmations;"
                "ALTER TABLE confirmations_new RENAME TO confirmations;"

                "CREATE TABLE imports_new ("
                "  referral_id INTEGER PRIMARY KEY REFERENCES referrals(id),"
                "  business    TEXT NOT NULL,"
                "  key         TEXT NOT NULL,"
                "  source      TEXT,"
                "  row         INTEGER,"
                "  at          INTEGER NOT NULL,"
                "  CONSTRAINT imports_key UNIQUE (business, key)"
                ");"
                "INSERT INTO imports_new (referral_id, business, key, source, row, at)"
                " SELECT referral_id, refagent_business(), key, source, row, at FROM imports;"
                "DROP TABLE imports;"
                "ALTER TABLE imports_new RENAME TO imports;"

                "CREATE TABLE optouts_new ("
                "  business TEXT NOT NULL,"
                "  hash     TEXT NOT NULL,"
                "  at       INTEGER NOT NULL,"
                "  PRIMARY KEY (business, hash)"
                ") WITHOUT ROWID;"
                "INSERT INTO optouts_new (business, hash, at)"
                " SELECT refagent_business(), hash, at FROM optouts;"
                "DROP TABLE optouts;"
                "ALTER TABLE optouts_new RENAME TO optouts;"

                /* NOT NULL needs a default to be added; every INSERT
                 * binds the business */
                "ALTER TABLE referrals ADD COLUMN business TEXT NOT NULL DEFAULT '';"
                "UPDATE referrals SET business = refagent_business();"
                "DROP INDEX referrals_status;"
                "CREATE INDEX referrals_status ON referrals(business, status);"
                "DROP INDEX referrals_activity;"
                "CREATE INDEX referrals_activity ON referrals(business, status, last_activity_at);"
                "DROP INDEX referrals_digest;"
                "CREATE INDEX referrals_digest ON referrals(business, rep_email, id)"
                "  WHERE digest_due IS NOT NULL;"
                "ALTER TABLE events ADD COLUMN business TEXT NOT NULL DEFAULT '';"
                "UPDATE events SET business = refagent_business();"
                "ALTER TABLE jobs ADD COLUMN business TEXT NOT NULL DEFAULT '';"
                "UPDATE jobs SET business = refagent_business();"
                "DROP INDEX jobs_due;"
                "CREATE INDEX jobs_due ON jobs(business, next_attempt_at) WHERE state = 'pending';"
                "DROP INDEX jobs_sent;"
                "CREATE INDEX jobs_sent ON jobs(business, recipient, done_at) WHERE state = 'sent';"
                "DROP INDEX jobs_periodic;"
                "CREATE INDEX jobs_periodic ON jobs(business, template, recipient, created_at)"
                "  WHERE referral_id IS NULL;"
                "ALTER TABLE rewards ADD COLUMN business TEXT NOT NULL DEFAULT '';"
                "UPDATE rewards SET business = refagent_business();"
                "ALTER TABLE reviews ADD COLUMN business TEXT NOT NULL DEFAULT '';"
                "UPDATE reviews SET business = refagent_business();"

                "CREATE TABLE businesses ("
                "  name       TEXT NOT NULL PRIMARY KEY,"
                "  created_at INTEGER NOT NULL"
                ") WITHOUT ROWID;"
                "INSERT INTO businesses (name, created_at)"
                " SELECT refagent_business(), coalesce(min(created_at), 0) FROM people;"
                "CREATE TABLE leases ("
                "  business    TEXT NOT NULL,"
                "  name        TEXT NOT NULL,"
                "  holder      TEXT NOT NULL,"
                "  acquired_at INTEGER NOT NULL,"
                "  expires_at  INTEGER NOT NULL,"
                "  PRIMARY KEY (business, name)"
                ") WITHOUT ROWID;"
                "CREATE TABLE lease_history ("
                "  id          INTEGER PRIMARY KEY,"
                "  business    TEXT NOT NULL,"
                "  name        TEXT NOT NULL,"
                "  holder      TEXT NOT NULL,"
                "  acquired_at INTEGER NOT NULL,"
                "  until       INTEGER NOT NULL,"
                "  released_at INTEGER"
                ");"
                "CREATE INDEX lease_history_holder ON lease_history(business, name, holder, id);"},
        /* 9 -> 10: `outbox --state S` reads the jobs of one state in id
         * order from an index instead of every job (millions after a few
         * busy years), and prints them as it reads.  The index is on
         * lower(state), which only that query asks for: on state itself
         * the planner took it for "state = 'pending'" in the updates that
         * should use the partial indexes of pending jobs, and read
         * millions of pending jobs to cancel a referral's four. */
        {.sql = "CREATE INDEX jobs_state ON jobs(business, lower(state));",
         .pg = "CREATE INDEX jobs_state ON jobs(business, lower(state));"},
        /* 10 -> 11: no lookup of a few jobs may find them through the
         * business alone (every job of a store of one business).  SQLite
         * took jobs_state, led by the business, to cancel a referral's
         * pending jobs, and read all the jobs of the store for each
         * "#won" (a quarter of a second at 100,000 referrals):
         * jobs_state now leads with the state, and a referral's and a
         * recipient's pending jobs have indexes that start with the
         * business, so they win on two equalities.  A reward's referrer
         * gets an index for the foreign key checks of people and for a
         * person's ledger.  tests/unit/test_plans.c keeps every plan so. */
        {.sql = MIGRATION_11, .pg = MIGRATION_11},
        /* 11 -> 12: the report's running totals and indexes (above). */
        {.sql = MIGRATION_12_SQLITE, .pg = MIGRATION_12_PG},
};

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

/*
 * The PostgreSQL schema: version PG_SCHEMA_BASE (9) in one script, the
 * same tables, columns, constraints and indexes as SQLite's after
 * migrations[0..9), in PostgreSQL's words.  Later versions are the
 * migrations' .pg steps, as for SQLite.
 *
 * Integers are bigint, ids identities (sql_last_id reads them back with
 * RETURNING id), and the statuses' flags stay integers so the SQL of both
 * backends reads them alike (closed <> 0).  Addresses are lower case by a
 * CHECK, as on SQLite; nothing needs NOCASE.  refagent_scrub() is forget's
 * replacement (store_privacy.c), as regular expressions: the address
 * where no address character stands before it, and no word or domain
 * goes on after it; the name and phone (on the person's own rows, theirs)
 * where no letter or digit touches them.  It reads what to replace from
 * the session's settings refagent.scrub_* (store_pg.c).
 */
const char pg_schema[] =
        "CREATE TABLE statuses ("
        "  name     text NOT NULL PRIMARY KEY,"
        "  position integer NOT NULL,"
        "  closed   integer NOT NULL,"
        "  credit   integer NOT NULL,"
        "  contact  integer NOT NULL"
        ");"
        "CREATE TABLE businesses ("
        "  name       text NOT NULL PRIMARY KEY,"
        "  created_at bigint NOT NULL"
        ");"

        "CREATE TABLE people ("
        "  id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business   text NOT NULL,"
        "  email      text CONSTRAINT people_email_lower CHECK (email IS NULL OR"
        "               (length(email) > 0 AND email !~ '[A-Z]')),"
        "  name       text,"
        "  phone      text,"
        "  company    text,"
        "  created_at bigint NOT NULL,"
        "  opted_out_at bigint,"
        "  opt_out_source text,"
        "  bouncing_at bigint,"
        "  bounce_reason text,"
        "  token      text,"
        "  checkin_at bigint,"
        "  forgotten_at bigint,"
        "  CONSTRAINT people_email UNIQUE (business, email)"
        ");"
        "CREATE UNIQUE INDEX people_token ON people(token) WHERE token IS NOT NULL;"
        "CREATE INDEX people_name ON people(business, lower(name)) WHERE email IS NULL;"

        "CREATE TABLE referrals ("
        "  id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business         text NOT NULL,"
        "  status           text NOT NULL REFERENCES statuses(name),"
        "  referrer_id      bigint REFERENCES people(id),"
        "  lead_id          bigint NOT NULL REFERENCES people(id),"
        "  rep_email        text,"
        "  rep_name         text,"
        "  need             text,"
        "  budget           text,"
        "  timeline         text,"
        "  context          text,"
        "  subject          text,"
        "  held_reason      text,"
        "  thread_key       text,"
        "  value            double precision,"
        "  created_at       bigint NOT NULL,"
        "  updated_at       bigint NOT NULL,"
        "  first_contact_at bigint,"
        "  closed_at        bigint,"
        "  last_activity_at bigint NOT NULL,"
        "  confidence       bigint,"
        "  evidence         text,"
        "  digest_due       bigint"
        ");"
        "CREATE INDEX referrals_lead_status ON referrals(lead_id, status);"
        "CREATE INDEX referrals_status ON referrals(business, status);"
        "CREATE INDEX referrals_referrer ON referrals(referrer_id, created_at);"
        "CREATE INDEX referrals_activity ON referrals(business, status, last_activity_at);"
        "CREATE INDEX referrals_digest ON referrals(business, rep_email, id)"
        "  WHERE digest_due IS NOT NULL;"

        "CREATE TABLE messages ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  key         text NOT NULL,"
        "  direction   text NOT NULL CONSTRAINT message_direction"
        "                CHECK (direction IN ('in', 'out')),"
        "  kind        text NOT NULL,"
        "  why         text,"
        "  mailbox     text,"
        "  uidvalidity bigint,"
        "  uid         bigint,"
        "  source      text,"
        "  from_email  text,"
        "  subject     text,"
        "  date        bigint,"
        "  at          bigint NOT NULL,"
        "  CONSTRAINT messages_key UNIQUE (business, key)"
        ");"
        "CREATE INDEX messages_kind ON messages(business, kind);"
        "CREATE TABLE message_referrals ("
        "  message_id  bigint NOT NULL REFERENCES messages(id),"
        "  referral_id bigint NOT NULL REFERENCES referrals(id),"
        "  PRIMARY KEY (message_id, referral_id)"
        ");"
        "CREATE INDEX message_referrals_referral ON message_referrals(referral_id);"

        "CREATE TABLE events ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  referral_id bigint NOT NULL REFERENCES referrals(id),"
        "  at          bigint NOT NULL,"
        "  actor       text NOT NULL,"
        "  kind        text NOT NULL,"
        "  old_status  text,"
        "  new_status  text,"
        "  detail      text,"
        "  message_id  bigint REFERENCES messages(id)"
        ");"
        "CREATE INDEX events_referral ON events(referral_id, at);"

        "CREATE TABLE checkpoints ("
        "  business    text NOT NULL,"
        "  mailbox     text NOT NULL,"
        "  uidvalidity bigint NOT NULL CONSTRAINT checkpoint_uidvalidity"
        "                CHECK (uidvalidity BETWEEN 0 AND 4294967295),"
        "  last_uid    bigint NOT NULL CONSTRAINT checkpoint_last_uid"
        "                CHECK (last_uid BETWEEN 0 AND 4294967295),"
        "  PRIMARY KEY (business, mailbox)"
        ");"
        "CREATE TABLE counters ("
        "  business text NOT NULL,"
        "  name     text NOT NULL,"
        "  value    bigint NOT NULL,"
        "  PRIMARY KEY (business, name)"
        ");"

        "CREATE TABLE jobs ("
        "  id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business        text NOT NULL,"
        "  referral_id     bigint REFERENCES referrals(id),"
        "  template        text NOT NULL,"
        "  recipient       text NOT NULL CONSTRAINT job_recipient_lower"
        "                    CHECK (length(recipient) > 0 AND recipient !~ '[A-Z]'),"
        "  recipient_name  text,"
        "  cc              text,"
        "  seq             bigint NOT NULL DEFAULT 0,"
        "  note            text,"
        "  due_at          bigint NOT NULL,"
        "  next_attempt_at bigint NOT NULL,"
        "  state           text NOT NULL DEFAULT 'pending' CONSTRAINT job_state"
        "                    CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),"
        "  attempts        bigint NOT NULL DEFAULT 0,"
        "  last_error      text,"
        "  message_key     text NOT NULL,"
        "  in_reply_to     text,"
        "  refs            text,"
        "  claimed_by      text,"
        "  claimed_until   bigint,"
        "  created_at      bigint NOT NULL,"
        "  done_at         bigint"
        ");"
        "CREATE INDEX jobs_due ON jobs(business, next_attempt_at) WHERE state = 'pending';"
        "CREATE INDEX jobs_referral ON jobs(referral_id, template) WHERE state = 'pending';"
        "CREATE INDEX jobs_sent ON jobs(business, recipient, done_at) WHERE state = 'sent';"
        "CREATE INDEX jobs_periodic ON jobs(business, template, recipient, created_at)"
        "  WHERE referral_id IS NULL;"

        "CREATE TABLE rewards ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  referral_id bigint NOT NULL UNIQUE REFERENCES referrals(id),"
        "  referrer_id bigint REFERENCES people(id),"
        "  amount      double precision NOT NULL CONSTRAINT reward_amount CHECK (amount >= 0),"
        "  rule        text,"
        "  state       text NOT NULL DEFAULT 'owed' CONSTRAINT reward_state"
        "                CHECK (state IN ('owed', 'paid')),"
        "  created_at  bigint NOT NULL,"
        "  paid_at     bigint"
        ");"
        "CREATE TABLE confirmations ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  referral_id bigint NOT NULL REFERENCES referrals(id),"
        "  rep         text NOT NULL,"
        "  command     text NOT NULL,"
        "  arg         text,"
        "  message_key text NOT NULL,"
        "  state       text NOT NULL DEFAULT 'pending' CONSTRAINT confirmation_state"
        "                CHECK (state IN ('pending', 'applied', 'declined')),"
        "  created_at  bigint NOT NULL,"
        "  done_at     bigint,"
        "  CONSTRAINT confirmations_key UNIQUE (business, message_key)"
        ");"
        "CREATE TABLE reviews ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  referral_id bigint UNIQUE REFERENCES referrals(id),"
        "  message_id  bigint UNIQUE REFERENCES messages(id),"
        "  mail_key    text,"
        "  at          bigint NOT NULL,"
        "  CONSTRAINT review_one_item"
        "    CHECK ((referral_id IS NULL) <> (message_id IS NULL))"
        ");"
        "CREATE TABLE imports ("
        "  referral_id bigint PRIMARY KEY REFERENCES referrals(id),"
        "  business    text NOT NULL,"
        "  key         text NOT NULL,"
        "  source      text,"
        "  row         bigint,"
        "  at          bigint NOT NULL,"
        "  CONSTRAINT imports_key UNIQUE (business, key)"
        ");"
        "CREATE TABLE optouts ("
        "  business text NOT NULL,"
        "  hash     text NOT NULL,"
        "  at       bigint NOT NULL,"
        "  PRIMARY KEY (business, hash)"
        ");"

        "CREATE TABLE leases ("
        "  business    text NOT NULL,"
        "  name        text NOT NULL,"
        "  holder      text NOT NULL,"
        "  acquired_at bigint NOT NULL,"
        "  expires_at  bigint NOT NULL,"
        "  PRIMARY KEY (business, name)"
        ");"
        "CREATE TABLE lease_history ("
        "  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  business    text NOT NULL,"
        "  name        text NOT NULL,"
        "  holder      text NOT NULL,"
        "  acquired_at bigint NOT NULL,"
        "  until       bigint NOT NULL,"
        "  released_at bigint"
        ");"
        "CREATE INDEX lease_history_holder ON lease_history(business, name, holder, id);"

        /* one mention at a time: needle (an address when address) in t,
         * unless apply is false or the needle is too short to mean anyone */
        "CREATE FUNCTION refagent_scrub_one(t text, needle text, apply boolean,"
        "  address boolean) RETURNS text LANGUAGE sql IMMUTABLE AS $$"
        " SELECT CASE WHEN t IS NULL OR NOT apply"
        "   OR length(needle) < CASE WHEN address THEN 3 ELSE 2 END THEN t"
        " ELSE regexp_replace(t,"
        "   CASE WHEN address THEN '(?<![A-Za-z0-9._%+-])' ELSE '(?<![A-Za-z0-9])' END"
        "   || regexp_replace(needle, '([^A-Za-z0-9 ])', '\\\\\\1', 'g')"
        "   || CASE WHEN address THEN '(?![A-Za-z0-9_-]|[.][A-Za-z0-9])'"
        "      ELSE '(?![A-Za-z0-9])' END,"
        "   '(forgotten)', 'gi') END $$;"
        "CREATE FUNCTION refagent_scrub(t text, theirs boolean) RETURNS text"
        "  LANGUAGE sql STABLE AS $$"
        " SELECT CASE WHEN t IS NULL OR e = '' THEN t"
        "   ELSE refagent_scrub_one(refagent_scrub_one(refagent_scrub_one(t, e, true, true),"
        "     n, theirs, false), p, theirs, false) END"
        " FROM (SELECT coalesce(current_setting('refagent.scrub_email', true), '') AS e,"
        "   coalesce(current_setting('refagent.scrub_name', true), '') AS n,"
        "   coalesce(current_setting('refagent.scrub_phone', true), '') AS p) s $$;";

/*
 * Views.  A column is read by its own name, or by its AS name where it is
 * an expression or would be ambiguous.  The lists are spelled out rather
 * than "*": a statement re-prepared after another process changed the
 * schema then still answers the same columns in the same places.
 *
 * Every statement keeps to the business of the handle: "business =
 * :business" on each table a business owns that it reads by anything but
 * the id of a row of that business found by such a statement before (an
 * id from outside, `show 12`, is checked too).  The statement layer binds
 * :business.
 *
 * Where the dialects differ the statement has a second text, .pg; most
 * need none, because the SQL keeps to what both say alike: IS [NOT]
 * DISTINCT FROM (not SQLite's IS), CASE (not the two-argument max()),
 * coalesce(sum(), 0) (not total()), NULLS FIRST where it matters,
 * integers for flags (closed <> 0), lower() for NOCASE.
 */
/* the other referrals made by the message that made referral :id */
#define SOURCE_SIBLINGS                                                                            \
	"(SELECT referral_id FROM message_referrals WHERE message_id = (SELECT min(message_id)"    \
	" FROM message_referrals WHERE referral_id = :id) AND referral_id <> :id)"
#define REFERRAL_VIEW_SELECT                                                                       \
	"SELECT r.id, r.status, r.referrer_id, r.lead_id, r.rep_name, r.rep_email, r.need,"        \
	" r.budget, r.timeline, r.context, r.subject, r.held_reason, r.thread_key, r.value,"       \
	" r.created_at, r.updated_at, r.first_contact_at, r.confidence, r.evidence,"               \
	" rp.name AS referrer_name, rp.email AS referrer_email, rp.phone AS referrer_phone,"       \
	" rp.company AS referrer_company, lp.name AS lead_name, lp.email AS lead_email,"           \
	" lp.phone AS lead_phone, lp.company AS lead_company"                                      \
	" FROM referrals r LEFT JOIN people rp ON rp.id = r.referrer_id"                           \
	" JOIN people lp ON lp.id = r.lead_id WHERE r.business = :business "

/* The id of the person with address :email (lower case, as stored). */
#define PERSON_ID "(SELECT id FROM people WHERE business = :business AND email = :email)"

#define REWARD_VIEW_SELECT                                                                         \
	"SELECT w.id, w.referral_id, w.amount, w.rule, w.state, w.created_at, w.paid_at,"          \
	" p.name AS referrer_name, p.email AS referrer_email, l.name AS lead_name,"                \
	" l.email AS lead_email FROM rewards w JOIN referrals r ON r.id = w.referral_id"           \
	" LEFT JOIN people p ON p.id = w.referrer_id JOIN people l ON l.id = r.lead_id"            \
	" WHERE w.business = :business "

#define JOB_COLUMNS                                                                                \
	"id, referral_id, template, recipient, recipient_name, cc, seq, note, due_at,"             \
	" next_attempt_at, state, attempts, last_error, message_key, in_reply_to, refs,"           \
	" created_at, done_at"
#define JOB_VIEW_SELECT "SELECT " JOB_COLUMNS " FROM jobs WHERE business = :business "

#define EVENT_VIEW_SELECT                                                                          \
	"SELECT e.referral_id, e.at, e.actor, e.kind, e.old_status, e.new_status, e.detail,"       \
	" m.key AS message_key FROM events e LEFT JOIN messages m ON m.id = e.message_id"          \
	" WHERE e.business = :business "

/* ---- the columns of the views, as the C reads them ---- */

/* Each view of store.h: the result columns of its statements (the
 * SELECTs above, and the ones in stmt_def below) and the field each goes
 * in.  col_fill reads a row by it, col_free frees what that read. */

#define EVENT(f) offsetof(struct event_view, f)
static const struct col_field event_cols[] = {
        {"referral_id", COL_INT64, EVENT(referral_id)},
        {"at", COL_INT64, EVENT(at)},
        {"actor", COL_TEXT, EVENT(actor)},
        {"kind", COL_TEXT, EVENT(kind)},
        {"old_status", COL_TEXT, EVENT(old_status)},
        {"new_status", COL_TEXT, EVENT(new_status)},
        {"detail", COL_TEXT, EVENT(detail)},
        {"message_key", COL_TEXT, EVENT(message_key)},
};
const struct col_map event_columns = {event_cols, ARRAY_SIZE(event_cols),
                                      sizeof(struct event_view)};

#define REWARD(f) offsetof(struct reward_view, f)
static const struct col_field reward_cols[] = {
        {"id", COL_INT64, REWARD(id)},
        {"referral_id", COL_INT64, REWARD(referral_id)},
        {"amount", COL_REAL, REWARD(amount)},
        {"rule", COL_TEXT, REWARD(rule)},
        {"state", COL_TEXT, REWARD(state)},
        {"created_at", COL_INT64, REWARD(created_at)},
        {"paid_at", COL_INT64, REWARD(paid_at)},
        {"referrer_name", COL_TEXT, REWARD(referrer.name)},
        {"referrer_email", COL_TEXT, REWARD(referrer.email)},
        {"lead_name", COL_TEXT, REWARD(lead.name)},
        {"lead_email", COL_TEXT, REWARD(lead.email)},
};
const struct col_map reward_columns = {reward_cols, ARRAY_SIZE(reward_cols),
                                       sizeof(struct reward_view)};

#define JOB(f) offsetof(struct job_view, f)
static const struct col_field job_cols[] = {
        {"id", COL_INT64, JOB(id)},
        {"referral_id", COL_INT64, JOB(referral_id)},
        {"template", COL_TEXT, JOB(template)},
        {"recipient", COL_TEXT, JOB(recipient)},
        {"recipient_name", COL_TEXT, JOB(recipient_name)},
        {"cc", COL_TEXT, JOB(cc)},
        {"seq", COL_INT, JOB(seq)},
        {"note", COL_TEXT, JOB(note)},
        {"due_at", COL_INT64, JOB(due_at)},
        {"next_attempt_at", COL_INT64, JOB(next_attempt_at)},
        {"state", COL_TEXT, JOB(state)},
        {"attempts", COL_INT, JOB(attempts)},
        {"last_error", COL_TEXT, JOB(last_error)},
        {"message_key", COL_TEXT, JOB(message_key)},
        {"in_reply_to", COL_TEXT, JOB(in_reply_to)},
        {"refs", COL_TEXT, JOB(refs)},
        {"created_at", COL_INT64, JOB(created_at)},
        {"done_at", COL_INT64, JOB(done_at)},
};
const struct col_map job_columns = {job_cols, ARRAY_SIZE(job_cols), sizeof(struct job_view)};

#define CONFIRMATION(f) offsetof(struct confirmation_view, f)
static const struct col_field confirmation_cols[] = {
        {"id", COL_INT64, CONFIRMATION(id)},  {"referral_id", COL_INT64, CONFIRMATION(referral_id)},
        {"rep", COL_TEXT, CONFIRMATION(rep)}, {"command", COL_TEXT, CONFIRMATION(command)},
        {"arg", COL_TEXT, CONFIRMATION(arg)}, {"state", COL_TEXT, CONFIRMATION(state)},
};
const struct col_map confirmation_columns = {confirmation_cols, ARRAY_SIZE(confirmation_cols),
                                             sizeof(struct confirmation_view)};

#define MESSAGE(f) offsetof(struct message_view, f)
static const struct col_field message_cols[] = {
        {"id", COL_INT64, MESSAGE(id)},
        {"key", COL_TEXT, MESSAGE(key)},
        {"direction", COL_TEXT, MESSAGE(direction)},
        {"kind", COL_TEXT, MESSAGE(kind)},
        {"why", COL_TEXT, MESSAGE(why)},
        {"mailbox", COL_TEXT, MESSAGE(mailbox)},
        {"uid", COL_INT64, MESSAGE(uid)},
        {"source", COL_TEXT, MESSAGE(source)},
        {"from_email", COL_TEXT, MESSAGE(from_email)},
        {"subject", COL_TEXT, MESSAGE(subject)},
        {"date", COL_INT64, MESSAGE(date)},
        {"at", COL_INT64, MESSAGE(at)},
};
const struct col_map message_columns = {message_cols, ARRAY_SIZE(message_cols),
                                        sizeof(struct message_view)};

#define FLAGS(f) offsetof(struct person_flags, f)
static const struct col_field person_flags_cols[] = {
        {"id", COL_INT64, FLAGS(id)},
        {"opted_out_at", COL_INT64, FLAGS(opted_out_at)},
        {"bouncing_at", COL_INT64, FLAGS(bouncing_at)},
        {"token", COL_TEXT, FLAGS(token)},
};
const struct col_map person_flags_columns = {person_flags_cols, ARRAY_SIZE(person_flags_cols),
                                             sizeof(struct person_flags)};

#define PERSON_REF(f) offsetof(struct person_ref, f)
static const struct col_field person_ref_cols[] = {
        {"id", COL_INT64, PERSON_REF(id)},
        {"email", COL_TEXT, PERSON_REF(email)},
        {"name", COL_TEXT, PERSON_REF(name)},
};
const struct col_map person_ref_columns = {person_ref_cols, ARRAY_SIZE(person_ref_cols),
                                           sizeof(struct person_ref)};

#define PERSON_RECORD(f) offsetof(struct person_record, f)
static const struct col_field person_record_cols[] = {
        {"id", COL_INT64, PERSON_RECORD(id)},
        {"name", COL_TEXT, PERSON_RECORD(name)},
        {"email", COL_TEXT, PERSON_RECORD(email)},
        {"phone", COL_TEXT, PERSON_RECORD(phone)},
        {"company", COL_TEXT, PERSON_RECORD(company)},
        {"created_at", COL_INT64, PERSON_RECORD(created_at)},
        {"opted_out_at", COL_INT64, PERSON_RECORD(opted_out_at)},
        {"opt_out_source", COL_TEXT, PERSON_RECORD(opt_out_source)},
        {"bouncing_at", COL_INT64, PERSON_RECORD(bouncing_at)},
        {"bounce_reason", COL_TEXT, PERSON_RECORD(bounce_reason)},
        {"checkin_at", COL_INT64, PERSON_RECORD(checkin_at)},
        {"forgotten_at", COL_INT64, PERSON_RECORD(forgotten_at)},
};
const struct col_map person_record_columns = {person_record_cols, ARRAY_SIZE(person_record_cols),
                                              sizeof(struct person_record)};

#define REFERRAL(f) offsetof(struct referral_view, f)
static const struct col_field referral_cols[] = {
        {"id", COL_INT64, REFERRAL(id)},
        {"status", COL_TEXT, REFERRAL(status)},
        {"referrer_name", COL_TEXT, REFERRAL(referrer.name)},
        {"referrer_email", COL_TEXT, REFERRAL(referrer.email)},
        {"referrer_phone", COL_TEXT, REFERRAL(referrer.phone)},
        {"referrer_company", COL_TEXT, REFERRAL(referrer.company)},
        {"lead_name", COL_TEXT, REFERRAL(lead.name)},
        {"lead_email", COL_TEXT, REFERRAL(lead.email)},
        {"lead_phone", COL_TEXT, REFERRAL(lead.phone)},
        {"lead_company", COL_TEXT, REFERRAL(lead.company)},
        {"rep_name", COL_TEXT, REFERRAL(rep_name)},
        {"rep_email", COL_TEXT, REFERRAL(rep_email)},
        {"need", COL_TEXT, REFERRAL(need)},
        {"budget", COL_TEXT, REFERRAL(budget)},
        {"timeline", COL_TEXT, REFERRAL(timeline)},
        {"context", COL_TEXT, REFERRAL(context)},
        {"subject", COL_TEXT, REFERRAL(subject)},
        {"held_reason", COL_TEXT, REFERRAL(held_reason)},
        {"created_at", COL_INT64, REFERRAL(created_at)},
        {"updated_at", COL_INT64, REFERRAL(updated_at)},
        {"first_contact_at", COL_INT64, REFERRAL(first_contact_at)},
        {"value", COL_SET, REFERRAL(has_value)},
        {"value", COL_REAL, REFERRAL(value)},
        {"thread_key", COL_TEXT, REFERRAL(thread_key)},
        {"referrer_id", COL_INT64, REFERRAL(referrer_id)},
        {"lead_id", COL_INT64, REFERRAL(lead_id)},
        {"confidence", COL_SET, REFERRAL(has_confidence)},
        {"confidence", COL_INT, REFERRAL(confidence)},
        {"evidence", COL_TEXT, REFERRAL(evidence)},
};
const struct col_map referral_columns = {referral_cols, ARRAY_SIZE(referral_cols),
                                         sizeof(struct referral_view)};

/* The referrals of person :id, as lead or as referrer; an event or a job
 * that is theirs (a subquery without correlation: SQLite runs it once). */
#define THEIR_REFERRALS "(SELECT id FROM referrals WHERE lead_id = :id OR referrer_id = :id)"
#define EVENT_THEIRS    "referral_id IN " THEIR_REFERRALS
#define JOB_THEIRS      "(recipient = :email OR referral_id IN " THEIR_REFERRALS ")"

/* The statuses that leave a referral open, or close it, and those in
 * which it holds its lead for its referrer (kinds.h). */
#define OPEN_STATUSES   "(SELECT name FROM statuses WHERE closed = 0)"
#define CLOSED_STATUSES "(SELECT name FROM statuses WHERE closed <> 0)"
#define CREDIT_STATUSES "(SELECT name FROM statuses WHERE credit <> 0)"

/* The later of a stored time and :at (SQLite's max(a, b) is
 * PostgreSQL's greatest(a, b)). */
#define LATER_ACTIVITY "CASE WHEN last_activity_at > :at THEN last_activity_at ELSE :at END"

/* The database's clock in milliseconds, for leases: a statement's
 * reading (SQLite's 'now' is fixed for one statement, PostgreSQL's
 * statement_timestamp() likewise). */
#define NOW_MS_SQLITE "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
#define NOW_MS_PG     "CAST(extract(epoch FROM statement_timestamp()) * 1000 AS bigint)"

/* Takes lease :name when it is free or expired (a new tenure). */
#define LEASE_TAKE(now)                                                                            \
	"INSERT INTO leases (business, name, holder, acquired_at, expires_at)"                     \
	" VALUES (:business, :name, :holder, " now ", " now " + :ttl)"                             \
	" ON CONFLICT (business, name) DO UPDATE SET holder = excluded.holder,"                    \
	" acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"                    \
	" WHERE leases.expires_at <= excluded.acquired_at"
#define LEASE_TOOK(now)                                                                            \
	"INSERT INTO lease_history (business, name, holder, acquired_at, until)"                   \
	" VALUES (:business, :name, :holder, " now ", " now " + :ttl)"
/* Extends :holder's live lease. */
#define LEASE_RENEW(now)                                                                           \
	"UPDATE leases SET expires_at = " now " + :ttl WHERE business = :business"                 \
	" AND name = :name AND holder = :holder AND expires_at > " now
#define LEASE_ENDS(now, col)                                                                       \
	"UPDATE lease_history SET until = " now col " WHERE id = (SELECT max(id) FROM"             \
	" lease_history WHERE business = :business AND name = :name AND holder = :holder)"
#define LEASE_RELEASE(now)                                                                         \
	"UPDATE leases SET expires_at = " now " WHERE business = :business AND name = :name"       \
	" AND holder = :holder AND expires_at > " now
/* The earliest due job no live lease holds, claimed; PostgreSQL skips the
 * rows another agent's claim has locked at this moment. */
#define REVIEWS_NEW(hint)                                                                          \
	"SELECT r.id AS referral_id, NULL AS message_id, r.created_at AS at"                       \
	" FROM referrals r " hint "WHERE r.business = :business"                                   \
	" AND r.status = :held AND NOT EXISTS"                                                     \
	" (SELECT 1 FROM reviews v WHERE v.referral_id = r.id)"                                    \
	" UNION ALL"                                                                               \
	" SELECT NULL, m.id, m.at FROM messages m"                                                 \
	" WHERE m.business = :business AND m.kind = :kind"                                         \
	" AND m.direction = 'in' AND NOT EXISTS"                                                   \
	" (SELECT 1 FROM reviews v WHERE v.message_id = m.id)"                                     \
	" ORDER BY at, referral_id NULLS FIRST, message_id NULLS FIRST"                            \
	" LIMIT :limit"

#define CLAIM_NEXT(lock)                                                                           \
	"UPDATE jobs SET claimed_by = :owner, claimed_until = :until WHERE id = (SELECT id"        \
	" FROM jobs WHERE business = :business AND state = 'pending'"                              \
	" AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now)"        \
	" ORDER BY next_attempt_at, id LIMIT 1" lock ") AND state = 'pending'"                     \
	" RETURNING " JOB_COLUMNS

/* Forget: refagent_scrub(text, theirs) is the text with the address
 * (and, when theirs, the name and phone) replaced (store_sqlite.c,
 * pg_schema).  Each statement rewrites only the rows it changes, of the
 * business only. */

/* Several jobs in one INSERT (store_jobs_add): the columns of ST_JOB_ADD,
 * the parameters of row N suffixed _N (JOB_PARAM_NAMES in store_p.h), the
 * creation time shared. */
#define JOBS_INSERT                                                                                \
	"INSERT INTO jobs (business, referral_id, template, recipient, recipient_name, cc, seq,"   \
	" note, due_at, next_attempt_at, message_key, in_reply_to, refs, created_at) VALUES "
#define JOB_ROW(n)                                                                                 \
	"(:business, :referral_id_" #n ", :template_" #n ", :recipient_" #n                        \
	", :recipient_name_" #n ", :cc_" #n ", :seq_" #n ", :note_" #n ", :due_at_" #n             \
	", :due_at_" #n ", :message_key_" #n ", :in_reply_to_" #n ", :refs_" #n ", :at)"

const struct stmt_def stmt_def[ST__COUNT] = {
        [ST_BEGIN] = {"begin", "BEGIN IMMEDIATE", "BEGIN"},
        [ST_COMMIT] = {"commit", "COMMIT"},
        [ST_ROLLBACK] = {"rollback", "ROLLBACK"},
        /* see store_pg.c: the key's first half is refagent's ('REFA') */
        [ST_BUSINESS_LOCK] = {"lock the business", NULL,
                              "SELECT pg_advisory_xact_lock(1380271681, hashtext(:business))"},
        /* The WHERE keeps an unchanged row unwritten: most opens change
         * nothing. */
        [ST_STATUS_SYNC] = {"status sync",
                            "INSERT INTO statuses (name, position, closed, credit, contact)"
                            " VALUES (:name, :position, :closed, :credit, :contact)"
                            " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
                            " closed = excluded.closed, credit = excluded.credit,"
                            " contact = excluded.contact"
                            " WHERE (statuses.position, statuses.closed, statuses.credit,"
                            " statuses.contact) IS DISTINCT FROM"
                            " (excluded.position, excluded.closed, excluded.credit,"
                            " excluded.contact)"},

        [ST_STATUS_LIST] = {"status list",
                            "SELECT name, position, closed, credit, contact FROM statuses"},
        [ST_BUSINESS_FIND] = {"business find",
                              "SELECT name FROM businesses WHERE name = :business"},
        [ST_BUSINESS_ADD] = {"business add", "INSERT INTO businesses (name, created_at)"
                                             " VALUES (:business, :at) ON CONFLICT DO NOTHING"},
        [ST_BUSINESS_LIST] = {"business list", "SELECT name FROM businesses ORDER BY name"},

        /* ---- messages, threads, checkpoints, counters ---- */
        [ST_MESSAGE_FIND] = {"message find", "SELECT id FROM messages"
                                             " WHERE business = :business AND key = :key"},
        [ST_MESSAGE_ADD] = {"message add",
                            "INSERT INTO messages (business, key, direction, kind, why, mailbox,"
                            " uidvalidity, uid, source, from_email, subject, date, at)"
                            " VALUES (:business, :key, :direction, :kind, :why, :mailbox,"
                            " :uidvalidity, :uid, :source, :from_email, :subject, :date, :at)",
                            .returns_id = 1},
        [ST_MESSAGE_LINK] = {"message link",
                             "INSERT INTO message_referrals (message_id, referral_id)"
                             " VALUES (:message_id, :referral_id) ON CONFLICT DO NOTHING"},
        [ST_THREAD_FIND] = {"thread find", "SELECT mr.referral_id AS referral_id FROM messages m"
                                           " JOIN message_referrals mr ON mr.message_id = m.id"
                                           " WHERE m.business = :business AND m.key = :key"},
        [ST_MESSAGE_GET] = {"message get",
                            "SELECT id, key, direction, kind, why, mailbox, uid, source,"
                            " from_email, subject, date, at"
                            " FROM messages WHERE id = :id AND business = :business"},
        [ST_MESSAGE_COUNT] = {"message count", "SELECT count(*) AS n FROM messages"
                                               " WHERE business = :business AND kind = :kind"},
        [ST_MESSAGE_COUNT_ALL] = {"message count", "SELECT count(*) AS n FROM messages"
                                                   " WHERE business = :business"},
        [ST_MESSAGE_FIND_OUT] = {"sent message find",
                                 "SELECT m.id AS id, m.kind AS kind, (SELECT min(referral_id)"
                                 " FROM message_referrals WHERE message_id = m.id) AS referral_id"
                                 " FROM messages m WHERE m.business = :business"
                                 " AND m.key = :key AND m.direction = 'out'"},
        [ST_CHECKPOINT_GET] = {"checkpoint get", "SELECT uidvalidity, last_uid FROM checkpoints"
                                                 " WHERE business = :business"
                                                 " AND mailbox = :mailbox"},
        [ST_CHECKPOINT_SET] = {"checkpoint set",
                               "INSERT INTO checkpoints (business, mailbox, uidvalidity, last_uid)"
                               " VALUES (:business, :mailbox, :uidvalidity, :last_uid)"
                               " ON CONFLICT (business, mailbox) DO UPDATE"
                               " SET uidvalidity = excluded.uidvalidity,"
                               " last_uid = excluded.last_uid"},
        /* No RETURNING: see store_counter_next. */
        [ST_COUNTER_BUMP] = {"counter next",
                             "INSERT INTO counters (business, name, value)"
                             " VALUES (:business, :name, 1) ON CONFLICT (business, name)"
                             " DO UPDATE SET value = counters.value + 1"},
        [ST_COUNTER_PEEK] = {"counter peek", "SELECT value FROM counters"
                                             " WHERE business = :business AND name = :name"},
        /* ---- leases ---- */
        [ST_LEASE_TAKE] = {"lease take", LEASE_TAKE(NOW_MS_SQLITE), LEASE_TAKE(NOW_MS_PG)},
        [ST_LEASE_TOOK] = {"lease history", LEASE_TOOK(NOW_MS_SQLITE), LEASE_TOOK(NOW_MS_PG)},
        [ST_LEASE_RENEW] = {"lease renew", LEASE_RENEW(NOW_MS_SQLITE), LEASE_RENEW(NOW_MS_PG)},
        [ST_LEASE_RENEWED] = {"lease history", LEASE_ENDS(NOW_MS_SQLITE, " + :ttl"),
                              LEASE_ENDS(NOW_MS_PG, " + :ttl")},
        [ST_LEASE_RELEASE] = {"lease release", LEASE_RELEASE(NOW_MS_SQLITE),
                              LEASE_RELEASE(NOW_MS_PG)},
        [ST_LEASE_RELEASED] = {"lease history",
                               LEASE_ENDS(NOW_MS_SQLITE, ", released_at = " NOW_MS_SQLITE),
                               LEASE_ENDS(NOW_MS_PG, ", released_at = " NOW_MS_PG)},
        [ST_LEASE_HOLDER] = {"lease holder",
                             "SELECT holder FROM leases WHERE business = :business"
                             " AND name = :name AND expires_at > " NOW_MS_SQLITE,
                             "SELECT holder FROM leases WHERE business = :business"
                             " AND name = :name AND expires_at > " NOW_MS_PG},

        /* ---- people ---- */
        /* Tried first by store_person_ensure. */
        [ST_PERSON_FIND] = {"person find", "SELECT id, coalesce(name, '') = '' AS unnamed"
                                           " FROM people WHERE business = :business"
                                           " AND email = :email"},
        /* New address, a name to fill, or a row another process just added:
         * one atomic statement.  DO UPDATE (not DO NOTHING) so RETURNING
         * gives the existing id on conflict. */
        /* A new address whose opt-out outlived its forgotten person
         * (optouts) is opted out from the start. */
        [ST_PERSON_ENSURE] = {"person ensure",
                              "INSERT INTO people (business, email, name, created_at,"
                              " opted_out_at, opt_out_source) VALUES (:business, :email, :name,"
                              " :at, (SELECT at FROM optouts WHERE business = :business"
                              "  AND hash = :hash),"
                              " (SELECT 'opted out before their data was erased' FROM optouts"
                              "  WHERE business = :business AND hash = :hash))"
                              " ON CONFLICT (business, email) DO UPDATE"
                              " SET name = coalesce(nullif(people.name, ''), excluded.name,"
                              " people.name) RETURNING id"},
        /* people_name: lower(name) of the people without an address */
        [ST_PERSON_FIND_NAMED] = {"person find by name",
                                  "SELECT min(id) AS id FROM people WHERE business = :business"
                                  " AND email IS NULL AND lower(name) = lower(:name)"
                                  " AND forgotten_at IS NULL"},
        [ST_PERSON_FILL] = {"person fill",
                            "UPDATE people SET phone = coalesce(nullif(phone, ''), :phone, phone),"
                            " company = coalesce(nullif(company, ''), :company, company)"
                            " WHERE id = :id AND business = :business"},
        [ST_PERSON_FLAGS] = {"person flags",
                             "SELECT id, opted_out_at, bouncing_at, token FROM people"
                             " WHERE business = :business AND email = :email"},
        [ST_PERSON_SET_TOKEN] = {"person token", "UPDATE people SET token = :token WHERE id = :id"
                                                 " AND business = :business AND token IS NULL"},
        [ST_PERSON_SET_CHECKIN] = {"person check-in", "UPDATE people SET checkin_at = :at"
                                                      " WHERE id = :id AND business = :business"},
        [ST_PERSON_OPT_OUT] = {"person opt out",
                               "UPDATE people SET opted_out_at = :at, opt_out_source = :why"
                               " WHERE business = :business AND email = :email"
                               " AND opted_out_at IS NULL"},
        [ST_PERSON_BOUNCING] = {"person bouncing",
                                "UPDATE people SET bouncing_at = :at, bounce_reason = :why"
                                " WHERE business = :business AND email = :email"},
        [ST_PERSON_BY_TOKEN] = {"person by token", "SELECT email FROM people"
                                                   " WHERE business = :business"
                                                   " AND token = :token"},
        [ST_CHECKIN_DUE] = {"check-ins due",
                            "SELECT p.id AS id, p.email AS email, p.name AS name FROM people p"
                            " WHERE p.business = :business AND p.email IS NOT NULL"
                            " AND p.opted_out_at IS NULL AND p.bouncing_at IS NULL"
                            " AND EXISTS (SELECT 1 FROM referrals r WHERE r.referrer_id = p.id"
                            "   AND r.created_at >= :active_since"
                            /* a sheet's rows are history: no mail for them */
                            "   AND r.id NOT IN (SELECT referral_id FROM imports"
                            "    WHERE business = :business))"
                            " AND coalesce(p.checkin_at, (SELECT min(r.created_at)"
                            "   FROM referrals r WHERE r.referrer_id = p.id)) <= :due_before"
                            " ORDER BY p.id LIMIT :limit"},

        /* ---- referrals ---- */
        [ST_REFERRAL_ADD] =
                {"referral add",
                 "INSERT INTO referrals (business, status, referrer_id, lead_id, rep_email,"
                 " rep_name, need, budget, timeline, context, subject, held_reason, thread_key,"
                 " confidence, evidence, created_at, updated_at, last_activity_at)"
                 " VALUES (:business, :status, :referrer_id, :lead_id, :rep_email, :rep_name,"
                 " :need, :budget, :timeline, :context, :subject, :held_reason, :thread_key,"
                 " :confidence, :evidence, :at, :at, :at)",
                 .returns_id = 1},
        /* min() gives one row, NULL when there is no open referral; unlike
         * ORDER BY id LIMIT 1 it needs no sorter. */
        [ST_REFERRAL_OPEN_FOR_LEAD] = {"referral open for lead",
                                       "SELECT min(r.id) AS id FROM people p"
                                       " JOIN referrals r ON r.lead_id = p.id"
                                       " WHERE p.business = :business AND p.email = :email"
                                       " AND r.status IN " CREDIT_STATUSES},
        /* the later time: mail ingested late (an old file) must not make a
         * referral look idle */
        [ST_REFERRAL_TOUCH] = {"referral touch",
                               "UPDATE referrals SET last_activity_at = " LATER_ACTIVITY
                               " WHERE id = :id AND business = :business"},
        [ST_REFERRAL_SET_STATUS] = {"referral set status",
                                    "UPDATE referrals SET status = :status,"
                                    " value = CASE WHEN :has_value <> 0 THEN :value"
                                    " ELSE value END, updated_at = :at,"
                                    " last_activity_at = " LATER_ACTIVITY ","
                                    " closed_at = CASE WHEN :status IN " CLOSED_STATUSES
                                    " THEN coalesce(closed_at, :at) END"
                                    " WHERE id = :id AND business = :business"},
        [ST_REFERRAL_FIRST_CONTACT] = {"referral first contact",
                                       "UPDATE referrals SET first_contact_at = :at,"
                                       " updated_at = :at, last_activity_at = " LATER_ACTIVITY
                                       " WHERE id = :id AND business = :business"
                                       " AND first_contact_at IS NULL"},
        [ST_REFERRAL_SET_REFERRER] = {"referral credit",
                                      "UPDATE referrals SET referrer_id = :referrer_id,"
                                      " updated_at = :at WHERE id = :id"
                                      " AND business = :business"},
        /* both right-hand sides are the row's old values (SQL's own
         * rule, on both backends); the counts' trigger follows the
         * referrer */
        [ST_REFERRAL_SWAP_ROLES] = {"referral swap", "UPDATE referrals SET referrer_id = lead_id,"
                                                     " lead_id = referrer_id, updated_at = :at"
                                                     " WHERE id = :id AND business = :business"
                                                     " AND referrer_id IS NOT NULL"},
        [ST_REFERRAL_SET_REP] = {"referral rep",
                                 "UPDATE referrals SET rep_email = :rep, rep_name = :rep_name,"
                                 " updated_at = :at"
                                 " WHERE id = :id AND business = :business"},
        /* Ties in activity come in id order, as they always have. */
        /* One open status at a time (store_referrals_stale): "status IN
         * (SELECT ...)" met SQLite 3.40's IN early-out, which returned rows
         * outside the range once PRAGMA optimize had written statistics,
         * and a join over the statuses got a Bloom filter that reads every
         * referral.  This is one range of referrals_activity, in order. */
        [ST_REFERRALS_STALE] = {"stale referrals",
                                "SELECT id, last_activity_at FROM referrals"
                                " WHERE business = :business AND status = :status"
                                " AND last_activity_at < :before"
                                " ORDER BY last_activity_at, id LIMIT :limit"},
        [ST_REFERRAL_LIST_ALL] = {"referral list", REFERRAL_VIEW_SELECT "ORDER BY r.id"},
        [ST_REFERRAL_LIST_STATUS] = {"referral list",
                                     REFERRAL_VIEW_SELECT "AND r.status = :status ORDER BY r.id"},
        [ST_REFERRAL_GET] = {"referral get", REFERRAL_VIEW_SELECT "AND r.id = :id"},
        /* by the person's id, found by the address: the planner of a
         * store without statistics read every referral of the business
         * and looked at each referrer's address */
        [ST_REFERRALS_OF_REFERRER] = {"referrals of a referrer", REFERRAL_VIEW_SELECT
                                      "AND r.referrer_id = " PERSON_ID " ORDER BY r.id"},
        [ST_REFERRALS_OF_LEAD] = {"referrals of a lead", REFERRAL_VIEW_SELECT
                                  "AND r.lead_id = " PERSON_ID " ORDER BY r.id"},

        /* ---- events, rewards, the report ---- */
        [ST_EVENT_ADD] = {"event add",
                          "INSERT INTO events (business, referral_id, at, actor, kind,"
                          " old_status, new_status, detail, message_id) VALUES (:business,"
                          " :referral_id, :at, :actor, :kind, :old_status, :new_status, :detail,"
                          " :message_id)"},
        [ST_EVENT_LIST] = {"event list", EVENT_VIEW_SELECT
                           "AND e.referral_id = :referral_id ORDER BY e.at, e.id"},
        [ST_REWARD_ADD] = {"reward add",
                           "INSERT INTO rewards (business, referral_id, referrer_id, amount, rule,"
                           " created_at) VALUES (:business, :referral_id, :referrer_id, :amount,"
                           " :rule, :at)",
                           .returns_id = 1},
        [ST_REWARD_LIST] = {"reward list", REWARD_VIEW_SELECT "ORDER BY w.id"},
        [ST_REWARD_GET] = {"reward get", REWARD_VIEW_SELECT "AND w.id = :id"},
        [ST_REWARD_OF_REFERRAL] = {"reward of referral",
                                   "SELECT id FROM rewards WHERE business = :business"
                                   " AND referral_id = :referral_id"},
        [ST_REWARD_PAY] = {"reward pay", "UPDATE rewards SET state = 'paid', paid_at = :at"
                                         " WHERE id = :id AND business = :business"
                                         " AND state = 'owed'"},
        [ST_REWARD_CORRECT] = {"reward correct",
                               "UPDATE rewards SET amount = :amount, rule = :rule"
                               " WHERE referral_id = :referral_id AND business = :business"
                               " AND state = 'owed' AND amount <> :amount"},
        /* a new referral's share of the running totals (see 11 -> 12) */
        [ST_REPORT_COUNT_ADD] = {"report count add", SQL_REPORT_COUNT_ADD},
        [ST_REFERRER_COUNT_ADD] = {"referrer count add", SQL_REFERRER_COUNT_ADD},
        /* the running totals of the hours from :from to :to (their first
         * seconds), and the referrals made from :from to :to */
        [ST_REPORT_COUNTS] = {"report counts",
                              "SELECT status, rep, CAST(sum(n) AS bigint) AS n,"
                              " CAST(sum(with_contact) AS bigint) AS with_contact,"
                              " CAST(sum(delay_sum) AS bigint) AS delay_sum FROM report_counts"
                              " WHERE business = :business AND at >= :from AND at < :to"
                              " GROUP BY status, rep"},
        [ST_REPORT_MADE] = {"report referrals made", SQL_REPORT_MADE},
        /* the same for one status, by rep: how many have no first contact */
        [ST_REPORT_STATUS_COUNTS] = {"report status counts",
                                     "SELECT rep, CAST(sum(n - with_contact) AS bigint) AS n"
                                     " FROM report_counts WHERE business = :business"
                                     " AND status = :status AND at >= :from AND at < :to"
                                     " GROUP BY rep"},
        [ST_REPORT_STATUS_MADE] = {"report status made", SQL_REPORT_STATUS_MADE},
        /* how many referrals have a first contact, whenever made */
        [ST_REPORT_CONTACTED_ALL] = {"report contacted",
                                     "SELECT CAST(coalesce(sum(with_contact), 0) AS bigint) AS n"
                                     " FROM report_counts WHERE business = :business"},
        /* the delays of the window with their reps */
        [ST_REPORT_CONTACTS] = {"report contacts",
                                "SELECT rep_email, first_contact_at - created_at AS delay"
                                " FROM referrals WHERE business = :business"
                                " AND first_contact_at <> 0 AND created_at >= :since"
                                " AND created_at <= :until"},
        /* every rep the referrals name, one index entry each */
        [ST_REPORT_REPS] = {"report reps",
                            "WITH RECURSIVE reps(rep) AS (SELECT min(rep) FROM report_counts"
                            " WHERE business = :business UNION ALL SELECT (SELECT min(c.rep)"
                            " FROM report_counts c WHERE c.business = :business"
                            " AND c.rep > reps.rep) FROM reps WHERE reps.rep IS NOT NULL)"
                            " SELECT rep FROM reps WHERE rep IS NOT NULL"},
        /* a rep's first referral of those the report reads (made or
         * closed in the window, or waiting now) */
        [ST_REPORT_REP_FIRST] = {"report rep first",
                                 "SELECT id, rep_name FROM referrals WHERE business = :business"
                                 " AND rep_email = :rep AND (created_at >= :since"
                                 " OR closed_at >= :since OR status IN (:new, :held))"
                                 " ORDER BY id LIMIT 1",
                                 .pg = "SELECT id, rep_name FROM referrals"
                                       " WHERE business = :business AND lower(rep_email) = :rep"
                                       " AND (created_at >= :since OR closed_at >= :since"
                                       " OR status IN (:new, :held)) ORDER BY id LIMIT 1"},
        [ST_REPORT_HELD] = {"report held", "SELECT count(*) AS n FROM referrals"
                                           " WHERE business = :business AND status = :held"},
        /* the won referrals made in the window, won in it, and won
         * without a time (at 0) */
        [ST_REPORT_WON_MADE] = {"report won", "SELECT id, created_at, closed_at, value, rep_email"
                                              " FROM referrals WHERE business = :business"
                                              " AND created_at >= :since AND created_at <= :until"
                                              " AND status = :won"},
        [ST_REPORT_WON_CLOSED] = {"report won", "SELECT id, created_at, closed_at, value, rep_email"
                                                " FROM referrals WHERE business = :business"
                                                " AND status = :won AND closed_at >= :since"
                                                " AND closed_at <= :until"},
        [ST_REPORT_WON_UNDATED] = {"report won",
                                   "SELECT id, created_at, closed_at, value, rep_email"
                                   " FROM referrals WHERE business = :business"
                                   " AND status = :won AND closed_at IS NULL"
                                   " AND CAST(:since AS bigint) <= 0"
                                   " AND CAST(:until AS bigint) >= 0"},
        /* :n delays to the first contact of the referrals made in the
         * window, after the :k smallest (or largest) */
        [ST_REPORT_DELAYS] = {"report delays",
                              "SELECT first_contact_at - created_at AS delay FROM referrals"
                              " WHERE business = :business AND first_contact_at <> 0"
                              " AND created_at >= :since AND created_at <= :until"
                              " ORDER BY first_contact_at - created_at LIMIT :n OFFSET :k"},
        [ST_REPORT_DELAYS_DESC] = {"report delays",
                                   "SELECT first_contact_at - created_at AS delay"
                                   " FROM referrals WHERE business = :business"
                                   " AND first_contact_at <> 0 AND created_at >= :since"
                                   " AND created_at <= :until"
                                   " ORDER BY first_contact_at - created_at DESC"
                                   " LIMIT :n OFFSET :k"},
        [ST_REPORT_REP_DELAYS] = {"report rep delays",
                                  "SELECT first_contact_at - created_at AS delay FROM referrals"
                                  " WHERE business = :business AND rep_email = :rep"
                                  " AND first_contact_at <> 0 AND created_at >= :since"
                                  " AND created_at <= :until"
                                  " ORDER BY first_contact_at - created_at LIMIT :n OFFSET :k",
                                  .pg = "SELECT first_contact_at - created_at AS delay"
                                        " FROM referrals WHERE business = :business"
                                        " AND lower(rep_email) = :rep"
                                        " AND first_contact_at <> 0 AND created_at >= :since"
                                        " AND created_at <= :until"
                                        " ORDER BY first_contact_at - created_at"
                                        " LIMIT :n OFFSET :k"},
        [ST_REPORT_REP_DELAYS_DESC] = {"report rep delays",
                                       "SELECT first_contact_at - created_at AS delay"
                                       " FROM referrals WHERE business = :business"
                                       " AND rep_email = :rep AND first_contact_at <> 0"
                                       " AND created_at >= :since AND created_at <= :until"
                                       " ORDER BY first_contact_at - created_at DESC"
                                       " LIMIT :n OFFSET :k",
                                       .pg = "SELECT first_contact_at - created_at AS delay"
                                             " FROM referrals WHERE business = :business"
                                             " AND lower(rep_email) = :rep"
                                             " AND first_contact_at <> 0"
                                             " AND created_at >= :since"
                                             " AND created_at <= :until"
                                             " ORDER BY first_contact_at - created_at DESC"
                                             " LIMIT :n OFFSET :k"},
        /* referrers by what they could have in any window: most
         * referrals, then most closed */
        [ST_REPORT_TOP_BOUNDS] = {"report top referrers",
                                  "SELECT referrer_id, n, closed FROM referrer_counts"
                                  " WHERE business = :business"
                                  " ORDER BY n DESC, closed DESC, referrer_id LIMIT :limit"},
        /* one referrer's referrals made since :since, by status, in the
         * order the report has always summed their values */
        [ST_REPORT_REFERRER] = {"report referrer",
                                "SELECT p.name AS name, p.email AS email, r.status AS status,"
                                " r.value AS value FROM referrals r"
                                " JOIN people p ON p.id = r.referrer_id"
                                " WHERE r.business = :business AND r.referrer_id = :id"
                                " AND r.created_at >= :since"
                                " ORDER BY r.status, r.last_activity_at, r.id"},
        [ST_REPORT_REWARDS] = {"report rewards",
                               "SELECT referrer_id, state, count(*) AS n,"
                               " coalesce(sum(amount), 0) AS amount FROM rewards"
                               " WHERE business = :business GROUP BY referrer_id, state"
                               " ORDER BY referrer_id NULLS FIRST, state"},
        [ST_REPORT_SENT] = {"report mail sent",
                            "SELECT r.rep_email AS rep_email, j.recipient AS recipient,"
                            " count(*) AS n FROM jobs j JOIN referrals r ON r.id = j.referral_id"
                            " WHERE j.business = :business AND j.template = :template"
                            " AND j.state = 'sent' AND j.done_at BETWEEN :since AND :until"
                            " GROUP BY r.rep_email, j.recipient"
                            " ORDER BY r.rep_email NULLS FIRST, j.recipient"},

        /* ---- digests, periodic mail ---- */
        [ST_DIGEST_DUE] = {"digest due", "UPDATE referrals SET digest_due = :at"
                                         " WHERE id = :id AND business = :business"},
        [ST_DIGEST_WAITING] = {"digest waiting",
                               REFERRAL_VIEW_SELECT "AND r.rep_email = :rep"
                                                    " AND r.digest_due IS NOT NULL ORDER BY r.id"},
        [ST_DIGEST_DONE] = {"digest done", "UPDATE referrals SET digest_due = NULL"
                                           " WHERE id = :id AND business = :business"},
        /* referral_id IS NULL: the partial index jobs_periodic */
        [ST_JOB_LAST] = {"job last", "SELECT max(created_at) AS at FROM jobs"
                                     " WHERE business = :business AND referral_id IS NULL"
                                     " AND template = :template AND recipient = :recipient"},
        /* another referral of the message that made referral :id (its
         * first linked message) with a job of :template to :recipient,
         * waiting or sent (by the partial indexes jobs_referral and
         * jobs_sent) */
        [ST_SOURCE_THANKED] = {"source thanked",
                               "SELECT (SELECT count(*) FROM jobs WHERE business = :business"
                               "   AND state = 'pending' AND referral_id IN " SOURCE_SIBLINGS
                               "   AND template = :template AND recipient = :recipient)"
                               " + (SELECT count(*) FROM jobs WHERE business = :business"
                               "   AND state = 'sent' AND recipient = :recipient"
                               "   AND referral_id IN " SOURCE_SIBLINGS
                               "   AND template = :template) AS n"},

        /* mail of referral :id sent to :recipient (by jobs_sent) */
        [ST_SENT_TO] = {"sent to", "SELECT count(*) AS n FROM jobs WHERE business = :business"
                                   " AND state = 'sent' AND recipient = :recipient"
                                   " AND referral_id = :id"},
        [ST_SENT_TO_KEY] = {"sent to", "SELECT count(*) AS n FROM jobs WHERE business = :business"
                                       " AND state = 'sent' AND recipient = :recipient"
                                       " AND referral_id = :id AND message_key = :key"},

        /* ---- jobs, confirmations ---- */
        [ST_JOB_ADD] = {"job add",
                        "INSERT INTO jobs (business, referral_id, template, recipient,"
                        " recipient_name, cc, seq, note, due_at, next_attempt_at, message_key,"
                        " in_reply_to, refs, created_at) VALUES (:business, :referral_id,"
                        " :template, :recipient, :recipient_name, :cc, :seq, :note, :due_at,"
                        " :due_at, :message_key, :in_reply_to, :refs, :at)",
                        .returns_id = 1},
        /* a new referral's jobs in one statement: row N binds :template_N ... */
        [ST_JOBS_ADD2] = {"jobs add", JOBS_INSERT JOB_ROW(1) "," JOB_ROW(2)},
        [ST_JOBS_ADD3] = {"jobs add", JOBS_INSERT JOB_ROW(1) "," JOB_ROW(2) "," JOB_ROW(3)},
        [ST_JOBS_ADD4] = {"jobs add",
                          JOBS_INSERT JOB_ROW(1) "," JOB_ROW(2) "," JOB_ROW(3) "," JOB_ROW(4)},
        [ST_JOBS_DUE] = {"jobs due",
                         JOB_VIEW_SELECT "AND state = 'pending' AND next_attempt_at <= :now"
                                         " AND (claimed_until IS NULL OR claimed_until <= :now)"
                                         " ORDER BY next_attempt_at, id LIMIT :limit"},
        [ST_JOB_NEXT_DUE] = {"jobs next due", "SELECT min(next_attempt_at) AS at FROM jobs"
                                              " WHERE business = :business"
                                              " AND state = 'pending'"},
        [ST_JOB_CLAIM] = {"job claim", "UPDATE jobs SET claimed_by = :owner, claimed_until = :until"
                                       " WHERE id = :id AND business = :business"
                                       " AND state = 'pending'"
                                       " AND (claimed_until IS NULL OR claimed_until <= :now)"},
        [ST_JOB_CLAIM_NEXT] = {"job claim", CLAIM_NEXT(""), CLAIM_NEXT(" FOR UPDATE SKIP LOCKED")},
        [ST_JOB_SENT] = {"job sent",
                         "UPDATE jobs SET state = 'sent', done_at = :at, last_error = :reply,"
                         " attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL"
                         " WHERE id = :id AND business = :business AND state = 'pending'"},
        [ST_JOB_RETRY] = {"job retry",
                          "UPDATE jobs SET next_attempt_at = :next_at, last_error = :error,"
                          " attempts = attempts + :attempt, claimed_by = NULL,"
                          " claimed_until = NULL WHERE id = :id AND business = :business"
                          " AND state = 'pending'"},
        [ST_JOB_FINISH] = {"job finish",
                           "UPDATE jobs SET state = :state, done_at = :at, last_error = :why,"
                           " attempts = attempts + :attempt, claimed_by = NULL,"
                           " claimed_until = NULL WHERE id = :id AND business = :business"
                           " AND state = 'pending'"},
        [ST_JOBS_CANCEL_REFERRAL] =
                {"jobs cancel", "UPDATE jobs SET state = 'cancelled', done_at = :at,"
                                " last_error = :why WHERE referral_id = :referral_id"
                                " AND business = :business AND state = 'pending'"
                                " AND (CAST(:template AS text) IS NULL OR template = :template)"},
        /* the mails of referral :referral_id that ask for a "yes" and wait
         * to be sent (confirm-status, a refused-rep with an action), but
         * for a #note's */
        [ST_JOBS_CANCEL_CONFIRMS] = {"jobs cancel",
                                     "UPDATE jobs SET state = 'cancelled', done_at = :at,"
                                     " last_error = :why WHERE referral_id = :referral_id"
                                     " AND business = :business AND state = 'pending'"
                                     " AND template IN ('confirm-status', 'refused-rep')"
                                     " AND message_key IN"
                                     " (SELECT message_key FROM confirmations"
                                     "  WHERE referral_id = :referral_id AND command <> 'note')"},
        [ST_JOBS_CANCEL_RECIPIENT] = {"jobs cancel",
                                      "UPDATE jobs SET state = 'cancelled', done_at = :at,"
                                      " last_error = :why WHERE business = :business"
                                      " AND recipient = :recipient AND state = 'pending'"},
        [ST_JOB_LIST_ALL] = {"job list", JOB_VIEW_SELECT "ORDER BY id"},
        [ST_JOB_LIST_STATE] = {"job list",
                               JOB_VIEW_SELECT "AND lower(state) = lower(:state) ORDER BY id"},
        /* by the pending jobs' index of referral and template */
        [ST_JOBS_PENDING_OF] = {"jobs of referral",
                                JOB_VIEW_SELECT "AND referral_id = :referral_id"
                                                " AND template = :template AND state = 'pending'"
                                                " ORDER BY id"},
        [ST_JOB_GET] = {"job get", JOB_VIEW_SELECT "AND id = :id"},
        [ST_SENT_WINDOW] = {"sent count", "SELECT count(*) AS n, min(done_at) AS first FROM jobs"
                                          " WHERE business = :business"
                                          " AND recipient = :recipient AND state = 'sent'"
                                          " AND done_at > :since"},
        [ST_CONFIRM_ADD] = {"confirmation add",
                            "INSERT INTO confirmations (business, referral_id, rep, command, arg,"
                            " message_key, created_at) VALUES (:business, :referral_id, :rep,"
                            " :command, :arg, :message_key, :at)"},
        /* a confirm-status of referral :referral_id to :rep about the same
         * line, not sent yet (by jobs_referral) */
        [ST_CONFIRM_WAITING] = {"confirmation waiting",
                                "SELECT count(*) AS n FROM jobs WHERE business = :business"
                                " AND referral_id = :referral_id AND template = 'confirm-status'"
                                " AND state = 'pending' AND message_key IN"
                                " (SELECT message_key FROM confirmations"
                                "  WHERE referral_id = :referral_id AND rep = :rep"
                                "  AND command = :command AND state = 'pending'"
                                "  AND coalesce(arg, '') = coalesce(CAST(:arg AS text), ''))"},
        [ST_CONFIRM_FIND] = {"confirmation find",
                             "SELECT id, referral_id, rep, command, arg, state FROM confirmations"
                             " WHERE business = :business AND message_key = :key"},
        [ST_CONFIRM_DONE] = {"confirmation done",
                             "UPDATE confirmations SET state = :state, done_at = :at"
                             " WHERE id = :id AND business = :business AND state = 'pending'"},

        /* ---- the admin's review ---- */
        /* A compound SELECT orders by its result columns: by time, and a
         * message (no referral_id) before a referral of the same second. */
        /* SQLite is told to take the held ones by their status: with the
         * statistics PRAGMA optimize writes under analysis_limit (every
         * index prefix "about 1,000 rows"), it read all of a business's
         * referrals through the covering index by time made instead, to
         * save the sort of a few held ones (0.45 s of every `send` at a
         * million referrals). */
        [ST_REVIEWS_NEW] = {"reviews new", REVIEWS_NEW("INDEXED BY referrals_status "),
                            REVIEWS_NEW("")},
        [ST_REVIEW_ADD] = {"review add",
                           "INSERT INTO reviews (business, referral_id, message_id, mail_key, at)"
                           " VALUES (:business, :referral_id, :message_id, :mail_key, :at)"},
        [ST_REVIEW_LAST] = {"review last", "SELECT max(at) AS at FROM reviews"
                                           " WHERE business = :business"
                                           " AND mail_key IS NOT NULL"},
        [ST_REVIEWS_LISTED_HELD] = {"reviews listed",
                                    "SELECT r.id AS id FROM reviews v"
                                    " CROSS JOIN referrals r"
                                    " WHERE r.id = v.referral_id"
                                    " AND v.business = :business AND r.status = :held"
                                    " AND v.mail_key IS NOT NULL ORDER BY r.id"},
        /* ---- spreadsheets ---- */
        [ST_IMPORT_FIND] = {"import find", "SELECT referral_id FROM imports"
                                           " WHERE business = :business AND key = :key"},
        [ST_IMPORT_ADD] = {"import add",
                           "INSERT INTO imports (business, referral_id, key, source, row, at)"
                           " VALUES (:business, :referral_id, :key, :source, :row, :at)"},
        /* referrals_lead_status leads with lead_id */
        [ST_REFERRAL_FIND_SAME] = {"referral find",
                                   "SELECT min(id) AS id FROM referrals WHERE lead_id = :lead_id"
                                   " AND business = :business AND created_at = :at"
                                   " AND referrer_id IS NOT DISTINCT FROM :referrer_id"},

        /* ---- people's data: export-person ---- */
        [ST_PERSON_GET] = {"person get",
                           "SELECT id, name, email, phone, company, created_at, opted_out_at,"
                           " opt_out_source, bouncing_at, bounce_reason, checkin_at,"
                           " forgotten_at FROM people WHERE business = :business"
                           " AND email = :email"},
        [ST_PERSON_REFERRALS] = {"referrals of a person",
                                 REFERRAL_VIEW_SELECT "AND (r.lead_id = :id OR r.referrer_id = :id)"
                                                      " ORDER BY r.id"},
        /* The address is lower case; stored text may not be. */
        [ST_PERSON_EVENTS] = {"events of a person",
                              EVENT_VIEW_SELECT "AND (e.referral_id IN " THEIR_REFERRALS
                                                " OR lower(e.actor) = :email"
                                                " OR instr(lower(e.detail), :email) > 0)"
                                                " ORDER BY e.referral_id, e.at, e.id",
                              EVENT_VIEW_SELECT "AND (e.referral_id IN " THEIR_REFERRALS
                                                " OR lower(e.actor) = :email"
                                                " OR strpos(lower(e.detail), :email) > 0)"
                                                " ORDER BY e.referral_id, e.at, e.id"},
        [ST_PERSON_MESSAGES] = {"messages of a person",
                                "SELECT id, key, direction, kind, why, mailbox, uid, source,"
                                " from_email, subject, date, at FROM messages"
                                " WHERE business = :business AND lower(from_email) = :email"
                                " ORDER BY id"},
        [ST_PERSON_JOBS] = {"mail to a person",
                            JOB_VIEW_SELECT "AND (recipient = :email"
                                            " OR instr(lower(cc), :email) > 0) ORDER BY id",
                            JOB_VIEW_SELECT "AND (recipient = :email"
                                            " OR strpos(lower(cc), :email) > 0) ORDER BY id"},
        [ST_PERSON_REWARDS] = {"rewards of a person",
                               REWARD_VIEW_SELECT "AND w.referrer_id = :id ORDER BY w.id"},
        [ST_OPTOUT_FIND] = {"opt-out find", "SELECT at FROM optouts"
                                            " WHERE business = :business AND hash = :hash"},

        /* ---- people's data: forget (in this order, see store_privacy.c) ---- */
        [ST_OPTOUT_ADD] = {"opt-out keep", "INSERT INTO optouts (business, hash, at)"
                                           " VALUES (:business, :hash, :at)"
                                           " ON CONFLICT (business, hash) DO NOTHING"},
        [ST_FORGET_EVENTS_ADD] =
                {"forget: events",
                 "INSERT INTO events (business, referral_id, at, actor, kind,"
                 " detail) SELECT :business, id, CAST(:at AS bigint), :actor, 'forgotten',"
                 " CASE WHEN lead_id = :id"
                 " THEN 'the lead''s personal data was erased'"
                 " ELSE 'the referrer''s personal data was erased' END"
                 " FROM referrals WHERE business = :business"
                 " AND (lead_id = :id OR referrer_id = :id)"},
        [ST_FORGET_AS_LEAD] = {"forget: referrals",
                               "UPDATE referrals SET need = NULL, budget = NULL, timeline = NULL,"
                               " context = NULL, subject = NULL, held_reason = NULL"
                               " WHERE business = :business AND lead_id = :id"},
        [ST_FORGET_AS_REFERRER] = {"forget: referrals",
                                   "UPDATE referrals SET context = NULL, subject = NULL"
                                   " WHERE business = :business AND referrer_id = :id"},
        [ST_FORGET_MESSAGES] = {"forget: messages",
                                "UPDATE messages SET from_email = NULL, subject = NULL"
                                " WHERE business = :business AND (lower(from_email) = :email"
                                " OR id IN (SELECT mr.message_id FROM message_referrals mr"
                                "  JOIN referrals r ON r.id = mr.referral_id"
                                "  WHERE r.lead_id = :id))"},
        [ST_SCRUB_EVENTS] = {"forget: events",
                             "UPDATE events SET actor = refagent_scrub(actor, " EVENT_THEIRS "),"
                             " detail = refagent_scrub(detail, " EVENT_THEIRS ")"
                             " WHERE business = :business AND (actor, detail) IS DISTINCT FROM"
                             " (refagent_scrub(actor, " EVENT_THEIRS "),"
                             " refagent_scrub(detail, " EVENT_THEIRS "))"},
        [ST_SCRUB_REFERRALS] = {"forget: referrals",
                                "UPDATE referrals SET rep_email = refagent_scrub(rep_email, false),"
                                " rep_name = refagent_scrub(rep_name, false),"
                                " need = refagent_scrub(need, false),"
                                " budget = refagent_scrub(budget, false),"
                                " timeline = refagent_scrub(timeline, false),"
                                " context = refagent_scrub(context, false),"
                                " subject = refagent_scrub(subject, false),"
                                " held_reason = refagent_scrub(held_reason, false),"
                                " thread_key = refagent_scrub(thread_key, false)"
                                " WHERE business = :business AND (rep_email, rep_name, need,"
                                " budget, timeline, context, subject, held_reason, thread_key)"
                                " IS DISTINCT FROM (refagent_scrub(rep_email, false),"
                                " refagent_scrub(rep_name, false), refagent_scrub(need, false),"
                                " refagent_scrub(budget, false), refagent_scrub(timeline, false),"
                                " refagent_scrub(context, false), refagent_scrub(subject, false),"
                                " refagent_scrub(held_reason, false),"
                                " refagent_scrub(thread_key, false))"},
        [ST_SCRUB_MESSAGES] = {"forget: messages",
                               "UPDATE messages SET key = refagent_scrub(key, false),"
                               " why = refagent_scrub(why, false),"
                               " source = refagent_scrub(source, false),"
                               " from_email = refagent_scrub(from_email, false),"
                               " subject = refagent_scrub(subject, false)"
                               " WHERE business = :business AND (key, why, source, from_email,"
                               " subject) IS DISTINCT FROM (refagent_scrub(key, false),"
                               " refagent_scrub(why, false), refagent_scrub(source, false),"
                               " refagent_scrub(from_email, false),"
                               " refagent_scrub(subject, false))"},
        [ST_SCRUB_JOBS] = {"forget: mail",
                           "UPDATE jobs SET recipient = refagent_scrub(recipient, " JOB_THEIRS "),"
                           " recipient_name = refagent_scrub(recipient_name, " JOB_THEIRS "),"
                           " cc = refagent_scrub(cc, " JOB_THEIRS "),"
                           " note = refagent_scrub(note, " JOB_THEIRS "),"
                           " last_error = refagent_scrub(last_error, " JOB_THEIRS "),"
                           " message_key = refagent_scrub(message_key, false),"
                           " in_reply_to = refagent_scrub(in_reply_to, false),"
                           " refs = refagent_scrub(refs, false)"
                           " WHERE business = :business AND (recipient, recipient_name, cc, note,"
                           " last_error, message_key, in_reply_to, refs) IS DISTINCT FROM"
                           " (refagent_scrub(recipient, " JOB_THEIRS "),"
                           " refagent_scrub(recipient_name, " JOB_THEIRS "),"
                           " refagent_scrub(cc, " JOB_THEIRS "),"
                           " refagent_scrub(note, " JOB_THEIRS "),"
                           " refagent_scrub(last_error, " JOB_THEIRS "),"
                           " refagent_scrub(message_key, false),"
                           " refagent_scrub(in_reply_to, false), refagent_scrub(refs, false))"},
        [ST_SCRUB_OTHER] = {"forget: other records",
                            "UPDATE confirmations SET rep = refagent_scrub(rep, false),"
                            " arg = refagent_scrub(arg, false),"
                            " message_key = refagent_scrub(message_key, false)"
                            " WHERE business = :business AND (rep, arg, message_key)"
                            " IS DISTINCT FROM (refagent_scrub(rep, false),"
                            " refagent_scrub(arg, false), refagent_scrub(message_key, false))"},
        [ST_SCRUB_PEOPLE] = {"forget: people",
                             "UPDATE people SET name = refagent_scrub(name, false),"
                             " opt_out_source = refagent_scrub(opt_out_source, false),"
                             " bounce_reason = refagent_scrub(bounce_reason, false)"
                             " WHERE business = :business AND (name, opt_out_source,"
                             " bounce_reason) IS DISTINCT FROM (refagent_scrub(name, false),"
                             " refagent_scrub(opt_out_source, false),"
                             " refagent_scrub(bounce_reason, false))"},
        [ST_SCRUB_IMPORTS] = {"forget: imports",
                              "UPDATE imports SET source = refagent_scrub(source, false)"
                              " WHERE business = :business"
                              " AND refagent_scrub(source, false) IS DISTINCT FROM source"},
        [ST_SCRUB_REWARDS] = {"forget: rewards",
                              "UPDATE rewards SET rule = refagent_scrub(rule, false)"
                              " WHERE business = :business"
                              " AND refagent_scrub(rule, false) IS DISTINCT FROM rule"},
        [ST_FORGET_PERSON] = {"forget: person",
                              "UPDATE people SET email = NULL, name = NULL, phone = NULL,"
                              " company = NULL, token = NULL, opt_out_source = NULL,"
                              " bounce_reason = NULL, forgotten_at = :at"
                              " WHERE id = :id AND business = :business"},
};
