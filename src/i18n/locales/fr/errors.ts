import type { Catalogue } from '../../catalogue.js';

export default {
  page: {
    reference: 'Erreur <code>{{code}}</code> (HTTP {{status}}) · requête <code>{{requestId}}</code>',
    popup_closed: 'Rien n’a été envoyé au site. Vous pouvez fermer cette fenêtre.',
  },
  unknown_language: {
    title: 'Langue inconnue',
    detail: 'Les pages sont proposées dans ces langues : {{languages}}.',
  },
} satisfies Catalogue;
