import type { Migration } from '../migrate.js';
import { migration as core } from './0001-core.js';
import { migration as nurses } from './0003-nurses.js';
import { migration as alarmEvents } from './0004-alarm-events.js';
import { migration as storeIdentity } from './0005-store-identity.js';
import { migration as deviceTlsOnly } from './0008-device-tls-only.js';
import { migration as acmOutbox } from './0009-acm-outbox.js';
import { migration as waveBlocks } from './0010-wave-blocks.js';
import { migration as registryVersion } from './0011-registry-version.js';
import { migration as waveSegments } from './0012-wave-segments.js';

/** Every station migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [core, nurses, alarmEvents, storeIdentity, deviceTlsOnly, acmOutbox, waveBlocks, registryVersion, waveSegments];
