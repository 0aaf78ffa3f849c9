import { describe, expect, it } from 'vitest';
import type { IntakeResult } from '../ingest/instance.intake.ts';
import { ALREADY_STORED_WARNING, stowResponse } from './stow.response.ts';

type Json = Record<string, { vr: string; Value?: unknown[] }>;

const deid = (sop: string) => ({ study: '2.25.1', series: '2.25.2', sop });
const stored = (sop: string, duplicate: false | 'SAME_BYTES' | 'SAME_SOP_INSTANCE' = false): IntakeResult => ({
  ok: true, instanceId: `id-${sop}`, status: 'READY', duplicate, sopClassUid: '1.2.840.10008.5.1.4.1.1.4', deid: deid(sop),
});
const build = (results: IntakeResult[]) => stowResponse(results, (u) => `http://x/${u.sop}`, (s) => `http://x/${s}`);
const items = (body: Json, tag: string) => (body[tag]?.Value ?? []) as Json[];

describe('stowResponse', () => {
  it('answers 200 for new instances and for exact copies of stored ones, without warnings', () => {
    const { status, body } = build([stored('2.25.3'), stored('2.25.4', 'SAME_BYTES')]);
    expect(status).toBe(200);
    expect(items(body, '00081199').map((i) => i['00081155']!.Value![0])).toEqual(['2.25.3', '2.25.4']);
    expect(items(body, '00081199').some((i) => '00081196' in i)).toBe(false);
  });

  it('references the stored instance with a WarningReason when the SOP was stored with other bytes (202)', () => {
    const { status, body } = build([stored('2.25.3'), stored('2.25.3', 'SAME_SOP_INSTANCE')]);
    expect(status).toBe(202);
    const [first, second] = items(body, '00081199');
    expect(first!['00081196']).toBeUndefined();
    expect(second).toMatchObject({ '00081155': { Value: ['2.25.3'] }, '00081190': { Value: ['http://x/2.25.3'] }, '00081196': { vr: 'US', Value: [ALREADY_STORED_WARNING] } });
    expect(String(second!['00000902']!.Value![0])).toMatch(/^DUPLICATE_SOP_INSTANCE: /);
    expect(String(second!['00000902']!.Value![0]).length).toBeLessThanOrEqual(64);
    expect(body['00081198']).toBeUndefined();
    expect(body['00081190']!.Value).toEqual(['http://x/2.25.1']);
  });

  it('keeps 409 for a request where nothing was stored', () => {
    const { status, body } = build([{ ok: false, code: 'NOT_PART10', message: 'not a DICOM Part 10 file' }]);
    expect(status).toBe(409);
    expect(items(body, '00081198')[0]!['00081197']!.Value).toEqual([0xc000]);
  });
});
