import { stringify } from 'yaml';
import type { z } from 'zod';
import { configSchema, optionMeta } from './config.schema.js';

// Renders config/openid-provider.example.yaml from the schema: every option, its description and
// its default (options without a default appear commented out with an example value).

const HEADER = `# openid-provider configuration: every option with its default.
# Generated from src/config/config.schema.ts by \`npm run config:example\`; do not edit by hand.
# Copy to config/openid-provider.yaml (or point OPENID_PROVIDER_CONFIG at a copy) and adjust.
# Unknown keys, wrong types and bad values stop start-up with a message naming each path.
# Environment overrides: DATABASE_URL (database.url), LOG_LEVEL (logging.level). Apart from these
# and OPENID_PROVIDER_CONFIG, no environment variable and no .env file configures the service.
# Durations are whole seconds or a number with s, m, h or d (90s, 15m, 12h, 30d).
`;

interface Unwrapped {
  inner: z.ZodType;
  hasDefault: boolean;
  defaultValue: unknown;
  optional: boolean;
}

function unwrap(schema: z.ZodType): Unwrapped {
  let current = schema;
  let hasDefault = false;
  let defaultValue: unknown;
  let optional = false;
  for (;;) {
    const def = current.def as unknown as { type: string; innerType?: z.ZodType; defaultValue?: unknown; in?: z.ZodType };
    if ((def.type === 'default' || def.type === 'prefault') && def.innerType) {
      hasDefault = true;
      defaultValue = def.defaultValue;
      current = def.innerType;
    } else if (def.type === 'optional' && def.innerType) {
      optional = true;
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return { inner: current, hasDefault, defaultValue, optional };
    }
  }
}

function isObject(schema: z.ZodType): schema is z.ZodObject {
  return schema.def.type === 'object';
}

function scalar(value: unknown, indent: string): string {
  const text = stringify(value, { lineWidth: 0 }).trimEnd();
  if (!text.includes('\n')) return ` ${text}`;
  return `\n${text
    .split('\n')
    .map((l) => `${indent}  ${l}`)
    .join('\n')}`;
}

/** Wraps a description into comment lines of at most about 100 columns. */
function comment(text: string | undefined, indent: string): string {
  if (!text) return '';
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + 2 + line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.map((l) => `${indent}# ${l}\n`).join('');
}

function render(shape: Record<string, z.ZodType>, depth: number): string {
  const indent = '  '.repeat(depth);
  let out = '';
  for (const [key, field] of Object.entries(shape)) {
    const { inner, hasDefault, defaultValue, optional } = unwrap(field);
    const { example, sensitive } = optionMeta(field);
    const description = field.description ?? inner.description;
    const note = sensitive ? ' (secret: never logged)' : '';
    if (depth === 0 && out !== '') out += '\n';
    out += comment(description ? description + note : undefined, indent);
    if (isObject(inner)) {
      out += `${indent}${key}:\n${render(inner.shape as Record<string, z.ZodType>, depth + 1)}`;
    } else if (hasDefault) {
      out += `${indent}${key}:${scalar(defaultValue, indent)}\n`;
    } else if (optional) {
      const block = `${key}:${scalar(example ?? null, '')}`;
      out += block
        .split('\n')
        .map((line) => `${indent}# ${line}\n`)
        .join('');
    } else {
      out += `${indent}${key}:${scalar(example ?? null, indent)}\n`;
    }
  }
  return out;
}

export function renderExampleConfig(): string {
  return HEADER + '\n' + render(configSchema.shape as Record<string, z.ZodType>, 0);
}
