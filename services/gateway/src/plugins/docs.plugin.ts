import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { openapiTransformObject } from '../openapi/openapi.object.ts';
import { errorStatuses, openapiTransform } from '../openapi/route-docs.ts';

// OpenAPI 3.1 document built from every route's zod schemas, served at /openapi.json, with
// Swagger UI at /docs. Registered before the routes so it sees them all, and completes each
// route's error responses and documentation from its traits (../openapi/route-docs.ts).
// Every tag a route uses needs a row here (the OpenAPI unit test checks).

export const TAGS = [
  { name: 'operations', description: 'Health and metrics' },
  { name: 'organizations', description: 'The caller\'s organization' },
  { name: 'projects', description: 'Projects: de-identification settings and data scope' },
  { name: 'api-keys', description: 'API keys: create (shown once), list, revoke' },
  { name: 'audit', description: 'Hash-chained audit trail: search, export, verify' },
  { name: 'uploads', description: 'Upload DICOM files and zips (de-identified asynchronously) and follow each instance to READY or REJECTED' },
  { name: 'studies', description: 'De-identified studies: list, read with series and instances, erase (admin)' },
  { name: 'review', description: 'Burned-in review: instances the project\'s policy held because burned-in text is likely; approve (de-identify, keeping the pixel data) or reject (delete the raw upload)' },
  { name: 'dicomweb', description: 'DICOMweb over de-identified data: STOW-RS store, QIDO-RS search, WADO-RS retrieve (DICOM, metadata, frames, rendered PNG/JPEG)' },
  { name: 'models', description: 'Model registry: models, versions uploaded as bundles, release and retire' },
  { name: 'inferences', description: 'Run released models on studies, instances or an uploaded file; synchronous or asynchronous with polling or a signed webhook' },
  { name: 'datasets', description: 'Datasets of de-identified studies: labels (JSON Lines, reports de-identified) and immutable, patient-split snapshots' },
  { name: 'finetune-jobs', description: 'Fine-tune a base model on a dataset snapshot: validation, queueing by quota and priority, preemption, evaluation; one event stream per job' },
  { name: 'oip', description: 'KServe/Triton Open Inference Protocol v2: server and model metadata, readiness, tensor inference' },
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
      transform: openapiTransform,
      transformObject: openapiTransformObject,
    });
    app.addHook('onRoute', errorStatuses);

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
