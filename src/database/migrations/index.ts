import { CreateUsers1764340000000 } from './1764340000000-create-users.js';

/** In order. A merged migration is never edited: schema changes come as new migrations. */
export const MIGRATIONS = [CreateUsers1764340000000];
