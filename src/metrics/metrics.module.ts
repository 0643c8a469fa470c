import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';

/** The process's Prometheus metrics, injectable everywhere (see {@link Metrics}). */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
