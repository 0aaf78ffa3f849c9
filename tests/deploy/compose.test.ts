// docker-compose.yml fails closed (issue 14.6): no default secret, nothing published beyond the
// gateway on loopback, and the services reach MinIO with a bucket-scoped user, not the root one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
const services = [...compose.matchAll(/^ {2}([a-z-]+):\n/gm)].map((m) => m[1]);

describe('docker-compose.yml', () => {
  it('requires every secret instead of defaulting it', () => {
    for (const name of ['MINIO_ROOT_PASSWORD', 'MINIO_APP_PASSWORD', 'PROJECT_SECRET_KEY', 'INFERENCE_SERVICE_TOKEN', 'METRICS_TOKEN']) {
      const uses = [...compose.matchAll(new RegExp(`(?<!\\$)\\$\\{${name}([^}]*)\\}`, 'g'))].map((m) => m[1]);
      expect(uses.length, name).toBeGreaterThan(0);
      for (const use of uses) expect(use, name).toMatch(/^:\?/);
    }
  });

  it('publishes only the gateway, on 127.0.0.1 unless GATEWAY_BIND says otherwise', () => {
    const ports = [...compose.matchAll(/^\s+ports: \[(.*)\]$/gm)].map((m) => m[1]);
    expect(ports).toEqual(['"${GATEWAY_BIND:-127.0.0.1}:8080:8080"']);
  });

  it('gives the services a bucket-scoped MinIO user made by the one-shot setup container', () => {
    expect(compose).toMatch(/^ {2}S3_ACCESS_KEY_ID: medgrade-app$/m);
    expect(compose).toMatch(/mc admin user add local medgrade-app/);
    expect(compose).toMatch(/mc admin policy attach local medgrade-app --user medgrade-app/);
    expect(compose).toContain('"Resource":["arn:aws:s3:::medgrade/*"]');
  });

  it('runs every service pnpm start runs', () => {
    const start = readFileSync(new URL('../../scripts/start.ts', import.meta.url), 'utf8');
    const started = [...start.matchAll(/name: '([a-z-]+)', entry:/g)].map((m) => m[1]);
    expect(started.length).toBeGreaterThan(3);
    for (const name of started) expect(services, name).toContain(name);
  });
});
