import { describe, expect, it } from 'vitest';
import type { DeviceDirectory, RegisteredDevice, TechnicalCondition } from '../../domain/device.js';
import type { IngestSink } from '../../domain/ingest-sink.js';
import type { Observation, StoreOutcome } from '../../domain/observation.js';
import { handleHl7Message } from './handle-message.js';

const devices: RegisteredDevice[] = [
  { id: 'MON-1', model: 'm', transport: 'hl7', bedId: 'B1', patientMrn: 'MRN1' },
  { id: 'MON-2', model: 'm', transport: 'hl7', bedId: null, patientMrn: null },
];
const directory: DeviceDirectory = { findByKey: () => undefined, findById: (id) => devices.find((d) => d.id === id) };

function recordingSink(outcome: () => Promise<StoreOutcome>) {
  const calls = { stores: [] as Observation[], technical: [] as TechnicalCondition[], rejected: [] as string[] };
  const sink: IngestSink = {
    store: (o) => {
      calls.stores.push(o);
      return outcome();
    },
    connection: () => undefined,
    technical: (c) => void calls.technical.push(c),
    rejected: (_d, _t, code) => void calls.rejected.push(code),
  };
  return { sink, calls };
}

const message = (device: string, pid: string, ...obx: string[]) =>
  [`MSH|^~\\&|${device}|F|||20261124101500||ORU^R01|M1|P|2.6`, `PID|||${pid}`, ...obx].join('\r');
const SPO2 = 'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|97|262688^MDC_DIM_PERCENT^MDC|||||F';
const HR_X = 'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1||264864^MDC_DIM_BEAT_PER_MIN^MDC|||||X';
const msa = (ack: string) => ack.split('\r')[1]!;

describe('handleHl7Message', () => {
  it('stores with the station offset for local times, then AA', async () => {
    const { sink, calls } = recordingSink(async () => 'stored');
    const ack = await handleHl7Message(message('MON-1', 'MRN1', SPO2), { directory, sink, defaultUtcOffsetMinutes: 120 });
    expect(msa(ack)).toBe('MSA|AA|M1');
    expect(calls.stores).toEqual([{ deviceId: 'MON-1', seq: null, messageId: 'M1', ts: Date.UTC(2026, 10, 24, 8, 15), vitals: { SPO2: 97 } }]);
  });

  it('stores for a device whose bed has no admitted patient, whatever PID-3 says', async () => {
    const { sink, calls } = recordingSink(async () => 'stored');
    expect(msa(await handleHl7Message(message('MON-2', 'ANY', SPO2), { directory, sink, defaultUtcOffsetMinutes: 0 }))).toBe('MSA|AA|M1');
    expect(calls.stores).toHaveLength(1);
  });

  it('AE with the reasons when no value is usable, and reports them', async () => {
    const { sink, calls } = recordingSink(async () => 'stored');
    const ack = await handleHl7Message(message('MON-1', 'MRN1', HR_X), { directory, sink, defaultUtcOffsetMinutes: 0 });
    expect(msa(ack)).toBe('MSA|AE|M1|HR could not be obtained (status X)');
    expect(calls.stores).toEqual([]);
    expect(calls.technical).toEqual([{ deviceId: 'MON-1', kind: 'invalid_value', active: true, vital: 'HR', detail: 'invalid_value' }]);
    expect(calls.rejected).toEqual(['invalid_value']);
  });

  it('reports partial rejections once, not again for a resent duplicate', async () => {
    let outcome: StoreOutcome = 'stored';
    const { sink, calls } = recordingSink(async () => outcome);
    const ctx = { directory, sink, defaultUtcOffsetMinutes: 0 };
    expect(msa(await handleHl7Message(message('MON-1', 'MRN1', SPO2, HR_X), ctx))).toBe('MSA|AA|M1');
    outcome = 'duplicate';
    expect(msa(await handleHl7Message(message('MON-1', 'MRN1', SPO2, HR_X), ctx))).toBe('MSA|AA|M1');
    expect(calls.stores).toHaveLength(2);
    expect(calls.technical).toHaveLength(1);
  });

  it('AE storage failure when the store rejects; AR with MSA-2 when only the body is broken', async () => {
    const { sink } = recordingSink(() => Promise.reject(new Error('disk')));
    const ctx = { directory, sink, defaultUtcOffsetMinutes: 0 };
    expect(msa(await handleHl7Message(message('MON-1', 'MRN1', SPO2), ctx))).toBe('MSA|AE|M1|storage failure; resend later');
    expect(msa(await handleHl7Message(message('MON-1', 'MRN1', 'obx|bad'), ctx))).toMatch(/^MSA\|AR\|M1\|invalid segment name/);
  });
});
