/**
 * The highest quality value the Accept header gives any of `types` (RFC 9110 §12.5.1); 0 when
 * none is acceptable. With `wildcard`, `*\/*` counts too, a hair below an explicit match, so
 * that an explicit type wins a tie.
 */
export function acceptQuality(accept: string | undefined, types: readonly string[], wildcard = false): number {
  if (!accept) return 0;
  let best = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type !== undefined && types.includes(type)) best = Math.max(best, q);
    else if (wildcard && type === '*/*') best = Math.max(best, q - 0.001);
  }
  return best;
}
