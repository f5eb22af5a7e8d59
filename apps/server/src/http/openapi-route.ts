/** `/openapi.json`: the OpenAPI 3.1 document @fastify/swagger builds from the routes' zod schemas; no API key needed. */
import type { FastifyPluginAsync } from 'fastify';

/** See the module comment. */
export const openApiRoute: FastifyPluginAsync = async (fastify) => {
  fastify.get('/openapi.json', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => fastify.swagger());
};
