/**
 * `Intl.DateTimeFormat` instances, made once per locale, zone and options. Making one loads the
 * zone's and the locale's data and costs far more than formatting with it (in the booking path it
 * was the cloud's largest CPU cost). Keys come from the clinics' and reports' IANA zones and a
 * handful of fixed option sets, so the cache stays small; a zone Intl refuses throws, uncached.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormat(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return format;
}
