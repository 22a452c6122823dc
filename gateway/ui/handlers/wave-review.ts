import { StationError } from '../../domain/errors.js';
import type { StoredWaveStretch } from '../../protocol/ui-channel.js';
import type { WaveCode } from '../../protocol/wave-frames.js';
import type { WardRepository } from '../../storage/ward-repository.js';
import { REVIEW_MAX_MS } from '../../waves/wave-review.js';
import type { UiHandlers } from '../ui-server.js';

/** Where stored waves are read: a storage thread, so a review never stalls the event loop. */
export interface WaveReviewSource {
  waves(patientId: number, from: number, to: number): Promise<Partial<Record<WaveCode, StoredWaveStretch[]>>>;
}

/** Full disclosure of the patient now in a bed, at most a minute per read. */
export function waveReviewHandlers(ward: WardRepository, source: WaveReviewSource): Pick<UiHandlers, 'waves.review'> {
  return {
    'waves.review': async ({ bedId, from, to }) => {
      if (!(to > from) || to - from > REVIEW_MAX_MS) throw new StationError('invalid_params', `waves.review needs from < to, at most ${REVIEW_MAX_MS / 1000} s apart (epoch ms)`);
      const patient = ward.beds().find((b) => b.id === bedId)?.patient;
      if (!patient) return { bedId, from, to, waves: {} };
      return { bedId, from, to, waves: await source.waves(patient.id, from, to) };
    },
  };
}
