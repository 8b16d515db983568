/**
 * The generic webhook: stagecraft's own event as JSON (`version` 1, then the
 * {@link NotifyEvent} fields), signed like GitHub's `X-Hub-Signature-256`: the header carries
 * `sha256=` + the hex HMAC-SHA256 of the exact body bytes, keyed with the signing secret.
 */
import { createHmac } from 'node:crypto';
import type { NotifyEvent } from '../../config/plan-monitoring.js';

/** The version of the webhook body: a receiver can tell a later shape from this one. */
const WEBHOOK_BODY_VERSION = 1;

/** The webhook body, as the exact text that is signed and sent. */
export function webhookBody(e: NotifyEvent): string {
  return JSON.stringify({ version: WEBHOOK_BODY_VERSION, ...e });
}

/** The signature header's value for `body`: `sha256=<hex>`. */
export function webhookSignature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}
