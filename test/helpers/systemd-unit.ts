import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * What the tests need of a systemd unit where systemd is not PID 1: its settings, to run its
 * `ExecStart` as systemd would, and to check its hardening.
 */
export interface UnitFile {
  text: string;
  /** Every `Key=value` line, in order; a key set twice keeps both values. */
  settings: Map<string, string[]>;
  /** The words of `ExecStart=`. */
  execStart: string[];
  /** The assignments of every `Environment=` line. */
  environment: Record<string, string>;
}

export function readUnit(path: string): UnitFile {
  const text = readFileSync(path, 'utf8');
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
  }
  const environment = Object.fromEntries((settings.get('Environment') ?? []).flatMap((value) => value.split(' ').map((pair) => pair.split('=') as [string, string])));
  return { text, execStart: settings.get('ExecStart')![0]!.split(' '), environment, settings };
}

/** `NAME=value` lines of an environment file (`EnvironmentFile=`, `cloud.env.example`); comments skipped. */
export function readEnvironmentFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export interface StartedProcess {
  child: ChildProcess;
  /** Its standard output so far, line by line (what journald would hold). */
  stdout: string[];
  exited: Promise<number | null>;
}

/**
 * Starts a command and waits until a line of its standard output says it is ready (or it exits:
 * then an error with its standard error).
 */
export async function startUntilLine(command: string, args: string[], options: { cwd: string; env: Record<string, string> }, isReady: (line: string) => boolean): Promise<StartedProcess & { line: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const stdout: string[] = [];
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      stdout.push(text);
      if (isReady(text)) resolve(text);
    });
    void exited.then((code) => reject(new Error(`${[command, ...args].join(' ')} exited (${code}): ${stderr}`)));
  });
  return { child, stdout, exited, line };
}

export interface ReadyProcess extends StartedProcess {
  /** The parsed `{"ready": …}` line the process printed when it was ready. */
  first: Record<string, unknown>;
}

/** Starts a command and waits for the `{"ready": …}` line on its standard output. */
export async function startUntilReady(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<ReadyProcess> {
  const started = await startUntilLine(command, args, options, (line) => line.startsWith('{"ready"'));
  return { ...started, first: JSON.parse(started.line) as Record<string, unknown> };
}

/** What `systemctl stop` does: SIGTERM, then the exit code. */
export async function stopWithSigterm(process: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> {
  process.child.kill('SIGTERM');
  return process.exited;
}
