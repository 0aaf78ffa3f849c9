import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

// OpenAPI 3.1 document built from every route's zod schemas, served at /openapi.json, with
// Swagger UI at /docs. Registered before the routes so it sees them all.

export const TAGS = [
  { name: 'operations', description: 'Health and metrics' },
  { name: 'organizations', description: 'The caller\'s organization' },
  { name: 'projects', description: 'Projects: de-identification settings and data scope' },
  { name: 'api-keys', description: 'API keys: create (shown once), list, revoke' },
  { name: 'audit', description: 'Hash-chained audit trail: search, export, verify' },
];

export const docsPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'medgrade API',
          version: '0.1.0',
          description: 'De-identified DICOM ingestion, fine-tuning and model serving. Authenticate with `Authorization: Bearer <API key>`.',
        },
        servers: [{ url: app.deps.config.gateway.publicUrl }],
        tags: TAGS,
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key `mgk_<prefix>_<secret>` from `medgrade keys create` or POST /v1/api-keys' },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });

    // Swagger UI's own routes are public: mark every route registered in this context.
    await app.register(async (ui) => {
      ui.addHook('onRoute', (route) => {
        route.config = { ...route.config, public: true };
      });
      await ui.register(swaggerUi, { routePrefix: '/docs' });
    });

    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'docs', dependencies: ['deps'] },
);
