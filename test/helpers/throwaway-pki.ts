/**
 * A throwaway certificate authority made with Debian's `openssl` CLI in a temporary folder:
 * station (server) certificates for 127.0.0.1 and device (client) certificates whose subject CN
 * is the device id, including expired ones (`openssl ca` with a past validity window).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ThrowawayPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: Buffer;
  /** A server certificate valid for 127.0.0.1 and localhost. */
  server(name: string): IssuedCertificate;
  /** A client certificate with subject CN = commonName; `expired` gives a 2020 validity window. */
  client(name: string, commonName: string, options?: { expired?: boolean }): IssuedCertificate;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** The CA database `openssl ca` needs for certificates with chosen start and end dates. */
const CA_CONFIG = `[ca]
default_ca = throwaway
[throwaway]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;

export function createThrowawayPki(dir: string, caName = 'Throwaway ward CA'): ThrowawayPki {
  mkdirSync(join(dir, 'issued'), { recursive: true });
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  openssl(dir, 'req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', `/CN=${caName}`, '-days', '3');
  const issue = (name: string, commonName: string, extensions: string, validity: string[]): IssuedCertificate => {
    openssl(dir, 'req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`, '-addext', extensions);
    openssl(dir, 'ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.crt`, '-notext', ...validity);
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
  };
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    server: (name) => issue(name, 'ward-station', 'subjectAltName=IP:127.0.0.1,DNS:localhost', ['-days', '2']),
    client: (name, commonName, options = {}) =>
      issue(name, commonName, 'extendedKeyUsage=clientAuth', options.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '2']),
  };
}
