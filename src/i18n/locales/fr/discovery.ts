import type { Catalogue } from '../../catalogue.js';

export default {
  identity: {
    title: '{{account}} — OpenID',
    text: 'Ceci est l’identifiant OpenID de <strong>{{account}}</strong>\u00a0: <code>{{identifier}}</code>. Les sites compatibles avec OpenID permettent à son titulaire de s’y connecter avec cet identifiant.',
  },
  private: {
    title: 'Identifiant privé — OpenID',
    heading: 'Identifiant OpenID privé',
    text: 'Ceci est un identifiant OpenID privé\u00a0: <code>{{identifier}}</code>. Son titulaire ne l’utilise que sur un seul site, qui ne peut pas le relier à ses autres identifiants.',
  },
  provider: {
    title: '{{domain}} — OpenID',
    heading: 'OpenID pour {{domain}}',
    text: 'Les utilisateurs de <strong>{{domain}}</strong> peuvent se connecter aux sites compatibles avec OpenID en saisissant <code>{{endpoint}}</code> puis en choisissant leur compte, ou avec leur propre identifiant <code>{{endpoint}}/<em>{{username}}</em></code>.',
    username: 'nom-utilisateur',
  },
} satisfies Catalogue;
