// The DataSource for the TypeORM CLI, e.g. `npx typeorm -d dist/ormconfig.js migration:show`
// after `npm run build`. Same database choice as the server: DATABASE_URL, else PGlite in DATA_DIR
// (which is locked while this DataSource is open: stop the server first).
import { ensureGeneratedKeys, loadConfig } from './src/config/app-config.js';
import { createDataSource } from './src/database/data-source.factory.js';

ensureGeneratedKeys(process.env);
const config = loadConfig(process.env);

export default createDataSource({ url: config.db.url, dataDir: config.db.dataDir });
