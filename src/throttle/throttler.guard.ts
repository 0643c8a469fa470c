import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * @nestjs/throttler's guard with plain storage keys. The package hashes
 * `Class-handler-throttler-tracker` with SHA-256 on every request to bound the
 * key's length; ours is bounded already (route names and an IP address), and the
 * hash was a tenth of the guard's cost.
 */
@Injectable()
export class PasscodeThrottlerGuard extends ThrottlerGuard {
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${context.getClass().name}-${context.getHandler().name}-${throttlerName}-${tracker}`;
  }
}
