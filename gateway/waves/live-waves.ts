import type { BedWaveUpdate } from '../protocol/ui-channel.js';
import type { UiSession } from '../ui/ui-server.js';
import { WAVE_CODES, type WaveCode } from '../protocol/wave-frames.js';
import type { WaveSink } from './wave-sink.js';

/** Most beds one screen may ask waves of: a full ward on the largest layout. */
export const MAX_WAVE_BEDS = 256;

/**
 * Feeds the live strips: every wave frame goes to the screens showing its bed as soon as it is
 * read, before it is stored (a strip, like the numbers and the alarms, never waits for the disk),
 * then on to storage, whose commit alone decides the device's ack.
 */
export function liveWaveSink(storage: WaveSink, bedOf: (deviceId: string) => string | null, publish: (update: BedWaveUpdate) => void): WaveSink {
  return {
    store(block) {
      const bedId = bedOf(block.deviceId);
      if (bedId) {
        const f = block.frame;
        publish({ bedId, wave: f.wave, startTs: f.startTs, sampleRate: f.sampleRate, scale: f.scale, offset: f.offset, samples: Array.from(f.samples) });
      }
      return storage.store(block);
    },
  };
}

/** The `waves.subscribe` handler: what this screen shows now replaces what it showed before. */
export function subscribeWaves(params: { bedIds?: unknown; waves?: unknown }, session: UiSession): { ok: true } {
  if (!Array.isArray(params.bedIds) || !Array.isArray(params.waves) || params.bedIds.length > MAX_WAVE_BEDS) {
    throw Object.assign(new Error(`waves.subscribe needs bedIds (at most ${MAX_WAVE_BEDS}) and waves (${WAVE_CODES.join(', ')})`), { code: 'invalid_params' });
  }
  const codes = params.waves.filter((w): w is WaveCode => WAVE_CODES.includes(w as WaveCode));
  session.waves = { beds: new Set(params.bedIds.map(String)), codes: new Set(codes) };
  return { ok: true };
}

/** Whether a screen asked for this update. */
export function wantsWave(session: UiSession, update: BedWaveUpdate): boolean {
  return session.waves !== undefined && session.waves.beds.has(update.bedId) && session.waves.codes.has(update.wave);
}
