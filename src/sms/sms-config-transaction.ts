import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { SmsRouteCache } from './sms-route-cache.js';

/**
 * The transaction of an SMS configuration change (accounts, signatures,
 * templates, bindings): every send route may depend on what it changes, so once
 * it commits no instance sends by a route cached before it.
 */
@Injectable()
export class SmsConfigTransaction {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly routes: SmsRouteCache,
  ) {}

  /** Runs `work` in a transaction that announces the change; drops this instance's routes once it commits. */
  async run<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.ds.transaction(async (m) => {
      const r = await work(m);
      await this.routes.announceChange(m);
      return r;
    });
    this.routes.evict();
    return result;
  }
}
