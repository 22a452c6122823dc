import type { Migration } from '../migration.js';
import { migration as core } from './0001-core.js';
import { migration as vitals } from './0002-vitals.js';
import { migration as recordsBooking } from './0003-records-booking.js';
import { migration as reportsNotifications } from './0004-reports-notifications.js';
import { migration as openSlots } from './0005-open-slots.js';
import { migration as security } from './0006-security.js';
import { migration as openSlotsSharedTake } from './0007-open-slots-shared-take.js';
import { migration as webhooksVitalsStream } from './0008-webhooks-vitals-stream.js';
import { migration as alarmWaves } from './0009-alarm-waves.js';

/** Every cloud migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [core, vitals, recordsBooking, reportsNotifications, openSlots, security, openSlotsSharedTake, webhooksVitalsStream, alarmWaves];
