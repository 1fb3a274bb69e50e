/**
 * Counts the HTTP requests this process sends, from Node.js' diagnostics channels: every cloud
 * SDK measured here sends through `node:http` (the AWS SDK's handler, gaxios for Cloud
 * Storage, Azure's core pipeline), and `fetch` (undici) is counted as well. No proxy and no
 * SDK hook: the count is the same whichever client sends the request.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

const CHANNELS = ['http.client.request.start', 'undici:request:create'];

/**
 * Starts counting. `stop()` ends it and returns `{ total, byMethod }`, e.g.
 * `{ total: 14, byMethod: { PUT: 9, GET: 3, DELETE: 2 } }`.
 */
export function countHttpRequests() {
  const byMethod = {};
  let total = 0;
  const onRequest = ({ request }) => {
    total += 1;
    const method = String(request?.method ?? '?').toUpperCase();
    byMethod[method] = (byMethod[method] ?? 0) + 1;
  };
  for (const channel of CHANNELS) subscribe(channel, onRequest);
  return {
    stop() {
      for (const channel of CHANNELS) unsubscribe(channel, onRequest);
      return { total, byMethod };
    },
  };
}
