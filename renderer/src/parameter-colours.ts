/**
 * Colours of the parameters. Red, yellow and cyan mean alarm priorities and nothing else, so no
 * parameter is drawn in a hue near them: green, violet, white and magenta.
 */
export const PARAMETER_COLOUR = {
  HR: '#4ade80',
  SPO2: '#b197fc',
  RR: '#f0f3f6',
  TEMP: '#e879f9',
  ETCO2: '#f0f3f6',
  NIBP: '#f0f3f6',
} as const;
