import { ensureChromium } from './browser';

/** CI machines start without a browser: install Debian's chromium once, before any test. */
export default function globalSetup(): void {
	ensureChromium();
}
