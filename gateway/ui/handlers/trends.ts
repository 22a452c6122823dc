import { StationError } from '../../domain/errors.js';
import type { VitalCode } from '../../protocol/vitals.js';
import type { TrendPoint } from '../../storage/trend-queries.js';
import type { WardRepository } from '../../storage/ward-repository.js';
import type { UiHandlers } from '../ui-server.js';

/** Where trends are read: a storage thread, so a long range never stalls the event loop. */
export interface TrendSource {
  trend(patientId: number, code: VitalCode, from: number, to: number, maxPoints: number): Promise<{ bucketMs: number; points: TrendPoint[] }>;
}

/** The trend of the patient now in a bed, downsampled to at most `maxPoints` buckets. */
export function trendHandlers(ward: WardRepository, source: TrendSource): Pick<UiHandlers, 'trend.get'> {
  return {
    'trend.get': async ({ bedId, code, from, to, maxPoints }) => {
      if (to <= from) throw new StationError('invalid_params', 'trend.get needs from < to (epoch ms)');
      const patient = ward.beds().find((b) => b.id === bedId)?.patient;
      if (!patient) return { bedId, code, bucketMs: 0, points: [] };
      return { bedId, code, ...(await source.trend(patient.id, code, from, to, Math.min(Math.max(Math.trunc(maxPoints ?? 600), 1), 5000))) };
    },
  };
}
