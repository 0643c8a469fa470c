import { Injectable } from '@nestjs/common';
import { AppsService } from '../apps/apps.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { addStats, type DayStats, emptyCounts, medianApprovalS } from './day-stats.js';
import { nextDay } from './stats-rollup.js';
import { dayOf, StatsRepository } from './stats.repository.js';
import { type StatsQuery } from './stats.dto.js';

/** The longest range one request may ask for. */
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

type Counts = Omit<DayStats, 'appId' | 'day' | 'country'>;

/**
 * Statistics of sent and approved codes per app, day and country: finished days
 * from `daily_stats` (StatsRollup), the others counted from the rows themselves.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly repo: StatsRepository,
    private readonly apps: AppsService,
    private readonly clock: Clock,
  ) {}

  /** One app's statistics over the range; APP_NOT_FOUND for an unknown app. */
  async ofApp(appId: string, query: StatsQuery) {
    await this.apps.get(appId);
    const { from, to } = this.range(query);
    const rows = await this.days(from, nextDay(to), appId);
    return { app_id: appId, from, to, totals: countsView(sum(rows)), days: dayViews(rows) };
  }

  /** Every app's statistics over the range, with each app's totals. */
  async ofAllApps(query: StatsQuery) {
    const { from, to } = this.range(query);
    const rows = await this.days(from, nextDay(to));
    // Each app's totals as the rows go by (copying an app's rows at each of its rows took 21 s for a year of one app's 150 countries).
    const perApp = new Map<string, Counts>();
    for (const r of rows) {
      let total = perApp.get(r.appId);
      if (!total) perApp.set(r.appId, (total = emptyCounts()));
      addStats(total, r);
    }
    const apps = [...perApp].map(([appId, total]) => ({ app_id: appId, ...countsView(total) })).sort((a, b) => b.sent - a.sent || a.app_id.localeCompare(b.app_id));
    const byDayCountry = new Map<string, DayStats>();
    for (const r of rows) {
      const key = `${r.day}|${r.country}`;
      const into = byDayCountry.get(key) ?? { ...r, appId: '*', ...emptyCounts() };
      addStats(into, r);
      byDayCountry.set(key, into);
    }
    return { from, to, totals: countsView(sum(rows)), days: dayViews([...byDayCountry.values()]), apps };
  }

  /** Stored days up to the last finished one, counted rows after it. */
  private async days(from: string, toExcl: string, appId?: string): Promise<DayStats[]> {
    const final = await this.repo.finalThrough();
    const split = final === null || final < from ? from : nextDay(final) < toExcl ? nextDay(final) : toExcl;
    return [
      ...(split > from ? await this.repo.storedDays(from, split, appId) : []),
      ...(split < toExcl ? await this.repo.countRows(split, toExcl, appId) : []),
    ];
  }

  private range(query: StatsQuery): { from: string; to: string } {
    const to = query.to ?? dayOf(this.clock.nowMs());
    const from = query.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 6 * DAY_MS);
    for (const [field, day] of [['from', from], ['to', to]] as const) {
      if (dayOf(Date.parse(`${day}T00:00:00Z`)) !== day) throw invalid(field, `${field} is not a calendar day`);
    }
    if (from > to) throw invalid('from', 'from must not be after to');
    if ((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1 > MAX_DAYS) {
      throw invalid('from', `a range holds at most ${MAX_DAYS} days`);
    }
    return { from, to };
  }
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', { field, constraint: 'statsRange', message });
}

function sum(rows: DayStats[]): Counts {
  const total = emptyCounts();
  for (const r of rows) addStats(total, r);
  return total;
}

/** What the API shows of counts: conversion is approved / sent, null when nothing was sent. */
function countsView(c: Counts) {
  return {
    sent: c.sent,
    delivered: c.delivered,
    approved: c.approved,
    conversion: c.sent ? Math.round((c.approved / c.sent) * 10_000) / 10_000 : null,
    failed: c.failed,
    failures: c.failures,
    median_approval_s: medianApprovalS(c.approvalBuckets),
  };
}

function dayViews(rows: DayStats[]) {
  return rows
    .map((r) => ({ day: r.day, country: r.country || null, ...countsView(r) }))
    .sort((a, b) => a.day.localeCompare(b.day) || (a.country ?? '').localeCompare(b.country ?? ''));
}
