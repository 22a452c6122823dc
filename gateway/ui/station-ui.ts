import type { AlarmService } from '../alarms/alarm-service.js';
import type { StationConfig } from '../config.js';
import type { WardState } from '../live/ward-state.js';
import type { Logger } from '../log.js';
import type { StationStatus } from '../protocol/ui-channel.js';
import type { AuditTrail } from '../storage/audit-trail.js';
import type { DeviceRegistry } from '../storage/device-registry.js';
import type { NurseDirectory } from '../storage/nurse-directory.js';
import type { WardRepository } from '../storage/ward-repository.js';
import { AlarmReview } from './alarm-review.js';
import { alarmHandlers } from './handlers/alarms.js';
import { sessionHandlers } from './handlers/session.js';
import { trendHandlers, type TrendSource } from './handlers/trends.js';
import { waveReviewHandlers, type WaveReviewSource } from './handlers/wave-review.js';
import { wardHandlers } from './handlers/ward.js';
import { stationSetup } from './station-setup.js';
import { subscribeWaves } from '../waves/live-waves.js';
import { NurseSessions } from './nurse-sessions.js';
import { UiServer } from './ui-server.js';
import { loadOrCreateUiToken } from './ui-token.js';

/**
 * The ward screens' server with every request handler, fed by the live picture (coalesced
 * vitals) and the alarms (at once, never behind the vitals).
 */
export function createStationUi(
  config: StationConfig,
  parts: { db: ConstructorParameters<typeof AlarmReview>[0]; state: WardState; ward: WardRepository; registry: DeviceRegistry; nurses: NurseDirectory; alarms: AlarmService; audit: AuditTrail; trends: TrendSource; waves: WaveReviewSource; status: () => StationStatus },
  logger: Logger,
): UiServer {
  const { db, state, ward, registry, nurses, alarms, audit, trends, waves, status } = parts;
  const token = loadOrCreateUiToken(config.dataDir);
  const ui = new UiServer(
    { host: config.ui.host, port: config.ui.port, rendererDir: config.rendererDir, token },
    {
      ...wardHandlers(state, ward, registry, status),
      // What the set-up screen of a station without beds shows IT.
      'station.setup': () => stationSetup(config),
      // Live wave frames only for the beds and waves this screen shows.
      'waves.subscribe': (params, session) => subscribeWaves(params, session),
      ...alarmHandlers(alarms, new AlarmReview(db), ward, audit),
      ...sessionHandlers(nurses, new NurseSessions(token, config.ui.signInHours * 3600_000)),
      ...trendHandlers(ward, trends),
      ...waveReviewHandlers(ward, waves),
    },
    (send) => {
      send({ type: 'snapshot', ward: state.snapshot() });
      send({ type: 'alarms', events: [], view: alarms.view() });
    },
    logger.child({ component: 'ui' }),
  );
  state.subscribe((event) => ui.broadcast(event));
  alarms.onChange((events, view) => ui.broadcast({ type: 'alarms', events, view }));
  return ui;
}
