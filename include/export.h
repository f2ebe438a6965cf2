/*
 * export.h - the referrals, the reward ledger and the report as CSV, for
 * a spreadsheet (`list --csv`, `rewards --csv`, `report --csv`).  The
 * cells are written by sheet.h (RFC 4180, formulas guarded).
 *
 * The referrals carry the header names `import` recognises, so a sheet
 * exported here imports again as the same referrals.  Times are local
 * ([schedule] timezone) as "2026-03-02 14:30:00", which spreadsheets read
 * as dates; amounts are plain numbers (12000.5), without currency or
 * grouping, which they read as numbers.
 */
#ifndef REFAGENT_EXPORT_H
#define REFAGENT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

struct config;
struct report;

/* A header row, then one row per referral: ID, Date, Status, Referrer,
 * Referrer email, Referrer phone, Lead, Email, Phone, Company, Rep, Rep
 * email, Value, Need, Budget, Timeline, Subject, Notes, First contact,
 * Updated. */
void export_referrals(FILE *out, const struct referral_view *v, size_t n);
/* The same a row at a time (`list --csv` streams): the header, then each
 * referral. */
void export_referrals_header(FILE *out);
void export_referral_row(FILE *out, const struct referral_view *r);

/* A header row, then one row per reward: ID, Referral, Amount, Currency,
 * State, Referrer, Referrer email, Lead, Lead email, Rule, Owed since,
 * Paid. */
void export_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg);

/* The report's figures, one per row under Figure, Item, Value: the
 * period, referrals by status, won value, conversion, time to first
 * contact, each top referrer's referrals, wins and won value, rewards
 * owed and paid. */
void export_report(FILE *out, const struct report *r, const struct config *cfg, int days);

#endif
