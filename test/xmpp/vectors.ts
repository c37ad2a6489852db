// Vector files for the pure XMPP code (src/xmpp): entries `{ title, input, expected }` (or
// `error`, the class name of the expected exception), each title naming its source (the XEP or
// RFC section, a client's observed behaviour, or "ours" for a decision of this project).

import { readFileSync } from 'node:fs';

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T;
}

export { expectThrowsNamed } from '../protocol/vectors.js';
