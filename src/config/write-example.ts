import { writeFileSync } from 'node:fs';
import { renderExampleConfig } from './example-config.js';

// `npm run config:example`: regenerates the documented example configuration from the schema.
const target = process.argv[2] ?? 'config/openid-provider.example.yaml';
writeFileSync(target, renderExampleConfig());
process.stdout.write(`wrote ${target}\n`);
