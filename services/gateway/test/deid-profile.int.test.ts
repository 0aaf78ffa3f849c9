// The de-identification profile's audit trail says what was set, not only which options were
// touched (issue 14.7): an auditor must see that retainPatientCharacteristics became true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('PUT /v1/projects/{id}/deid-profile audit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('records the option values and the burned-in policy that were set', async () => {
    const admin = await gw.key('profile-org', ['admin']);
    const projectId = await gw.project(admin.orgId, 'profile-project');
    const options = { retainPatientCharacteristics: true, retainLongitudinalTemporal: 'modified' };
    const res = await gw.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/deid-profile`, headers: { authorization: admin.auth }, payload: { options, burnedInPolicy: 'FLAG' } });
    expect(res.statusCode).toBe(200);
    const event = await gw.db.prisma.auditEvent.findFirstOrThrow({ where: { orgId: admin.orgId, action: 'project.deid-profile.update' } });
    expect(event.details).toEqual({ options, burnedInPolicy: 'FLAG' });
  });
});
