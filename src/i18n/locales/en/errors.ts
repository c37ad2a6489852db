import type { Catalogue } from '../../catalogue.js';

export default {
  page: {
    reference: 'Error <code>{{code}}</code> (HTTP {{status}}) · request <code>{{requestId}}</code>',
    popup_closed: 'Nothing was sent to the site. You can close this window.',
  },
  unknown_language: {
    title: 'Unknown language',
    detail: 'Pages are offered in these languages: {{languages}}.',
  },
} satisfies Catalogue;
