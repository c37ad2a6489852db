import type { Catalogue } from '../../catalogue.js';

export default {
  identity: {
    title: '{{account}} — OpenID',
    text: 'Dies ist die OpenID-Kennung von <strong>{{account}}</strong>: <code>{{identifier}}</code>. Bei Websites, die OpenID unterstützen, kann sich ihr Inhaber damit anmelden.',
  },
  private: {
    title: 'Private Kennung — OpenID',
    heading: 'Private OpenID-Kennung',
    text: 'Dies ist eine private OpenID-Kennung: <code>{{identifier}}</code>. Ihr Inhaber verwendet sie nur bei einer einzigen Website, die sie nicht mit seinen anderen Kennungen in Verbindung bringen kann.',
  },
  provider: {
    title: '{{domain}} — OpenID',
    heading: 'OpenID für {{domain}}',
    text: 'Nutzer von <strong>{{domain}}</strong> melden sich bei Websites, die OpenID unterstützen, an, indem sie <code>{{endpoint}}</code> eingeben und ihr Konto wählen oder ihre eigene Kennung <code>{{endpoint}}/<em>{{username}}</em></code> angeben.',
    username: 'benutzername',
  },
} satisfies Catalogue;
