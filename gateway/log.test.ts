import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger } from './log.js';

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('station logs', () => {
  it('are readable lines at a terminal and JSON otherwise, unless WARD_LOG_FORMAT says', () => {
    expect(chooseLogFormat({}, true)).toBe('pretty');
    expect(chooseLogFormat({}, false)).toBe('json');
    expect(chooseLogFormat({ WARD_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat({ WARD_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('pretty lines carry the level, component and message, not a JSON object', () => {
    const out = collect();
    createLogger('info', 'pretty', out.stream).child({ component: 'ingest' }).info({ devices: 3 }, 'listening');
    const line = out.text();
    expect(line).toMatch(/INFO.*listening/);
    expect(line).toContain('"component":"ingest"');
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(line.trimStart().startsWith('{')).toBe(false);
  });

  it('JSON lines stay JSON', () => {
    const out = collect();
    createLogger('info', 'json', out.stream).info({ devices: 3 }, 'listening');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, msg: 'listening', devices: 3, app: 'ward-station' });
  });
});
