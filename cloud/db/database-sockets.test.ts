import { describe, expect, it } from 'vitest';
import { databaseConnection } from './database-sockets.js';

describe('a database URL, as the driver is given it', () => {
  it('names one server: passed on unchanged', () => {
    const c = databaseConnection('postgres://u:p@127.0.0.1:5433/ward?application_name=a,b');
    expect(c.url).toBe('postgres://u:p@127.0.0.1:5433/ward?application_name=a,b');
    expect(c.servers).toEqual([{ host: '127.0.0.1', port: 5433 }]);
    expect(c.target).toBe('any');
  });

  it('names several servers: the driver sees the first only and no target; the servers and target are kept here', () => {
    const c = databaseConnection('postgres://ward:s%40cret@db-east:5432,db-west/ward?target_session_attrs=read-write&connect_timeout=5');
    expect(c.url).toBe('postgres://ward:s%40cret@db-east:5432/ward?connect_timeout=5');
    expect(c.servers).toEqual([{ host: 'db-east', port: 5432 }, { host: 'db-west', port: 5432 }]);
    expect(c.target).toBe('read-write');
  });

  it('one server with a target: the target is checked here, not by the driver', () => {
    const c = databaseConnection('postgresql://u:p,q@[::1]:6432/ward?target_session_attrs=prefer-standby');
    expect(c.url).toBe('postgresql://u:p,q@[::1]:6432/ward');
    expect(c.servers).toEqual([{ host: '::1', port: 6432 }]);
    expect(c.target).toBe('prefer-standby');
  });

  it('refuses a target libpq does not know, naming the ones it does', () => {
    expect(() => databaseConnection('postgres://u@a,b/ward?target_session_attrs=primary-ish')).toThrow(/target_session_attrs=primary-ish is not one of any, read-write/);
  });
});
