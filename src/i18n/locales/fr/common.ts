import type { Catalogue } from '../../catalogue.js';

export default {
  language: 'Langue',
  close_window: 'Fermer cette fenêtre',
} satisfies Catalogue;
