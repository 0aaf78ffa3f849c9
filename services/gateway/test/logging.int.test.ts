import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@medgrade/config';
import { serviceLogger } from '@medgrade/service';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: serviceLogger('gateway', { ...loadConfig({ MEDGRADE_DEV: '1' }), logLevel: 'info' }, stream) };
}

describe('logging', () => {
  it('censors auth headers and PHI-named fields at any of the first two levels', () => {
    const { lines, logger } = memoryLogger();
    logger.info({ patientName: 'DOE^JANE', study: { PatientID: 'MRN-991', modality: 'CT' }, headers: { authorization: 'Bearer mgk_x' }, secret: 's3' }, 'x');
    expect(lines[0]).toMatchObject({ patientName: '[REDACTED]', study: { PatientID: '[REDACTED]', modality: 'CT' }, headers: { authorization: '[REDACTED]' }, secret: '[REDACTED]', service: 'gateway' });
  });

  describe('request lines', () => {
    let gw: TestGateway;
    const mem = memoryLogger();
    beforeAll(async () => {
      gw = await createTestGateway({}, { logger: mem.logger });
    });
    afterAll(async () => {
      await gw.close();
    });

    it('carry the request id, route and status, never the query string or the key', async () => {
      const { auth } = await gw.key('log', ['studies:read']);
      const res = await gw.app.inject({ url: '/v1/me?PatientName=DOE%5EJANE', headers: { authorization: auth, 'x-request-id': 'req-log-1' } });
      expect(res.statusCode).toBe(200);
      const mine = mem.lines.filter((l) => l.requestId === 'req-log-1');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ msg: 'request completed', statusCode: 200, req: { method: 'GET', path: '/v1/me', route: '/v1/me' } });
      const all = JSON.stringify(mem.lines);
      expect(all).not.toContain('DOE');
      expect(all).not.toContain(auth.slice(7));
    });
  });
});
