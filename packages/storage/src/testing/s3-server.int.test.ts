// The local S3 server shows an object only once its PUT is complete, as S3 and MinIO do: s3rver
// alone served a half-written object to a concurrent List or GET, and the training orchestrator
// copied a trainer's event chunk caught that way without its last lines (s3-server.child.ts).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, getBuffer } from '../object-store.ts';
import { S3ObjectStore } from '../s3.store.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';

describe('local S3 server', () => {
  let s3: LocalS3;
  let store: S3ObjectStore;
  beforeAll(async () => {
    s3 = await startLocalS3();
    store = new S3ObjectStore(s3.options);
  }, 30_000);
  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  async function listed(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of store.list(prefix)) keys.push(`${o.key} ${o.size}`);
    return keys;
  }

  it('shows an object to List and GET only once its PUT has its last byte, then whole', async () => {
    const key = 'finetune/o/j/attempts/1/events/00000002.jsonl';
    await store.put('finetune/o/j/attempts/1/events/00000001.jsonl', Buffer.from('{"event":"step","step":1}\n'));
    const body = '{"event":"checkpoint","step":4}\n';
    // A client that sends the headers and half the body, then stalls (a trainer frozen or descheduled mid-PUT).
    const { hostname, port } = new URL(s3.options.endpoint!);
    const put = request({ host: hostname, port, method: 'PUT', path: `/${s3.options.bucket}/${key}`, headers: { 'content-length': String(body.length) } });
    const answered = new Promise<number>((resolve, reject) => put.on('response', (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject));
    put.write(body.slice(0, 20));
    await new Promise((r) => setTimeout(r, 300));
    try {
      expect(await listed('finetune/o/j/attempts/1/events/')).toEqual(['finetune/o/j/attempts/1/events/00000001.jsonl 26']);
      await expect(getBuffer(store, key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    } catch (error) {
      answered.catch(() => {});
      put.on('error', () => {}).destroy(); // s3rver would wait for the rest of the body at close
      throw error;
    }
    put.end(body.slice(20));
    expect(await answered).toBe(200);
    expect(await listed('finetune/o/j/attempts/1/events/')).toEqual(['finetune/o/j/attempts/1/events/00000001.jsonl 26', `${key} ${body.length}`]);
    expect((await getBuffer(store, key)).toString()).toBe(body);
    expect((await store.head(key)).size).toBe(body.length);
  });

  it('keeps nothing of a PUT whose client went away mid-body', async () => {
    const key = 'finetune/o/j/attempts/1/log/00000001.log';
    const { hostname, port } = new URL(s3.options.endpoint!);
    const put = request({ host: hostname, port, method: 'PUT', path: `/${s3.options.bucket}/${key}`, headers: { 'content-length': '100' } });
    put.on('error', () => {});
    put.write('half a log line');
    await new Promise((r) => setTimeout(r, 200));
    put.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(await listed('finetune/o/j/attempts/1/log/')).toEqual([]);
    await expect(store.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});
