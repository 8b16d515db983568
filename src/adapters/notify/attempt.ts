/** What one delivery attempt came to, whatever the target: sent, or why not and whether to retry. */
export type AttemptResult =
  | { ok: true; detail: string }
  | {
      ok: false;
      /** Worth another attempt: 429, 5xx, a timeout, a connection error, a failed command. */
      retry: boolean;
      detail: string;
      /** What the server asked for (`Retry-After`), in ms from now. */
      retryAfterMs?: number;
    };
