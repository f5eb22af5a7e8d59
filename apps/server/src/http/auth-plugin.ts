/**
 * Authentication: every route except those marked `config: { public: true }` needs
 * `Authorization: Bearer <key>` with a configured API key (when any key is configured). The
 * key's name is `request.apiKey` (the rate limit counts per key). Bad or missing keys get 401
 * naming the `authorization` field; the value is shown masked, never echoed whole.
 */
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyRing } from './api-keys.js';
import { sendError } from './error-response.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the API key the request presented (null when auth is off). */
    apiKey: string | null;
  }
  interface FastifyContextConfig {
    /** No API key needed (health, OpenAPI). */
    public?: boolean;
  }
}

/** A presented credential, masked for messages. */
function mask(value: string): string {
  return value.length <= 12 ? `${value.slice(0, 2)}...` : `${value.slice(0, 10)}...`;
}

const authPlugin: FastifyPluginAsync<{ keys: ApiKeyRing }> = async (app, { keys }) => {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!keys.enabled || request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    if (header === undefined) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, { error: 'Unauthorized', field: 'authorization', value: null, message: 'Invalid authorization = undefined: send "Authorization: Bearer <API key>"' });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const name = m ? keys.verify(m[1]!) : undefined;
    if (name === undefined) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      const shown = mask(header);
      return sendError(reply, 401, {
        error: 'Unauthorized',
        field: 'authorization',
        value: shown,
        message: `Invalid authorization = ${JSON.stringify(shown)}: ${m ? 'unknown API key' : 'expected "Bearer <API key>"'}`,
      });
    }
    request.apiKey = name;
  });
};

/** See the module comment. */
export const auth = fp(authPlugin, { name: 'upshift-auth' });
