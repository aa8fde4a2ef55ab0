import type { InternalRoute } from './http-server.js';

/** Seawall's own unauthenticated routes under /_seawall/. */
export function createInternalRoutes(): InternalRoute {
  return async (req, path) => {
    if (path === 'health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'ok' }),
      };
    }
    return undefined;
  };
}
