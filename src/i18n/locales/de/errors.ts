import type { Catalogue } from '../../catalogue.js';

export default {
  page: {
    reference: 'Fehler <code>{{code}}</code> (HTTP {{status}}) · Anfrage <code>{{requestId}}</code>',
    popup_closed: 'An die Website wurde nichts gesendet. Sie können dieses Fenster schließen.',
  },
  unknown_language: {
    title: 'Unbekannte Sprache',
    detail: 'Die Seiten gibt es in diesen Sprachen: {{languages}}.',
  },
} satisfies Catalogue;
