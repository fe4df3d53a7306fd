/** The HTTP API (contract section 4): read-only, JSON, bound to `api.listen`. */
import type { Server } from 'node:http';
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { dashboardRoutes } from './dashboard';
import { errorHandler, sendError } from './errors';
import { logRequests, requireToken } from './middleware';
import { apiRoutes } from './routes';
import type { ApiState } from './state';

/** `extraRoutes`: routes of a mode that has them (the demo's lab controls), after the API's own. */
export function createApiApp(state: ApiState, logger: Logger, extraRoutes: Router[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);
  app.use(logRequests(logger));
  app.use(requireToken(state.config.api.token));
  app.use(apiRoutes(state));
  for (const routes of extraRoutes) app.use(routes);
  app.use(dashboardRoutes());
  app.use((req, res) => sendError(res, 404, 'not-found', `no route ${req.method} ${req.path}`));
  app.use(errorHandler(logger));
  return app;
}

export interface RunningApi {
  /** The address it listens on, e.g. `127.0.0.1:8080` (the port is real when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

/** Listens on `host:port`; a port in use fails here, at start-up, not later. */
export function listenApi(app: Express, listen: string): Promise<RunningApi> {
  const { host, port } = splitListen(listen);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const bound = server.address();
      const actualPort = typeof bound === 'object' && bound ? bound.port : port;
      resolve({
        address: host.includes(':') ? `[${host}]:${actualPort}` : `${host}:${actualPort}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export function splitListen(listen: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(listen);
  if (bracketed) return { host: bracketed[1] ?? '::1', port: Number(bracketed[2]) };
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon), port: Number(listen.slice(colon + 1)) };
}
