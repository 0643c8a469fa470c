import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { AppsService } from '../apps/apps.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type BucketKind, type BucketState, type FraudBucketRow, slidingCounts } from './fraud-bucket.js';
import { FraudBucketsRepository } from './fraud-buckets.repository.js';
import { FraudGuard, fraudPolicyOf } from './fraud-guard.service.js';

export interface FraudBucketView {
  kind: BucketKind;
  key: string;
  state: BucketState;
  until: string | null;
  changed_at: string | null;
  sends: number;
  approvals: number;
}

const LIST_LIMIT = 500;

/** The operators' view of an app's fraud buckets: the flagged ones, and lifting one by hand. */
@Injectable()
export class FraudBucketsService {
  constructor(
    private readonly apps: AppsService,
    private readonly repo: FraudBucketsRepository,
    private readonly guard: FraudGuard,
    private readonly clock: Clock,
  ) {}

  /** The app's challenged and blocked buckets (or those of one state), most recently changed first, at most 500. */
  async list(appId: string, state?: 'challenge' | 'blocked'): Promise<FraudBucketView[]> {
    const app = await this.apps.get(appId);
    const windowS = fraudPolicyOf(app.code_policy).window_s;
    const now = this.clock.now();
    return (await this.repo.listFlagged(appId, state, LIST_LIMIT)).map((row) => view(row, now, windowS));
  }

  /** Lifts a challenged or blocked bucket by hand (audited, published); a normal one is answered as it is. */
  async lift(actor: Actor, appId: string, kind: string, key: string): Promise<FraudBucketView> {
    const app = await this.apps.get(appId);
    const policy = fraudPolicyOf(app.code_policy);
    if (kind !== 'country' && kind !== 'prefix') throw new DomainError('FRAUD_BUCKET_NOT_FOUND');
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const row = await this.repo.findOne(appId, kind, key);
      if (!row) throw new DomainError('FRAUD_BUCKET_NOT_FOUND');
      if (row.state === 'normal') return view(row, now, policy.window_s);
      const lifted = await this.guard.change(actor, row, 'normal', null, 'lifted_by_operator', now, policy);
      if (lifted) return view(lifted, now, policy.window_s);
      // A send moved it meanwhile: look again.
    }
    throw new DomainError('FRAUD_BUCKET_NOT_FOUND');
  }
}

function view(row: FraudBucketRow, now: Date, windowS: number): FraudBucketView {
  const { sends, approvals } = slidingCounts(row, now, windowS);
  return {
    kind: row.kind,
    key: row.key,
    state: row.state,
    until: row.state_until ? new Date(row.state_until).toISOString() : null,
    changed_at: row.state_changed_at ? new Date(row.state_changed_at).toISOString() : null,
    sends: Math.round(sends),
    approvals: Math.round(approvals),
  };
}
