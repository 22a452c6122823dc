/**
 * `npm run seed:cloud -- --patients 500000 --doctors 10000 --appointments 25000000 --database-url URL`
 *
 * Loads a seed-scale dataset into an empty cloud database (migrating it first) with COPY.
 * Defaults: a tenth of the seeds' scale. Progress goes to stderr, the elapsed time at the end.
 * Options: --patients, --doctors, --appointments, --records (default 4 per patient), --clinics
 * (default doctors / 20), --database-url (or DATABASE_URL).
 */
import { parseArgs } from 'node:util';
import { readCloudEnv } from '../config.js';
import { migrate } from '../db/migrate.js';
import { MIGRATIONS } from '../db/migrations/index.js';
import { connect } from '../db/sql.js';
import { defaultSizes, seedCloud } from './seed-load.js';

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got ${value})`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string' }, doctors: { type: 'string' }, appointments: { type: 'string' }, records: { type: 'string' }, clinics: { type: 'string' },
      'database-url': { type: 'string' },
    },
  });
  const url = values['database-url'] ?? readCloudEnv().DATABASE_URL;
  if (!url) throw new Error('give --database-url URL (or DATABASE_URL)');
  const defaults = defaultSizes();
  const patients = count(values.patients, defaults.patients, 'patients');
  const doctors = count(values.doctors, defaults.doctors, 'doctors');
  const sizes = {
    patients,
    doctors,
    appointments: count(values.appointments, defaults.appointments, 'appointments'),
    records: count(values.records, patients * 4, 'records'),
    clinics: count(values.clinics, Math.max(1, Math.round(doctors / 20)), 'clinics'),
  };
  const sql = connect(url, { max: 2, applicationName: 'ward-cloud-seed' });
  try {
    await migrate(sql, MIGRATIONS);
    console.error(`seeding ${JSON.stringify(sizes)}`);
    const result = await seedCloud(sql, sizes, (line) => console.error(line));
    if (result.admin) console.error(`first administrator account (shown once): username ${result.admin.username}, password ${result.admin.password}`);
    console.error(`done in ${result.totalSeconds.toFixed(1)} s (${Object.entries(result.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch((error: Error) => {
  console.error(`seed failed: ${error.message}`);
  process.exit(1);
});
