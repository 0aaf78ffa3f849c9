// SigV4 as s3.direct.ts computes it, checked against the examples of the S3 API reference
// ("Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"):
// the local S3-protocol server of the integration tests does not verify V4 signatures.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signingKey, signV4 } from './s3.direct.ts';

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date(Date.UTC(2013, 4, 24));
const host = 'examplebucket.s3.amazonaws.com';
const signatureOf = (headers: Record<string, string>) => /Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? '')?.[1];

describe('signV4', () => {
  it('signs the reference GET Object request', () => {
    const headers = signV4({ method: 'GET', host, path: '/test.txt', headers: { range: 'bytes=0-9' }, payloadSha256: createHash('sha256').digest('hex') }, credentials, signingKey(credentials.secretAccessKey, now, 'us-east-1'), now);
    expect(headers.authorization).toContain('Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,');
    expect(signatureOf(headers)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('signs the reference PUT Object request (its Date and storage-class headers signed too)', () => {
    const payloadSha256 = createHash('sha256').update('Welcome to Amazon S3.').digest('hex');
    const headers = signV4(
      { method: 'PUT', host, path: '/test%24file.text', headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' }, payloadSha256 },
      credentials, signingKey(credentials.secretAccessKey, now, 'us-east-1'), now,
    );
    expect(headers.authorization).toContain('SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,');
    expect(signatureOf(headers)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('signs a session token when the credentials carry one', () => {
    const headers = signV4({ method: 'GET', host, path: '/k', headers: {}, payloadSha256: 'x' }, { ...credentials, sessionToken: 'token' }, signingKey(credentials.secretAccessKey, now, 'eu-west-1'), now);
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toContain('/20130524/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
  });
});
