import type { Catalogue } from '../../catalogue.js';

export default {
  language: 'Sprache',
  close_window: 'Dieses Fenster schließen',
} satisfies Catalogue;
