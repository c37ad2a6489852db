import { text, type Text } from '../../i18n/locale.js';

/**
 * How long a throttled or waiting person waits, in words ("30 seconds", "4 minutes"): a catalogue
 * text (plural by the number, CLDR rules through i18next), in the language of the page showing it.
 * Under 90 seconds in seconds, else in whole minutes rounded up (never shorter than the wait).
 */
export function waitText(seconds: number): Text {
  return seconds < 90 ? text('login.wait.seconds', { count: seconds }) : text('login.wait.minutes', { count: Math.ceil(seconds / 60) });
}
