/** What every route needs: the model, the limits, the queue and store, the logger, test hooks. */
import type { Logger } from 'pino';
import type { Hono } from 'hono';
import type { Model } from '../models/package.ts';
import type { RequestCancel } from './cancel.ts';
import type { ServerLimits } from './limits.ts';
import type { JobQueue } from './queue.ts';
import type { VolumeStore } from './store.ts';

/** Any pino-style logger: request lines and selection-log lines go to `info`, internal errors to `error`. */
export type ServerLogger = Pick<Logger, 'info' | 'error'>;

export interface AppHooks {
  /**
   * Test hook: awaited inside the queue slot, before each segmentation, with the request's signal.
   * Tests use it to hold a job "running" for as long as they need; leave it unset in production.
   */
  readonly beforeSegment?: (signal: AbortSignal) => Promise<void>;
}

export interface ServerDeps {
  readonly model: Model;
  readonly limits: ServerLimits;
  readonly queue: JobQueue;
  readonly store: VolumeStore;
  readonly logger?: ServerLogger;
  readonly hooks: AppHooks;
}

/** Per-request values: set by middleware and routes, read by the request log. */
export interface AppEnv {
  Variables: {
    id: string;
    cancel: RequestCancel;
    prompts?: string[];
    routes?: string[];
  };
}

export type App = Hono<AppEnv>;
