import type { Catalogue } from '../../catalogue.js';

export default {
  language: 'Language',
  close_window: 'Close this window',
} satisfies Catalogue;
