import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretFile } from '../../src/xmpp/secret-file.js';

describe('secret files (xmpp.bot.secret_file, password_file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-secret-'));
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it('trims surrounding whitespace and the trailing newline', async () => {
    await expect(readSecretFile(file('a', '  s3cret-välue \n'))).resolves.toBe('s3cret-välue');
    await expect(readSecretFile(file('b', 's3cret\r\n'))).resolves.toBe('s3cret');
  });

  it('refuses missing, empty, multi-line and oversized files without showing their content', async () => {
    await expect(readSecretFile(join(dir, 'missing'))).rejects.toThrow(/cannot read secret file .*missing: ENOENT/);
    await expect(readSecretFile(file('empty', ' \n'))).rejects.toThrow(/is empty/);
    const twoLines = readSecretFile(file('two', 'line-one-secret\nline-two-secret\n'));
    await expect(twoLines).rejects.toThrow(/more than one line/);
    await expect(twoLines).rejects.not.toThrow(/line-one-secret/);
    await expect(readSecretFile(file('big', Buffer.alloc(5000, 97)))).rejects.toThrow(/larger than 4096 bytes/);
  });
});
