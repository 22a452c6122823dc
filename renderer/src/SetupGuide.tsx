import { useEffect, useState } from 'react';
import type { StationSetup } from '../../gateway/protocol/ui-channel.js';
import type { GatewayClient } from './gateway-client.js';

const CSV_EXAMPLE = `kind,id,name,model,transport,bed,pin
bed,4B-01,Bed 1,,,,
bed,4B-02,Bed 2,,,,
device,mon-4b01,,Philips MX450,websocket,4B-01,
device,rad7-4b02,,Masimo Radical-7,serial,4B-02,
nurse,ann,Ann Smith,,,,4711`;

/**
 * What an installed station with no beds shows instead of an empty ward: the three things IT
 * does to set it up, with this machine's own paths and command. Beds and devices added by the
 * command appear within a second, and this screen gives way to the ward.
 */
export function SetupGuide({ client }: { client: GatewayClient }) {
  const [setup, setSetup] = useState<StationSetup | null>(null);
  useEffect(() => {
    client.call('station.setup', {}).then(setSetup, () => undefined);
  }, [client]);
  if (!setup) return <p className="empty">No beds configured yet.</p>;
  const command = (rest: string) => `${setup.command} ${rest}${setup.commandOptions ? ` ${setup.commandOptions}` : ''}`;
  return (
    <section className="setup" data-testid="setup-guide" aria-label="Set up this ward">
      <h2>Set up this ward</h2>
      <p>
        This station has no beds yet{setup.demo ? '' : ' and the demo ward is off'}: it receives no vitals and raises no patient alarms until the ward is configured.
        Three steps, for IT; beds and devices appear here within a second, without a restart.
      </p>
      <ol className="setup-steps">
        <li>
          <h3>The configuration file</h3>
          <p>
            {setup.configFileExists ? 'The station reads ' : 'Create '}
            <code data-testid="setup-config-file">{setup.configFile}</code>: the ward&apos;s name, device ports, serial ports, storage and scheduled backups. Restart the
            station after changing it. Every field is in the README, &quot;Configuring a real ward&quot;.
          </p>
          <pre>{`{ "stationName": "Ward 4B", "backup": { "dir": "${setup.dataDir}/backups" } }`}</pre>
        </li>
        <li>
          <h3>Beds, devices and nurses</h3>
          <p>Import them from one CSV file, a row each. Importing again after editing the file adds only what is new.</p>
          <pre>{CSV_EXAMPLE}</pre>
          <pre data-testid="setup-import-command">{command('import --from ward.csv --keys device-keys.txt')}</pre>
          <p>
            The keys of new WebSocket devices go to <code>device-keys.txt</code>, readable only by you: enter each in its monitor, then delete the file. Or one at a
            time:
          </p>
          <pre>{`${command('beds add --id 4B-01 --label "Bed 1"')}\n${command('devices add --id mon-4b01 --model "Philips MX450" --bed 4B-01')}`}</pre>
        </li>
        <li>
          <h3>The cloud</h3>
          {setup.cloud ? (
            <p data-testid="setup-cloud">
              Sending to <code>{setup.cloud.url}</code> as station <code>{setup.cloud.stationId}</code>; the status bar above shows the sync.
            </p>
          ) : (
            <>
              <p data-testid="setup-cloud">
                Optional: the station works fully without it. To send the ward&apos;s vitals and alarms to the hospital&apos;s cloud, ask its administrator to provision
                this station (they get its id and secret once), add them to the configuration file and restart:
              </p>
              <pre>{'"cloud": { "url": "https://cloud.example.org", "stationId": "ward-4b", "secret": "…" }'}</pre>
            </>
          )}
        </li>
      </ol>
    </section>
  );
}
