import { ApiError } from '../errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * An endpoint URL the cloud will post to: https, or http to a loopback address when the
 * configuration allows it explicitly. No credentials in the URL (they would show in listings).
 */
export function checkEndpointUrl(raw: string, allowHttpLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('invalid_request', 'url is not an absolute URL');
  }
  if (url.username !== '' || url.password !== '') throw new ApiError('invalid_request', 'url must not carry credentials; the signature authenticates the cloud');
  if (url.hash !== '') throw new ApiError('invalid_request', 'url must not have a fragment');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && allowHttpLoopback && LOOPBACK_HOSTS.has(url.hostname)) return url.toString();
  throw new ApiError('invalid_request', allowHttpLoopback ? 'url must be https (or http to a loopback address)' : 'url must be https');
}
