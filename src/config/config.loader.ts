import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './config.schema.js';

export const DEFAULT_CONFIG_PATH = 'config/openid-provider.yaml';

/** Development defaults used when no configuration file exists: one domain on localhost, TLS auto. */
export const DEVELOPMENT_DEFAULTS: ConfigInput = {
  domains: [{ name: 'localhost', base_url: 'https://localhost:8443' }],
  server: { host: '127.0.0.1', port: 8443, tls: 'auto' },
};

export interface LoadedConfig {
  readonly config: Config;
  /** Absolute path of the file read, or null when the built-in development defaults are used. */
  readonly file: string | null;
}

/** Start-up stops with this error; its message names the file and every offending path. */
export class ConfigError extends Error {
  constructor(
    readonly file: string | null,
    readonly problems: readonly string[],
  ) {
    super(`${file ?? 'built-in configuration'}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the YAML file named by OPENID_PROVIDER_CONFIG (default config/openid-provider.yaml),
 * applies environment overrides, validates, and returns a deeply frozen configuration.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): LoadedConfig {
  const explicit = env['OPENID_PROVIDER_CONFIG'];
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_PATH);
  let input: unknown;
  let file: string | null = path;
  if (existsSync(path)) {
    input = parseYaml(readFileSync(path, 'utf8'), path);
  } else if (explicit !== undefined) {
    throw new ConfigError(path, ['file not found (named by OPENID_PROVIDER_CONFIG)']);
  } else {
    input = structuredClone(DEVELOPMENT_DEFAULTS);
    file = null;
  }
  return { config: parseConfig(applyEnvironment(input, env), file), file };
}

export function parseYaml(text: string, file: string | null): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const value: unknown = doc.toJS();
  return value ?? {};
}

/** Environment variables override the file for secrets and deployment-specific values. */
function applyEnvironment(input: unknown, env: Env): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const out = { ...(input as Record<string, unknown>) };
  const section = (key: string): Record<string, unknown> => {
    const current = out[key];
    const copy = current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
    out[key] = copy;
    return copy;
  };
  if (env['DATABASE_URL']) section('database')['url'] = env['DATABASE_URL'];
  if (env['LOG_LEVEL']) section('logging')['level'] = env['LOG_LEVEL'];
  return out;
}

export function parseConfig(input: unknown, file: string | null): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  return deepFreeze(result.data);
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${[...at, key].join('.')}: unknown option`);
      continue;
    }
    const where = at.length > 0 ? at.join('.') : '(top level)';
    lines.push(`${where}: ${issue.message}`);
  }
  return lines;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
