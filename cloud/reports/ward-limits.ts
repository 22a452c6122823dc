/**
 * The ward's alarm limits a vitals report measures time outside of, in the canonical units.
 * These mirror the station's adult ward defaults (gateway/alarms/alarm-rules.ts,
 * DEFAULT_ALARM_CONFIG), which are not part of the contract the cloud imports; stations do not yet
 * send their limits or a bed's overrides, so a report names these as the ward defaults.
 */
export const WARD_DEFAULT_LIMITS: Readonly<Record<string, { readonly low?: number; readonly high?: number }>> = {
  HR: { low: 50, high: 120 },
  PR: { low: 50, high: 120 },
  SPO2: { low: 90 },
  RR: { low: 8, high: 30 },
  NIBP_SYS: { low: 90, high: 160 },
  NIBP_MEAN: { low: 65 },
  TEMP: { low: 35.5, high: 38.5 },
  ETCO2: { low: 25, high: 50 },
};
