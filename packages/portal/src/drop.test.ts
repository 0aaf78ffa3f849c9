import { describe, expect, it } from 'vitest';
import { filesFromDrop, filesFromList } from './drop.ts';

// Directory entries as Chromium hands them over on a drop: readEntries answers in batches, then [].
function dir(name: string, children: object[], batch = 2) {
  return {
    name, isFile: false, isDirectory: true,
    createReader() {
      let at = 0;
      return {
        readEntries(success: (entries: object[]) => void) {
          const next = children.slice(at, at + batch);
          at += batch;
          queueMicrotask(() => success(next));
        },
      };
    },
  };
}
function file(name: string) {
  return { name, isFile: true, isDirectory: false, file: (success: (f: File) => void) => success(new File([name], name)) };
}
function transfer(entries: (object | null)[], files: File[] = []) {
  const items = entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry }));
  return { items, files } as unknown as DataTransfer;
}

describe('files from a drop or a picker', () => {
  it('walks dropped folders through every batch, leaving hidden files out', async () => {
    const tree = dir('studies', [file('000001.dcm'), file('.DS_Store'), dir('series2', [file('a.dcm'), file('b.dcm'), file('c.dcm')]), file('000002.dcm'), dir('.git', [file('HEAD')])]);
    const files = await filesFromDrop(transfer([tree, file('extra.zip')]));
    expect(files.map((f) => f.name)).toEqual(['000001.dcm', 'a.dcm', 'b.dcm', 'c.dcm', '000002.dcm', 'extra.zip']);
  });

  it('reads the file list when the browser gives no entries (a synthetic drop)', async () => {
    const list = [new File(['z'], 'b.zip'), new File(['a'], 'a.dcm')];
    const files = await filesFromDrop(transfer([null], list));
    expect(files.map((f) => f.name)).toEqual(['a.dcm', 'b.zip']);
  });

  it('orders a picked folder by relative path and drops hidden files', () => {
    const picked = [['s/2.dcm', '2.dcm'], ['s/.hidden', '.hidden'], ['s/1.dcm', '1.dcm']].map(([path, name]) => {
      const f = new File(['x'], name!);
      Object.defineProperty(f, 'webkitRelativePath', { value: path });
      return f;
    });
    expect(filesFromList(picked as unknown as FileList).map((f) => f.webkitRelativePath)).toEqual(['s/1.dcm', 's/2.dcm']);
    expect(filesFromList(null)).toEqual([]);
  });
});
