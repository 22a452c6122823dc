import type { Migration } from '../migrate.js';
import { migration as core } from './0001-core.js';

/** Every station migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [core];
