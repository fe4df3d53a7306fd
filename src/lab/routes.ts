/** `POST /lab/links/<switch>/<port>/down|up`: cut or mend a lab cable by hand (demo mode only). */
import { Router } from 'express';
import { sendError } from '../api/errors';
import { LabError, type LabWorld } from './world';

export function labRoutes(world: LabWorld, onChange?: (text: string) => void): Router {
  const router = Router();
  router.post('/lab/links/:switch/:port/:action', (req, res) => {
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
