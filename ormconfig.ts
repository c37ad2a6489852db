// The one DataSource definition (DESIGN.md, "ormconfig.ts"): src/database/ormconfig.ts, built into
// dist/database/ormconfig.js, which is what `npm run migration:*` give the TypeORM CLI (production
// installs have no TypeScript loader). The server and the admin CLI build theirs with the same
// createDataSource() (src/database/data-source.ts).
export { default } from './src/database/ormconfig.js';
