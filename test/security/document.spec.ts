import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

// docs/security.md lists every attack with the test that proves its defence. This keeps the list
// honest: every file it names exists, every test title it quotes is in that file, and every suite
// of test/security and test/faults is in the list.

const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');

/** A file named in the document: `x.spec.ts` alone is under test/security/, else from the root. */
function resolve(name: string): string {
  return name.includes('/') ? join(ROOT, name) : join(ROOT, 'test/security', name);
}

/** Every `file › title` the document quotes, the title up to any ellipsis. */
function quotedTitles(): { file: string; title: string }[] {
  const found: { file: string; title: string }[] = [];
  for (const cell of doc.matchAll(/`([\w./-]+\.spec\.ts) › ([^`]+)`/g)) {
    found.push({ file: cell[1]!, title: cell[2]!.split('…')[0]!.trim() });
  }
  // Continuations: `› title` after a file named earlier in the same cell.
  for (const row of doc.split('\n')) {
    let current: string | undefined;
    for (const token of row.matchAll(/`(?:([\w./-]+\.spec\.ts)(?: › ([^`]+))?|› ([^`]+))`/g)) {
      if (token[1]) current = token[1];
      else if (token[3] && current) found.push({ file: current, title: token[3].split('…')[0]!.trim() });
    }
  }
  return found;
}

describe('docs/security.md', () => {
  it('names only test files that exist', () => {
    const files = [...doc.matchAll(/`([\w./-]+\.spec\.ts)/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) expect(existsSync(resolve(file)), file).toBe(true);
  });

  it('quotes test titles that are in the files it names', () => {
    const titles = quotedTitles();
    expect(titles.length).toBeGreaterThan(40);
    for (const { file, title } of titles) {
      const source = readFileSync(resolve(file), 'utf8');
      expect(source.includes(title), `${file} › ${title}`).toBe(true);
    }
  });

  it('lists every suite of test/security and test/faults', () => {
    for (const dir of ['test/security', 'test/faults']) {
      for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.spec.ts') && f !== 'document.spec.ts')) {
        const named = dir === 'test/security' ? new RegExp(`\`(test/security/)?${file.replace('.', '\\.')}`) : new RegExp(`\`(test/faults/)?${file.replace('.', '\\.')}`);
        expect(named.test(doc), `${dir}/${file}`).toBe(true);
      }
    }
  });
});
