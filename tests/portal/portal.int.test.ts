// The developer portal in a real browser (Debian's Chromium through playwright-core) against the
// real platform: a gateway listening on a port (its own database and Redis prefix) serving the
// freshly built portal, the de-identification worker, the S3-protocol store, the inference
// service with the committed reference model, and the inference worker. The steps are what an
// integrator does: sign in, upload a folder of synthetic studies holding one file that must be
// rejected and watch every file reach its final state with the reason, open a study and its
// thumbnail, run an inference and read the text, open a model's evaluation; then sign out.
// Screenshots of each step go to test-artifacts/portal/ (git-ignored).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticStudies } from '../../packages/synthetic/src/index.ts';
import { buildPortal } from '../../packages/portal/scripts/build.ts';
import type { IngestEnv } from '../ingest/ingest.harness.ts';
import { startPlatform, type Platform } from '../platform.harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const REPO_ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts/portal');
const TOKEN = 'portal-int-inference-token';
const STUDIES = 4;
const WAIT = { timeout: 60_000, interval: 250 };

// Chromium is a `test` package of scripts/system-packages.txt (the test set-up installs it): its absence fails here, loudly.
describe('developer portal in Chromium', () => {
  let platform: Platform;
  let env: IngestEnv;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let key: string;
  let dir: string;
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    const portal = await buildPortal();
    await mkdir(ARTIFACTS, { recursive: true });
    platform = await startPlatform(TOKEN, { PORTAL_DIR: portal.dir });
    ({ env, baseUrl } = platform);
    // A project admin key: uploads go to its project; it sees the organization's models and may release and retire.
    key = (await env.gw.key('acme', ['admin'], env.projectId)).auth.slice('Bearer '.length);

    // A folder of synthetic studies (fake PHI) and one file that is not DICOM.
    dir = await mkdtemp(join(tmpdir(), 'medgrade-portal-int-'));
    const folder = join(dir, 'studies');
    await writeSyntheticStudies({ out: folder, count: STUDIES, seed: 23, task: 'findings' });
    await unlink(join(folder, 'labels.jsonl'));
    await writeFile(join(folder, 'notes.dcm'), 'these are notes, not a DICOM file\n');
    // Two more studies in a zip, to drop.
    const more = join(dir, 'more');
    await writeSyntheticStudies({ out: more, count: 2, seed: 23, task: 'findings', start: STUDIES });
    await unlink(join(more, 'labels.jsonl'));
    execFileSync('/usr/bin/python3', ['-c', 'import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nfor f in sorted(os.listdir(sys.argv[2])): z.write(os.path.join(sys.argv[2],f), f)\nz.close()', join(dir, 'more.zip'), more]);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The refusals the test provokes (a wrong key: 401; a retire the key may not do: 403) log a resource
      // error; anything else (CSP, script errors, other failed loads) is a problem.
      const provoked = /^Failed to load resource: the server responded with a status of 40[13] /.test(message.text());
      if (message.type() === 'error' && !provoked) problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) problems.push(`left the origin: ${request.url()}`);
    });
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong key with the API message, then signs in with the key kept in sessionStorage only', async () => {
    // The bundle served is the production build: no source paths of this machine in it.
    const script = await (await fetch(`${baseUrl}/portal/`)).text().then((html) => /src="([^"]+\.js)"/.exec(html)?.[1]);
    expect(script).toMatch(/^\/portal\/assets\//);
    expect(await (await fetch(`${baseUrl}${script}`)).text()).not.toContain(REPO_ROOT);
    await page.goto(`${baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/portal/');
    await page.getByLabel('API key').fill(`mgk_000000000000_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toContain('401 UNAUTHENTICATED');
    await shot('01-sign-in-refused');

    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Portal' }).waitFor(WAIT);
    expect(await page.getByTestId('whoami').textContent()).toContain('admin');
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate('window.localStorage.length')).toBe(0);
    expect(await page.evaluate(`Object.values(window.sessionStorage).includes(${JSON.stringify(key)})`)).toBe(true);
    await shot('02-signed-in');
  });

  it('uploads a folder: every file reaches its final state, the refused one with its reason, and the totals add up', async () => {
    await page.getByRole('link', { name: 'Upload' }).click();
    // Keyboard users reach the pickers with Tab, and the focused picker's button shows it.
    const focused = () => page.evaluate('document.activeElement?.id ?? ""');
    for (let i = 0; i < 12 && (await focused()) !== 'pick-files'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('pick-files');
    expect(await page.evaluate("getComputedStyle(document.querySelector('label[for=pick-files]')).outlineStyle")).toBe('solid');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('pick-folder');
    await page.setInputFiles('#pick-folder', join(dir, 'studies'));
    const rows = page.getByTestId('upload-row');
    await expect.poll(() => rows.count(), WAIT).toBe(STUDIES + 1);
    await expect.poll(() => page.locator('[data-testid=upload-row][data-state=ready]').count(), WAIT).toBe(STUDIES);
    await expect.poll(() => page.locator('[data-testid=upload-row][data-state=rejected]').count(), WAIT).toBe(1);
    const rejected = page.locator('[data-testid=upload-row][data-state=rejected]');
    expect(await rejected.locator('th').textContent()).toBe('notes.dcm');
    expect(await rejected.getByTestId('upload-state').textContent()).toBe('rejected');
    expect(await rejected.getByTestId('upload-reason').textContent()).toMatch(/^NOT_PART10: not a DICOM Part 10 file/);
    const states = await page.getByTestId('upload-state').allTextContents();
    expect(states.filter((s) => s === 'de-identified')).toHaveLength(STUDIES);
    expect(await page.getByTestId('total-ready').textContent()).toBe(String(STUDIES));
    expect(await page.getByTestId('total-rejected').textContent()).toBe('1');
    expect(await page.getByTestId('total-failed').textContent()).toBe('0');
    expect(await page.getByTestId('upload-totals').textContent()).toContain(`${STUDIES + 1} of ${STUDIES + 1} files finished`);
    await shot('03-upload-finished');
  });

  it('takes a zip dropped on the drop zone: one row, its instances de-identified', async () => {
    // A DataTransfer built in the page, as a drop from the desktop delivers it (no directory entries: the file list is read).
    const b64 = (await readFile(join(dir, 'more.zip'))).toString('base64');
    const transfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      const bytes = Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], 'more.zip', { type: 'application/zip' }));
      return transfer;
    })()`);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    const row = page.getByTestId('upload-row');
    await expect.poll(() => row.count(), WAIT).toBe(1);
    await expect.poll(() => row.getAttribute('data-state'), WAIT).toBe('ready');
    expect(await row.locator('th').textContent()).toBe('more.zip');
    expect(await row.getByTestId('upload-reason').textContent()).toBe('2 instances');
    expect(await page.getByTestId('total-ready').textContent()).toBe('2');
    await shot('03b-zip-dropped');
  });

  it('finds the studies with QIDO, opens one with its thumbnail and its de-identification codes', async () => {
    await page.getByRole('link', { name: 'Studies' }).click();
    await page.getByLabel('Modality').fill('CR');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByTestId('study-results');
    await expect.poll(() => results.locator('tbody tr').count(), WAIT).toBe(STUDIES + 2);
    // A surrogate patient ID from the table finds exactly its study.
    const patientId = (await results.locator('tbody tr').first().locator('td').first().textContent()) ?? '';
    expect(patientId).toMatch(/\S/);
    await page.getByLabel('Patient ID (surrogate)').fill(patientId);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => results.locator('tbody tr').count(), WAIT).toBe(1);
    await shot('04-study-search');

    await results.getByRole('link', { name: /^Open study/ }).click();
    await page.getByTestId('study-view').waitFor(WAIT);
    // The thumbnail came from /rendered (viewport 128,128) and decoded as an image. (waitForFunction would
    // evaluate a string, which the portal's CSP refuses; evaluate goes through the debugger protocol.)
    const decoded = "[...document.querySelectorAll('[data-testid=instance-thumb] img')].filter((img) => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 128).length";
    await expect.poll(() => page.evaluate(decoded), WAIT).toBeGreaterThan(0);
    await page.getByTestId('instance-thumb').first().click();
    await expect.poll(() => page.getByTestId('method-code').count(), WAIT).toBeGreaterThan(0);
    const codes = await page.getByTestId('method-code').allTextContents();
    expect(codes.some((c) => c.startsWith('113100DCM'))).toBe(true); // Basic Application Confidentiality Profile
    expect(await page.getByTestId('deid-record').textContent()).toContain('YES');
    await shot('05-study-thumbnail-deid');
  });

  it('runs an inference on the open study and shows the report text and label scores', async () => {
    await page.getByRole('link', { name: 'Run an inference on this study' }).click();
    await expect.poll(() => page.getByLabel('Study').inputValue(), WAIT).toMatch(/^[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Run inference' }).click();
    await expect.poll(() => page.getByTestId('inference-result').getAttribute('data-status'), WAIT).toBe('succeeded');
    const text = (await page.getByTestId('report-text').first().textContent()) ?? '';
    expect(text.length).toBeGreaterThan(10);
    await shot('06-inference');
  });

  it("opens a model's evaluation: per-finding and subgroup tables and the chart", async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: /^Evaluation of medgrade-cxr-tiny/ }).click();
    await page.getByTestId('version-view').waitFor(WAIT);
    expect(await page.getByTestId('version-status').textContent()).toBe('released');
    await expect.poll(() => page.getByTestId('finding-table').locator('tbody tr').count(), WAIT).toBeGreaterThan(3);
    expect(await page.getByTestId('finding-table').textContent()).toContain('cardiomegaly');
    expect(await page.getByTestId('subgroup-table').locator('tbody tr').count()).toBeGreaterThan(2);
    expect(await page.getByRole('img', { name: /F1 per finding/ }).count()).toBe(1);
    await shot('07-model-evaluation');
    // The API's refusal is shown with its status, code and message: a project key may not retire an organization-wide model.
    await page.getByLabel('Reason (recorded in the audit trail)').fill('superseded');
    await page.getByRole('button', { name: 'Retire' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toMatch(/^403 FORBIDDEN: .+\(request [\w-]+\)$/);
    expect(await page.getByTestId('version-status').textContent()).toBe('released');
    await shot('07b-retire-refused');
  });

  it('lists the audit trail and the keys, then signs out and forgets the key', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.getByTestId('audit-table').locator('tbody tr').count(), WAIT).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'API keys' }).click();
    await expect.poll(() => page.getByText('(this key)').count(), WAIT).toBe(1);
    await shot('08-keys');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor(WAIT);
    expect(await page.evaluate('window.sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });
});
