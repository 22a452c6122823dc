/**
 * The station's TLS certificate, key and (for mutual TLS) the device CA, read from PEM files and
 * re-read when they change. A certificate renewed by the hospital's PKI is picked up by the
 * running listeners (`tls.Server#setSecureContext`) without a restart, so no device loses its
 * connection and no alarm path is interrupted for a certificate change.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signs device certificates; null = devices are not asked for one. */
  readonly clientCaFile: string | null;
}

export interface TlsCredentialsLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

/** A file write is usually several events (truncate, write, rename): read once they settle. */
const SETTLE_MS = 150;

export class TlsCredentials {
  private current: SecureContextOptions;
  private readonly servers = new Set<TlsServer>();
  private readonly watchers: FSWatcher[] = [];
  private readonly listeners = new Set<(outcome: 'reloaded' | 'kept') => void>();
  private settle: NodeJS.Timeout | null = null;

  /** Reads and checks the files now: a station with a broken certificate must not start. */
  constructor(
    readonly files: TlsFiles,
    private readonly logger?: TlsCredentialsLogger,
  ) {
    this.current = readSecureContextOptions(files);
  }

  /** Options for `tls.createServer` / `https.createServer` (certificate, key, CA). */
  get options(): SecureContextOptions {
    return this.current;
  }

  /** Servers whose certificate follows the files from now on. */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Called after each change of the files: 'reloaded', or 'kept' when the new files were unusable. */
  onChange(listener: (outcome: 'reloaded' | 'kept') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Watches the folders, not the files: renewal tools replace a file by renaming a new one over
   * it, which a watch on the old file would never report.
   */
  watch(): void {
    const paths = [this.files.certFile, this.files.keyFile, ...(this.files.clientCaFile ? [this.files.clientCaFile] : [])];
    const names = new Set(paths.map((p) => basename(p)));
    for (const folder of new Set(paths.map((p) => dirname(p)))) {
      const watcher = watch(folder, (_event, name) => {
        if (name === null || names.has(name.toString())) this.scheduleReload();
      });
      watcher.on('error', (error) => this.logger?.warn({ err: error.message, folder }, 'cannot watch the TLS files; restart the station after renewing them'));
      this.watchers.push(watcher);
    }
  }

  /** Re-reads the files; a half-written or mismatched pair keeps the working certificate. */
  reload(): 'reloaded' | 'kept' {
    let next: SecureContextOptions;
    try {
      next = readSecureContextOptions(this.files);
    } catch (error) {
      this.logger?.warn({ err: (error as Error).message }, 'new TLS files are not usable yet; keeping the current certificate');
      this.emit('kept');
      return 'kept';
    }
    this.current = next;
    for (const server of this.servers) server.setSecureContext(next);
    this.logger?.info({ servers: this.servers.size }, 'TLS certificate reloaded');
    this.emit('reloaded');
    return 'reloaded';
  }

  close(): void {
    if (this.settle) clearTimeout(this.settle);
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private scheduleReload(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = null;
      this.reload();
    }, SETTLE_MS);
    this.settle.unref();
  }

  private emit(outcome: 'reloaded' | 'kept'): void {
    for (const listener of this.listeners) listener(outcome);
  }
}

/** Reads the PEM files and proves they form a usable context (key matches certificate). */
export function readSecureContextOptions(files: TlsFiles): SecureContextOptions {
  const options: SecureContextOptions = {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ...(files.clientCaFile ? { ca: readFileSync(files.clientCaFile) } : {}),
    minVersion: 'TLSv1.2',
  };
  createSecureContext(options);
  return options;
}
