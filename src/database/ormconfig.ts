import 'reflect-metadata';
import { loadConfig } from '../config/config.loader.js';
import { createDataSource } from './data-source.js';

// The DataSource the TypeORM CLI loads (`npm run migration:*` hand it dist/database/ormconfig.js;
// the top-level ormconfig.ts re-exports this file). It is built by the same createDataSource() as
// the server's and the admin CLI's, from the same configuration: OPENID_PROVIDER_CONFIG, the
// YAML file, DATABASE_URL, database.embedded_dir. The TypeORM CLI awaits an exported promise.
export default createDataSource(loadConfig().config);
