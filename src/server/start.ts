/**
 * startServer: the app on @hono/node-server, listening on host:port (port 0 picks a free one).
 * close() drains gracefully: the listening socket closes at once, requests already in progress
 * (running or queued jobs included) finish and get their answers with "connection: close", idle
 * keep-alive connections are dropped, and a model the server loaded itself is released last.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { DEFAULT_MODEL_DIR } from '../models/default-model.ts';
import { loadModel, type Model } from '../models/package.ts';
import { createApp, type AppOptions } from './app.ts';
import { errorResponse, mapError, ServerError } from './errors.ts';
import { resolveLimits } from './limits.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
/** How long close() waits past the request timeout before cutting connections that still hang. */
const DRAIN_GRACE_MS = 5_000;

export interface StartOptions extends AppOptions {
  /** A loaded Model (the caller closes it) or a package directory (loaded here, closed by close()). Default: the shipped package. */
  readonly model?: Model | string;
  readonly host?: string;
  /** 0 picks a free port; see RunningServer.port. */
  readonly port?: number;
  /** ONNX Runtime threads when the server loads the model itself. */
  readonly threads?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly model: Model;
  readonly server: Server;
  /** Stops accepting connections, finishes in-flight requests, then releases what the server owns. */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const owned = typeof options.model !== 'object';
  const model = typeof options.model === 'object' ? options.model : await loadModel(options.model ?? DEFAULT_MODEL_DIR, options.threads ? { threads: options.threads } : {});
  const limits = resolveLimits(options.limits);
  const app = createApp(model, options);
  let draining = false;
  const fetch = (request: Request, env: unknown) =>
    // A keep-alive connection may still send a request after close(): refuse it politely.
    draining ? errorResponse(mapError(new ServerError('SHUTTING_DOWN', 'the server is shutting down', {}), '-')) : app.fetch(request, env);
  // overrideGlobalObjects: false — a library must not replace the embedding process's Request/Response.
  const server = createAdaptorServer({ fetch, hostname: options.host ?? DEFAULT_HOST, overrideGlobalObjects: false }) as Server;

  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    if (draining && !response.headersSent) response.setHeader('connection', 'close');
    response.once('close', () => {
      inFlight.delete(response);
      if (draining && inFlight.size === 0) server.closeIdleConnections();
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (owned) await model.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.address;
  let closing: Promise<void> | undefined;

  const close = () =>
    (closing ??= (async () => {
      draining = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), limits.timeoutMs + DRAIN_GRACE_MS);
      deadline.unref();
      await closed;
      clearTimeout(deadline);
      if (owned) await model.close();
    })());

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    host,
    port: address.port,
    model,
    server,
    close,
  };
}
