import { User } from '../users/user.entity.js';

// Every entity and migration, listed explicitly (ESM-safe: no globs). New modules add theirs here.
export const ENTITIES = [User];
