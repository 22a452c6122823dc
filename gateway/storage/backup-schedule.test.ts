import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { tempDir } from '../../test/helpers/station-fixture.js';
import { checkBackup } from './backup.js';
import { BackupSchedule, backupFileName } from './backup-schedule.js';
import { openDatabase } from './database.js';
import { WardRepository } from './ward-repository.js';

describe('scheduled backups', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('names backups by time so they sort', () => {
    expect(backupFileName(new Date('2026-12-03T07:15:09.123Z'))).toBe('station-20261203T071509Z.db');
  });

  it('writes a checked backup at each interval and keeps the newest ones', async () => {
    const source = join(dir.path, 'station.db');
    const db = openDatabase(source);
    new WardRepository(db).addBed('B1', 'Bed 1', 'test');
    let clock = Date.parse('2026-12-03T00:00:00Z');
    const written: string[] = [];
    let third: () => void = () => undefined;
    const thirdWritten = new Promise<void>((resolve) => (third = resolve));
    const schedule = new BackupSchedule(
      source,
      { dir: join(dir.path, 'backups'), intervalMs: 20, keep: 2 },
      silentLogger(),
      (info) => {
        written.push(info.file);
        if (written.length === 3) third();
      },
      () => new Date((clock += 3600_000)),
    );
    schedule.start();
    await thirdWritten;
    await schedule.stop();
    db.close();
    const kept = readdirSync(join(dir.path, 'backups')).filter((name) => name.endsWith('.db')).sort();
    expect(kept).toHaveLength(2);
    expect(kept).toEqual(written.slice(-2).map((file) => file.split('/').pop()));
    expect(checkBackup(join(dir.path, 'backups', kept[1]!)).file).toContain('station-2026');
    expect(schedule.lastError).toBeNull();
  });
});
