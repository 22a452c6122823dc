/**
 * The DEBIAN/control file of the headless station's package (`npm run package:deb`), apart from
 * the build so that its declarations can be checked without building.
 *
 * @param {{ version: string, arch: string, nodeMajor: number, installedKb: number }} build
 * @returns {string}
 */
export function debControl({ version, arch, nodeMajor, installedKb }) {
  return [
    'Package: ward-station',
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Ward station team <ward-station@localhost>',
    `Depends: nodejs (>= ${nodeMajor}.19), nodejs (<< ${nodeMajor + 1}), adduser`,
    // The desktop station's deb (electron-builder) makes /usr/bin/ward-station too, this service's
    // program, and listens on the same ports: one station per machine, dpkg refuses the second.
    'Conflicts: ward-station-desktop',
    'Section: misc',
    'Priority: optional',
    `Installed-Size: ${installedKb}`,
    'Description: Ward station, headless: the ward\'s device gateway and alarms as a service',
    ' Receives vitals from bedside monitors (WebSocket, HL7 v2 over MLLP, serial), stores them',
    ' in SQLite, raises alarms locally, serves the ward screen to browsers on loopback and syncs',
    ' to the cloud. Runs as the ward-station systemd service; data in /var/lib/ward-station.',
    '',
  ].join('\n');
}
