/** `POST /lab/links/<switch>/<port>/down|up`: cut or mend a lab cable by hand (demo mode only). */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { sendError } from '../api/errors';
import { LabError, type LabWorld } from './world';

export function labRoutes(world: LabWorld, onChange?: (text: string) => void): Router {
  const router = Router();
  const linkAction = '/lab/links/:switch/:port/:action';
  router.post(linkAction, refuseCrossSite);
  router.post(linkAction, (req, res) => {
    const { switch: switchName = '', port = '', action = '' } = req.params;
    if (action !== 'down' && action !== 'up') {
      sendError(res, 400, 'bad-request', `the last part is down or up, not "${action}"`);
      return;
    }
    try {
      const up = action === 'up';
      const changed = world.setLink(switchName, port, up);
      if (changed) onChange?.(`${up ? 'mended' : 'cut'} ${switchName} ${port} (by hand)`);
      res.json({ switch: switchName, port, up, changed });
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
      sendError(res, 404, 'not-found', err.message);
    }
  });
  router.get('/lab/links', (_req, res) => {
    res.json({
      links: world.spec.switches.flatMap((sw) =>
        world
          .switchPorts(sw.name)
          .flatMap((port) =>
            port.peer ? [{ switch: sw.name, port: port.name, peer: port.peer, up: port.up }] : [],
          ),
      ),
    });
  });
  return router;
}

/**
 * Any web page could otherwise make its visitor's browser cut the lab's cables (a form POST
 * needs no CORS). `curl -X POST` must keep working as written (contract section 8), so no
 * custom header is asked for; instead a POST a browser marks as coming from another site is
 * refused: `Sec-Fetch-Site: cross-site`, or an `Origin` (browsers send it on cross-origin
 * POSTs, and on the dashboard's own) that is not this host. curl sends neither.
 */
function refuseCrossSite(req: Request, res: Response, next: NextFunction): void {
  const origin = req.get('origin');
  const host = req.get('host');
  if (
    req.get('sec-fetch-site') === 'cross-site' ||
    (origin !== undefined && !sameHost(origin, host))
  ) {
    sendError(
      res,
      403,
      'forbidden',
      `lab controls answer only their own page or a client without Origin (curl), not ${origin ?? 'a cross-site page'}`,
    );
    return;
  }
  next();
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) or garbage
  }
}
