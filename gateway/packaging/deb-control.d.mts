/** The DEBIAN/control file of the headless station's package. */
export function debControl(build: { version: string; arch: string; nodeMajor: number; installedKb: number }): string;
