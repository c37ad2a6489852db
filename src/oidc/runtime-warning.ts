// oidc-provider 9 prints one line with console.warn when it is first imported on a Node.js
// release older than 22 LTS ("Unsupported runtime"): it still runs (every Connect suite passes
// on Node 20.20), but a bare line on stderr breaks our JSON logs and every CLI command's output.
// Imported first by main.ts and cli.ts, before anything loads oidc-provider, this keeps that one
// line back; the provider logs it once as a structured warning at start-up (oidc-providers.ts).
// It also prints, once, "already parsed request body detected": by design here, Fastify has parsed
// the form or JSON body (with its size limit and our validation of the request) before the mount
// hands the request over, and oidc-provider then reads that parsed body (lib/shared/
// selective_body.js), so that line says nothing an operator can act on and is dropped.
// Every other console.warn goes through untouched.

const PREFIX = 'oidc-provider WARNING: Unsupported runtime';
const PARSED_BODY = 'oidc-provider WARNING: already parsed request body detected';
let held: string | undefined;

const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  const first = args[0];
  if (typeof first === 'string' && first.includes(PARSED_BODY)) return;
  if (held === undefined && typeof first === 'string' && first.includes(PREFIX)) {
    held = first;
    return;
  }
  warn(...args);
};

/** oidc-provider's runtime warning, if it gave one (its text without colours). */
export function heldRuntimeWarning(): string | undefined {
  // eslint-disable-next-line no-control-regex
  return held?.replace(/\x1b\[[0-9;]*m/g, '');
}
