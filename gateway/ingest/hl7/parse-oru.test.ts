import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hl7ParseError } from './parse-message.js';
import { parseOru, UnsupportedMessageError } from './parse-oru.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'hl7');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const MSH = 'MSH|^~\\&|D1^0011223344556677^EUI-64|F|||20261124101500+0000||ORU^R01^ORU_R01|X1|P|2.6';
const withObx = (...obx: string[]) => [MSH, ...obx].join('\r');

describe('parseOru on fixtures', () => {
  it('GE style: ignores containment rows and a code it does not know, even under a known REFID', () => {
    const r = parseOru(fixture('ge-vsp-spo2.hl7'), 0);
    expect(r.sendingDevice).toEqual({ namespaceId: 'VSP', universalId: '080019FFFE134535' });
    expect(r.controlId).toBe('GE20261124101500');
    // 150457 is not the pulse-oximetry pulse rate (149530); the number is the identity, so a
    // familiar label does not rescue it.
    expect(r.vitals).toEqual({ SPO2: 98 });
    expect(r.ignored).toBe(5);
    expect(r.observedAt).toBe(Date.UTC(2026, 10, 24, 17, 15));
    expect(r.patientId).toBe('HED12');
    expect(r.rejected).toEqual([]);
  });

  it('Comen style: +0800, cuff NIBP codes, a second SpO2 channel ignored but its path kept apart', () => {
    const r = parseOru(fixture('comen-multiparameter.hl7'), 0);
    expect(r.vitals).toEqual({ SPO2: 97, PR: 59, RR: 18, TEMP: 36.9, NIBP_SYS: 142, NIBP_DIA: 88, NIBP_MEAN: 106 });
    expect(r.metrics.find((m) => m.vital === 'SPO2')).toEqual({ vital: 'SPO2', value: 97, mdcCode: 150456, containment: '1.3.1.150456' });
    expect(r.observedAt).toBe(Date.UTC(2026, 10, 24, 10, 15, 27));
    expect(r.patientId).toBe('10006');
  });

  it('Mindray style: LF separators, plain-text units, local time in the default offset', () => {
    const r = parseOru(fixture('mindray-spot-check-lf.hl7'), 60);
    expect(r.vitals).toEqual({ NIBP_SYS: 118, NIBP_DIA: 74, PR: 72, SPO2: 97, TEMP: 36.7 });
    expect(r.observedAt).toBe(Date.UTC(2026, 10, 24, 9, 15));
    expect(parseOru(fixture('mindray-spot-check-lf.hl7'), 0).observedAt).toBe(Date.UTC(2026, 10, 24, 10, 15));
    expect(r.patientId).toBe('MRN0042');
  });

  it('IHE gateway style: converts kPa and degF, rejects status X, ignores text', () => {
    const r = parseOru(fixture('ihe-pcd01-gateway.hl7'), 0);
    expect(r.sendingDevice.universalId).toBe('0123456789ABCDEF');
    expect(r.vitals).toEqual({ HR: 88, RR: 22, ETCO2: 38.25, TEMP: 37.5, NIBP_MEAN: 93 });
    expect(r.rejected).toEqual([{ mdcCode: 150456, vital: 'SPO2', code: 'invalid_value', reason: 'SPO2 could not be obtained (status X)' }]);
    expect(r.observedAt).toBe(Date.UTC(2026, 10, 24, 9, 15));
  });
});

describe('parseOru rules', () => {
  it('rejects impossible values, wrong units and non-numbers with a reason', () => {
    const r = parseOru(
      withObx(
        'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|-100|262688^MDC_DIM_PERCENT^MDC|||||F',
        'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1|80|266016^MDC_DIM_MMHG^MDC|||||F',
        'OBX|3|NM|151562^MDC_RESP_RATE^MDC|1|abc|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F',
        'OBX|4|NM|150344^MDC_TEMP^MDC|1|36.5||||||F',
      ),
      0,
    );
    expect(r.vitals).toEqual({});
    expect(r.rejected.map((x) => [x.vital, x.code])).toEqual([
      ['SPO2', 'out_of_range'],
      ['HR', 'unit_mismatch'],
      ['RR', 'not_a_number'],
      ['TEMP', 'unit_mismatch'],
    ]);
    expect(r.rejected[0]!.reason).toMatch(/outside the possible range/);
  });

  it('maps by numeric code, uses a known REFID only when the code is missing', () => {
    const r = parseOru(
      withObx(
        'OBX|1|NM|^MDC_PULS_OXIM_SAT_O2^MDC|1|95|262688^MDC_DIM_PERCENT^MDC|||||F',
        'OBX|2|NM|151594^MDC_TTHOR_RESP_RATE^MDC|1|14|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F',
        'OBX|3|NM|151578^IMPEDANCE_RR^MDC|1|15|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F',
        'OBX|4|NM|999999^MDC_ECG_HEART_RATE^MDC|1|60|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
        'OBX|5|NM|^MDC_CONC_AWAY_CO2_ET^MDC|1|35|266016^MDC_DIM_MMHG^MDC|||||F',
      ),
      0,
    );
    expect(r.vitals).toEqual({ SPO2: 95, RR: 14, ETCO2: 35 });
    expect(r.metrics[0]!.mdcCode).toBeNull();
    expect(r.ignored).toBe(2);
  });

  it('reads units as MDC (code + REFID or code only), UCUM, or plain text', () => {
    const r = parseOru(
      withObx(
        'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1|16|kPa^kPa^UCUM|||||F',
        'OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1|70|266016|||||F',
        'OBX|3|NM|150364^MDC_TEMP_BODY^MDC|1|98.6|^MDC_DIM_FAHR^MDC|||||F',
        'OBX|4|NM|147842^MDC_ECG_HEART_RATE^MDC|1|61|/min^/min^UCUM|||||C',
        'OBX|5|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1|62|bpm|||||R',
      ),
      0,
    );
    expect(r.vitals).toEqual({ NIBP_SYS: 120.01, NIBP_DIA: 70, TEMP: 37, HR: 61, PR: 62 });
  });

  it('accepts a known numeric sent as ST, ignores text and other result statuses', () => {
    const r = parseOru(
      withObx(
        'OBX|1|ST|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|96|262688^MDC_DIM_PERCENT^MDC|||||F',
        'OBX|2|CWE|147842^MDC_ECG_HEART_RATE^MDC|1|high^High|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
        'OBX|3|NM|151562^MDC_RESP_RATE^MDC|1|12|264928^MDC_DIM_RESP_PER_MIN^MDC|||||D',
      ),
      0,
    );
    expect(r.vitals).toEqual({ SPO2: 96 });
    expect(r.ignored).toBe(2);
  });

  it('takes the time from OBX-14, else OBR-7, else MSH-7', () => {
    const obr = 'OBR|1|||182777000^monitoring of patient^SCT|||20261124100000+0000';
    const obx = (time: string) => `OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|96|262688^MDC_DIM_PERCENT^MDC|||||F|||${time}`;
    expect(parseOru(withObx(obr, obx('20261124095000+0000')), 0).observedAt).toBe(Date.UTC(2026, 10, 24, 9, 50));
    expect(parseOru(withObx(obr, obx('')), 0).observedAt).toBe(Date.UTC(2026, 10, 24, 10, 0));
    expect(parseOru(withObx(obx('')), 0).observedAt).toBe(Date.UTC(2026, 10, 24, 10, 15));
  });

  it('gives a null patient id when PID-3 is absent, and refuses other message types', () => {
    expect(parseOru(withObx(), 0).patientId).toBeNull();
    expect(() => parseOru('MSH|^~\\&|A|F|||20260101||ADT^A01|1|P|2.6\r', 0)).toThrow(UnsupportedMessageError);
    expect(() => parseOru('MSH|^~\\&|A|F|||20260101||ORU^R01|1|P|2.6\r', 0)).not.toThrow();
    expect(() => parseOru('MSH|^~\\&|A|F|||20260101||ORU^R01||P|2.6\r', 0)).toThrow(Hl7ParseError);
  });
});
