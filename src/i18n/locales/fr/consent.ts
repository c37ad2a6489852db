import type { Catalogue } from '../../catalogue.js';

// French typography: a narrow no-break space (U+202F) before ":", ";", "?" and "!".

export default {
  title: 'Se connecter à un site\u202f?',
  heading: 'Se connecter à ce site\u202f?',
  idn: 'Adresse internationalisée\u202f: {{unicode}} ({{ascii}})',
  http_warning: 'Ce site n’utilise pas HTTPS\u202f: ce qu’il reçoit pourrait être lu ou modifié en chemin.',
  unverified_warning:
    'Le site n’a pas confirmé l’adresse à laquelle il nous demande de vous renvoyer. Ne continuez que si vous avez vous-même commencé cette connexion. Tant qu’il ne l’aura pas fait, la question vous sera posée ici à chaque fois, même pour un site que vous autorisez toujours.',
  signed_in_as: 'Compte connecté\u202f: {{account}}.',
  learns_identifier: 'Le site saura que vous êtes <strong>{{identifier}}</strong> (compte connecté\u202f: {{account}}).',
  identifier: {
    legend: 'Se connecter à ce site en tant que',
    public: 'Votre identifiant\u202f: <span class="value">{{identifier}}</span>',
    private: 'Un identifiant privé pour ce site uniquement\u202f: le même à chaque connexion ici, et aucun autre site ne peut le relier à vous ni à votre identifiant',
  },
  share: {
    legend: 'Le site demande aussi',
    field: '{{label}}\u202f: <span class="value">{{value}}</span>',
    field_missing: '{{label}}\u202f: <span class="meta">absent de votre profil</span>',
    field_required: '{{label}} <strong>(exigé par le site)</strong>\u202f: <span class="value">{{value}}</span>',
    field_required_missing: '{{label}} <strong>(exigé par le site)</strong>\u202f: <span class="meta">absent de votre profil</span>',
    policy: 'Comment le site les utilise\u202f: <a href="{{url}}" rel="noopener noreferrer">{{url}}</a>',
  },
  decision: {
    allow_once: 'Autoriser une fois',
    allow_always: 'Toujours autoriser',
    deny: 'Refuser',
  },
  done: {
    approved_title: 'Connexion réussie',
    approved_heading: 'Terminé',
    approved: 'La connexion à <span class="realm">{{realm}}</span> est faite. Le site a demandé de ne pas vous y renvoyer\u202f; vous pouvez fermer cette page.',
    refused_title: 'Connexion refusée',
    refused_heading: 'Connexion refusée',
    refused: '<span class="realm">{{realm}}</span> a été informé de votre refus.',
  },
  form_post: {
    title: 'Retour vers le site',
    heading: 'Retour vers le site…',
    continue: 'Continuer',
  },
} satisfies Catalogue;
