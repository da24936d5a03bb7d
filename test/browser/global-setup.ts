import { ensureChromium, ensureFirefox } from './browser';

/** CI machines start without browsers: install Debian's chromium and firefox-esr once, before any test. */
export default function globalSetup(): void {
	ensureChromium();
	ensureFirefox();
}
