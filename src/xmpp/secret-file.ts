import { readFile } from 'node:fs/promises';

// The bot's component secret and account password come from files (config: secret_file,
// password_file), so that no secret is ever written into the configuration. Editors and
// `echo secret > file` leave a trailing newline; surrounding whitespace is never part of a secret.

const MAX_SECRET_BYTES = 4096;

export class SecretFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretFileError';
  }
}

/** The trimmed content of a secret file. Errors name the file and never show its content. */
export async function readSecretFile(path: string): Promise<string> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    throw new SecretFileError(`cannot read secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (content.length > MAX_SECRET_BYTES) throw new SecretFileError(`secret file ${path} is larger than ${MAX_SECRET_BYTES} bytes: not a secret`);
  const secret = content.toString('utf8').trim();
  if (secret === '') throw new SecretFileError(`secret file ${path} is empty`);
  if (secret.includes('\n') || secret.includes('\r') || secret.includes('\u0000')) throw new SecretFileError(`secret file ${path} holds more than one line`);
  return secret;
}
