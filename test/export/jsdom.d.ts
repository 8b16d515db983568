/**
 * The slice of jsdom the Mermaid parse helper uses (the project has no @types/jsdom; if it is
 * added, delete this file).
 */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string, options?: Record<string, unknown>);
    readonly window: Record<string, unknown>;
  }
}
