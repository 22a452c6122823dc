import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CliBenchResult {
  readonly runs: number;
  /** Median wall time of one command, ms: the built CLI, the TypeScript sources through tsx, and bare Node. */
  readonly builtMs: number;
  readonly sourcesMs: number;
  readonly nodeFloorMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return performance.now() - started;
}

/**
 * One IT command (`devices list` on a database with a bed and a device) as `ward-station` runs
 * it (built JavaScript), beside the same command compiled from the sources by tsx (how it ran
 * before) and beside `node -e 0` (the floor: starting Node at all), interleaved so that the
 * machine's load falls on all three alike.
 */
export function cliBench(runs = 7): CliBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'ward-cli-bench-'));
  try {
    const built = [join(ROOT, 'gateway', 'packaging', 'ward-station.mjs')];
    const sources = ['--import', 'tsx', join(ROOT, 'gateway', 'cli.ts')];
    time([...built, 'beds', 'add', '--id', 'B1', '--data-dir', dir]);
    time([...built, 'devices', 'add', '--id', 'mon-1', '--model', 'Bench', '--transport', 'hl7', '--bed', 'B1', '--data-dir', dir]);
    const samples = { built: [] as number[], sources: [] as number[], floor: [] as number[] };
    for (let i = 0; i < runs; i++) {
      samples.floor.push(time(['-e', '0']));
      samples.built.push(time([...built, 'devices', 'list', '--data-dir', dir]));
      samples.sources.push(time([...sources, 'devices', 'list', '--data-dir', dir]));
    }
    return { runs, builtMs: median(samples.built), sourcesMs: median(samples.sources), nodeFloorMs: median(samples.floor) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
