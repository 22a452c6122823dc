import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Configuration } from 'app-builder-lib';
import { debControl } from '../gateway/packaging/deb-control.mjs';
import { readUnit } from './helpers/systemd-unit.js';

const ROOT = join(import.meta.dirname, '..');
const BUILD = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { build: Configuration }).build;

/** The fields of a Debian control file. */
function fields(control: string): Record<string, string> {
  return Object.fromEntries(
    control
      .split('\n')
      .filter((line) => /^[A-Za-z-]+: /.test(line))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );
}

describe('the two Debian packages of the station: headless (npm run package:deb) and desktop (electron-builder)', () => {
  it('both make /usr/bin/ward-station, the program the headless service runs, so each declares a conflict with the other', () => {
    // The desktop deb: electron-builder's own after-install script, with this configuration's executable.
    const afterInstall = readFileSync(join(ROOT, 'node_modules/app-builder-lib/templates/linux/after-install.tpl'), 'utf8').replaceAll('${executable}', BUILD.executableName!);
    const desktopCommand = `/usr/bin/${BUILD.executableName}`;
    expect(afterInstall).toContain(`update-alternatives --install '${desktopCommand}'`);
    // ... and, when that path is a link it does not manage (the headless package's), it deletes it first.
    expect(afterInstall).toContain(`rm -f '${desktopCommand}'`);
    // The headless deb: its command, the unit's program.
    expect(readUnit(join(ROOT, 'gateway/packaging/debian/ward-station.service')).execStart[0]).toBe(desktopCommand);

    // The clash is real, so dpkg must refuse either package while the other is installed.
    const headless = fields(debControl({ version: '0.1.0', arch: 'amd64', nodeMajor: 20, installedKb: 1 }));
    expect(headless.Package).toBe('ward-station');
    expect(BUILD.deb?.packageName).toBe('ward-station-desktop');
    expect(headless.Conflicts).toBe(BUILD.deb!.packageName);
    // electron-builder has no field for it: fpm, which builds its deb, takes --conflicts.
    expect(BUILD.deb?.fpm).toContain(`--conflicts=${headless.Package}`);
  });
});
