/**
 * Debian's chromium for the browser tests, driven by puppeteer-core (no browser is ever
 * downloaded). `.ci/run` installs it; where it is absent the tests say so in their names.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Where Debian installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when it is installed. */
export const hasChromium = existsSync(CHROMIUM);

/** Launches it headless, every wait bounded by `timeoutMs`. */
export function launchChromium(timeoutMs: number): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox'],
    timeout: timeoutMs,
    protocolTimeout: timeoutMs,
  });
}
