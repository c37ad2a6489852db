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
  // A one-item list is one line too ("- a"), but must still start on the next line.
  if (!text.includes('\n') && !(Array.isArray(value) && value.length > 0)) return ` ${text}`;
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
    } else if (itemObject(inner) && Array.isArray(example)) {
      out += `${indent}${key}:\n${example.map((item) => renderItem(itemObject(inner)!, item as Record<string, unknown>, depth + 1)).join('')}`;
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

/** The object schema of an array's items, if it is an array of objects. */
function itemObject(schema: z.ZodType): z.ZodObject | undefined {
  if (schema.def.type !== 'array') return undefined;
  const element = unwrap((schema.def as unknown as { element: z.ZodType }).element).inner;
  return isObject(element) ? element : undefined;
}

/**
 * One example item of a list of objects (the domains): every field of the item's schema with its
 * description, the example's value where it has one, else the default, else a commented-out
 * example; optional sub-objects as a commented-out block documenting their own fields.
 */
function renderItem(item: z.ZodObject, values: Record<string, unknown>, depth: number): string {
  const indent = '  '.repeat(depth);
  const lines = fieldLines(item.shape as Record<string, z.ZodType>, values, `${indent}  `);
  const first = lines.findIndex((l) => !l.trimStart().startsWith('#'));
  return lines
    .map((line, i) => (i < first ? line.slice(2) : i === first ? `${indent}- ${line.slice(indent.length + 2)}` : line))
    .map((line) => `${line}\n`)
    .join('');
}

function fieldLines(shape: Record<string, z.ZodType>, values: Record<string, unknown> | undefined, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const { inner, hasDefault, defaultValue, optional } = unwrap(field);
    const { example, sensitive } = optionMeta(field);
    const description = field.description ?? inner.description;
    lines.push(...comment(description ? description + (sensitive ? ' (secret: never logged)' : '') : undefined, indent).split('\n').filter((l) => l !== ''));
    const given = values?.[key];
    const valueLines = (value: unknown) => `${key}:${scalar(value, '')}`.split('\n');
    if (given !== undefined) {
      lines.push(...valueLines(given).map((l) => `${indent}${l}`));
    } else if (hasDefault) {
      lines.push(...valueLines(defaultValue).map((l) => `${indent}${l}`));
    } else if (optional && isObject(inner)) {
      // Commented out as a whole: its fields are indented under the "# ", their own comments nest.
      lines.push(`${indent}# ${key}:`, ...fieldLines(inner.shape as Record<string, z.ZodType>, example as Record<string, unknown> | undefined, `${indent}#   `));
    } else {
      lines.push(...valueLines(example ?? null).map((l) => `${indent}${optional ? '# ' : ''}${l}`));
    }
  }
  return lines;
}

export function renderExampleConfig(): string {
  return HEADER + '\n' + render(configSchema.shape as Record<string, z.ZodType>, 0);
}
