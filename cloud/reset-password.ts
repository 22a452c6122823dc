/**
 * IT's password reset: `npm run cloud:reset-password -- USERNAME [--password-file PATH]`.
 * Gives the account a new random password (shown on an interactive terminal, otherwise written
 * to an owner-only file), lifts its sign-in locks and ends all its sessions on every replica.
 * Against DATABASE_URL, or the embedded database in the data folder while the service is stopped.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LoginThrottle } from './auth/login-throttle.js';
import { configurePasswordHashing, passwordHasher } from './auth/passwords.js';
import { RefreshTokens } from './auth/refresh-tokens.js';
import { Revocations } from './auth/revocations.js';
import { deliverSecret } from './auth/secret-output.js';
import { Users } from './auth/users.js';
import { SecurityEvents } from './audit/security-events.js';
import { ClusterBus } from './cluster/cluster-bus.js';
import { loadCloudConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded-postgres.js';
import { connect } from './db/sql.js';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'password-file': { type: 'string' } } });
  const username = positionals[0];
  if (!username) {
    console.error('usage: npm run cloud:reset-password -- USERNAME [--password-file PATH]');
    return 2;
  }
  const config = loadCloudConfig();
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), port: 0 }).catch((error: Error) => {
      throw new Error(`cannot open the embedded database (${error.message}); stop the service first, or set DATABASE_URL`);
    });
    const url = new URL(embedded.url);
    url.pathname = '/ward_cloud';
    databaseUrl = url.toString();
  }
  await configurePasswordHashing(config.passwordHashing);
  const sql = connect(databaseUrl, { max: 2 });
  try {
    const revocations = new Revocations(sql, new ClusterBus(sql), config.accessTokenTtlSeconds);
    const reset = await new Users(sql, revocations).resetPassword(username);
    if (!reset) {
      console.error(`no account named ${username}`);
      return 1;
    }
    await new RefreshTokens(sql, revocations).revokeUserSessions(reset.userId);
    const lifted = await new LoginThrottle(sql).unlock({ username });
    const events = new SecurityEvents(sql, { warn: () => {} });
    events.record({ event: 'auth.password_reset', username: username.toLowerCase(), userId: reset.userId, detail: { locksLifted: lifted, by: 'command line' } });
    await events.flush();
    const file = values['password-file'] ?? join(config.dataDir, `reset-password-${username.toLowerCase()}`);
    const delivered = deliverSecret(`new password for ${username}`, reset.password, file);
    if (delivered.file) process.stdout.write(`The new password for ${username} is in ${delivered.file} (readable by this user only); delete it once handed over.\n`);
    process.stdout.write(`Sign-in locks lifted: ${lifted}. Every session of ${username} has ended.\n`);
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
    await passwordHasher().close();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`password reset failed: ${error.message}`);
    process.exit(1);
  },
);
