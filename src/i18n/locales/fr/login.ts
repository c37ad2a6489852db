import type { Catalogue } from '../../catalogue.js';

// French typography: a narrow no-break space (U+202F) before ":", ";", "?" and "!".

export default {
  title: 'Connexion — {{domain}}',
  heading: 'Connectez-vous avec votre compte {{domain}}',
  continue_to_realm: 'pour continuer vers <span class="realm">{{realm}}</span>',
  continue_to_application: 'pour continuer vers <span class="realm">{{name}}</span> <span class="meta">(application <code>{{clientId}}</code> sur {{origin}})</span>',
  username: 'Nom d’utilisateur',
  password: 'Mot de passe',
  remember: 'Garder ma session ouverte sur cet appareil',
  sign_in: 'Se connecter',
  chat_approval: 'Confirmer avec mon application de messagerie',
  fresh_sign_in: 'Pour modifier votre façon de vous connecter, reconnectez-vous d’abord.',
  errors: {
    invalid_credentials: 'Nom d’utilisateur ou mot de passe incorrect.',
    account_disabled: 'Ce compte est désactivé. Adressez-vous à l’administrateur de ce domaine.',
    unavailable: 'Le service de connexion est indisponible pour le moment. Réessayez dans quelques minutes.',
    throttled: 'Trop de tentatives échouées. Réessayez dans {{wait}}.',
    username_too_long: 'Ce nom d’utilisateur est trop long\u202f: aucun compte n’en a d’aussi long.',
    password_too_long: 'Ce mot de passe est trop long\u202f: les mots de passe ont au plus {{max}} caractères.',
    unreadable: 'Le formulaire n’a pas pu être lu. Réessayez.',
  },
  wait: {
    seconds_one: '{{count}} seconde',
    seconds_many: '{{count}} de secondes',
    seconds_other: '{{count}} secondes',
    minutes_one: '{{count}} minute',
    minutes_many: '{{count}} de minutes',
    minutes_other: '{{count}} minutes',
  },
  code: {
    title: 'Second facteur — {{domain}}',
    heading: 'Confirmez que c’est bien vous',
    step_up_site: '<span class="realm">{{site}}</span> demande une seconde preuve que vous êtes bien <strong>{{account}}</strong>.',
    step_up: 'Une seconde preuve que vous êtes bien <strong>{{account}}</strong> est nécessaire.',
    sign_in_site: 'Connexion en tant que <strong>{{account}}</strong> pour continuer vers <span class="realm">{{site}}</span>.',
    sign_in: 'Connexion en tant que <strong>{{account}}</strong>.',
    label: 'Code de votre application d’authentification, ou code de récupération',
    remember_device_one: 'Mémoriser cet appareil pendant {{count}} jour (aucun code demandé ici\u202f; les sites sont informés qu’un seul facteur a été utilisé)',
    remember_device_many: 'Mémoriser cet appareil pendant {{count}} de jours (aucun code demandé ici\u202f; les sites sont informés qu’un seul facteur a été utilisé)',
    remember_device_other: 'Mémoriser cet appareil pendant {{count}} jours (aucun code demandé ici\u202f; les sites sont informés qu’un seul facteur a été utilisé)',
    continue: 'Continuer',
    errors: {
      not_a_code: 'Ce n’est pas un code\u202f: saisissez les six chiffres qu’affiche votre application d’authentification, ou l’un de vos codes de récupération.',
      wrong_code: 'Code incorrect ou déjà utilisé. Saisissez le code qu’affiche votre application en ce moment, ou un code de récupération encore inutilisé.',
      throttled: 'Trop de codes incorrects. Réessayez dans {{wait}}.',
      timed_out: 'Votre connexion a expiré avant que le code soit saisi. Reconnectez-vous.',
    },
  },
  approval: {
    title: 'Confirmez dans votre application de messagerie — {{code}}',
    heading: 'Confirmez dans votre application de messagerie',
    signing_in_to: 'Connexion à <span class="realm">{{site}}</span>.',
    // "yes" and "no" are the bot's commands: they stay as the bot reads them.
    waiting: 'En attente de votre réponse. Votre application de messagerie affiche le code <strong class="code">{{code}}</strong>\u202f: vérifiez qu’il est identique, puis acceptez, ou répondez <kbd>yes {{code}}</kbd> (ou <kbd>no {{code}}</kbd>).',
    refresh: 'Cette page vérifie d’elle-même à nouveau toutes les quelques secondes. La demande expire dans {{wait}}.',
    cancel: 'Annuler',
    back: 'Retour à la page de connexion',
    reference: 'HTTP {{status}} · requête <code>{{requestId}}</code>',
    // After "Connexion à".
    site: {
      identity_page: 'votre page d’identité',
      application: '{{name}} ({{origin}})',
      expired_application: 'une application (sa demande de connexion a expiré)',
    },
    errors: {
      not_available: 'La confirmation avec l’application de messagerie n’est pas disponible ici\u202f: connectez-vous avec votre mot de passe.',
      invalid_username: 'Ce n’est pas un nom d’utilisateur valide pour {{domain}}.',
      unavailable: 'Le service de connexion est indisponible pour le moment. Réessayez dans une minute, ou connectez-vous avec votre mot de passe.',
      rate_limited: 'Trop de demandes de confirmation. Réessayez dans une minute.',
    },
    finished: {
      unknown: { title: 'Connexion inconnue', message: 'Cette demande de confirmation de connexion n’existe pas.' },
      other_browser: { title: 'Autre navigateur', message: 'Cette connexion a été commencée dans un autre navigateur\u202f: seul ce navigateur peut la poursuivre.' },
      timed_out: { title: 'Délai dépassé', message: 'Personne n’a confirmé cette connexion à temps. Personne n’a été connecté.' },
      already_used: { title: 'Déjà utilisée', message: 'Cette connexion a déjà été menée à bien.' },
      account_disabled: { title: 'Compte désactivé', message: 'Ce compte est désactivé. Adressez-vous à l’administrateur de ce domaine.' },
      denied: { title: 'Refusée', message: 'La connexion a été refusée depuis l’application de messagerie. Personne n’a été connecté.' },
      cancelled: { title: 'Annulée', message: 'Cette connexion a été annulée.' },
    },
  },
} satisfies Catalogue;
